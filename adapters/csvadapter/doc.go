// Package csvadapter syncs through folders of CSV files, for systems whose
// only interface is a file drop: they export changed records into an inbox
// folder and import files from an outbox folder. It implements the sync
// engine's Source, Sink and Reader, one folder set per data type.
//
// # Reading: the inbox
//
// Each file is a batch of records with a header row. The id column (default
// "id") is required; an updated-at column (RFC 3339 times, or
// Folder.TimeLayout) gives Record.Modified, else the file's modification
// time does; a deleted column marks tombstones ("true", "1", "yes", "y"
// or "x"). Every other column is a field, its text as a string, an empty
// cell (or Folder.NullText) as null.
//
// Files must appear in the inbox whole: write them under another name (a
// leading "." or a ".tmp" or ".part" suffix, which the adapter ignores) and
// rename them in. The adapter never reads a file in place. Changes first
// claims new files: it moves them, in name order, into the work folder under
// a name with a sequence number ("0000000042-prices.csv"), so that files are
// read in the order they were claimed and a file dropped late, whatever its
// name, comes after the ones read before it.
//
// The cursor names a claimed file, the row reached and the file's row count
// ("0000000042-prices.csv#17/20"). A file is moved to the archive folder only
// when a later Changes call starts from a cursor past its last row: the
// cursor Changes is given is the one the engine committed after the records
// were written, so a file is archived only once all its records are durably
// synced. A crash at any point leaves the file in the work folder, and the
// next run reads it again from the last checkpoint. A malformed file (a row
// with the wrong number of cells, an empty id, a bad time) is moved to the
// rejected folder with a note of what is wrong beside it, and Changes
// reports the error; the next run goes on with the following files. To read
// a file again, copy it back into the inbox. A dry run (Pipeline.Plan) reads
// through Changes too, so it claims and archives as a run does; it only ever
// archives files whose records are already committed.
//
// Get (used by the engine to re-read a record before a retry, or the other
// side of a pair) finds the newest row of each id in the work and archive
// folders, newest file first. Its cost grows with the archive: prune
// archived files older than the retry window, since an id found in no file
// reads as deleted.
//
// # Writing: the outbox
//
// Each Write call writes one file into the outbox, atomically (a hidden
// temporary file, flushed to disk, then renamed), named with the data type,
// a UTC timestamp and a sequence number
// ("prices-20260302T091500.000000000Z-000001.csv"). Its columns are the op
// column ("op": "upsert" or "delete"), the id column, the updated-at column
// when one is configured (the time of the write), then every field of the
// batch in name order. A cell an operation does not set is left empty (an
// update carries only the fields it changes: the receiver keeps the others);
// a null is written as Folder.NullText (`\N` by default).
//
// Rows are upserts keyed by the id column, and the id of a created record is
// its idempotency key (Op.Key). That is how the Sink keeps its contract that
// one key never makes two records: a create written again after a crash
// carries the same id, so the receiving system, which must apply each row as
// an upsert by id (insert when the id is new, update otherwise), ends with
// one record. The receiving system should report that record back with the
// same id: the adapter then reads an id of the key's form
// (sync.IsIdempotencyKey) as the record's sync.Record.Key too, which a
// bidirectional pipeline needs to recognise a record it created whose link
// it has not checkpointed yet (sync.KeyFrom).
package csvadapter
