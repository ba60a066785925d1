package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
	"github.com/zohokit/zohokit/webhook"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// result is what one zohokit invocation did.
type result struct {
	code           int
	stdout, stderr string
}

func zohokit(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	code := run(t.Context(), args, e)
	return result{code, out.String(), errb.String()}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	r := zohokit(t, nil)
	require.Equal(t, 2, r.code)
	for _, c := range []string{"demo", "serve", "plan", "dead", "authority", "auth"} {
		require.Contains(t, r.stderr, c)
	}
	r = zohokit(t, nil, "deploy")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, `unknown command "deploy"`)
}

func TestAuthURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dc, accounts string
	}{
		{"eu", "https://accounts.zoho.eu"},
		{"ca", "https://accounts.zohocloud.ca"},
		{"com.au", "https://accounts.zoho.com.au"},
	}
	for _, tt := range tests {
		r := zohokit(t, nil, "auth", "url", "--client-id", "1000.ABC", "--dc", tt.dc,
			"--redirect-uri", "https://example.com/zoho/callback", "--scopes", "ZohoCRM.modules.ALL, ZohoBooks.fullaccess.all", "--state", "s1")
		require.Equal(t, 0, r.code, r.stderr)
		var consent *url.URL
		for _, f := range strings.Fields(r.stdout) {
			if strings.HasPrefix(f, "https://") {
				u, err := url.Parse(f)
				require.NoError(t, err)
				consent = u
				break
			}
		}
		require.NotNil(t, consent, r.stdout)
		require.Equal(t, tt.accounts+"/oauth/v2/auth", consent.Scheme+"://"+consent.Host+consent.Path)
		q := consent.Query()
		require.Equal(t, "offline", q.Get("access_type"))
		require.Equal(t, "consent", q.Get("prompt"))
		require.Equal(t, "code", q.Get("response_type"))
		require.Equal(t, "1000.ABC", q.Get("client_id"))
		require.Equal(t, "https://example.com/zoho/callback", q.Get("redirect_uri"))
		require.Equal(t, "ZohoCRM.modules.ALL,ZohoBooks.fullaccess.all", q.Get("scope"))
		require.Equal(t, "s1", q.Get("state"))
	}
	r := zohokit(t, nil, "auth", "url", "--client-id", "1000.ABC", "--dc", "mars")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "mars")
}

// auth exchange trades a code the fake minted for a refresh token, stores
// it in the file store with mode 0600, and prints no secret.
func TestAuthExchange(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, nil)
	const redirect = "https://example.com/zoho/callback"
	for _, form := range []string{"code", "redirect-url"} {
		t.Run(form, func(t *testing.T) {
			code, err := srv.NewGrantCode(srv.ClientID(), "ZohoCRM.modules.ALL", redirect)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "tokens.json")
			arg := code
			if form == "redirect-url" {
				arg = redirect + "?code=" + url.QueryEscape(code) + "&location=us&accounts-server=" + url.QueryEscape(srv.URL()) + "&state=s1"
			}
			r := zohokit(t, map[string]string{"MY_SECRET": srv.ClientSecret()}, "auth", "exchange",
				"--client-id", srv.ClientID(), "--accounts-url", srv.URL(), "--redirect-uri", redirect,
				"--client-secret-env", "MY_SECRET", "--"+form, arg, "--tokens", path)
			require.Equal(t, 0, r.code, r.stderr)
			require.Contains(t, r.stdout, "Stored the refresh token in "+path)

			info, err := os.Stat(path)
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

			var file struct {
				Tokens map[string]zoho.TokenState `json:"tokens"`
			}
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &file))
			var refresh string
			var access []string
			for k, st := range file.Tokens {
				if strings.HasPrefix(k, "grant:") {
					refresh = st.RefreshToken
				} else {
					access = append(access, st.AccessToken)
				}
			}
			require.NotEmpty(t, refresh)
			require.NotEmpty(t, access)

			// The stored refresh token works.
			cfg := srv.ClientConfig()
			cfg.RefreshToken = refresh
			cfg.TokenStore = zoho.NewMemoryStore()
			zc, err := zoho.New(cfg)
			require.NoError(t, err)
			_, err = zc.Token(context.Background())
			require.NoError(t, err)

			for _, secret := range append([]string{srv.ClientSecret(), refresh, code}, access...) {
				require.NotContains(t, r.stdout, secret)
				require.NotContains(t, r.stderr, secret)
			}
		})
	}

	// A used code is refused, and the error names no secret.
	code, err := srv.NewGrantCode(srv.ClientID(), "ZohoCRM.modules.ALL", redirect)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "tokens.json")
	args := []string{"auth", "exchange", "--client-id", srv.ClientID(), "--accounts-url", srv.URL(), "--redirect-uri", redirect, "--code", code, "--tokens", path}
	env := map[string]string{"ZOHO_CLIENT_SECRET": srv.ClientSecret()}
	require.Equal(t, 0, zohokit(t, env, args...).code)
	r := zohokit(t, env, args...)
	require.Equal(t, 1, r.code)
	require.NotContains(t, r.stderr, code)
	require.NotContains(t, r.stderr, srv.ClientSecret())

	// Without the secret in the environment, nothing is sent.
	r = zohokit(t, nil, args...)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "environment variable ZOHO_CLIENT_SECRET (the client secret) is not set")
}

