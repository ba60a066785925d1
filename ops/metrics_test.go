package ops

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/zoho"
)

// feed records some activity of every kind the metrics count.
func feed(t *testing.T, b *bundle) {
	t.Helper()
	ctx := context.Background()
	b.run("contacts-crm-erp", t0.Add(-20*time.Minute), store.RunFailed, store.Counts{Read: 1, Failed: 1}, "ERP down")
	b.run("contacts-crm-erp", t0.Add(-10*time.Minute), store.RunSucceeded, store.Counts{Read: 5, Created: 2}, "")
	b.review("city", "Bern", "Basel", "Zürich")
	b.review("phone", "1", "2", "3")
	_, err := b.q.Enqueue(ctx, queue.Job{Kind: "push_invoice"}, queue.Job{Kind: "push_invoice", RunAt: t0.Add(time.Hour)})
	require.NoError(t, err)
	b.deadJob("sync_record", "", "timeout", nil)
	b.clock.Set(t0.Add(30 * time.Second))

	m := b.dash.Metrics()
	m.RecordOps("contacts-crm-erp", "created", 2)
	m.RecordOps("contacts-crm-erp", "read", 5)
	m.RecordOps("contacts-crm-erp", "something-new", 1)
	m.RecordOps("contacts-crm-erp", "updated", 0)
	m.RunFinished("contacts-crm-erp", store.RunFailed, 40*time.Second)
	m.RunFinished("contacts-crm-erp", store.RunSucceeded, 50*time.Second)
	m.ConflictDecided("customers-bidi", "hold")
	obs := m.ZohoObserver()
	obs.ObserveCall(zoho.Call{Product: zoho.CRM, Status: 200, Duration: 120 * time.Millisecond})
	obs.ObserveCall(zoho.Call{Product: zoho.CRM, Status: 429, Duration: 10 * time.Millisecond})
	obs.ObserveCall(zoho.Call{Product: zoho.Books, Status: 503, Duration: time.Second})
	obs.ObserveCall(zoho.Call{Product: zoho.Books, Status: 0, Err: errors.New("connection reset")})
	obs.ObserveCall(zoho.Call{Product: "made-up", Status: 201})
	m.WebhookDelivered("crm", "accepted", "")
	m.WebhookDelivered("crm", "refused", "bad_signature")
	m.WebhookDelivered("crm", "refused", "Not A Reason!")
	var qo queue.Observer = m
	qo.JobDone(queue.JobEvent{Job: queue.Job{Kind: "push_invoice"}, Outcome: queue.OutcomeCompleted, Duration: 200 * time.Millisecond})
	qo.JobDone(queue.JobEvent{Job: queue.Job{Kind: "push_invoice"}, Outcome: queue.OutcomeRetried, Duration: time.Second})
}

