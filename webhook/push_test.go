package webhook_test

import (
	"context"
	stdsync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/webhook"
)

// RecordEvent jobs (what CRMReceiver enqueues) become pushes through the
// routed pipeline: the record is read and written to the other side once,
// however often the event comes; events no pipeline takes complete; an
// event a pipeline cannot take is dead at once.
func TestRegisterPush(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	crm, books := synctest.NewAdapter(&synctest.Options{IDPrefix: "deal-"}), synctest.NewAdapter(&synctest.Options{IDPrefix: "inv-"})
	deal := crm.Put("Deals", "", map[string]any{"Deal_Name": "Pumps", "Stage": "Closed Won"})
	m, err := transform.New("deal-to-invoice", []transform.Rule{transform.Field("Deal_Name", "name")}, nil)
	require.NoError(t, err)
	q, err := queue.NewMemory(nil)
	require.NoError(t, err)
	p, err := sync.New(sync.Config{
		Name: "deal-to-invoice", DataType: "deals", Strategy: sync.Push,
		Left:    sync.Side{System: "CRM", DataType: "Deals", Source: crm, Reader: crm},
		Right:   sync.Side{System: "Books", DataType: "invoices", Sink: books},
		Mapping: m, Store: store.NewMemory(nil), Queue: q,
	})
	require.NoError(t, err)

	w, err := queue.NewWorker(q, &queue.WorkerConfig{PollInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	var mu stdsync.Mutex
	var pushed []sync.Report
	route := func(e webhook.RecordEvent) []webhook.PushTarget {
		switch e.Module {
		case "Deals":
			return []webhook.PushTarget{{Pipeline: p}}
		case "Quotes": // a push pipeline takes no right-side events
			return []webhook.PushTarget{{Pipeline: p, Side: store.Right}}
		}
		return nil
	}
	require.NoError(t, webhook.RegisterPush(w, route, &webhook.PushOptions{
		OnPush: func(_ webhook.PushTarget, _ webhook.RecordEvent, r sync.Report, _ error) {
			mu.Lock()
			defer mu.Unlock()
			pushed = append(pushed, r)
		},
	}))
	require.Error(t, webhook.RegisterPush(w, nil, nil))

	enqueue := func(module, key string) {
		j, err := queue.NewJob(webhook.RecordEvent{Source: "zoho-crm", Module: module, RecordID: deal.ID, Operation: webhook.OperationUpdate},
			&queue.JobOptions{Key: key, MaxAttempts: 3})
		require.NoError(t, err)
		_, err = q.Enqueue(ctx, j)
		require.NoError(t, err)
	}
	enqueue("Deals", "a")
	enqueue("Deals", "b") // the same record again: no second invoice
	enqueue("Leads", "c") // no pipeline: completed
	enqueue("Quotes", "d")

	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := q.Stats(ctx)
		require.NoError(t, err)
		total := st.Total()
		if total.Ready+total.Running+total.Scheduled == 0 {
			require.Equal(t, 1, total.Dead)
			break
		}
		require.True(t, time.Now().Before(deadline), "jobs not done: %+v", total)
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	require.NoError(t, <-done)

	synctest.AssertRecords(t, books, "invoices", []map[string]any{{"name": "Pumps"}})
	dead, err := q.Dead(t.Context(), queue.DeadFilter{})
	require.NoError(t, err)
	require.Len(t, dead, 1)
	require.Contains(t, dead[0].LastError, "left (source) side only")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, pushed, 3)
}