func TestAuthorityCommand(t *testing.T) {
	t.Parallel()
	r := zohokit(t, nil, "authority")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, authority.Default().Markdown(), r.stdout)

	r = zohokit(t, nil, "authority", "--config", "testdata/zohokit.yaml")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "| Data type | Authoritative system | Rationale |")
	require.Contains(t, r.stdout, "| customers: Shipping_Street, Shipping_City, Shipping_Code | ERP | The warehouse confirms delivery addresses. |")
	require.Contains(t, r.stdout, "| prices | ERP |")
}

const erpSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// A service configuration for commands that need a database: the fake
// Zoho, a SQLite ERP and a SQLite queue and state in dir.
func offlineConfig(t *testing.T, srv *zohotest.Server, dir string) (string, map[string]string) {
	return offlineConfigWith(t, srv, dir, "refresh_token_env: REFRESH")
}

func offlineConfigWith(t *testing.T, srv *zohotest.Server, dir, grant string) (string, map[string]string) {
	t.Helper()
	db, err := sqlqueue.OpenSQLite(t.Context(), filepath.Join(dir, "erp.db"), nil)
	require.NoError(t, err)
	_, err = db.DB().Exec(`CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT, name TEXT, price TEXT, updated_at TEXT, zohokit_key TEXT UNIQUE);
		INSERT INTO products (sku, name, price, updated_at) VALUES ('P-1', 'Pump', '10.50', '2026-03-02T09:00:00.000000Z'), ('P-2', 'Valve', '3.20', '2026-03-02T09:01:00.000000Z')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	cfg := `
database: {path: ` + filepath.Join(dir, "zohokit.db") + `}
tokens: {store: database}
zoho:
  - {name: zoho, hosts: "` + srv.URL() + `", client_id: "` + srv.ClientID() + `", client_secret_env: SECRET, ` + grant + `}
adapters:
  - {name: crm, kind: zoho-crm, connection: zoho, modules: {Products: {match_fields: [Product_Code]}}}
  - name: erp
    kind: sql
    path: ` + filepath.Join(dir, "erp.db") + `
    tables:
      products: {key_column: zohokit_key, time_format: "2006-01-02T15:04:05.000000Z"}
pipelines:
  - name: erp-prices
    data_type: prices
    strategy: pull
    left: {adapter: erp, type: products}
    right: {adapter: crm, type: Products}
    mapping: prices
    schedule: 15m
dashboard: {insecure_no_auth: true}
service: {listen: "127.0.0.1:0", shutdown_timeout: 5s}
webhooks:
  signed:
    - {name: erp, scheme: standard, secret_env: ERP_SECRET, pipeline: erp-prices, record_id_field: product.id}
mappings:
  prices:
    fields:
      - {from: name, to: Product_Name}
      - {from: sku, to: Product_Code}
      - {from: price, to: Unit_Price, decimal: {}}
`
	path := filepath.Join(dir, "zohokit.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path, map[string]string{"SECRET": srv.ClientSecret(), "REFRESH": srv.RefreshToken(), "ERP_SECRET": erpSecret}
}

func TestPlanCommand(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, nil)
	cfg, env := offlineConfig(t, srv, t.TempDir())
	r := zohokit(t, env, "plan", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "plan for erp-prices (pull): read 2; create 2, update 0, delete 0")
	require.Contains(t, r.stdout, "create right (from 1): Product_Code, Product_Name, Unit_Price")
	require.Zero(t, srv.CRM().Count("Products"), "a plan wrote to CRM")

	r = zohokit(t, env, "plan", "--config", cfg, "--pipeline", "nope")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `no pipeline named "nope"`)
	for _, s := range []string{srv.ClientSecret(), srv.RefreshToken()} {
		require.NotContains(t, r.stdout+r.stderr, s)
	}
}

func TestDeadCommands(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, nil)
	dir := t.TempDir()
	cfg, env := offlineConfig(t, srv, dir)
	ctx := t.Context()

	// Two jobs that used their only attempt.
	q, err := sqlqueue.OpenSQLite(ctx, filepath.Join(dir, "zohokit.db"), nil)
	require.NoError(t, err)
	defer q.Close()
	_, err = q.Enqueue(ctx, queue.Job{Kind: "zohokit.sync.retry", Payload: []byte(`{}`), MaxAttempts: 1},
		queue.Job{Kind: "webhook.record_event", Payload: []byte(`{}`), MaxAttempts: 1})
	require.NoError(t, err)
	jobs, err := q.Claim(ctx, 2, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	ids := map[string]string{}
	for _, j := range jobs {
		require.NoError(t, q.Fail(ctx, j, errors.New("CRM said INVALID_DATA\nsecond line"), time.Time{}))
		ids[j.Kind] = strconv.FormatInt(j.ID, 10)
	}

	r := zohokit(t, env, "dead", "list", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "2 dead job(s)")
	require.Regexp(t, `(?m)^`+ids["zohokit.sync.retry"]+` +zohokit\.sync\.retry +1/1 .* CRM said INVALID_DATA \.\.\.$`, r.stdout)

	r = zohokit(t, env, "dead", "list", "--kind", "webhook.record_event", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "1 dead job(s)")
	require.NotContains(t, r.stdout, "zohokit.sync.retry")

	r = zohokit(t, env, "dead", "retry", ids["zohokit.sync.retry"], "999", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "requeued 1 of 2 job(s)\n", r.stdout)
	dead, err := q.Dead(ctx, queue.DeadFilter{})
	require.NoError(t, err)
	require.Len(t, dead, 1)
	require.Equal(t, "webhook.record_event", dead[0].Kind)

	r = zohokit(t, env, "dead", "retry", "--config", cfg)
	require.Equal(t, 2, r.code)
	r = zohokit(t, env, "dead", "retry", "x1", "--config", cfg)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `"x1" is not a job id`)
}

// dead list prints the jobs' last errors; a secret of the configuration
// that an error carries is not printed.
func TestDeadListHidesSecrets(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, nil)
	dir := t.TempDir()
	cfg, env := offlineConfig(t, srv, dir)
	ctx := t.Context()
	q, err := sqlqueue.OpenSQLite(ctx, filepath.Join(dir, "zohokit.db"), nil)
	require.NoError(t, err)
	defer q.Close()
	_, err = q.Enqueue(ctx, queue.Job{Kind: "zohokit.sync.retry", Payload: []byte(`{}`), MaxAttempts: 1})
	require.NoError(t, err)
	jobs, err := q.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	require.NoError(t, q.Fail(ctx, jobs[0], errors.New("token endpoint refused client_secret="+srv.ClientSecret()+" for "+srv.RefreshToken()), time.Time{}))

	r := zohokit(t, env, "dead", "list", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "token endpoint refused")
	for _, s := range []string{srv.ClientSecret(), srv.RefreshToken()} {
		require.NotContains(t, r.stdout+r.stderr, s)
	}
}

// serve refuses a bad configuration at start, naming file, line and field.
func TestServeRefusesBadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "zohokit.yaml")
	require.NoError(t, os.WriteFile(path, []byte("dashboard: {insecure_no_auth: true}\npipelines:\n  - name: p\n    strategy: poll\n"), 0o600))
	r := zohokit(t, nil, "serve", "--config", path)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "zohokit.yaml:3: pipelines[0].data_type: is required")
	require.Contains(t, r.stderr, `zohokit.yaml:4: pipelines[0].strategy: unknown strategy "poll"`)
}

// syncBuffer is a bytes.Buffer safe for a running command's goroutines.
type syncBuffer struct {
	mu stdsync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve runs the configured service: a signed webhook from the ERP pushes
// a product to CRM through the queue, the dashboard answers, and the
// service stops cleanly when its context ends, having logged no secret.
func TestServeRunsAndStops(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, nil)
	cfg, vars := offlineConfig(t, srv, t.TempDir())
	var stdout, stderr syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", cfg, "--log-level", "debug"}, e) }()

	urlRE := regexp.MustCompile(`msg=dashboard url=(http://\S+)`)
	var base string
	deadline := time.Now().Add(20 * time.Second)
	for base == "" {
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve ended with %d:\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "serve did not start:\n%s", stderr.String())
	}
	resp, err := http.Get(base + "healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	body := []byte(`{"type":"product.updated","product":{"id":"1"}}`)
	v, err := webhook.NewStandardVerifier(erpSecret, nil)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, base+"webhooks/erp", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", "evt-1")
	now := time.Now()
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", v.Sign("evt-1", now, body))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for srv.CRM().Count("Products") == 0 {
		require.True(t, time.Now().Before(deadline), "the pushed product never reached CRM:\n%s", stderr.String())
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, "P-1", srv.CRM().List("Products")[0]["Product_Code"])

	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	require.Contains(t, stderr.String(), "service stopped")
	for _, s := range []string{srv.ClientSecret(), srv.RefreshToken(), erpSecret} {
		require.NotContains(t, stdout.String()+stderr.String(), s)
	}
}

// auth exchange --config stores the refresh token in the service's own
// database, where serve (here: plan) finds it without refresh_token_env.
func TestAuthExchangeIntoConfiguredStore(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, nil)
	dir := t.TempDir()
	cfg, vars := offlineConfigWith(t, srv, dir, "data_center: zohotest")
	delete(vars, "REFRESH")

	r := zohokit(t, vars, "plan", "--config", cfg)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "no refresh token: run `zohokit auth exchange` or set refresh_token_env")

	code, err := srv.NewGrantCode(srv.ClientID(), "ZohoCRM.modules.ALL", "")
	require.NoError(t, err)
	srv.ResetCalls()
	vars["ZOHO_CLIENT_SECRET"] = srv.ClientSecret()
	r = zohokit(t, vars, "auth", "exchange", "--client-id", srv.ClientID(), "--dc", "zohotest", "--accounts-url", srv.URL(),
		"--code", code, "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Stored the refresh token in the token store of "+cfg)
	require.NotContains(t, r.stdout, code)

	r = zohokit(t, vars, "plan", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "plan for erp-prices (pull): read 2; create 2")
	require.Equal(t, 1, srv.Calls("POST /oauth/v2/token"), "the plan minted a token: the exchange's access token was not stored")
}
