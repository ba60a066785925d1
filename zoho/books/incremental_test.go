package books_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// A scheduled pull reads only what changed since its checkpoint.
func TestIncrementalReadReturnsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	var ids []string
	for i := range 12 {
		inv, _, err := b.c.Invoices.Create(b.ctx(), books.Invoice{
			CustomerID: cust, ReferenceNumber: "deal-" + string(rune('a'+i)),
			LineItems: []books.LineItem{{Name: "Service", Rate: amount(t, "10")}},
		}, nil)
		require.NoError(t, err)
		ids = append(ids, inv.InvoiceID)
		b.clock.Advance(time.Second)
	}

	// The first run reads everything and keeps the latest modification time.
	b.clock.Advance(time.Hour)
	first := collect(t, b.c.Invoices.List(b.ctx(), &books.InvoiceListOptions{ListOptions: books.ListOptions{ModifiedSince: time.Unix(0, 0)}}))
	require.Len(t, first, 12)
	checkpoint := first[len(first)-1].LastModifiedTime.Time

	// Later, some invoices change, one of them twice.
	b.clock.Advance(15 * time.Minute)
	changed := []string{ids[3], ids[7], ids[0]}
	for _, id := range changed {
		_, err := b.c.Invoices.MarkSent(b.ctx(), id)
		require.NoError(t, err)
		b.clock.Advance(2 * time.Second)
	}
	upd := books.Invoice{Notes: "updated"}
	_, _, err := b.c.Invoices.Update(b.ctx(), ids[7], upd)
	require.NoError(t, err)

	// The next run starts just after the checkpoint.
	next := collect(t, b.c.Invoices.List(b.ctx(), &books.InvoiceListOptions{ListOptions: books.ListOptions{ModifiedSince: checkpoint.Add(time.Second)}}))
	got := make([]string, len(next))
	for i, inv := range next {
		got[i] = inv.InvoiceID
	}
	require.Equal(t, []string{ids[3], ids[0], ids[7]}, got, "only the changed invoices, oldest change first")
	require.True(t, slices.IsSortedFunc(next, func(a, c books.Invoice) int { return a.LastModifiedTime.Compare(c.LastModifiedTime.Time) }))

	q := b.queries("GET /books/v3/invoices")
	last := q[len(q)-1]
	require.Equal(t, "last_modified_time", last.Get("sort_column"))
	require.Equal(t, "A", last.Get("sort_order"))
	require.NotEmpty(t, last.Get("last_modified_time"))

	// The bound is inclusive: a run from exactly the last change's second
	// sees that change again (and nothing older).
	again := collect(t, b.c.Invoices.List(b.ctx(), &books.InvoiceListOptions{ListOptions: books.ListOptions{ModifiedSince: next[2].LastModifiedTime.Time}}))
	require.Len(t, again, 1)
	require.Equal(t, ids[7], again[0].InvoiceID)
}

// A record that changes while an incremental list is being read moves to
// the end of the order. Paging by page number would then skip the record
// that slid into its place; the list pages by modification time instead,
// so nothing is skipped and the changed record comes again.
func TestIncrementalReadDoesNotSkipWhenRecordsChangeMidway(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	var ids []string
	for range 25 {
		rec, err := b.srv.Books().PutInvoice("", zohotest.Record{"customer_id": cust, "line_items": []any{map[string]any{"name": "x", "rate": "1"}}})
		require.NoError(t, err)
		ids = append(ids, rec["invoice_id"].(string))
		b.clock.Advance(time.Second)
	}
	seen := map[string]int{}
	var order []string
	opts := &books.InvoiceListOptions{ListOptions: books.ListOptions{ModifiedSince: time.Unix(0, 0), PerPage: 10}}
	for inv, err := range b.c.Invoices.List(b.ctx(), opts) {
		require.NoError(t, err)
		seen[inv.InvoiceID]++
		order = append(order, inv.InvoiceID)
		if len(order) == 10 {
			// Someone edits the first invoice (already read) in Zoho.
			b.clock.Advance(time.Second)
			_, err := b.c.Invoices.MarkSent(b.ctx(), ids[0])
			require.NoError(t, err)
		}
	}
	for _, id := range ids {
		require.Contains(t, seen, id, "no invoice is skipped")
	}
	require.Equal(t, 2, seen[ids[0]], "the changed invoice comes again, changed")
	for _, id := range ids[1:] {
		require.Equal(t, 1, seen[id], "unchanged invoices come once")
	}
}

// Many records modified in the same second (a bulk import) fill whole
// pages with one timestamp; the list falls back to page numbers for them.
func TestIncrementalReadPagesThroughOneBusySecond(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	for range 23 {
		_, err := b.srv.Books().PutInvoice("", zohotest.Record{"customer_id": cust, "line_items": []any{map[string]any{"name": "x", "rate": "1"}}})
		require.NoError(t, err)
	}
	b.clock.Advance(time.Second)
	_, err := b.srv.Books().PutInvoice("", zohotest.Record{"customer_id": cust, "line_items": []any{map[string]any{"name": "y", "rate": "1"}}})
	require.NoError(t, err)

	got := collect(t, b.c.Invoices.List(b.ctx(), &books.InvoiceListOptions{ListOptions: books.ListOptions{ModifiedSince: testStart, PerPage: 5}}))
	ids := map[string]bool{}
	for _, inv := range got {
		ids[inv.InvoiceID] = true
	}
	require.Len(t, got, 24)
	require.Len(t, ids, 24, "each once")
}

func TestListOptionsAreValidated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, opts := range map[string]*books.InvoiceListOptions{
		"per page":        {ListOptions: books.ListOptions{PerPage: 201}},
		"sort with since": {ListOptions: books.ListOptions{ModifiedSince: testStart, SortColumn: "date"}},
		"sort order":      {ListOptions: books.ListOptions{SortOrder: "up"}},
	} {
		var errs int
		for _, err := range b.c.Invoices.List(b.ctx(), opts) {
			require.Error(t, err, name)
			errs++
		}
		require.Equal(t, 1, errs, name)
	}
	require.Zero(t, b.srv.Calls("GET /books/v3/invoices"), "nothing was sent")
}
