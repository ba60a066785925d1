package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

// script answers the n-th call (from 1) to a path with the step's handler.
type script struct {
	mu    sync.Mutex
	steps []http.HandlerFunc
	calls int
	seen  [][]byte // request bodies
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.seen = append(s.seen, body)
	s.mu.Unlock()
	if n > len(s.steps) {
		http.Error(w, "unscripted call", http.StatusTeapot)
		return
	}
	s.steps[n-1](w, r)
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func status(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// hang answers only when the client gives up (its timeout).
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func doGet(t *testing.T, c *Client, ctx context.Context, p Product, path string, v any) (*Response, error) {
	t.Helper()
	req, err := c.NewRequest(http.MethodGet, p, path, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(ctx, req, v)
}

func TestRetryScriptedFailuresThenSuccess(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	sc := &script{steps: []http.HandlerFunc{
		status(http.StatusTooManyRequests, `{"code":"TOO_MANY_REQUESTS","message":"slow down","status":"error"}`, "Retry-After", "7"),
		status(http.StatusInternalServerError, `{"code":"INTERNAL_ERROR","message":"oops","status":"error"}`),
		hang, // beyond the client's timeout
		status(http.StatusOK, `{"data":[{"id":"42"}]}`),
	}}
	fz.mux.Handle("GET /crm/v8/Contacts", sc)
	fc := fakeclock.NewAuto(time.Now())
	cfg := fz.config()
	cfg.Clock = fc
	cfg.Retry = RetryPolicy{} // defaults: 4 attempts, 500 ms initial backoff
	cfg.HTTPClient = &http.Client{Timeout: time.Second}
	c := fz.client(cfg)

	var out struct {
		Data []struct{ ID string } `json:"data"`
	}
	resp, err := doGet(t, c, t.Context(), CRM, "/Contacts", &out)
	require.NoError(t, err)
	require.Equal(t, "42", out.Data[0].ID)
	require.Equal(t, 4, resp.Attempts)
	require.Equal(t, 4, sc.count())

	sleeps := fc.Sleeps()
	require.Len(t, sleeps, 3)
	require.Equal(t, 7*time.Second, sleeps[0], "Retry-After honoured")
	require.InDelta(t, float64(time.Second), float64(sleeps[1]), float64(500*time.Millisecond), "jittered 2nd backoff step")
	require.InDelta(t, float64(2*time.Second), float64(sleeps[2]), float64(time.Second), "jittered 3rd backoff step")
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	sc := &script{steps: []http.HandlerFunc{
		status(500, `{}`), status(502, `bad gateway`), status(503, `{"code":"INTERNAL_ERROR","message":"down"}`),
	}}
	fz.mux.Handle("GET /books/v3/invoices", sc)
	cfg := fz.config()
	cfg.Retry.MaxAttempts = 3
	c := fz.client(cfg)
	resp, err := doGet(t, c, t.Context(), Books, "/invoices", nil)
	noSecret(t, err)
	require.ErrorIs(t, err, ErrServer)
	require.Equal(t, 3, resp.Attempts)
	require.Equal(t, 503, resp.StatusCode)
	require.Equal(t, 3, sc.count())
}

func TestRetryAfterHTTPDateAndTooLong(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	d, ok := parseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now)
	require.True(t, ok)
	require.Equal(t, 90*time.Second, d)
	d, ok = parseRetryAfter("1.5", now)
	require.True(t, ok)
	require.Equal(t, 1500*time.Millisecond, d)
	_, ok = parseRetryAfter("soon", now)
	require.False(t, ok)

	// A Retry-After beyond MaxRetryAfter is returned, not waited for.
	fz := newFakeZoho(t)
	sc := &script{steps: []http.HandlerFunc{status(429, `{"code":"TOO_MANY_REQUESTS"}`, "Retry-After", "3600")}}
	fz.mux.Handle("GET /crm/v8/Leads", sc)
	fc := fakeclock.NewAuto(now)
	cfg := fz.config()
	cfg.Clock = fc
	c := fz.client(cfg)
	_, err := doGet(t, c, t.Context(), CRM, "/Leads", nil)
	require.ErrorIs(t, err, ErrRateLimited)
	wait, ok := RetryAfter(err)
	require.True(t, ok)
	require.Equal(t, time.Hour, wait)
	// The queue's Worker reads the same wait through the error's method.
	var hint interface{ RetryAfter() time.Duration }
	require.ErrorAs(t, err, &hint)
	require.Equal(t, time.Hour, hint.RetryAfter())
	require.Empty(t, fc.Sleeps())
	require.Equal(t, 1, sc.count())
}

func TestPostRetriesOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		idempotent bool
		first      http.HandlerFunc
		wantCalls  int
	}{
		{"plain POST is not retried on 5xx", false, status(500, `{"code":"INTERNAL_ERROR"}`), 1},
		{"idempotent POST is retried on 5xx", true, status(500, `{"code":"INTERNAL_ERROR"}`), 2},
		{"plain POST is retried on 429 (not acted on)", false, status(429, `{"code":"TOO_MANY_REQUESTS"}`), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoho(t)
			sc := &script{steps: []http.HandlerFunc{tc.first, status(201, `{"data":[{"code":"SUCCESS"}]}`)}}
			fz.mux.Handle("POST /crm/v8/Deals/upsert", sc)
			c := fz.client(fz.config())
			req, err := c.NewRequest(http.MethodPost, CRM, "/Deals/upsert", map[string]any{"data": []any{map[string]string{"Deal_Name": "x"}}})
			require.NoError(t, err)
			req.Idempotent = tc.idempotent
			_, err = c.Do(t.Context(), req, nil)
			require.Equal(t, tc.wantCalls, sc.count())
			if tc.wantCalls == 1 {
				require.ErrorIs(t, err, ErrServer)
			} else {
				require.NoError(t, err)
				require.Equal(t, sc.seen[0], sc.seen[1], "the body is replayed")
				require.JSONEq(t, `{"data":[{"Deal_Name":"x"}]}`, string(sc.seen[1]))
			}
		})
	}
}

