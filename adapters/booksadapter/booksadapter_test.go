package booksadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	gosync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/booksadapter"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

var t0 = time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)

const (
	createInvoice = "POST /books/v3/invoices"
	createContact = "POST /books/v3/contacts"
)

type bundle struct {
	srv   *zohotest.Server
	clock *zohotest.FakeClock
	org   string
	fake  *zohotest.Books
	a     *booksadapter.Adapter
}

func setup(t *testing.T, entities map[string]booksadapter.Entity) *bundle {
	t.Helper()
	clock := zohotest.NewFakeClock(t0)
	srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock})
	// The client waits on the real clock (backoff, rate limits); the fake's
	// clock only dates records.
	zc := zohotest.NewClient(t, srv, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
	c, err := books.New(zc, srv.Books().OrgID())
	require.NoError(t, err)
	if entities == nil {
		entities = map[string]booksadapter.Entity{
			"customers": {Entity: booksadapter.Contacts, MatchField: "email"},
			"items":     {MatchField: "sku"},
			"invoices":  {},
		}
	}
	a, err := booksadapter.New(c, entities, &booksadapter.Options{PageSize: 2})
	require.NoError(t, err)
	return &bundle{srv: srv, clock: clock, org: srv.Books().OrgID(), fake: srv.Books(), a: a}
}

func (b *bundle) contact(t *testing.T, name string) string {
	t.Helper()
	rec, err := b.fake.PutContact(b.org, zohotest.Record{"contact_name": name, "email": name + "@example.com"})
	require.NoError(t, err)
	return rec["contact_id"].(string)
}

func (b *bundle) changes(t *testing.T, dataType string, since sync.Cursor) []sync.Change {
	t.Helper()
	var out []sync.Change
	for ch, err := range b.a.Changes(context.Background(), dataType, since) {
		require.NoError(t, err)
		out = append(out, ch)
	}
	return out
}

func ids(chs []sync.Change) []string {
	out := make([]string, len(chs))
	for i, ch := range chs {
		out[i] = ch.Record.ID
	}
	return out
}

