package ops

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	zsync "github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/webhook"
)

func TestSyncObserverFeedsTheMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	m := b.dash.Metrics()
	obs := m.SyncObserver()
	info := zsync.RunInfo{Pipeline: "customers-bidi", RunID: 7, Strategy: zsync.Bidirectional, Started: t0}
	obs.RunStarted(info)
	for _, outcome := range []zsync.Outcome{zsync.OutcomeCreated, zsync.OutcomeCreated, zsync.OutcomeEcho, zsync.OutcomeFailed} {
		e := zsync.RecordEvent{Pipeline: "customers-bidi", Side: store.Right, Outcome: outcome, ID: "C-7"}
		if outcome == zsync.OutcomeFailed {
			e.Err = errors.New("ERP 422")
		}
		obs.Record(e)
	}
	obs.Conflict("customers-bidi", zsync.ConflictReport{Decision: conflict.Decision{Action: conflict.Hold, ReviewID: "1"}})
	obs.RunFinished(info, zsync.Report{Pipeline: "customers-bidi", Status: store.RunPartial, Started: t0, Finished: t0.Add(90 * time.Second),
		Counts: store.Counts{Read: 4, Created: 2, Unchanged: 1, Failed: 1, Conflicted: 1}})

	require.Equal(t, 2.0, testutil.ToFloat64(m.records.WithLabelValues("customers-bidi", "created")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.records.WithLabelValues("customers-bidi", "echo")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.records.WithLabelValues("customers-bidi", "failed")))
	require.Equal(t, 4.0, testutil.ToFloat64(m.records.WithLabelValues("customers-bidi", "read")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.runs.WithLabelValues("customers-bidi", "partial")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.conflicts.WithLabelValues("customers-bidi", "hold")))
	require.Equal(t, 1, testutil.CollectAndCount(m.runDuration))
	problems, err := testutil.GatherAndLint(m.Registry())
	require.NoError(t, err)
	require.Empty(t, problems)
}

func TestWebhookObserverFeedsTheMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	m := b.dash.Metrics()
	obs := m.WebhookObserver()
	obs.Delivered(webhook.Delivery{Receiver: "crm", Outcome: webhook.OutcomeAccepted, Status: 200, Jobs: 3})
	obs.Delivered(webhook.Delivery{Receiver: "crm", Outcome: webhook.OutcomeRefused, Reason: webhook.ReasonBadToken, Status: 401})
	require.Equal(t, 1.0, testutil.ToFloat64(m.webhookEvents.WithLabelValues("crm", "accepted", "")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.webhookEvents.WithLabelValues("crm", "refused", "bad_token")))
}
