// Package adapters is the home of zohokit's ready adapters: implementations
// of the sync engine's Source, Sink and Reader (package sync) for the
// systems integrations meet most often. Each lives in its own package, so a
// program imports only what it uses (the SQL adapter pulls in no Zoho code):
//
//   - crmadapter: Zoho CRM modules (changes by Modified_Time with
//     If-Modified-Since, deletions as tombstones, upserts of 100 on an
//     external-ID field, no workflow triggers by default).
//   - booksadapter: Zoho Books contacts, items and invoices (changes by
//     last_modified_time, exact money, idempotent invoice creation through
//     reference_number).
//   - sqladapter: any database/sql table with an id and an updated-at
//     column, on SQLite and PostgreSQL (keyset changes, upserts on an
//     external-key column, soft or hard deletes): the adapter for an ERP that
//     has a database but no API.
//   - csvadapter: CSV files dropped in an inbox folder (archived once their
//     records are checkpointed) and written atomically to an outbox folder.
//
// They are also meant to be read: each is a model for writing an adapter of
// one's own system.
package adapters
