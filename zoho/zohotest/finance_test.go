package zohotest

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Wire-level tests of the fake's Books and Inventory: what a client that is
// not zohokit's would see.

func finSetup(t *testing.T) (*bundle, string) {
	t.Helper()
	b := setup(t, &Options{DisableOAS: true})
	return b, b.srv.Books().OrgID()
}

func finQuery(org string, kv ...string) string {
	q := url.Values{"organization_id": {org}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return "?" + q.Encode()
}

var booksTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$`)

func TestBooksOrganizationAndAuthAnswers(t *testing.T) {
	t.Parallel()
	b, org := finSetup(t)
	for name, path := range map[string]string{
		"missing": "/books/v3/invoices",
		"unknown": "/books/v3/invoices?organization_id=1",
	} {
		r := b.call("GET", path, nil)
		require.Equal(t, http.StatusBadRequest, r.status, name)
		require.Equal(t, map[string]any{"code": float64(2), "message": "Invalid value passed for organization_id"}, r.body, name)
	}
	r := b.callToken("", "GET", "/books/v3/invoices"+finQuery(org), nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, float64(14), r.body["code"])
	r = b.callToken("Zoho-oauthtoken 1000.dead.dead", "GET", "/books/v3/invoices"+finQuery(org), nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, float64(57), r.body["code"])

	r = b.call("GET", "/books/v3/organizations", nil)
	require.Equal(t, http.StatusOK, r.status)
	orgs := r.body["organizations"].([]any)
	require.Len(t, orgs, 1)
	require.Equal(t, org, orgs[0].(map[string]any)["organization_id"])
	require.Equal(t, true, orgs[0].(map[string]any)["is_default_org"])
}

func TestBooksInvoiceWire(t *testing.T) {
	t.Parallel()
	b, org := finSetup(t)
	cust, err := b.srv.Books().PutContact("", Record{"contact_name": "Acme"})
	require.NoError(t, err)

	r := b.call("POST", "/books/v3/invoices"+finQuery(org), map[string]any{
		"customer_id": cust["contact_id"], "reference_number": "deal-9",
		"line_items":    []any{map[string]any{"name": "A", "rate": 0.1, "quantity": 3}},
		"custom_fields": []any{map[string]any{"api_name": "cf_x", "value": "y"}},
	})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	require.Equal(t, float64(0), r.body["code"])
	require.Equal(t, "The invoice has been created.", r.body["message"])
	inv := r.body["invoice"].(map[string]any)
	id := inv["invoice_id"].(string)
	require.Equal(t, "/api/v3/invoices/"+id, r.header.Get("Location"))
	require.Equal(t, "draft", inv["status"])
	require.Contains(t, string(r.raw), `"total":0.30`, "exact and two decimals, never 0.30000000000000004")
	require.Regexp(t, booksTime, inv["created_time"])
	require.Contains(t, inv["created_time"], "-0400", "the organisation's offset, no colon")
	require.NoError(t, b.srv.Books().SetTimeZone("", time.FixedZone("IST", 5*3600+1800)))
	got, _ := b.srv.Books().Invoice("", inv["invoice_id"].(string))
	require.Contains(t, got["created_time"], "+0530")
	require.NotEmpty(t, r.header.Get("X-Rate-Limit-Remaining"))

	r = b.call("POST", "/books/v3/invoices/"+id+"/status/sent"+finQuery(org), nil)
	require.Equal(t, "Invoice status has been changed to Sent.", r.body["message"])
	r = b.call("GET", "/books/v3/invoices"+finQuery(org, "reference_number", "deal-9"), nil)
	list := r.body["invoices"].([]any)
	require.Len(t, list, 1)
	require.Equal(t, "sent", list[0].(map[string]any)["status"])
	require.NotContains(t, list[0], "line_items", "lists are summaries")
	pc := r.body["page_context"].(map[string]any)
	require.Equal(t, map[string]any{"page": float64(1), "per_page": float64(200), "has_more_page": false, "report_name": "Invoices",
		"applied_filter": "Status.All", "sort_column": "created_time", "sort_order": "D"}, pc)

	r = b.call("POST", "/books/v3/invoices/"+id+"/status/void"+finQuery(org), nil)
	require.Equal(t, "Invoice status has been changed to Void.", r.body["message"])
	got, ok := b.srv.Books().Invoice("", id)
	require.True(t, ok)
	require.Equal(t, "void", got["status"])

	r = b.call("GET", "/books/v3/invoices/460000000000000"+finQuery(org), nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, map[string]any{"code": float64(1002), "message": "Invoice does not exist."}, r.body)
	require.Equal(t, 1, b.srv.Calls("GET /books/v3/invoices/{id}"))
}

// last_modified_time keeps the records modified at or after it; sorting by
// it and paging work together.
func TestBooksLastModifiedFilterIsInclusive(t *testing.T) {
	t.Parallel()
	b, org := finSetup(t)
	var stamps []time.Time
	for range 5 {
		rec, err := b.srv.Books().PutContact("", Record{"contact_name": "C" + strconv.Itoa(len(stamps))})
		require.NoError(t, err)
		ts, err := time.Parse("2006-01-02T15:04:05-0700", rec["last_modified_time"].(string))
		require.NoError(t, err)
		stamps = append(stamps, ts)
		b.clock.Advance(time.Second)
	}
	since := stamps[2].UTC().Format("2006-01-02T15:04:05-0700")
	r := b.call("GET", "/books/v3/contacts"+finQuery(org, "last_modified_time", since, "sort_column", "last_modified_time", "sort_order", "A", "per_page", "2"), nil)
	names := func(r response) []any {
		var out []any
		for _, c := range r.body["contacts"].([]any) {
			out = append(out, c.(map[string]any)["contact_name"])
		}
		return out
	}
	require.Equal(t, []any{"C2", "C3"}, names(r), "C2 was modified exactly at the bound")
	require.Equal(t, true, r.body["page_context"].(map[string]any)["has_more_page"])
	r = b.call("GET", "/books/v3/contacts"+finQuery(org, "last_modified_time", since, "sort_column", "last_modified_time", "sort_order", "A", "per_page", "2", "page", "2"), nil)
	require.Equal(t, []any{"C4"}, names(r))

	r = b.call("GET", "/books/v3/contacts"+finQuery(org, "last_modified_time", "yesterday"), nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	r = b.call("GET", "/books/v3/contacts"+finQuery(org, "sort_column", "colour"), nil)
	require.Equal(t, http.StatusBadRequest, r.status)
}

func TestBooksPerMinuteLimitOnTheServerClock(t *testing.T) {
	t.Parallel()
	b, org := finSetup(t)
	other, err := b.srv.Books().AddOrganization(FinanceOrganization{Name: "Other"})
	require.NoError(t, err)
	for i := range 100 {
		r := b.call("GET", "/books/v3/contacts"+finQuery(org), nil)
		require.Equal(t, http.StatusOK, r.status, i)
		b.clock.Advance(500 * time.Millisecond)
	}
	r := b.call("GET", "/books/v3/contacts"+finQuery(org), nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Equal(t, float64(44), r.body["code"])
	r = b.call("GET", "/books/v3/contacts"+finQuery(other.ID), nil)
	require.Equal(t, http.StatusOK, r.status, "the limit is per organisation")
	r = b.call("GET", "/inventory/v1/items"+finQuery(org), nil)
	require.Equal(t, http.StatusOK, r.status, "and per product")
	b.clock.Advance(10 * time.Second) // the first calls leave the minute
	r = b.call("GET", "/books/v3/contacts"+finQuery(org), nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, 1, b.srv.CallsWithStatus("GET /books/v3/contacts", http.StatusTooManyRequests))
}

func TestInventoryWire(t *testing.T) {
	t.Parallel()
	b, org := finSetup(t)
	r := b.call("POST", "/inventory/v1/items"+finQuery(org), map[string]any{"name": "Bolt", "rate": "0.15", "initial_stock": 12})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	item := r.body["item"].(map[string]any)
	id := item["item_id"].(string)
	require.Equal(t, float64(12), item["stock_on_hand"])

	r = b.call("GET", "/inventory/v1/settings/warehouses"+finQuery(org), nil)
	whs := r.body["warehouses"].([]any)
	require.Len(t, whs, 1)
	wh := whs[0].(map[string]any)["warehouse_id"].(string)

	r = b.call("POST", "/inventory/v1/inventoryadjustments"+finQuery(org), map[string]any{
		"reason": "Count", "line_items": []any{map[string]any{"item_id": id, "quantity_adjusted": -0.5, "warehouse_id": wh}}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	stock, ok := b.srv.Inventory().Stock("", id)
	require.True(t, ok)
	require.Equal(t, map[string]string{wh: "11.5"}, stock)

	r = b.call("POST", "/inventory/v1/inventoryadjustments"+finQuery(org), map[string]any{"line_items": []any{}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "Invalid value passed for reason", r.body["message"])

	books, ok := b.srv.Books().Item("", id)
	require.True(t, ok, "Books sees the same item")
	require.NotContains(t, books, "stock_on_hand", "without Inventory's stock")
}