func TestNetworkErrorIsRetriedForGetOnly(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.Handle("GET /crm/v8/Contacts", &script{steps: []http.HandlerFunc{hang, status(200, `{}`)}})
	post := &script{steps: []http.HandlerFunc{hang, status(200, `{}`)}}
	fz.mux.Handle("POST /crm/v8/Contacts", post)
	cfg := fz.config()
	cfg.HTTPClient = &http.Client{Timeout: time.Second}
	c := fz.client(cfg)
	_, err := c.Token(t.Context()) // mint before the short-timeout calls
	require.NoError(t, err)

	resp, err := doGet(t, c, t.Context(), CRM, "/Contacts", nil)
	require.NoError(t, err)
	require.Equal(t, 2, resp.Attempts)

	req, err := c.NewRequest(http.MethodPost, CRM, "/Contacts", map[string]any{})
	require.NoError(t, err)
	_, err = c.Do(t.Context(), req, nil)
	noSecret(t, err)
	require.Error(t, err)
	require.Contains(t, err.Error(), "Client.Timeout")
	require.Equal(t, 1, post.count())
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	sc := &script{steps: []http.HandlerFunc{status(503, `{}`), status(200, `{}`)}}
	fz.mux.Handle("GET /crm/v8/Contacts", sc)
	fc := fakeclock.New(time.Now())
	cfg := fz.config()
	cfg.Clock = fc
	cfg.Retry = RetryPolicy{InitialInterval: time.Hour, MaxInterval: time.Hour}
	c := fz.client(cfg)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := doGet(t, c, ctx, CRM, "/Contacts", nil)
		done <- err
	}()
	require.NoError(t, fc.WaitPending(waitCtx(t), 1), "Do is in its backoff wait")
	cancel() // the fake clock never moves: only the cancellation can end the wait
	require.ErrorIs(t, <-done, context.Canceled)
	require.Equal(t, 1, sc.count())
	require.Zero(t, fc.Pending(), "the backoff timer is stopped")
}

