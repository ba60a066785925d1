// Package booksadapter connects Zoho Books to the sync engine: it
// implements sync.Source, sync.Sink and sync.Reader for contacts, items and
// invoices of one organisation, on a zoho/books client, keyed by the sync
// data type.
//
// # Changes
//
// Changes is the client's incremental list: records whose
// last_modified_time is at or after the cursor, oldest change first, pages
// of 200. Records of the same second are yielded in id order and the cursor
// is the engine's time cursor (sync.TimeCursor of last_modified_time and
// the id), so a run resumes exactly and the pipeline's lookback applies.
// Books' times ("2026-06-09T16:22:34-0400") are compared as instants;
// Record.Modified is in UTC, and the fields keep Books' text. Books lists
// summaries (an invoice without its line items): Entity.Full makes Changes
// read each changed record whole, at one more call per record.
//
// Books has no deleted-records list, so Changes yields no tombstones: a
// record deleted in Books is seen as deleted only when it is read by id
// (Get leaves it out, which the engine takes as deleted when it pushes or
// merges a pair). Sync deletions from Books by other means (a status
// field, such as an invoice's "void") where they matter.
//
// # Writes
//
// Books has no batch writes and no upsert: Write sends one call per
// operation (the client keeps to Books' 100 requests a minute) and returns
// one sync.Result per operation. A create is made idempotent by looking its
// key up first: the record whose Entity.KeyField holds Op.Key (invoices:
// reference_number, by default) or whose Entity.MatchField holds the
// created record's own value (a contact's contact_name or email, an item's
// sku) is updated instead of creating a second one. Creates of the same key
// are serialised within the process; two processes creating the same key
// at the same instant could still both create, so run a pipeline in one
// place (the engine's lease does). Changes and Get read the KeyField back as
// sync.Record.Key, which a bidirectional pipeline needs to recognise a
// record it created whose link it has not checkpointed yet (sync.KeyFrom);
// a MatchField gives no key. Deleting a record that is gone already
// succeeds; items cannot be deleted (zoho/books has no such call).
//
// Errors keep Books' code (a *zoho.Error, "1002" for a missing record);
// 429 and 5xx answers are retryable (sync.IsRetryable). After a failure that
// every later call would meet too (5xx, throttling, a rejected token, a
// network error) the rest of the batch is not sent; when nothing was
// written Write returns that error instead, so the engine stops at its last
// checkpoint.
//
// # Values
//
// Fields hold Books' JSON members as decoded with exact numbers: amounts as
// json.Number ("1234.50" stays so), date-times as Books writes them, line
// items and addresses as []any and map[string]any. Written fields go
// through the client's typed structs (members they do not declare are kept),
// so an amount is never rounded through a float.
package booksadapter
