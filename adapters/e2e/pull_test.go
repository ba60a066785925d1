package e2e_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/sync"
)

// ERP prices are pulled every 15 minutes (a fake clock drives the
// Scheduler) into CRM Products. A run without ERP changes makes no Zoho
// write and at most one Zoho read per module (here none: a pull from the
// ERP reads only the ERP).
func TestERPPricesPulledEvery15MinutesIntoCRMProducts(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.erpProduct(t, "P-1", "Widget", "10.00")
	w.erpProduct(t, "P-2", "Gadget", "1234.50")
	w.erpProduct(t, "P-3", "Gizmo", "0.99")
	p := pricesPipeline(t, w.store, w.erp, w.crmSide, w.clock)

	reports := make(chan sync.Report)
	sched, err := sync.NewScheduler([]*sync.Pipeline{p}, &sync.SchedulerOptions{
		Clock: w.clock, Jitter: -1,
		OnRun: func(_ *sync.Pipeline, r sync.Report, err error) {
			if err != nil {
				t.Errorf("scheduled run: %v", err)
			}
			reports <- r
		},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	// next waits until the Scheduler waits for the next run, 15 minutes
	// after the last started, moves the clocks there and returns the run's
	// report.
	last := w.clock.Now()
	next := func() sync.Report {
		t.Helper()
		due := last.Add(15 * time.Minute)
		deadline := time.Now().Add(10 * time.Second)
		for {
			if at, ok := w.clock.Next(); ok && at.Equal(due) {
				break
			}
			require.True(t, time.Now().Before(deadline), "the Scheduler did not schedule the next run at %v", due)
			time.Sleep(time.Millisecond) // polling the scheduler's timer, with a deadline
		}
		w.advance(due.Sub(w.clock.Now()))
		last = due
		return <-reports
	}

	// The first run (at once) is the backfill: one upsert call for three
	// products.
	rep := <-reports
	require.Equal(t, 3, rep.Counts.Created, rep.String())
	require.Equal(t, 1, w.srv.Calls(crmUpsert))
	crmProducts := w.productsInCRM()
	require.Len(t, crmProducts, 3)
	require.Equal(t, json.Number("1234.50"), crmProducts["P-2"]["Unit_Price"], "prices stay exact")

	// 15 minutes on, nothing changed in the ERP: no Zoho call at all (the
	// lookback re-reads the last rows; they are recognised as unchanged).
	w.srv.ResetCalls()
	rep = next()
	require.Zero(t, rep.Counts.Created+rep.Counts.Updated+rep.Counts.Deleted, rep.String())
	require.LessOrEqual(t, w.crmReads(), 1, "at most one read per module")
	require.Zero(t, w.crmWrites())
	require.Zero(t, w.srv.TotalCalls())

	// A price changes in the ERP: the next run updates that one product.
	w.advance(time.Minute)
	w.erpProduct(t, "P-2", "Gadget", "1199.00")
	w.srv.ResetCalls()
	rep = next()
	require.Equal(t, 1, rep.Counts.Updated, rep.String())
	require.Equal(t, 1, w.srv.Calls(crmUpdate))
	require.Equal(t, 1, w.crmWrites())
	require.Equal(t, json.Number("1199.00"), w.productsInCRM()["P-2"]["Unit_Price"])

	// And quiet again.
	w.srv.ResetCalls()
	rep = next()
	require.Zero(t, rep.Counts.Created+rep.Counts.Updated+rep.Counts.Deleted, rep.String())
	require.Zero(t, w.srv.TotalCalls())
	require.Len(t, w.productsInCRM(), 3)
}
