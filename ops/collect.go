package ops

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// The gauges read at scrape time.
var (
	descLastSuccess = prometheus.NewDesc("zohokit_pipeline_last_success_timestamp_seconds",
		"When the pipeline's latest successful (or partial) run finished, as a Unix time; absent until one succeeds.",
		[]string{"pipeline"}, nil)
	descStatus = prometheus.NewDesc("zohokit_pipeline_status",
		"The pipeline's status as the dashboard shows it: 1 for the current one (healthy, late, failing, paused, never_run), 0 for the others.",
		[]string{"pipeline", "status"}, nil)
	descInterval = prometheus.NewDesc("zohokit_pipeline_interval_seconds",
		"The pipeline's schedule interval; absent for unscheduled pipelines.",
		[]string{"pipeline"}, nil)
	descPending = prometheus.NewDesc("zohokit_reviews_pending",
		"Conflicts waiting for a person to decide (counted up to 10000).",
		[]string{"pipeline"}, nil)
	descJobs = prometheus.NewDesc("zohokit_queue_jobs",
		"Queue jobs by kind and state (ready, scheduled, running, dead); completed jobs are not counted.",
		[]string{"kind", "state"}, nil)
	descOldest = prometheus.NewDesc("zohokit_queue_oldest_ready_job_age_seconds",
		"How long the longest-waiting ready job of a kind has been due; 0 when none is ready.",
		[]string{"kind"}, nil)
	descTokenValid = prometheus.NewDesc("zohokit_zoho_token_valid",
		"1 when the Zoho connection holds an unexpired access token, else 0.",
		[]string{"connection"}, nil)
	descTokenExpiry = prometheus.NewDesc("zohokit_zoho_token_expiry_timestamp_seconds",
		"When the Zoho connection's access token expires, as a Unix time; absent before the first token.",
		[]string{"connection"}, nil)
	descTokenRefreshes = prometheus.NewDesc("zohokit_zoho_token_refreshes_total",
		"Access tokens the Zoho connection minted since the process started.",
		[]string{"connection"}, nil)
	descSourceUp = prometheus.NewDesc("zohokit_ops_source_up",
		"1 when the dashboard could read a source (store, queue) for this scrape, else 0.",
		[]string{"source"}, nil)
)

// stateCollector reads the state gauges from the store, the queue and the
// Zoho connections at scrape time. prometheus.Collector has no context, so
// each scrape's reads are bounded by Options.ScrapeTimeout.
type stateCollector struct{ d *Dashboard }

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{descLastSuccess, descStatus, descInterval, descPending, descJobs,
		descOldest, descTokenValid, descTokenExpiry, descTokenRefreshes, descSourceUp} {
		ch <- desc
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	d := c.d
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.ScrapeTimeout)
	defer cancel()
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	up := func(ok bool) float64 {
		if ok {
			return 1
		}
		return 0
	}

	storeOK := true
	ps, err := d.pipelines(ctx)
	if err != nil {
		storeOK = false
		d.log.Warn("ops: metrics: reading pipeline state failed", "error", d.red.string(err.Error()))
	}
	seen := make(map[string]bool)
	for _, p := range ps {
		n := labelName(p.Name)
		if seen[n] {
			continue // a duplicate name would make the scrape fail
		}
		seen[n] = true
		if !p.LastSuccess.IsZero() {
			gauge(descLastSuccess, float64(p.LastSuccess.UnixNano())/1e9, n)
		}
		for _, s := range statuses {
			gauge(descStatus, up(p.Status == s), n, string(s))
		}
		if p.interval > 0 {
			gauge(descInterval, p.interval.Seconds(), n)
		}
	}
	byPipeline, _, err := d.pendingCounts(ctx)
	if err != nil {
		storeOK = false
		d.log.Warn("ops: metrics: counting pending reviews failed", "error", d.red.string(err.Error()))
	} else {
		for _, p := range d.opts.Pipelines() {
			if _, ok := byPipeline[p.Name]; !ok {
				byPipeline[p.Name] = 0
			}
		}
		pending := make(map[string]int)
		for p, n := range byPipeline {
			pending[labelName(p)] += n
		}
		for _, p := range sortedKeys(pending) {
			gauge(descPending, float64(pending[p]), p)
		}
	}
	gauge(descSourceUp, up(storeOK), "store")

	if qv, ok, err := d.queueView(ctx); ok {
		if err != nil {
			d.log.Warn("ops: metrics: reading queue stats failed", "error", d.red.string(err.Error()))
		}
		for _, k := range qv.Kinds {
			kind := labelName(k.Kind)
			gauge(descJobs, float64(k.Ready), kind, "ready")
			gauge(descJobs, float64(k.Scheduled), kind, "scheduled")
			gauge(descJobs, float64(k.Running), kind, "running")
			gauge(descJobs, float64(k.Dead), kind, "dead")
			gauge(descOldest, k.OldestReadyAgeSeconds, kind)
		}
		gauge(descSourceUp, up(err == nil), "queue")
	}

	clear(seen)
	for _, t := range d.tokens() {
		n := labelName(t.Name)
		if seen[n] {
			continue
		}
		seen[n] = true
		gauge(descTokenValid, up(t.Valid), n)
		if !t.Expiry.IsZero() {
			gauge(descTokenExpiry, float64(t.Expiry.UnixNano())/1e9, n)
		}
		ch <- prometheus.MustNewConstMetric(descTokenRefreshes, prometheus.CounterValue, float64(t.Refreshes), n)
	}
}