func TestEmptyResultsAreNotErrors(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusNoContent, http.StatusNotModified} {
		fz := newFakeZoho(t)
		fz.mux.HandleFunc("GET /crm/v8/Leads/search", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
		c := fz.client(fz.config())
		out := map[string]any{"untouched": true}
		resp, err := doGet(t, c, t.Context(), CRM, "/Leads/search?criteria=(Email:equals:a@b.c)", &out)
		require.NoError(t, err, "status %d", code)
		require.Equal(t, code, resp.StatusCode)
		require.Equal(t, map[string]any{"untouched": true}, out)
	}
}

func TestMultiStatusIsSuccess(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.handleJSON("POST /crm/v8/Contacts", http.StatusMultiStatus,
		`{"data":[{"code":"SUCCESS","status":"success"},{"code":"INVALID_DATA","status":"error"}]}`)
	c := fz.client(fz.config())
	req, err := c.NewRequest(http.MethodPost, CRM, "/Contacts", json.RawMessage(`{"data":[{},{}]}`))
	require.NoError(t, err)
	var out struct {
		Data []struct{ Code string } `json:"data"`
	}
	resp, err := c.Do(t.Context(), req, &out)
	require.NoError(t, err)
	require.Equal(t, http.StatusMultiStatus, resp.StatusCode)
	require.Equal(t, "INVALID_DATA", out.Data[1].Code)
}

func TestProductBases(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	var got sync.Map
	fz.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.URL.Path, r.URL.RawQuery)
		w.WriteHeader(http.StatusNoContent)
	})
	c := fz.client(fz.config())
	for p, want := range map[Product]string{
		CRM:       "/crm/v8/x",
		CRMBulk:   "/crm/bulk/v8/x",
		CRMUpload: "/crm/v8/x",
		Books:     "/books/v3/x",
		Inventory: "/inventory/v1/x",
		Projects:  "/api/v3/x",
		People:    "/people/api/x",
		APIRoot:   "/x",
	} {
		req, err := c.NewRequest(http.MethodGet, p, "x", nil)
		require.NoError(t, err)
		req.Query = url.Values{"a": {"1"}}
		_, err = c.Do(t.Context(), req, nil)
		require.NoError(t, err, p)
		q, ok := got.Load(want)
		require.True(t, ok, "%s → %s", p, want)
		require.Equal(t, "a=1", q)
		base, err := c.BaseURL(t.Context(), p)
		require.NoError(t, err)
		require.Equal(t, fz.srv.URL+strings.TrimSuffix(want, "/x"), base)
	}
	_, err := c.NewRequest(http.MethodGet, Product("nope"), "/x", nil)
	require.ErrorContains(t, err, `unknown product "nope"`)
}

func TestRequestHeadersAndBodies(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	type seen struct{ auth, ctype, accept, ua, org, body string }
	ch := make(chan seen, 1)
	fz.mux.HandleFunc("POST /crm/v8/upload", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- seen{r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("User-Agent"), r.Header.Get("X-CRM-ORG"), string(b)}
		w.WriteHeader(http.StatusCreated)
	})
	c := fz.client(fz.config())
	for _, tc := range []struct {
		body      any
		ctype     string
		wantBody  string
		setHeader bool
	}{
		{map[string]int{"a": 1}, "application/json", `{"a":1}`, false},
		{url.Values{"k": {"v w"}}, "application/x-www-form-urlencoded", "k=v+w", false},
		{[]byte("raw"), "application/octet-stream", "raw", false},
		{strings.NewReader("zip"), "application/zip", "zip", true},
	} {
		req, err := c.NewRequest(http.MethodPost, CRMUpload, "/upload", tc.body)
		require.NoError(t, err)
		req.Header.Set("X-CRM-ORG", "600123")
		if tc.setHeader {
			req.SetBody("application/zip", req.Body())
		}
		_, err = c.Do(t.Context(), req, nil)
		require.NoError(t, err)
		s := <-ch
		require.True(t, strings.HasPrefix(s.auth, "Zoho-oauthtoken 1000.at-"), "Zoho-oauthtoken, never Bearer")
		require.Equal(t, tc.ctype, s.ctype)
		require.Equal(t, "application/json", s.accept)
		require.Equal(t, "zohokit", s.ua)
		require.Equal(t, "600123", s.org)
		require.Equal(t, tc.wantBody, s.body)
	}
	_, err := c.NewRequest(http.MethodPost, CRM, "/x", map[string]any{"bad": func() {}})
	require.ErrorContains(t, err, "encoding body")
	_, err = c.NewRequest("", CRM, "/x", nil)
	require.ErrorContains(t, err, "method is empty")
}

