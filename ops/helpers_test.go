package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
)

// testToken is the bearer token the test dashboards accept.
const testToken = "test-bearer-token-0123456789"

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeClock is a settable clock shared by the dashboard, store and queue.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// bundle is one test's dashboard and what is behind it.
type bundle struct {
	t     *testing.T
	clock *fakeClock
	st    *store.Memory
	q     *queue.Memory
	dash  *Dashboard
	logs  *syncBuffer

	mu        sync.Mutex
	pipelines []PipelineInfo
}

// setup builds a dashboard over a memory store and queue on a fake clock,
// with three pipelines, the default authority table and a bearer token.
// edit may change the options before New.
func setup(t *testing.T, edit func(*Options)) *bundle {
	t.Helper()
	b := &bundle{t: t, clock: &fakeClock{now: t0}, logs: &syncBuffer{}}
	b.st = store.NewMemory(&store.MemoryOptions{Now: b.clock.Now})
	var err error
	b.q, err = queue.NewMemory(&queue.MemoryOptions{Now: b.clock.Now})
	require.NoError(t, err)
	b.pipelines = []PipelineInfo{
		{Name: "contacts-crm-erp", Strategy: "pull", DataType: "contacts", LeftSystem: "CRM", RightSystem: "ERP", Interval: 15 * time.Minute},
		{Name: "customers-bidi", Strategy: "bidirectional", DataType: "accounts", LeftSystem: "CRM", RightSystem: "ERP", Interval: time.Hour},
		{Name: "invoices-push", Strategy: "push", DataType: "invoices", LeftSystem: "Books", RightSystem: "ERP"},
	}
	opts := Options{
		Pipelines: func() []PipelineInfo {
			b.mu.Lock()
			defer b.mu.Unlock()
			return append([]PipelineInfo(nil), b.pipelines...)
		},
		Authority:    authority.Default(),
		BearerTokens: map[string]string{"ci": testToken},
		Now:          b.clock.Now,
		Logger:       slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&opts)
	}
	b.dash, err = New(b.st, b.q, &opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dashboard log:\n%s", b.logs.String())
		}
	})
	return b
}

func (b *bundle) setPipelines(ps ...PipelineInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pipelines = ps
}

// request sends a request through the dashboard with the test token.
func (b *bundle) request(method, target string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	b.t.Helper()
	r := httptest.NewRequest(method, target, body)
	r.Header.Set("Authorization", "Bearer "+testToken)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	b.dash.ServeHTTP(w, r)
	return w
}

func (b *bundle) get(target string) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.request(http.MethodGet, target, nil, nil)
}

// getJSON GETs target, requires 200 and decodes the answer into v.
func (b *bundle) getJSON(target string, v any) {
	b.t.Helper()
	w := b.get(target)
	require.Equal(b.t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(b.t, "application/json", w.Header().Get("Content-Type"))
	require.NoError(b.t, json.Unmarshal(w.Body.Bytes(), v), w.Body.String())
}

// postJSON POSTs a JSON body as a same-origin API client would.
func (b *bundle) postJSON(target, body string) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.request(http.MethodPost, target, strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
}

// postForm POSTs a form as the dashboard's pages do (same origin, with the
// form token of the test token's principal).
func (b *bundle) postForm(target string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	form = cloneValues(form)
	if !form.Has("csrf") {
		form.Set("csrf", b.dash.auth.csrfToken(principal{name: "ci", method: "bearer"}))
	}
	return b.request(http.MethodPost, target, strings.NewReader(form.Encode()), http.Header{
		"Content-Type":   {"application/x-www-form-urlencoded"},
		"Sec-Fetch-Site": {"same-origin"},
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// run records a finished run of pipeline that started at start and took
// a minute.
func (b *bundle) run(pipeline string, start time.Time, status store.RunStatus, counts store.Counts, errText string) int64 {
	b.t.Helper()
	ctx := context.Background()
	id, err := b.st.StartRun(ctx, pipeline, start, false)
	require.NoError(b.t, err)
	require.NoError(b.t, b.st.FinishRun(ctx, store.Run{ID: id, Pipeline: pipeline, Finished: start.Add(time.Minute),
		Status: status, Counts: counts, Error: errText}))
	return id
}

// review records a pending review of a bidirectional conflict.
func (b *bundle) review(field string, base, left, right any) string {
	b.t.Helper()
	c := conflict.Conflict{Pipeline: "customers-bidi", DataType: "accounts", Field: field, LeftID: "1001", RightID: "C-7",
		LeftSystem: "CRM", RightSystem: "ERP", Base: base, Left: left, Right: right,
		LeftModified: t0.Add(-2 * time.Hour), RightModified: t0.Add(-time.Hour)}
	id, err := b.st.RecordReview(context.Background(), conflict.Review{Key: conflict.ReviewKey(c), Conflict: c, Reason: "held for a person to decide"})
	require.NoError(b.t, err)
	return id
}

// deadJob enqueues a job of kind and fails its only attempt, so it is dead.
func (b *bundle) deadJob(kind, key, cause string, payload []byte) int64 {
	b.t.Helper()
	ctx := context.Background()
	res, err := b.q.Enqueue(ctx, queue.Job{Kind: kind, Key: key, Payload: payload, MaxAttempts: 1})
	require.NoError(b.t, err)
	jobs, err := b.q.Claim(ctx, 1, queue.ClaimOptions{Kinds: []string{kind}})
	require.NoError(b.t, err)
	require.Len(b.t, jobs, 1)
	require.Equal(b.t, res[0].ID, jobs[0].ID)
	require.NoError(b.t, b.q.Fail(ctx, jobs[0], &plainError{cause}, time.Time{}))
	return jobs[0].ID
}

type plainError struct{ msg string }

func (e *plainError) Error() string { return e.msg }

// pendingReview returns the store's review with that ID.
func (b *bundle) reviewItem(id string) store.ReviewItem {
	b.t.Helper()
	items, err := b.st.Reviews(context.Background(), store.ReviewFilter{})
	require.NoError(b.t, err)
	for _, it := range items {
		if it.ID == id {
			return it
		}
	}
	b.t.Fatalf("review %s not found", id)
	return store.ReviewItem{}
}

// formToken extracts the form token from a rendered page.
var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func formToken(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	require.NotNil(t, m, "no form token on the page")
	return m[1]
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// newRequest builds a request carrying the test token (and a JSON content
// type for POSTs).
func newRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Header.Set("Authorization", "Bearer "+testToken)
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// deadAll lists every dead job.
var deadAll = queue.DeadFilter{Limit: 1000}
