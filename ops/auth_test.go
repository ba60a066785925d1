package ops

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
)

func TestAuthRequired(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.BasicAuth = map[string]string{"ana": "correct horse battery"} })
	protected := []string{"/", "/pipelines/contacts-crm-erp", "/reviews", "/queue", "/authority", "/authority.md",
		"/metrics", "/api/pipelines", "/api/runs", "/api/queue", "/api/dead", "/api/reviews", "/api/authority", "/api/tokens"}
	for _, path := range protected {
		for name, set := range map[string]func(*http.Request){
			"no credentials": func(*http.Request) {},
			"wrong token":    func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testToken+"x") },
			"token prefix":   func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testToken[:10]) },
			"wrong password": func(r *http.Request) { r.SetBasicAuth("ana", "correct horse") },
			"other user":     func(r *http.Request) { r.SetBasicAuth("bob", "correct horse battery") },
			"unknown scheme": func(r *http.Request) { r.Header.Set("Authorization", "Token "+testToken) },
			"token as basic": func(r *http.Request) { r.SetBasicAuth("ci", testToken) },
		} {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			set(r)
			w := serve(b.dash, r)
			require.Equal(t, http.StatusUnauthorized, w.Code, "%s: %s", path, name)
			require.Contains(t, w.Header().Values("WWW-Authenticate"), `Basic realm="zohokit operations", charset="UTF-8"`)
		}
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.SetBasicAuth("ana", "correct horse battery")
		require.Equal(t, http.StatusOK, serve(b.dash, r).Code, path)
		require.Equal(t, http.StatusOK, b.get(path).Code, path)
	}
	// Actions too: nothing changes without credentials.
	id := b.review("city", "Bern", "Basel", "Zürich")
	r := httptest.NewRequest(http.MethodPost, "/api/reviews/"+id+"/resolve", strings.NewReader(`{"action":"take-left"}`))
	r.Header.Set("Content-Type", "application/json")
	require.Equal(t, http.StatusUnauthorized, serve(b.dash, r).Code)
	require.Equal(t, store.ReviewPending, b.reviewItem(id).Status)

	// Health endpoints are open.
	for _, path := range []string{"/healthz", "/readyz"} {
		require.Equal(t, http.StatusOK, serve(b.dash, httptest.NewRequest(http.MethodGet, path, nil)).Code, path)
	}
	require.NotContains(t, b.logs.String(), "correct horse")
}

func TestOpenMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.OpenMetrics = true })
	require.Equal(t, http.StatusOK, serve(b.dash, httptest.NewRequest(http.MethodGet, "/metrics", nil)).Code)
	require.Equal(t, http.StatusUnauthorized, serve(b.dash, httptest.NewRequest(http.MethodGet, "/api/pipelines", nil)).Code)
}

func TestInsecureNoAuthOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) {
		o.BearerTokens = nil
		o.InsecureNoAuth = true
	})
	require.Contains(t, b.logs.String(), "AUTHENTICATION IS DISABLED")
	for remote, want := range map[string]int{
		"127.0.0.1:5000":     http.StatusOK,
		"[::1]:5000":         http.StatusOK,
		"127.8.9.1:5000":     http.StatusOK,
		"192.0.2.10:5000":    http.StatusUnauthorized,
		"[2001:db8::1]:5000": http.StatusUnauthorized,
	} {
		r := httptest.NewRequest(http.MethodGet, "/api/pipelines", nil)
		r.RemoteAddr = remote
		r.Host = "localhost:8080"
		require.Equal(t, want, serve(b.dash, r).Code, remote)
	}
	// Through a proxy the remote address is the proxy's: refused.
	r := httptest.NewRequest(http.MethodGet, "/api/pipelines", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Host = "127.0.0.1:8080"
	r.Header.Set("X-Forwarded-For", "192.0.2.10")
	require.Equal(t, http.StatusUnauthorized, serve(b.dash, r).Code)

	// Forms work for the anonymous loopback user, with its form token.
	id := b.review("city", "Bern", "Basel", "Zürich")
	r = httptest.NewRequest(http.MethodGet, "/reviews", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Host = "127.0.0.1:8080"
	page := serve(b.dash, r).Body.String()
	form := url.Values{"action": {"take-right"}, "csrf": {formToken(t, page)}}
	r = httptest.NewRequest(http.MethodPost, "/reviews/"+id+"/resolve", strings.NewReader(form.Encode()))
	r.RemoteAddr = "127.0.0.1:5000"
	r.Host = "127.0.0.1:8080"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusSeeOther, serve(b.dash, r).Code)
	require.Equal(t, "anonymous (loopback)", b.reviewItem(id).Resolution.DecidedBy)
}