func TestAbsoluteURLsOnlyOnOwnHosts(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.HandleFunc("GET /crm/bulk/v8/read/1/result", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("PK\x03\x04zip bytes"))
	})
	c := fz.client(fz.config())
	req, err := c.NewRequest(http.MethodGet, CRMBulk, fz.srv.URL+"/crm/bulk/v8/read/1/result", nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = c.Do(t.Context(), req, &buf)
	require.NoError(t, err)
	require.Equal(t, "PK\x03\x04zip bytes", buf.String())

	req, err = c.NewRequest(http.MethodGet, CRMBulk, "https://evil.example/steal", nil)
	require.NoError(t, err)
	_, err = c.Do(t.Context(), req, nil)
	require.ErrorContains(t, err, "not one of the client's Zoho hosts")
}

func TestResponseRateHeaders(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.handleJSON("GET /books/v3/organizations", 200, `{"code":0}`)
	fz.mux.HandleFunc("GET /crm/v8/org", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-API-CREDITS-REMAINING", "4200")
		w.WriteHeader(200)
	})
	mux := fz.mux
	fz.mux = http.NewServeMux()
	fz.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/books/v3/organizations" {
			w.Header().Set("X-Rate-Limit-Limit", "1000")
			w.Header().Set("X-Rate-Limit-Remaining", "567")
			w.Header().Set("X-Rate-Limit-Reset", "27445")
		}
		mux.ServeHTTP(w, r)
	})
	fz.mux.HandleFunc("POST /oauth/v2/token", fz.handleToken)
	c := fz.client(fz.config())
	resp, err := doGet(t, c, t.Context(), Books, "/organizations", nil)
	require.NoError(t, err)
	require.Equal(t, Rate{Limit: 1000, Remaining: 567, Reset: 27445 * time.Second, CreditsRemaining: -1}, resp.Rate)
	resp, err = doGet(t, c, t.Context(), CRM, "/org", nil)
	require.NoError(t, err)
	require.Equal(t, Rate{Limit: -1, Remaining: -1, Reset: -1, CreditsRemaining: 4200}, resp.Rate)
}

func TestRequestLogLinesCarryNoSecrets(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.handleJSON("GET /crm/v8/Contacts", 200, `{}`)
	var buf syncBuffer
	cfg := fz.config()
	cfg.Logger = slogTo(&buf)
	c := fz.client(cfg)
	_, err := doGet(t, c, t.Context(), CRM, "/Contacts?page=2", nil)
	require.NoError(t, err)
	log := buf.String()
	require.Contains(t, log, "access token refreshed")
	require.Contains(t, log, `msg="zoho: request"`)
	require.Contains(t, log, "path=/crm/v8/Contacts")
	require.Contains(t, log, "status=200")
	require.Contains(t, log, "attempt=1")
	require.Contains(t, log, "duration=")
	require.NotContains(t, log, secretMarker)
	fz.mu.Lock()
	defer fz.mu.Unlock()
	for _, tok := range fz.issued {
		require.NotContains(t, log, tok)
	}
}
