package ops

import (
	"bytes"
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/webhook"
	"github.com/zohokit/zohokit/zoho"
)

// Metrics are the dashboard's Prometheus metrics, in a registry of their
// own (never the global one). Counters are fed by the service through the
// methods below; gauges of state (last success, status, queue depth,
// pending reviews, tokens) are read from the store, the queue and the Zoho
// clients at scrape time, so that they are right after a restart and on
// every replica.
//
// Every name starts with zohokit_, uses base units (seconds) and ends in
// _total for counters. Labels hold bounded values only: pipeline, job
// kind, receiver and connection names come from configuration; operations,
// statuses, products and outcomes are mapped onto fixed sets ("other" for
// anything unknown). See the package documentation for the list.
//
// Its methods are safe for concurrent use and cheap enough to call from
// the sync engine's, the worker's and the Zoho client's goroutines.
type Metrics struct {
	d   *Dashboard
	reg *prometheus.Registry

	records       *prometheus.CounterVec
	runs          *prometheus.CounterVec
	runDuration   *prometheus.HistogramVec
	conflicts     *prometheus.CounterVec
	zohoRequests  *prometheus.CounterVec
	zohoDuration  *prometheus.HistogramVec
	webhookEvents *prometheus.CounterVec
	jobAttempts   *prometheus.CounterVec
	jobDuration   *prometheus.HistogramVec
}

var _ queue.Observer = (*Metrics)(nil)

func newMetrics(d *Dashboard) (*Metrics, error) {
	m := &Metrics{d: d, reg: prometheus.NewRegistry()}
	m.records = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zohokit_sync_records_total",
		Help: "Records handled by sync pipelines, by operation (read, created, updated, deleted, unchanged, echo, skipped, failed)."},
		[]string{"pipeline", "operation"})
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zohokit_sync_runs_total",
		Help: "Finished sync runs, by status (succeeded, partial, failed)."}, []string{"pipeline", "status"})
	m.runDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "zohokit_sync_run_duration_seconds",
		Help:    "Duration of finished sync runs.",
		Buckets: []float64{0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600}}, []string{"pipeline"})
	m.conflicts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zohokit_sync_conflicts_total",
		Help: "Conflicting fields, by the decision taken (take-left, take-right, use-value, hold, abstain)."},
		[]string{"pipeline", "decision"})
	m.zohoRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zohokit_zoho_requests_total",
		Help: "Zoho API request attempts, by product and answer (2xx, 3xx, 4xx, 429, 5xx, or error when no answer came)."},
		[]string{"product", "status"})
	m.zohoDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "zohokit_zoho_request_duration_seconds",
		Help:    "Duration of Zoho API request attempts.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}, []string{"product"})
	m.webhookEvents = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zohokit_webhook_events_total",
		Help: "Webhook requests handled, by receiver, outcome (accepted, duplicate, refused) and refusal reason."},
		[]string{"receiver", "outcome", "reason"})
	m.jobAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zohokit_queue_attempts_total",
		Help: "Finished queue job attempts, by kind and outcome (completed, retried, dead, released, lease_lost, error)."},
		[]string{"kind", "outcome"})
	m.jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "zohokit_queue_attempt_duration_seconds",
		Help:    "Duration of queue job attempts.",
		Buckets: []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300}}, []string{"kind"})
	for _, c := range []prometheus.Collector{m.records, m.runs, m.runDuration, m.conflicts, m.zohoRequests,
		m.zohoDuration, m.webhookEvents, m.jobAttempts, m.jobDuration, &stateCollector{d: d}} {
		if err := m.reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Registry returns the metrics' registry, to add the service's own
// collectors or to serve it elsewhere (the dashboard serves it at
// /metrics).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// The fixed label sets.
var (
	knownOps  = set("read", "created", "updated", "deleted", "unchanged", "echo", "skipped", "conflicted", "failed")
	knownRun  = set(string(store.RunSucceeded), string(store.RunPartial), string(store.RunFailed))
	knownDec  = set("take-left", "take-right", "use-value", "hold", "abstain")
	knownHook = set("accepted", "duplicate", "refused")
	knownJob  = set(string(queue.OutcomeCompleted), string(queue.OutcomeRetried), string(queue.OutcomeDead),
		string(queue.OutcomeReleased), string(queue.OutcomeLeaseLost), string(queue.OutcomeError))
	knownProducts = set(string(zoho.CRM), string(zoho.CRMBulk), string(zoho.CRMUpload), string(zoho.Books),
		string(zoho.Inventory), string(zoho.Projects), string(zoho.People), string(zoho.APIRoot))
	reasonRE = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
)

func set(values ...string) map[string]bool {
	m := make(map[string]bool, len(values))
	for _, v := range values {
		m[v] = true
	}
	return m
}

// bounded returns v when it is in the set, else "other".
func bounded(v string, known map[string]bool) string {
	if known[v] {
		return v
	}
	return "other"
}

// labelName makes a configured name safe as a label value: valid UTF-8 and at
// most 128 bytes.
func labelName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 128 {
		s = strings.ToValidUTF8(s[:128], "")
	}
	return s
}

