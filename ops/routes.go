package ops

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
)

// routes builds the dashboard's mux. Every route is under BasePath.
func (d *Dashboard) routes() http.Handler {
	mux := http.NewServeMux()
	b := d.opts.BasePath
	handle := func(pattern string, acc access, h http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" "+b+path, d.guard(acc, h))
	}
	// Health: open, so that orchestrators need no credentials.
	handle("GET /healthz", public, d.healthz)
	handle("GET /readyz", public, d.readyz)
	metricsAccess := reader
	if d.opts.OpenMetrics {
		metricsAccess = public
	}
	handle("GET /metrics", metricsAccess, d.serveMetrics)

	// Pages.
	handle("GET /{$}", reader, d.overviewPage)
	handle("GET /pipelines/{name}", reader, d.pipelinePage)
	handle("GET /reviews", reader, d.reviewsPage)
	handle("POST /reviews/{id}/resolve", formPost, d.resolveForm)
	handle("GET /queue", reader, d.queuePage)
	handle("POST /dead/{id}/{action}", formPost, d.deadForm)
	handle("POST /dead/{action}", formPost, d.deadForm)
	handle("GET /authority", reader, d.authorityPage)
	handle("GET /authority.md", reader, d.authorityMarkdown)
	handle("GET /static/style.css", public, d.stylesheet)

	// JSON API.
	handle("GET /api/pipelines", reader, d.apiPipelines)
	handle("GET /api/pipelines/{name}", reader, d.apiPipeline)
	handle("GET /api/runs", reader, d.apiRuns)
	handle("GET /api/queue", reader, d.apiQueue)
	handle("GET /api/dead", reader, d.apiDead)
	handle("POST /api/dead/{id}/{action}", apiPost, d.apiDeadOne)
	handle("POST /api/dead/{action}", apiPost, d.apiDeadMany)
	handle("GET /api/reviews", reader, d.apiReviews)
	handle("POST /api/reviews/{id}/resolve", apiPost, d.apiResolve)
	handle("GET /api/authority", reader, d.apiAuthority)
	handle("GET /api/tokens", reader, d.apiTokens)
	if b != "" {
		// The bare base path ("/ops") leads to the overview ("/ops/").
		mux.Handle("GET "+b, http.RedirectHandler(b+"/", http.StatusMovedPermanently))
	}
	return mux
}

// isAPI reports whether the request is for the JSON API, whose errors are
// JSON.
func (d *Dashboard) isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, d.opts.BasePath+"/api/")
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// write sends a body after the last redaction pass.
func (d *Dashboard) write(w http.ResponseWriter, status int, contentType string, body []byte) {
	body = d.red.bytes(body)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(contentType, "text/html") {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// json answers v as JSON.
func (d *Dashboard) json(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		d.log.Error("ops: encode JSON answer", "error", d.red.string(err.Error()))
		d.write(w, http.StatusInternalServerError, "application/json", []byte(`{"error":"the answer could not be encoded"}`+"\n"))
		return
	}
	d.write(w, status, "application/json", buf.Bytes())
}

// fail answers an error: JSON for the API and for clients that ask for
// JSON, else an HTML page (plain text for health routes).
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	msg = d.red.string(msg)
	switch {
	case d.isAPI(r) || strings.Contains(r.Header.Get("Accept"), "application/json"):
		d.json(w, status, map[string]string{"error": msg})
	case strings.HasSuffix(r.URL.Path, "/metrics"):
		d.write(w, status, "text/plain; charset=utf-8", []byte(msg+"\n"))
	default:
		d.renderPage(w, r, status, "error", "Error", errorPage{Status: status, StatusText: http.StatusText(status), Message: msg})
	}
}

type errorPage struct {
	Status     int
	StatusText string
	Message    string
}
