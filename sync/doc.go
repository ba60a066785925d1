// Package sync is zohokit's sync engine: it keeps one data type in step
// between two systems (Zoho CRM and an ERP, Zoho Books and an accounting
// package) through a Pipeline, in one of three strategies.
//
// Systems are reached through three small interfaces that adapters
// implement (adapter.go): a Source yields changes since a cursor, a Sink
// writes operations in batches and answers one Result per operation, a
// Reader reads records by ID. Zoho is just another adapter to this package.
// Typed bridges an adapter written over a user's own struct (an ERP
// Customer) through a Codec, and package synctest provides an in-memory
// adapter and assertions for tests.
//
// # Strategies
//
//   - Push: Pipeline.Push (or a PushKind queue job, see PushJob) names one
//     source record, which is filtered, mapped and written at once. Run is a
//     catch-up pass over the source's changes, for events that were lost.
//   - Pull: each Run reads the left (source) side's changes since the
//     cursor, minus the lookback window, skips records whose mapped value is
//     what was last written, and writes the rest to the right side in
//     batches. The first run is a backfill.
//   - Bidirectional: each Run applies the reviews people resolved, then
//     reads the left side's changes, then the right side's. Each record is
//     paired with its counterpart through the link table (store.Link) and
//     merged field by field against the base, the last synced value of the
//     pair: a field changed on one side flows to the other; changed on both
//     to the same value is no conflict; changed on both to different values
//     is a conflict.Conflict for the Resolver (conflicts name fields by their
//     left-side paths). A Hold leaves the field as it is on both sides with
//     its base unchanged; once a person resolves the review, the next run
//     writes the decision to both sides and marks the review applied in the
//     same checkpoint. Records new on either side are created on the other
//     and linked; deletes follow the DeletePolicy.
//
// Every strategy satisfies Syncer: Run does a pass, Plan computes the same
// pass without writing anything (a dry run: the operations, conflicts with
// their decisions, records left alone, counts). A Scheduler runs pipelines
// on their intervals with jitter.
//
// # Guarantees
//
// Delivery is at least once: a record may be written more than once (after a
// crash, a retry, a redelivered event), never lost, and never duplicated
// (bidirectional pipelines need adapters that keep keys for the last: see
// the second point):
//
//   - Idempotency. The link table finds the counterpart of a record synced
//     before. A create carries Op.Key (IdempotencyKey: the pipeline, side and
//     source ID), and Sinks must not create two records for one key, so that
//     a create written just before a crash, and so before its link was
//     checkpointed, is found again rather than repeated.
//   - Records created and not linked yet. In a bidirectional pipeline the
//     record a create made can be read, unlinked, before its link is
//     durable: by the next run after a crash between the write and the
//     checkpoint, or by a Push of the event of its creation racing the run.
//     Adapters whose systems keep the key report it as Record.Key, and
//     KeyFrom recognises a key this pipeline made for a create from the
//     other side: such a record is skipped (the Report and the Plan say
//     why), neither created on the other side nor parked. The record it
//     came from is read again by its own pass (that cursor did not move past
//     it), whose create, idempotent, finds the record and links the two. The
//     pass that skipped it holds its cursor before it until the end of the
//     run, so that a run dying in between forgets nothing. When the record
//     it came from is read deleted in the same run, the delete policy
//     applies to the pair as to a linked one. A record still unlinked at the
//     end of a run (the one it came from failed, is filtered out, or was
//     deleted without a tombstone this run read) is named with its key in
//     the run's Warnings and stays skipped, for a person to delete it or
//     clear its key (it then syncs as a new record). With adapters that keep
//     no key, such a crash can still create a duplicate; its pair then fails
//     with store.ErrConflictingLink rather than corrupt the link table.
//   - Checkpoints. Each batch ends with one store.Checkpoint: the links it
//     created or changed, the cursor, and the reviews it applied, committed
//     atomically after the batch's writes. The cursor then advances to the
//     last change whose outcome is durable: written and linked, or parked in
//     the queue. A crash before the commit leaves the previous checkpoint, and
//     the next run reads the batch again.
//   - Lookback. The engine, not the adapter, re-reads Config.Lookback before
//     the stored cursor on every run, for clocks that disagree and
//     transactions that commit late. Cursors are opaque: the engine moves
//     them back itself when they are in its time format (TimeCursor), and
//     asks the Source otherwise (Rewinder); a Source with neither gets no
//     lookback, and the run report says so. A time cursor is never committed
//     backwards. Records re-read this way are recognised as unchanged.
//   - Unchanged records are not written. Pull and push compare the hash of
//     the mapped record (transform.Hash) with the link's hash of what was
//     last written.
//   - Echo suppression. Bidirectional runs compare each side in one
//     canonical form, the left side's field names and values, mapped through
//     the mapping and back, so that a value a side normalises does not look
//     like a change. An incoming change whose canonical hash equals the
//     link's hash for its side is what we last wrote there, or last saw in
//     agreement: it is dropped without reading the other side. That is how
//     records written in a run are not processed again when the other
//     side's changes are read, and why the run after a run writes nothing.
//
// # Failures
//
// A record the target rejects (Result.Err) is reported in the Report with
// its reason and does not hold up the others. With a Config.Queue it is
// parked there, in the same transaction as the checkpoint when the store
// and the queue share a database (Config.SameDatabase): a retryable failure
// becomes a RetryKind job with the queue's backoff and RetryAttempts, any
// other one a job with one more attempt; a job that exhausts its attempts
// is dead, visible on the dashboard, for a person to fix the data and
// requeue. RegisterJobs installs the handlers, which re-read the record and
// sync it again. Without a queue, a failed record stops the cursor before
// it, so the next run tries it again. A Sink that fails a whole batch with a
// retryable error (the system is down) stops the run at the last durable
// checkpoint; a non-retryable whole-batch failure is narrowed down by
// writing the batch's operations one at a time.
//
// Runs take the pipeline's lease (store.AcquireLease), renew it while they
// run and give it up after, so several replicas can run the same Scheduler
// and a pipeline still runs in one place at a time. Push does not take it.
//
// # Reading the code
//
// pipeline.go and validate.go hold the configuration; run.go the pass
// itself (lease, run records, writes, checkpoints and parking); oneway.go
// the push and pull flow; bidi.go, bidi_pair.go and merge.go the
// bidirectional flow and the three-way merge, bidi_keys.go the records it
// created and has not linked yet; push.go and failures.go events, queue
// jobs and idempotency keys; plan.go, report.go and observer.go what a pass
// tells; scheduler.go and clock.go the schedule; cursor.go cursors and the
// lookback; typed.go the typed bridge.
package sync
