package zohotest

import (
	"fmt"
	"net/http"
	"time"
)

// Books is the fake's Zoho Books v3 (/books/v3), for tests: its helpers seed
// and read organisations, contacts, items, invoices and payments without
// HTTP (no call is counted, no fault applies) but through the same
// validation as the API. Get it with Server.Books.
//
// What the fake serves, as Zoho does:
//
//   - organization_id on every call but GET /organizations; a missing or
//     unknown one answers 400 {"code":2,"message":"Invalid value passed for
//     organization_id"}.
//   - The envelope {"code":0,"message":"success",...}; errors carry a
//     non-zero code: 1002 "... does not exist." (404), 2 "Invalid value
//     passed for <param>" (400), 14 and 57 for authentication (401).
//   - 100 requests per minute per organisation, counted on the server's
//     clock over a sliding minute: the 101st answers 429 with code 44. A
//     daily quota per organisation (SetDailyLimit, default 10,000) answers
//     429 with code 45; every answer carries X-Rate-Limit-Limit, -Remaining
//     and -Reset (seconds to the organisation's midnight).
//   - created_time and last_modified_time in the organisation's offset
//     without a colon ("2026-06-09T16:22:34-0400"); dates as "2026-06-09".
//   - Lists with page/per_page (at most 200), page_context, sort_column
//     (created_time, last_modified_time, ...) and sort_order (A, D; default
//     created_time descending), and last_modified_time, which keeps the
//     records modified at or after the given time (inclusive).
//   - Invoices: create answers 201 with a Location header; totals computed
//     exactly from rate × quantity (two decimals, half up); status draft,
//     sent (status/sent, or create with send=true), void (status/void),
//     partially_paid and paid from applied payments, overdue past the due
//     date; filters status, customer_id, reference_number and
//     invoice_number (exact, _startswith, _contains). Lists show summaries
//     without line items, as Zoho's do.
//   - Members the fake does not model are stored and echoed back.
//
// Helpers take an organisation id; "" means the default organisation (the
// one the server starts with, OrgID).
type Books struct{ f *finState }

// Books returns the fake's Zoho Books.
func (s *Server) Books() *Books { return &Books{f: s.fin} }

func (s *Server) booksRoutes() []route {
	f := s.fin
	const p = finBooks
	return []route{
		f.route(p, "GET /books/v3/organizations", false, f.listOrgs),
		f.route(p, "GET /books/v3/organizations/{id}", false, f.getOrg),
		f.route(p, "GET /books/v3/contacts", true, f.listContacts),
		f.route(p, "POST /books/v3/contacts", true, f.createContact),
		f.route(p, "GET /books/v3/contacts/{id}", true, f.getContact),
		f.route(p, "PUT /books/v3/contacts/{id}", true, f.updateContact),
		f.route(p, "DELETE /books/v3/contacts/{id}", true, f.deleteContact),
		f.route(p, "GET /books/v3/items", true, f.listItems(p)),
		f.route(p, "POST /books/v3/items", true, f.createItem(p)),
		f.route(p, "GET /books/v3/items/{id}", true, f.getItem(p)),
		f.route(p, "PUT /books/v3/items/{id}", true, f.updateItem(p)),
		f.route(p, "GET /books/v3/invoices", true, f.listInvoices),
		f.route(p, "POST /books/v3/invoices", true, f.createInvoice),
		f.route(p, "GET /books/v3/invoices/{id}", true, f.getInvoice),
		f.route(p, "PUT /books/v3/invoices/{id}", true, f.updateInvoice),
		f.route(p, "DELETE /books/v3/invoices/{id}", true, f.deleteInvoice),
		f.route(p, "POST /books/v3/invoices/{id}/status/sent", true, f.invoiceStatus("sent")),
		f.route(p, "POST /books/v3/invoices/{id}/status/void", true, f.invoiceStatus("void")),
		f.route(p, "POST /books/v3/invoices/{id}/email", true, f.emailInvoice),
		f.route(p, "GET /books/v3/customerpayments", true, f.listPayments),
		f.route(p, "POST /books/v3/customerpayments", true, f.createPayment),
		f.route(p, "GET /books/v3/customerpayments/{id}", true, f.getPayment),
		f.route(p, "DELETE /books/v3/customerpayments/{id}", true, f.deletePayment),
	}
}

func (f *finState) listOrgs(_ *exchange, _ *finOrg, _ time.Time) finAnswer {
	list := make([]any, 0, len(f.orgOrder))
	for _, o := range f.orgOrder {
		list = append(list, o.render())
	}
	return finOK(0, "success", map[string]any{"organizations": list})
}

func (f *finState) getOrg(ex *exchange, _ *finOrg, _ time.Time) finAnswer {
	o := f.orgs[ex.param("id")]
	if o == nil {
		return finNotFound("Organization")
	}
	return finOK(0, "success", map[string]any{"organization": o.render()})
}

