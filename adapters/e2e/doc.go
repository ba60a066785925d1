// Package e2e holds the end-to-end tests of the ready adapters with the sync
// engine: the fake Zoho (CRM with OpenAPI validation, Books), a SQLite
// database as the ERP (sqladapter), the SQLite sync store and a queue. It
// has no API; see its tests:
//
//   - push_test.go: a CRM deal reaching Closed Won creates one Books invoice,
//     though the event arrives three times and Books answers 500 twice.
//   - pull_test.go: ERP prices pulled every 15 minutes into CRM Products; a
//     run without ERP changes calls Zoho for nothing.
//   - bidi_test.go: a delivery address edited on both sides, resolved by
//     latest timestamp, by authority and by a person; one-sided edits merge;
//     the run after any bidirectional run writes nothing.
//   - crash_test.go: a process killed (SIGKILL) between a write and its
//     checkpoint converges on rerun without a duplicate.
//   - bidi_crash_test.go: a bidirectional run that created a CRM account
//     from a new ERP customer dies before its checkpoint, and a CRM webhook
//     for the new account races a run: neither makes a second ERP
//     customer; the pair ends linked.
//   - bench_test.go: Zoho calls per 1,000 changed records.
package e2e
