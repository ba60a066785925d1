package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every secret the tests use or the fake token server issues contains this
// marker, so "no secret in any log line or error string" is one search.
const secretMarker = "SECRET"

const (
	testClientID     = "1000.CLIENTID"
	testClientSecret = "cs-" + secretMarker + "-9f8e7d"
	testRefreshToken = "1000.rt-" + secretMarker + "-abc123"
	testGrantCode    = "1000.code-" + secretMarker + "-xyz"
)

// suiteLog captures every log line of every client in this package's tests
// (at debug level) and every error string the tests check, so TestMain can
// assert that none of them carries a secret.
var suiteLog = &logCapture{}

type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *logCapture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// testLogger returns a debug-level logger writing to the suite capture.
func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(suiteLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct{ logCapture }

// slogTo returns a debug-level logger writing to buf and to the suite
// capture.
func slogTo(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.MultiWriter(buf, suiteLog), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// noSecret fails the test if err's text carries a secret, and records it
// for the suite-wide check.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	fmt.Fprintf(suiteLog, "checked error: %s\n", err.Error())
	require.NotContains(t, err.Error(), secretMarker, "error string leaks a secret")
}

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelperProcess())
	}
	code := m.Run()
	if code == 0 {
		if err := checkSuiteLog(suiteLog.String()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkSuiteLog fails when a line carries a secret, or when the capture
// misses the kinds of lines the check is meant to cover.
func checkSuiteLog(log string) error {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, secretMarker) {
			return fmt.Errorf("secret leaked into a log line or error string: %s", line)
		}
	}
	if !hasFlag("test.run") {
		for _, want := range []string{"access token refreshed", "zoho: request", "zoho: retrying", "access token rejected", "checked error"} {
			if !strings.Contains(log, want) {
				return fmt.Errorf("suite log has no %q line: the secret check covered too little", want)
			}
		}
	}
	return nil
}

// hasFlag reports whether the go test flag name was given (a -run filter
// makes the coverage check meaningless).
func hasFlag(name string) bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-"+name) || strings.HasPrefix(a, "--"+name) {
			return true
		}
	}
	return false
}

// fakeZoho is a tiny Zoho for these tests: a token endpoint that counts its
// calls and issues distinct tokens, and an API mux that checks them.
type fakeZoho struct {
	t   testing.TB
	srv *httptest.Server
	mux *http.ServeMux

	tokenCalls atomic.Int32
	apiCalls   atomic.Int32

	mu        sync.Mutex
	lifetime  int          // expires_in seconds for issued tokens
	issued    []string     // access tokens issued, oldest first
	onlyLast  bool         // accept only the newest token (older ones get 401)
	forms     []url.Values // token request forms, secrets included (never logged)
	gate      chan struct{}
	tokenFunc func(n int, form url.Values) (int, string) // optional scripted answer
	apiDomain string                                     // api_domain answered; "" means the server's URL
}

func newFakeZoho(t testing.TB) *fakeZoho {
	t.Helper()
	f := &fakeZoho{t: t, mux: http.NewServeMux(), lifetime: 3600}
	f.mux.HandleFunc("POST /oauth/v2/token", f.handleToken)
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// ServeHTTP routes the token endpoint, and checks the access token on
// every other path before handing it to the mux.
func (f *fakeZoho) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/v2/token" || r.URL.Path == "/oauth/v2/token/revoke" || strings.HasPrefix(r.URL.Path, "/open/") {
		f.mux.ServeHTTP(w, r)
		return
	}
	f.apiCalls.Add(1)
	if !f.validAuth(r.Header.Get("Authorization")) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`))
		return
	}
	f.mux.ServeHTTP(w, r)
}

func (f *fakeZoho) validAuth(h string) bool {
	tok, ok := strings.CutPrefix(h, "Zoho-oauthtoken ")
	if !ok || tok == "" {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onlyLast {
		return len(f.issued) > 0 && f.issued[len(f.issued)-1] == tok
	}
	for _, t := range f.issued {
		if t == tok {
			return true
		}
	}
	return false
}

func (f *fakeZoho) handleToken(w http.ResponseWriter, r *http.Request) {
	n := int(f.tokenCalls.Add(1))
	_ = r.ParseForm()
	f.mu.Lock()
	f.forms = append(f.forms, r.PostForm)
	gate, script := f.gate, f.tokenFunc
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if script != nil {
		status, body := script(n, r.PostForm)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return
	}
	if r.PostForm.Get("client_secret") != testClientSecret {
		_, _ = w.Write([]byte(`{"error":"invalid_client_secret"}`)) // HTTP 200, as Zoho does
		return
	}
	tok := fmt.Sprintf("1000.at-%s-%d-%d", secretMarker, n, time.Now().UnixNano())
	f.mu.Lock()
	f.issued = append(f.issued, tok)
	life, domain := f.lifetime, f.apiDomain
	f.mu.Unlock()
	if domain == "" {
		domain = f.srv.URL
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok, "api_domain": domain, "token_type": "Bearer", "expires_in": life,
	})
}

// dc returns a data centre whose every host is the fake.
func (f *fakeZoho) dc() DataCenter {
	u := f.srv.URL
	return DataCenter{Location: "test", Accounts: u, API: u, Content: u, Projects: u, People: u}
}

// config returns a client config for the fake with fast retries.
func (f *fakeZoho) config() Config {
	return Config{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		RefreshToken: testRefreshToken,
		DataCenter:   f.dc(),
		Logger:       testLogger(),
		Retry:        RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond},
	}
}

func (f *fakeZoho) client(cfg Config) *Client {
	f.t.Helper()
	c, err := New(cfg)
	require.NoError(f.t, err)
	return c
}

// handleJSON serves body as JSON with status on pattern.
func (f *fakeZoho) handleJSON(pattern string, status int, body string) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitCtx is a context for test-side waits on fake clocks.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// expiredState is a stored token that needs a refresh.
func expiredState(now time.Time) *TokenState {
	return &TokenState{AccessToken: "1000.old-" + secretMarker, Expiry: now.Add(-time.Minute), Issued: now.Add(-61 * time.Minute)}
}