// OrgID returns the default organisation's id.
func (b *Books) OrgID() string {
	b.f.mu.Lock()
	defer b.f.mu.Unlock()
	return b.f.orgOrder[0].ID
}

// AddOrganization adds an organisation to Books and Inventory (they share
// them) and returns it with its defaults filled in. An account with several
// organisations makes clients choose one.
func (b *Books) AddOrganization(o FinanceOrganization) (FinanceOrganization, error) {
	return b.f.addOrg(o)
}

// Organizations returns the organisations in creation order.
func (b *Books) Organizations() []FinanceOrganization {
	b.f.mu.Lock()
	defer b.f.mu.Unlock()
	out := make([]FinanceOrganization, len(b.f.orgOrder))
	for i, o := range b.f.orgOrder {
		out[i] = o.FinanceOrganization
	}
	return out
}

// SetTimeZone changes an organisation's time zone ("" for the default
// organisation): its timestamps come back in the zone's offset from then on,
// and its "today" follows the zone.
func (b *Books) SetTimeZone(orgID string, loc *time.Location) error {
	if loc == nil {
		return fmt.Errorf("zohotest: SetTimeZone: the location is nil")
	}
	return b.f.withOrg(orgID, func(org *finOrg, _ time.Time) error {
		org.TimeZone = loc
		return nil
	})
}

// SetDailyLimit sets Books' daily quota per organisation (0: none); the
// default is 10,000, a higher plan's.
func (b *Books) SetDailyLimit(n int) { b.f.setDailyLimit(finBooks, n) }

func (f *finState) setDailyLimit(p finProduct, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.daily[p] = max(n, 0)
}

// withOrg runs fn under the lock with the organisation orgID ("" for the
// default) and the server's time.
func (f *finState) withOrg(orgID string, fn func(org *finOrg, now time.Time) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if orgID == "" {
		orgID = f.orgOrder[0].ID
	}
	org, err := f.org(orgID)
	if err != nil {
		return err
	}
	return fn(org, f.s.clock.Now().Truncate(time.Second))
}

// helperError turns a failed answer into a helper's error.
func helperError(op string, a finAnswer) error {
	return fmt.Errorf("zohotest: %s: %d %d: %s", op, a.status, a.code, a.message)
}

// failed reports whether a handler answer is an error.
func (a finAnswer) failed() bool {
	return a.code != 0 || (a.status != 0 && a.status >= http.StatusBadRequest)
}

// PutContact creates a contact as POST /contacts would ("contact_name" is
// required) and returns it as GET shows it.
func (b *Books) PutContact(orgID string, rec Record) (Record, error) {
	return b.f.helperCreate(orgID, "PutContact", rec, func(org *finOrg, now time.Time, m map[string]any) (map[string]any, finAnswer) {
		c, a := org.newContact(now, m)
		if a.failed() {
			return nil, a
		}
		return org.renderContact(c), a
	})
}

// Contact returns a contact as GET shows it.
func (b *Books) Contact(orgID, id string) (Record, bool) {
	return b.f.helperGet(orgID, func(org *finOrg) map[string]any {
		if c := org.contacts.byID[id]; c != nil {
			return org.renderContact(c)
		}
		return nil
	})
}

// PutItem creates an item as POST /items would ("name" and "rate" are
// required) and returns it as Books' GET shows it.
func (b *Books) PutItem(orgID string, rec Record) (Record, error) {
	return b.f.helperCreate(orgID, "PutItem", rec, func(org *finOrg, now time.Time, m map[string]any) (map[string]any, finAnswer) {
		it, a := org.newItem(now, m)
		if a.failed() {
			return nil, a
		}
		return org.renderItem(it, finBooks, true), a
	})
}

// Item returns an item as Books' GET shows it.
func (b *Books) Item(orgID, id string) (Record, bool) {
	return b.f.helperGet(orgID, func(org *finOrg) map[string]any {
		if it := org.items.byID[id]; it != nil {
			return org.renderItem(it, finBooks, true)
		}
		return nil
	})
}

func (f *finState) helperCreate(orgID, op string, rec Record, create func(*finOrg, time.Time, map[string]any) (map[string]any, finAnswer)) (Record, error) {
	m, err := plain(rec)
	if err != nil {
		return nil, fmt.Errorf("zohotest: %s: %w", op, err)
	}
	var out Record
	err = f.withOrg(orgID, func(org *finOrg, now time.Time) error {
		r, a := create(org, now, m)
		if a.failed() {
			return helperError(op, a)
		}
		out = r
		return nil
	})
	return out, err
}

func (f *finState) helperGet(orgID string, get func(*finOrg) map[string]any) (Record, bool) {
	var out Record
	_ = f.withOrg(orgID, func(org *finOrg, _ time.Time) error {
		out = get(org)
		return nil
	})
	return out, out != nil
}