// InsecureNoAuth opens the dashboard to loopback clients, but a web page
// in the user's browser is one too once its host name resolves to
// 127.0.0.1 (DNS rebinding): it could then read the pages and their form
// tokens and post the forms. Such a request names the attacker's host, so
// anonymous access needs a Host that is a loopback name or address.
func TestInsecureNoAuthRefusesOtherHostNames(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) {
		o.BearerTokens = nil
		o.InsecureNoAuth = true
	})
	for host, want := range map[string]int{
		"127.0.0.1:8080":           http.StatusOK,
		"127.0.0.1":                http.StatusOK,
		"localhost:8080":           http.StatusOK,
		"LOCALHOST:8080":           http.StatusOK,
		"evil.localhost:8080":      http.StatusUnauthorized,
		"[::1]:8080":               http.StatusOK,
		"[::ffff:127.0.0.1]:8080":  http.StatusOK,
		"rebind.evil.example:8080": http.StatusUnauthorized,
		"rebind.evil.example":      http.StatusUnauthorized,
		"127.0.0.1.evil.example":   http.StatusUnauthorized,
		"localhost.evil.example":   http.StatusUnauthorized,
		"192.0.2.10:8080":          http.StatusUnauthorized,
		"":                         http.StatusUnauthorized,
	} {
		for _, path := range []string{"/reviews", "/api/pipelines"} {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.RemoteAddr = "127.0.0.1:5000"
			r.Host = host
			require.Equal(t, want, serve(b.dash, r).Code, "Host %q: %s", host, path)
		}
	}
	// Credentials still work whatever the Host, as they do off loopback.
	b = setup(t, func(o *Options) { o.InsecureNoAuth = true })
	r := httptest.NewRequest(http.MethodGet, "/api/pipelines", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Host = "ops.example.com"
	r.Header.Set("Authorization", "Bearer "+testToken)
	require.Equal(t, http.StatusOK, serve(b.dash, r).Code)
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	id := b.review("city", "Bern", "Basel", "Zürich")
	job := b.deadJob("k", "", "e", nil)
	validForm := url.Values{"action": {"take-left"}, "csrf": {b.dash.auth.csrfToken(principal{name: "ci", method: "bearer"})}}

	tests := []struct {
		name   string
		path   string
		ctype  string
		body   string
		header http.Header
		want   int
	}{
		{"API from another site", "/api/reviews/" + id + "/resolve", "application/json", `{"action":"take-left"}`,
			http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"API from another origin (no Sec-Fetch-Site)", "/api/reviews/" + id + "/resolve", "application/json", `{"action":"take-left"}`,
			http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"form from another site", "/reviews/" + id + "/resolve", "application/x-www-form-urlencoded", validForm.Encode(),
			http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"form from a sibling subdomain", "/reviews/" + id + "/resolve", "application/x-www-form-urlencoded", validForm.Encode(),
			http.Header{"Sec-Fetch-Site": {"same-site"}}, http.StatusForbidden},
		{"form without its token", "/reviews/" + id + "/resolve", "application/x-www-form-urlencoded", "action=take-left",
			http.Header{"Sec-Fetch-Site": {"same-origin"}}, http.StatusForbidden},
		{"form with another principal's token", "/reviews/" + id + "/resolve", "application/x-www-form-urlencoded",
			url.Values{"action": {"take-left"}, "csrf": {b.dash.auth.csrfToken(principal{name: "someone", method: "basic"})}}.Encode(),
			nil, http.StatusForbidden},
		{"API as a form (no preflight needed)", "/api/reviews/" + id + "/resolve", "text/plain", `{"action":"take-left"}`,
			nil, http.StatusUnsupportedMediaType},
		{"requeue from another site", "/api/dead/" + itoa(job) + "/requeue", "application/json", `{}`,
			http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"requeue form without token", "/dead/" + itoa(job) + "/requeue", "application/x-www-form-urlencoded", "",
			nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		h := http.Header{"Content-Type": {tt.ctype}}
		for k, v := range tt.header {
			h[k] = v
		}
		w := b.request(http.MethodPost, tt.path, strings.NewReader(tt.body), h)
		require.Equal(t, tt.want, w.Code, "%s: %s", tt.name, w.Body.String())
	}
	require.Equal(t, store.ReviewPending, b.reviewItem(id).Status, "no refused request changed the review")
	dead, err := b.q.Dead(t.Context(), deadAll)
	require.NoError(t, err)
	require.Len(t, dead, 1, "no refused request requeued the job")

	// A trusted origin may post.
	b2 := setup(t, func(o *Options) { o.TrustedOrigins = []string{"https://ops.example.com"} })
	id2 := b2.review("city", "Bern", "Basel", "Zürich")
	w := b2.request(http.MethodPost, "/api/reviews/"+id2+"/resolve", strings.NewReader(`{"action":"take-left"}`),
		http.Header{"Content-Type": {"application/json"}, "Origin": {"https://ops.example.com"}, "Sec-Fetch-Site": {"cross-site"}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	st := store.NewMemory(nil)
	tests := []struct {
		name string
		opts *Options
		want string
	}{
		{"nil options", nil, "no credentials configured"},
		{"zero options", &Options{}, "no credentials configured"},
		{"short password", &Options{BasicAuth: map[string]string{"ana": "short"}}, `BasicAuth["ana"]: password is shorter than 8 bytes`},
		{"colon in user", &Options{BasicAuth: map[string]string{"a:b": "long enough pw"}}, `user name "a:b"`},
		{"short token", &Options{BearerTokens: map[string]string{"ci": "1234"}}, `BearerTokens["ci"]: token is shorter`},
		{"empty secret", &Options{InsecureNoAuth: true, Secrets: []string{"x", ""}}, "Secrets[1] is empty"},
		{"base path", &Options{InsecureNoAuth: true, BasePath: "ops/"}, "BasePath"},
		{"fail after runs", &Options{InsecureNoAuth: true, FailAfterRuns: 9}, "FailAfterRuns (9) exceeds RunHistory (8)"},
		{"negative grace", &Options{InsecureNoAuth: true, Grace: -1}, "Grace is negative"},
		{"bad origin", &Options{InsecureNoAuth: true, TrustedOrigins: []string{"not a url"}}, "TrustedOrigins"},
	}
	for _, tt := range tests {
		_, err := New(st, nil, tt.opts)
		require.ErrorContains(t, err, tt.want, tt.name)
	}
	_, err := New(nil, nil, &Options{InsecureNoAuth: true})
	require.ErrorContains(t, err, "store is nil")
}

func TestBasePath(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.BasePath = "/ops" })
	w := b.get("/ops/")
	require.Equal(t, http.StatusOK, w.Code)
	require.Contains(t, w.Body.String(), `href="/ops/pipelines/contacts-crm-erp"`)
	require.Contains(t, w.Body.String(), `href="/ops/static/style.css"`)
	require.Equal(t, http.StatusOK, b.get("/ops/api/pipelines").Code)
	require.Equal(t, http.StatusOK, b.get("/ops/healthz").Code)
	require.Equal(t, http.StatusNotFound, b.get("/api/pipelines").Code)
	require.Equal(t, http.StatusMovedPermanently, b.get("/ops").Code)

	id := b.review("city", "Bern", "Basel", "Zürich")
	w = b.postForm("/ops/reviews/"+id+"/resolve", url.Values{"action": {"take-left"}})
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	require.True(t, strings.HasPrefix(w.Header().Get("Location"), "/ops/reviews?"))
}
