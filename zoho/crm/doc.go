// Package crm is the Zoho CRM v8 client: records of any module (list, get,
// search, COQL, deleted records, insert, update, upsert, delete), module and
// field metadata, users and the organisation, bulk reads and writes,
// notification channels and the notifications Zoho sends to them. It is built on the core
// client of package zoho, which brings the credentials, the data centre's
// API domain, rate limits, retries and typed errors.
//
//	zc, err := zoho.New(zoho.Config{...})
//	c, err := crm.New(zc, nil)
//	for rec, err := range c.Records.List(ctx, "Contacts", &crm.ListOptions{Fields: []string{"Last_Name", "Email"}}) { ... }
//
// # Services and records
//
// The Client's services group the API by area (Records, COQL, Meta, Users,
// Org); methods read Verb(ctx, ids..., opts) and return the *zoho.Response
// where one answer is involved. Records are open maps (Record) for any
// module and custom fields, or typed structs through a Module handle:
// c.Contacts(), c.Accounts(), c.Deals(), c.Products(), or NewModule[T] for
// a user's own struct. The typed structs keep the fields they do not
// declare in Extra, so nothing is lost when a record is read and written
// back.
//
// # Lists are iterators
//
// Every list is an iter.Seq2[T, error] that fetches pages as the loop
// ranges (through zoho.Paginate). Record lists follow Zoho's paging rules:
// page numbers for the first 2,000 records, then info.next_page_token.
// An answer 204 (no records) or 304 (nothing modified since
// ListOptions.ModifiedSince) yields nothing, and is not an error; Pages and
// ListOptions.OnPage expose each page's Info and Response, and
// PageInfo.NotModified tells the two apart. A search yields at most Zoho's
// 2,000 records and ends with ErrSearchLimit when more match; COQL's All
// pages by id past Zoho's 2,000 rows per call and 10,000 by offset.
//
// # Writes: chunks and per-record results
//
// Insert, Update, Upsert and Delete take any number of records, send them
// in calls of 100 (Zoho's limit) in order, and return exactly one Result
// per record, in request order. A record that Zoho refuses (HTTP 207
// multi-status, or 400 when all of a call's records failed) has a
// *RecordError with Zoho's code (MANDATORY_NOT_FOUND, DUPLICATE_DATA, ...)
// while the other records stand. The returned error is nil unless whole
// calls failed (a *WriteError; those records' Results carry the call's
// error). WriteOptions.NoTriggers sends "trigger": [] so that a sync fires
// no workflow, approval or blueprint; Upsert is idempotent and retried
// after 5xx and network errors, Insert is not.
//
// # Bulk APIs and notifications
//
// NewBulk gives the bulk read and write APIs for large volumes: Read yields
// the rows of a bulk read job as records, streaming each zipped CSV through
// a temp file so memory holds one row at a time; Write builds the zipped CSV
// on disk, uploads it to the data centre's content host and returns one
// result per record. Watch enables, lists, updates and disables
// notification channels, and a Renewer keeps them from expiring;
// ParseNotification reads the callback Zoho POSTs to a channel's URL
// (package webhook receives it).
//
// # Times, dates, decimals
//
// CRM date-times carry the acting user's offset ("2019-01-02T14:44:13+05:30").
// Time parses and formats them and compares as an instant; Date is a
// calendar day ("2026-05-14"). If-Modified-Since and criteria values are
// formatted with the offset, and the "+" is URL-encoded. Numbers are
// decoded as json.Number, never through float64, so currency values stay
// exact.
package crm