func TestMetricsLintAndSeries(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) {
		o.Connections = func() []ZohoConnection {
			return []ZohoConnection{{Name: "crm-eu", Status: zoho.TokenStatus{Location: zoho.EU, Valid: true,
				Expiry: t0.Add(time.Hour), Refreshes: 4}}}
		}
	})
	feed(t, b)

	problems, err := testutil.GatherAndLint(b.dash.Metrics().Registry())
	require.NoError(t, err)
	require.Empty(t, problems)

	w := b.get("/metrics")
	require.Equal(t, http.StatusOK, w.Code)
	require.True(t, strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain"), w.Header().Get("Content-Type"))
	text := w.Body.String()
	for _, series := range []string{
		`zohokit_pipeline_last_success_timestamp_seconds{pipeline="contacts-crm-erp"} ` +
			strconv.FormatFloat(float64(t0.Add(-9*time.Minute).Unix()), 'g', -1, 64),
		`zohokit_pipeline_status{pipeline="contacts-crm-erp",status="healthy"} 1`,
		`zohokit_pipeline_status{pipeline="contacts-crm-erp",status="failing"} 0`,
		`zohokit_pipeline_status{pipeline="invoices-push",status="never_run"} 1`,
		`zohokit_pipeline_interval_seconds{pipeline="contacts-crm-erp"} 900`,
		`zohokit_reviews_pending{pipeline="customers-bidi"} 2`,
		`zohokit_reviews_pending{pipeline="invoices-push"} 0`,
		`zohokit_queue_jobs{kind="push_invoice",state="ready"} 1`,
		`zohokit_queue_jobs{kind="push_invoice",state="scheduled"} 1`,
		`zohokit_queue_jobs{kind="sync_record",state="dead"} 1`,
		`zohokit_queue_oldest_ready_job_age_seconds{kind="push_invoice"} 30`,
		`zohokit_ops_source_up{source="store"} 1`,
		`zohokit_ops_source_up{source="queue"} 1`,
		`zohokit_sync_records_total{operation="created",pipeline="contacts-crm-erp"} 2`,
		`zohokit_sync_records_total{operation="other",pipeline="contacts-crm-erp"} 1`,
		`zohokit_sync_runs_total{pipeline="contacts-crm-erp",status="failed"} 1`,
		`zohokit_sync_run_duration_seconds_count{pipeline="contacts-crm-erp"} 2`,
		`zohokit_sync_conflicts_total{decision="hold",pipeline="customers-bidi"} 1`,
		`zohokit_zoho_requests_total{product="crm",status="2xx"} 1`,
		`zohokit_zoho_requests_total{product="crm",status="429"} 1`,
		`zohokit_zoho_requests_total{product="books",status="5xx"} 1`,
		`zohokit_zoho_requests_total{product="books",status="error"} 1`,
		`zohokit_zoho_requests_total{product="other",status="2xx"} 1`,
		`zohokit_webhook_events_total{outcome="refused",reason="bad_signature",receiver="crm"} 1`,
		`zohokit_webhook_events_total{outcome="refused",reason="other",receiver="crm"} 1`,
		`zohokit_queue_attempts_total{kind="push_invoice",outcome="retried"} 1`,
		`zohokit_zoho_token_valid{connection="crm-eu"} 1`,
		`zohokit_zoho_token_refreshes_total{connection="crm-eu"} 4`,
	} {
		require.Contains(t, text, series+"\n")
	}
	require.NotContains(t, text, `operation="updated"`, "a zero count adds no series")
	require.NotContains(t, text, `zohokit_pipeline_last_success_timestamp_seconds{pipeline="invoices-push"}`,
		"no success, no last-success series")
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		require.True(t, strings.HasPrefix(line, "zohokit_"), "one prefix: %s", line)
	}
}

func TestMetricsWhenTheStoreFails(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	d, err := New(failingStore{b.st}, b.q, &Options{Pipelines: b.dash.opts.Pipelines, BearerTokens: map[string]string{"ci": testToken}})
	require.NoError(t, err)
	w := serve(d, newRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, w.Code)
	require.Contains(t, w.Body.String(), `zohokit_ops_source_up{source="store"} 0`)
	require.Contains(t, w.Body.String(), `zohokit_ops_source_up{source="queue"} 1`)

	w = serve(d, newRequest(http.MethodGet, "/api/pipelines", nil))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	w = serve(d, newRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusOK, w.Code, "the overview shows what it could")
	require.Contains(t, w.Body.String(), "Could not read everything")
	w = serve(d, newRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Contains(t, w.Body.String(), "store: reading pipeline state failed")
}

// failingStore fails every read.
type failingStore struct{ store.Store }

var errStoreDown = errors.New("store down")

func (failingStore) LastSuccess(context.Context, string) (time.Time, error) {
	return time.Time{}, errStoreDown
}
func (failingStore) Runs(context.Context, store.RunFilter) ([]store.Run, error) {
	return nil, errStoreDown
}
func (failingStore) Reviews(context.Context, store.ReviewFilter) ([]store.ReviewItem, error) {
	return nil, errStoreDown
}
