// Package ops is zohokit's operations dashboard: server-rendered HTML pages
// and a JSON API over the sync state (store), the retry queue and the Zoho
// connections, health endpoints for orchestrators, and Prometheus metrics.
//
// A Dashboard is an http.Handler. The service builds it with New over its
// store.Store and queue.Queue, describes its pipelines with PipelineInfo (ops
// does not import the sync engine), and mounts it:
//
//	d, err := ops.New(st, q, &ops.Options{
//		Pipelines:    pipelines,            // func() []ops.PipelineInfo
//		Authority:    table,                // *authority.Table
//		Connections:  tokens,               // func() []ops.ZohoConnection
//		Ping:         db.PingContext,
//		BearerTokens: map[string]string{"ops": os.Getenv("ZOHOKIT_OPS_TOKEN")},
//		Secrets:      []string{clientSecret, refreshToken, webhookKey},
//	})
//	mux.Handle("/", d)
//
// # Routes
//
// Pages (HTML, no JavaScript; every action is a plain form POST):
//
//	GET  /                           overview: pipelines, queue, pending reviews, Zoho tokens
//	GET  /pipelines/{name}           a pipeline: facts, authority, runs with counts, recent errors
//	GET  /reviews[?pipeline=]        pending reviews with base and both values; decided ones
//	POST /reviews/{id}/resolve       action=take-left|take-right|use-value (value, value_format=text|json), note
//	GET  /queue[?kind=&after=]       queue depth by kind, dead letters
//	POST /dead/{id}/requeue|purge    one dead job
//	POST /dead/requeue|purge         the checked jobs (id=…); purge all with all=yes&confirm=yes
//	GET  /authority, /authority.md   the authority table (HTML, Markdown) and advice on the pipelines
//
// JSON API (lists are wrapped: {"pipelines": [...]}; errors are {"error": "..."}):
//
//	GET  /api/pipelines, /api/pipelines/{name}
//	GET  /api/runs[?pipeline=&limit=]
//	GET  /api/queue
//	GET  /api/dead[?kind=&after=&limit=]
//	GET  /api/reviews[?pipeline=&status=pending|resolved|applied|all&limit=]
//	GET  /api/authority, /api/tokens
//	POST /api/reviews/{id}/resolve   {"action": "take-left"|"take-right"|"use-value", "value": any, "note": "..."}
//	POST /api/dead/{id}/requeue|purge
//	POST /api/dead/requeue|purge     {"ids": [1, 2]} or, for purge, {"all": true}
//
// Health and metrics:
//
//	GET  /healthz    200 while the process serves (open)
//	GET  /readyz     200, or 503 with reasons when Ping fails or a pipeline is failing (open; no error text)
//	GET  /metrics    Prometheus text format (authenticated unless Options.OpenMetrics)
//
// Every route lives under Options.BasePath.
//
// # Pipeline status
//
// See Status: paused, never_run, failing (the last FailAfterRuns runs
// failed, the last run failed and none ever succeeded, or no success for
// twice the interval), late (no success for one interval), else healthy.
// Partial runs count as successes and dry runs are ignored; an unscheduled
// (event-driven) pipeline is judged by its runs alone.
//
// # Access
//
// Every route but /healthz, /readyz and the stylesheet needs credentials:
// HTTP basic authentication (Options.BasicAuth) or a bearer token
// (Options.BearerTokens), compared in constant time. InsecureNoAuth opens
// the dashboard to loopback clients only, for a demo. POSTs are protected
// against cross-site requests by net/http's CrossOriginProtection
// (Sec-Fetch-Site and Origin), and in addition forms carry a token bound to
// the signed-in user (an HMAC keyed by the configured credentials, so that
// replicas agree), and the JSON API requires Content-Type application/json,
// which a cross-site form cannot send.
//
// # Secrets
//
// Nothing the dashboard renders carries a secret: strings from data (run
// errors, dead jobs' errors, keys and payloads, review values, token errors)
// are scrubbed of Options.Secrets, of the configured credentials and of
// credential-shaped text (Authorization header values, access_token=…,
// "refresh_token": "…"), then Options.Redact runs; every response body is
// scrubbed once more for the secrets in their HTML, JSON and URL encodings.
// zoho.TokenStatus holds no token by construction. /readyz, which is open,
// names what failed and leaves error texts to the log.
//
// # Metrics
//
// Metrics live in a private registry (Dashboard.Metrics().Registry()).
// Fed by the service:
//
//	zohokit_sync_records_total{pipeline,operation}          SyncObserver, or RecordOps
//	zohokit_sync_runs_total{pipeline,status}                SyncObserver, or RunFinished
//	zohokit_sync_run_duration_seconds{pipeline}             SyncObserver, or RunFinished (histogram)
//	zohokit_sync_conflicts_total{pipeline,decision}         SyncObserver, or ConflictDecided
//	zohokit_zoho_requests_total{product,status}             ZohoObserver (status 2xx|3xx|4xx|429|5xx|error)
//	zohokit_zoho_request_duration_seconds{product}          ZohoObserver (histogram)
//	zohokit_webhook_events_total{receiver,outcome,reason}   WebhookObserver, or WebhookDelivered
//	zohokit_queue_attempts_total{kind,outcome}              JobDone (a queue.Observer)
//	zohokit_queue_attempt_duration_seconds{kind}            JobDone (histogram)
//
// Read at scrape time, so right after a restart and on every replica:
//
//	zohokit_pipeline_last_success_timestamp_seconds{pipeline}   from store.LastSuccess; absent until a success
//	zohokit_pipeline_status{pipeline,status}                    1 for the current status, 0 for the others
//	zohokit_pipeline_interval_seconds{pipeline}
//	zohokit_reviews_pending{pipeline}
//	zohokit_queue_jobs{kind,state}                              state ready|scheduled|running|dead
//	zohokit_queue_oldest_ready_job_age_seconds{kind}
//	zohokit_zoho_token_valid{connection}, zohokit_zoho_token_expiry_timestamp_seconds{connection},
//	zohokit_zoho_token_refreshes_total{connection}
//	zohokit_ops_source_up{source}                               store, queue: 0 when this scrape could not read it
//
// Alert on staleness, not on single failures, for example
// time() - zohokit_pipeline_last_success_timestamp_seconds > 2 * zohokit_pipeline_interval_seconds.
package ops
