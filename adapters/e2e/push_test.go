package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/booksadapter"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

const booksCreateInvoice = "POST /books/v3/invoices"

// A CRM deal that reaches Closed Won creates one Books invoice, even though
// its event arrives three times (queued push jobs, as a webhook receiver
// enqueues them, handled by two workers at once) and Books answers the
// first two invoice creations with 500.
func TestClosedWonDealCreatesOneInvoice(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	org := w.srv.Books().OrgID()
	customer, err := w.srv.Books().PutContact(org, zohotest.Record{"contact_name": "Zylker Corp"})
	require.NoError(t, err)
	bc, err := books.New(w.zc, org)
	require.NoError(t, err)
	invoices, err := booksadapter.New(bc, map[string]booksadapter.Entity{"invoices": {}}, nil)
	require.NoError(t, err)

	mapping, err := transform.New("won-deal-to-invoice", []transform.Rule{
		transform.Const("customer_id", customer["contact_id"]),
		transform.Computed("line_items", func(_ context.Context, deal map[string]any) (any, error) {
			return []any{map[string]any{"name": deal["Deal_Name"], "rate": deal["Amount"], "quantity": json.Number("1")}}, nil
		}, "Deal_Name", "Amount"),
	}, &transform.Options{Ignore: []string{"Stage"}})
	require.NoError(t, err)
	q, err := queue.NewMemory(nil)
	require.NoError(t, err)
	p, err := sync.New(sync.Config{
		Name: "won-deals-to-invoices", DataType: "deals", Strategy: sync.Push,
		Left:    sync.Side{System: "CRM", DataType: "Deals", Reader: w.crmSide},
		Right:   sync.Side{System: "Books", DataType: "invoices", Sink: invoices},
		Mapping: mapping,
		Filter:  func(r sync.Record) bool { return r.Fields["Stage"] == "Closed Won" },
		Store:   w.store,
		Queue:   q,
	})
	require.NoError(t, err)

	deal, err := w.srv.CRM().Put("Deals", zohotest.Record{"Deal_Name": "Zylker rollout", "Stage": "Negotiation", "Amount": json.Number("4999.90")})
	require.NoError(t, err)
	dealID := deal["id"].(string)

	// While the deal is in negotiation, its event creates nothing.
	rep, err := p.Push(ctx, sync.Event{ID: dealID})
	require.NoError(t, err)
	require.Zero(t, rep.Counts.Created)

	// Closed Won: the event arrives three times; Books fails twice.
	_, err = w.srv.CRM().Update("Deals", dealID, zohotest.Record{"Stage": "Closed Won"})
	require.NoError(t, err)
	require.NoError(t, w.srv.Script(booksCreateInvoice, zohotest.ServerError(500), zohotest.ServerError(500)))
	for i := range 3 {
		j, err := sync.PushJob(p.Name(), sync.Event{ID: dealID}, &queue.JobOptions{Key: fmt.Sprintf("delivery-%d", i), MaxAttempts: 5})
		require.NoError(t, err)
		_, err = q.Enqueue(ctx, j)
		require.NoError(t, err)
	}

	worker, err := queue.NewWorker(q, &queue.WorkerConfig{
		Concurrency: 2, PollInterval: 5 * time.Millisecond,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond },
	})
	require.NoError(t, err)
	require.NoError(t, sync.RegisterJobs(worker, p))
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- worker.Run(wctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := q.Stats(ctx)
		require.NoError(t, err)
		tot := st.Total()
		if tot.Ready+tot.Scheduled+tot.Running == 0 {
			require.Zero(t, tot.Dead, "no job gave up")
			break
		}
		require.True(t, time.Now().Before(deadline), "the queue did not drain: %+v", tot)
		time.Sleep(5 * time.Millisecond) // polling the queue, with a deadline
	}
	stop()
	require.NoError(t, <-done)

	invs := w.srv.Books().Invoices(org)
	require.Len(t, invs, 1, "one invoice, whatever the deliveries and failures")
	require.Equal(t, sync.IdempotencyKey(p.Name(), store.Left, dealID), invs[0]["reference_number"])
	require.Equal(t, "4999.90", fmt.Sprint(invs[0]["total"]))
	require.Equal(t, 2, w.srv.CallsWithStatus(booksCreateInvoice, 500), "Books failed twice")
	require.Equal(t, 1, w.srv.CallsWithStatus(booksCreateInvoice, 201), "and created once")

	links, err := w.store.Links(ctx, p.Name(), store.Left, []string{dealID})
	require.NoError(t, err)
	require.Equal(t, invs[0]["invoice_id"], links[dealID].RightID)

	// One more delivery, much later: still one invoice, and no write.
	rep, err = p.Push(ctx, sync.Event{ID: dealID})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Counts.Unchanged, rep.String())
	require.Len(t, w.srv.Books().Invoices(org), 1)
}
