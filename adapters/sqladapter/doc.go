// Package sqladapter syncs tables of any SQL database reachable through
// database/sql: the adapter for an ERP, a warehouse system or an accounting
// package that has a database but no API. It implements the sync engine's
// Source, Sink and Reader over one table per data type, on SQLite and
// PostgreSQL.
//
// A table needs an id column (the record's ID) and an updated-at column
// that the system sets on every change; it may have a soft-delete column (a
// timestamp or boolean that marks a row deleted) and an external-key column
// (a unique column that holds the engine's idempotency key, Op.Key). Names
// are configurable; the columns read are a list or all of them.
//
// # Changes
//
// Changes reads rows in keyset order, (updated_at, id) > (cursor), a page
// at a time (Options.PageSize), so a row is never skipped or read twice
// within a run however many share a timestamp. The cursor is the engine's
// time cursor (sync.TimeCursor: the updated-at instant and the id), so the
// pipeline's lookback window applies without further code. Rows whose
// updated-at is NULL are not part of the change stream (Get still reads
// them); give such rows a value, or a default, before syncing. A soft-deleted
// row is yielded as a tombstone (Record.Deleted); a hard-deleted row leaves
// no trace, so tables that must propagate deletes need a soft-delete column.
//
// # Writes
//
// Write runs a batch in one transaction, each operation under a savepoint,
// so one bad row is reported in its Result (with its error) and does not
// undo the others. It sets the updated-at column itself on every write.
//
//   - A create is an upsert on the key column: INSERT ... ON CONFLICT (key)
//     DO UPDATE ... RETURNING id. The same create written twice (after a
//     crash between the write and the engine's checkpoint) updates the row
//     the first one made. A table without Table.KeyColumn refuses creates.
//     Changes and Get read the key column into sync.Record.Key, which a
//     bidirectional pipeline needs to recognise a row it created whose link
//     it has not checkpointed yet (sync.KeyFrom).
//     New rows get their id from the database (an identity, serial or
//     INTEGER PRIMARY KEY column) or from Options.NewID.
//   - An update changes the given columns of the row with that id; a row
//     that does not exist is an error (ErrNotFound).
//   - A delete sets the soft-delete column (the time, or true) when the
//     table has one, else deletes the row; a row already gone is a success.
//
// Errors of a transient kind (a busy or locked SQLite database, a
// PostgreSQL serialization failure, deadlock or lost connection) are
// retryable (sync.IsRetryable); constraint violations and bad values are
// not.
//
// # Safety
//
// Table and column names are validated (letters, digits, '_' and '$', not
// starting with a digit; a table may be qualified by a schema) and always
// quoted, so a reserved word works as a column name and nothing can be
// injected; on PostgreSQL a quoted name is case-sensitive, so give names as
// the catalogue holds them (usually lower case). Values are always passed
// as parameters, never written into SQL text. The columns an operation
// names are checked against the table's columns before any SQL is sent.
//
// # Values
//
// Fields hold what the driver returns, in the engine's canonical forms:
// integers and decimals as json.Number (PostgreSQL numeric keeps its exact
// digits; an SQLite REAL is read through its shortest decimal form, so keep
// money in SQLite as TEXT or integer cents), text as string, timestamps as
// time.Time in UTC, booleans as bool (SQLite has none: 0 and 1 are
// numbers). Written values go the other way; objects and arrays are written
// as JSON text.
//
// # Timestamps
//
// Table.TimeFormat says how the updated-at (and a timestamp soft-delete)
// column stores time: "" (the default) for the driver's own time type
// (PostgreSQL timestamp/timestamptz, or SQLite text as database/sql writes a
// time.Time), "unix", "unix_ms" or "unix_us" for integer epochs, or a Go
// layout for text columns in UTC ("2006-01-02 15:04:05" for SQLite's
// CURRENT_TIMESTAMP). A text layout must sort in time order (most fixed-width
// layouts with the year first do), because the database compares the values.
package sqladapter