// RecordOps counts n records of a pipeline handled with op: read, created,
// updated, deleted, unchanged, echo, skipped, conflicted or failed (any
// other op is counted as "other"). n < 1 counts nothing.
func (m *Metrics) RecordOps(pipeline, op string, n int) {
	if n < 1 {
		return
	}
	m.records.WithLabelValues(labelName(pipeline), bounded(op, knownOps)).Add(float64(n))
}

// RunFinished counts a finished run of a pipeline with its status
// (succeeded, partial or failed) and how long it took. Dry runs should not
// be reported. The last-success gauge is read from the store, not set here.
func (m *Metrics) RunFinished(pipeline string, status store.RunStatus, took time.Duration) {
	p := labelName(pipeline)
	m.runs.WithLabelValues(p, bounded(string(status), knownRun)).Inc()
	if took >= 0 {
		m.runDuration.WithLabelValues(p).Observe(took.Seconds())
	}
}

// ConflictDecided counts a conflicting field of a pipeline and the decision
// taken on it (a conflict.Action name: take-left, take-right, use-value,
// hold or abstain).
func (m *Metrics) ConflictDecided(pipeline, decision string) {
	m.conflicts.WithLabelValues(labelName(pipeline), bounded(decision, knownDec)).Inc()
}

// ObserveZohoCall counts one Zoho API attempt; it implements zoho.Observer
// (see ZohoObserver).
func (m *Metrics) ObserveZohoCall(c zoho.Call) {
	product := bounded(string(c.Product), knownProducts)
	m.zohoRequests.WithLabelValues(product, statusClass(c.Status)).Inc()
	if c.Duration >= 0 {
		m.zohoDuration.WithLabelValues(product).Observe(c.Duration.Seconds())
	}
}

// ZohoObserver returns the zoho.Observer to set in the Zoho clients'
// configuration, so that their calls are counted.
func (m *Metrics) ZohoObserver() zoho.Observer { return zoho.ObserverFunc(m.ObserveZohoCall) }

// statusClass maps an HTTP status to a bounded label: 429 on its own
// (Zoho's rate limit), else the class, or "error" when no answer came.
func statusClass(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "429"
	case status >= 200 && status < 600:
		return strconv.Itoa(status/100) + "xx"
	default:
		return "error"
	}
}

// WebhookDelivered counts one webhook request a receiver handled: outcome
// is accepted, duplicate or refused, reason the refusal's reason (empty
// otherwise; a webhook.Reason such as "bad_signature"). WebhookObserver
// wires it to the receivers.
func (m *Metrics) WebhookDelivered(receiver, outcome, reason string) {
	if reason != "" && !reasonRE.MatchString(reason) {
		reason = "other"
	}
	m.webhookEvents.WithLabelValues(labelName(receiver), bounded(outcome, knownHook), reason).Inc()
}

// WebhookObserver returns the webhook.Observer to set in the receivers'
// options, so that every delivery is counted.
func (m *Metrics) WebhookObserver() webhook.Observer {
	return webhook.ObserverFunc(func(d webhook.Delivery) {
		m.WebhookDelivered(d.Receiver, string(d.Outcome), string(d.Reason))
	})
}

// JobDone counts a finished queue job attempt: set the Metrics as (or add
// it to) the queue Worker's Observer.
func (m *Metrics) JobDone(e queue.JobEvent) {
	kind := labelName(e.Job.Kind)
	m.jobAttempts.WithLabelValues(kind, bounded(string(e.Outcome), knownJob)).Inc()
	if e.Duration >= 0 {
		m.jobDuration.WithLabelValues(kind).Observe(e.Duration.Seconds())
	}
}

// serveMetrics serves the registry in the Prometheus text format,
// uncompressed so that the last redaction pass can read it.
func (d *Dashboard) serveMetrics(w http.ResponseWriter, r *http.Request) {
	h := promhttp.HandlerFor(d.metrics.reg, promhttp.HandlerOpts{
		ErrorHandling:      promhttp.ContinueOnError,
		ErrorLog:           slogPrinter{d},
		DisableCompression: true,
	})
	rec := &bufferedWriter{header: make(http.Header), status: http.StatusOK}
	r2 := r.Clone(r.Context())
	r2.Header.Del("Accept-Encoding")
	h.ServeHTTP(rec, r2)
	d.write(w, rec.status, cmp.Or(rec.header.Get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8"), rec.buf.Bytes())
}

// slogPrinter lets promhttp log through the dashboard's logger.
type slogPrinter struct{ d *Dashboard }

func (p slogPrinter) Println(v ...any) {
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.TrimSpace(toString(x)))
	}
	p.d.log.Warn("ops: metrics: " + p.d.red.string(b.String()))
}

func toString(x any) string {
	if err, ok := x.(error); ok {
		return err.Error()
	}
	return strings.ReplaceAll(fmt.Sprint(x), "\n", " ")
}

// bufferedWriter holds a response so it can be scrubbed before it is sent.
type bufferedWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *bufferedWriter) WriteHeader(status int)      { b.status = status }