func TestChangesBackfillIncrementalAndTiebreak(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	first := b.contact(t, "first")
	b.clock.Advance(time.Minute)
	a1, a2, a3 := b.contact(t, "a1"), b.contact(t, "a2"), b.contact(t, "a3")

	all := b.changes(t, "customers", "")
	require.Equal(t, []string{first, a1, a2, a3}, ids(all))
	rec := all[1].Record
	require.True(t, rec.Modified.Equal(t0.Add(time.Minute)), "Modified from last_modified_time: %v", rec.Modified)
	require.Equal(t, time.UTC, rec.Modified.Location())
	require.Equal(t, "2026-03-02T09:01:00-0400", rec.Fields["last_modified_time"], "Books' own text, in the organisation's offset")
	require.Equal(t, "a1", rec.Fields["contact_name"])
	require.NotContains(t, rec.Fields, "contact_id")

	// Resuming after a2 (same second as a1 and a3) yields a3 only.
	require.Equal(t, []string{a3}, ids(b.changes(t, "customers", all[2].Cursor)))
	require.Empty(t, b.changes(t, "customers", all[3].Cursor))

	// An update moves a record to the end of the stream.
	b.clock.Advance(time.Minute)
	res, err := b.a.Write(context.Background(), "customers", []sync.Op{{Kind: sync.OpUpdate, ID: first, Fields: map[string]any{"phone": "+1 555 0100"}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.True(t, res[0].Modified.Equal(t0.Add(2*time.Minute)))
	chs := b.changes(t, "customers", all[3].Cursor)
	require.Equal(t, []string{first}, ids(chs))
	require.Equal(t, "+1 555 0100", chs[0].Record.Fields["phone"])
}

func TestMoneyStaysExact(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	res, err := b.a.Write(ctx, "items", []sync.Op{{Kind: sync.OpCreate, Key: "k", Fields: map[string]any{
		"name": "Widget", "sku": "W-1", "rate": json.Number("1234.50"),
	}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	got, err := b.a.Get(ctx, "items", []string{res[0].ID})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, json.Number("1234.50"), got[0].Fields["rate"])
	stored, _ := b.fake.Item(b.org, res[0].ID)
	require.Equal(t, "1234.50", fmt.Sprint(stored["rate"]))
}

func (b *bundle) invoiceOp(customer, key string) sync.Op {
	return sync.Op{Kind: sync.OpCreate, Key: key, Fields: map[string]any{
		"customer_id": customer,
		"line_items":  []any{map[string]any{"name": "Consulting", "rate": json.Number("1500.00"), "quantity": json.Number("2")}},
	}}
}

func TestInvoiceCreateIsIdempotentThroughReferenceNumber(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	cust := b.contact(t, "acme")
	op := b.invoiceOp(cust, "zk1-deal-42")

	r1, err := b.a.Write(ctx, "invoices", []sync.Op{op})
	require.NoError(t, err)
	require.NoError(t, r1[0].Err)
	// Written again, as after a crash before the checkpoint: found by its
	// reference number and updated, not created again.
	r2, err := b.a.Write(ctx, "invoices", []sync.Op{op})
	require.NoError(t, err)
	require.NoError(t, r2[0].Err)
	require.Equal(t, r1[0].ID, r2[0].ID)
	invs := b.fake.Invoices(b.org)
	require.Len(t, invs, 1)
	require.Equal(t, "zk1-deal-42", invs[0]["reference_number"])
	require.Equal(t, 1, b.srv.Calls(createInvoice))

	// Concurrent deliveries of one create make one invoice too.
	op = b.invoiceOp(cust, "zk1-deal-43")
	var wg gosync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			res, err := b.a.Write(ctx, "invoices", []sync.Op{op})
			if err == nil {
				err = res[0].Err
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, b.fake.Invoices(b.org), 2)

	full := b.changes(t, "invoices", "")
	require.Len(t, full, 2)
	require.NotContains(t, full[0].Record.Fields, "line_items", "lists give summaries")
	require.Equal(t, json.Number("3000.00"), full[0].Record.Fields["total"])

	// The reference number is read back as each invoice's key.
	keys := map[string]string{}
	for _, ch := range full {
		keys[ch.Record.ID] = ch.Record.Key
	}
	require.ElementsMatch(t, []string{"zk1-deal-42", "zk1-deal-43"}, slices.Collect(maps.Values(keys)))
	got, err := b.a.Get(ctx, "invoices", []string{r1[0].ID})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "zk1-deal-42", got[0].Key)
}

func TestFullReadsLineItems(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]booksadapter.Entity{"invoices": {Full: true, Fields: []string{"reference_number", "line_items", "total"}}})
	cust := b.contact(t, "acme")
	res, err := b.a.Write(context.Background(), "invoices", []sync.Op{b.invoiceOp(cust, "zk1-x")})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	chs := b.changes(t, "invoices", "")
	require.Len(t, chs, 1)
	lines, _ := chs[0].Record.Fields["line_items"].([]any)
	require.Len(t, lines, 1)
	require.Equal(t, json.Number("1500.00"), lines[0].(map[string]any)["rate"])
	require.Len(t, chs[0].Record.Fields, 3, "only the configured fields")
}

func TestMatchFieldMakesContactCreatesIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	op := sync.Op{Kind: sync.OpCreate, Key: "zk1-c", Fields: map[string]any{"contact_name": "Ada", "email": "ada@example.com"}}
	for range 2 {
		res, err := b.a.Write(context.Background(), "customers", []sync.Op{op})
		require.NoError(t, err)
		require.NoError(t, res[0].Err)
	}
	require.Len(t, b.changes(t, "customers", ""), 1)
	res, err := b.a.Write(context.Background(), "customers", []sync.Op{{Kind: sync.OpCreate, Key: "k", Fields: map[string]any{"contact_name": "No mail"}}})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, booksadapter.ErrNotIdempotent)
}

func TestFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	cust := b.contact(t, "acme")

	// A refused record keeps Books' code and does not stop the others.
	res, err := b.a.Write(ctx, "invoices", []sync.Op{
		{Kind: sync.OpCreate, Key: "k-bad", Fields: map[string]any{"line_items": []any{}}}, // no customer
		b.invoiceOp(cust, "k-good"),
	})
	require.NoError(t, err)
	var ze *zoho.Error
	require.ErrorAs(t, res[0].Err, &ze)
	require.NotEmpty(t, ze.Code)
	require.False(t, sync.IsRetryable(res[0].Err))
	require.NoError(t, res[1].Err)

	// Books answers 500 twice: the batch fails as a whole, retryably, and
	// the rest is not sent; then the create goes through once.
	require.NoError(t, b.srv.Script(createInvoice, zohotest.ServerError(500), zohotest.ServerError(500)))
	op := b.invoiceOp(cust, "k-retry")
	for range 2 {
		_, err := b.a.Write(ctx, "invoices", []sync.Op{op, b.invoiceOp(cust, "k-next")})
		require.Error(t, err)
		require.True(t, sync.IsRetryable(err), "%v", err)
	}
	res, err = b.a.Write(ctx, "invoices", []sync.Op{op, op})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Equal(t, res[0].ID, res[1].ID)
	require.Len(t, b.fake.Invoices(b.org), 2)

	// A 500 after a success: per-op results, the rest not sent.
	require.NoError(t, b.srv.Script(createContact, zohotest.Pass(), zohotest.ServerError(503)))
	res, err = b.a.Write(ctx, "customers", []sync.Op{
		{Kind: sync.OpCreate, Key: "1", Fields: map[string]any{"contact_name": "B", "email": "b@example.com"}},
		{Kind: sync.OpCreate, Key: "2", Fields: map[string]any{"contact_name": "C", "email": "c@example.com"}},
		{Kind: sync.OpCreate, Key: "3", Fields: map[string]any{"contact_name": "D", "email": "d@example.com"}},
	})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.True(t, sync.IsRetryable(res[1].Err))
	require.ErrorContains(t, res[2].Err, "not sent")
	require.True(t, sync.IsRetryable(res[2].Err))
}

func TestDeletesAndGet(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	c1 := b.contact(t, "one")
	res, err := b.a.Write(ctx, "customers", []sync.Op{{Kind: sync.OpDelete, ID: c1}, {Kind: sync.OpDelete, ID: c1}, {Kind: sync.OpDelete, ID: "x"}})
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err, "deleting what is gone succeeds")
	}
	got, err := b.a.Get(ctx, "customers", []string{c1, "123456789", "nope"})
	require.NoError(t, err)
	require.Empty(t, got)

	item, err := b.fake.PutItem(b.org, zohotest.Record{"name": "W", "rate": "1.00", "sku": "W"})
	require.NoError(t, err)
	res, err = b.a.Write(ctx, "items", []sync.Op{{Kind: sync.OpDelete, ID: item["item_id"].(string)}})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, booksadapter.ErrUnsupported)
	require.False(t, sync.IsRetryable(res[0].Err))
}

func TestNewNamesTheMisconfiguration(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, nil)
	c, err := books.New(zohotest.NewClient(t, srv), srv.Books().OrgID())
	require.NoError(t, err)
	_, err = booksadapter.New(c, map[string]booksadapter.Entity{
		"bills":    {},
		"invoices": {KeyField: "notes"},
		"items":    {KeyField: "sku", MatchField: "name"},
		"people":   {Entity: booksadapter.Contacts, MatchField: "website"},
	}, &booksadapter.Options{PageSize: 201})
	require.Error(t, err)
	for _, want := range []string{
		`entities["bills"].Entity "bills"`,
		`entities["invoices"].KeyField "notes": a invoices list can look up only reference_number, invoice_number`,
		`entities["items"].KeyField and MatchField`,
		`entities["people"].MatchField "website"`,
		"Options.PageSize 201",
	} {
		require.Contains(t, err.Error(), want)
	}
	a, err := booksadapter.New(c, map[string]booksadapter.Entity{"items": {}}, nil)
	require.NoError(t, err)
	res, err := a.Write(context.Background(), "items", []sync.Op{{Kind: sync.OpCreate, Key: "k", Fields: map[string]any{"name": "x"}}})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, booksadapter.ErrNotIdempotent)
	_, err = a.Write(context.Background(), "bills", nil)
	require.True(t, errors.Is(err, booksadapter.ErrUnknownDataType))
}
