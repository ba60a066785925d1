// Package crmadapter connects Zoho CRM modules to the sync engine: it
// implements sync.Source, sync.Sink and sync.Reader for one or more modules
// on a zoho/crm client, keyed by the sync data type.
//
// # Changes
//
// Changes lists a module's records sorted by Modified_Time ascending with
// If-Modified-Since set just before the cursor: when nothing changed Zoho
// answers 304 and a run costs one call; otherwise Zoho's pages of 200 give
// the fewest calls a list can (COQL would give 2,000 a call, but returns
// lookups without their names, cannot select every field type and needs
// its own scope). Records that share a Modified_Time second are ordered by
// id before they are yielded, so a cursor of (time, id) resumes exactly,
// whatever order Zoho lists ties in; the second of the cursor is read again
// each run (If-Modified-Since is exclusive and second-grained) and its
// records up to the cursor's id are skipped.
//
// Deletions come from the deleted-records API (recycle bin and permanent)
// as tombstones (Record{Deleted: true}, Modified = the deletion time),
// merged into the stream in time order. The cursor keeps a position in each
// of the two streams ("m=<time>|<id>;d=<time>|<id>"), because the two lists
// are read at different moments: one position could skip a record modified
// between the reads. A backfill (empty cursor) reads no tombstones (nothing
// deleted before it was synced), but notes where the deleted list stands,
// so that records deleted while it runs come as tombstones in the next run.
// Module.SkipDeletes turns tombstones off and saves that call. The adapter
// implements sync.Rewinder, so the pipeline's lookback applies to both
// positions.
//
// # Writes
//
// Write groups a batch's operations by kind and sends each group in calls
// of 100: creates as upserts, updates by id, deletes by ids, and returns one
// sync.Result per operation. Refused records keep Zoho's code (a
// *crm.RecordError: MANDATORY_NOT_FOUND, DUPLICATE_DATA, ...); throttled or
// internally failed ones, and 5xx answers, are retryable (sync.IsRetryable).
// When every operation of a batch failed because its calls failed (Zoho is
// down), Write returns the error instead, so the engine stops at its last
// checkpoint.
//
// Creates are idempotent, as the sync contract requires: each is an upsert
// whose duplicate check is either Module.KeyField, a unique custom field
// (such as "Zohokit_Key", a single-line field with "do not allow duplicate
// values") into which the adapter writes Op.Key, or Module.MatchFields,
// natural unique fields the record carries (Email, Product_Code). A create
// written twice updates the record the first one made. With KeyField,
// Changes and Get read the key back as sync.Record.Key, which a
// bidirectional pipeline needs to recognise a record it created whose link
// it has not checkpointed yet (sync.KeyFrom); MatchFields give no key.
//
// Sync writes run no Zoho automation by default: the adapter sends
// "trigger": [] (and wf_trigger=false on deletes), so that a machine write
// fires no workflow rule, approval or blueprint whose field updates or
// e-mails would echo back into the sync. Module.Triggers turns chosen ones
// on.
//
// # Values
//
// Fields hold what Zoho sends, decoded exactly: numbers as json.Number
// (currency never passes through a float), date-times as Zoho's strings
// with the user's offset, lookups as {"name","id"} objects. Written values
// are sent as given, except time.Time, which is written in Zoho's form
// ("2026-03-02T09:15:00+00:00"). Record.Modified is Modified_Time, in UTC.
package crmadapter
