// Package books is the Zoho Books v3 client: organisations, contacts,
// invoices (create, read, list, update, mark as sent, void, email), items
// and customer payments, for one organisation at a time.
//
//	zc, _ := zoho.New(cfg)                            // credentials, data centre, limits
//	org, err := books.ResolveOrganization(ctx, zc)    // or take the id from configuration
//	c, err := books.New(zc, org.OrganizationID)
//	inv, _, err := c.Invoices.Create(ctx, books.Invoice{...}, nil)
//
// # Organisations
//
// Every Books call names an organisation (organization_id). An account may
// hold several, so New requires the id; ResolveOrganization returns the
// account's only organisation or, when there are several, an
// *OrganizationChoiceError listing them (Zoho's is_default_org is a
// user-interface preference and is never used to choose).
//
// # Errors
//
// Books wraps answers in {"code":0,"message":"success",...} and reports
// errors as a non-zero code, sometimes with HTTP 200. Such answers are
// *zoho.Error values with Zoho's code ("1002") and message, whatever the
// status; 1002 ("does not exist") matches zoho.ErrNotFound, the rate
// limits zoho.ErrRateLimited, a dead token zoho.ErrInvalidToken (the core
// client then refreshes the token once and resends).
//
// # Limits
//
// Zoho allows 100 requests a minute per organisation. The core client's
// limiter (zoho.RateLimits.Books, keyed by organisation) enforces it before
// sending: a burst waits for room instead of failing. The daily quota comes
// back in every answer's X-Rate-Limit-* headers (zoho.Response.Rate); when
// it is spent, the error's RetryAfter is the time until the reset and the
// request is not retried.
//
// # Values
//
// Amounts are Amount, an exact decimal: 1234.56 stays 1234.56 through a
// decode, an encode and any arithmetic done with its apd.Decimal. Books
// writes date-times with the organisation's offset and no colon
// ("2026-06-09T16:22:34-0400"): Time reads and writes them and compares as
// an instant. Dates ("2026-06-09") are Date. Members of Zoho's objects that
// the typed structs do not declare (custom ones included) are kept in each
// struct's Extra and written back, so nothing is lost on a round trip.
//
// # Lists and incremental reads
//
// Lists are iterators (iter.Seq2) that fetch 200 records a page as the loop
// asks for them. ListOptions.ModifiedSince turns a list into an incremental
// read for scheduled pulls: the records modified at or after that time
// (inclusive), oldest change first, without skipping records that change
// while the list is read. Lists return summaries; Get returns whole
// records (an invoice's line items, a contact's addresses).
//
// Inventory (zoho/inventory) shares this package's values and
// organisations and the same wire protocol.
package books
