package service

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/webhook"
)

// testWebhookSecret is the signed receiver's secret in serviceConfig.
const testWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// serviceConfig writes an offline service configuration into dir: two
// SQLite "systems" and a push pipeline between them that runs on signed
// webhooks only (no schedule), a SQLite state database and a dashboard
// for loopback clients. extra is appended to the YAML.
func serviceConfig(t *testing.T, dir, extra string) string {
	t.Helper()
	for _, name := range []string{"a.db", "b.db"} {
		db, err := sqlite.Open(t.Context(), filepath.Join(dir, name), nil)
		require.NoError(t, err)
		_, err = db.Exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT, updated_at TEXT, zohokit_key TEXT UNIQUE)`)
		require.NoError(t, err)
		require.NoError(t, db.Close())
	}
	return fmt.Sprintf(`
database: {path: %q}
tokens: {store: database}
adapters:
  - {name: a, kind: sql, system: ERP, path: %q, tables: {items: {key_column: zohokit_key, time_format: unix_ms}}}
  - {name: b, kind: sql, system: Shop, path: %q, tables: {items: {key_column: zohokit_key, time_format: unix_ms}}}
pipelines:
  - {name: items, data_type: items, strategy: push, left: {adapter: a, type: items}, right: {adapter: b, type: items}, mapping: items}
mappings:
  items:
    fields:
      - {from: sku, to: sku}
webhooks:
  signed:
    - {name: a, scheme: standard, secret_env: HOOK_SECRET, pipeline: items, record_id_field: id}
service: {listen: "127.0.0.1:0", shutdown_timeout: 5s}
%s`, filepath.Join(dir, "state.db"), filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), extra)
}

var serviceEnv = map[string]string{"HOOK_SECRET": testWebhookSecret}

// running is a service started by startService.
type running struct {
	svc  *Service
	ls   *Listeners
	base string // the service listener's URL, without a trailing slash
	done chan struct{}
	err  error // what Run returned, once done is closed
	stop context.CancelFunc
}

// wait stops the service and returns what Run returned.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	r.stop()
	select {
	case <-r.done:
		return r.err
	case <-time.After(20 * time.Second):
		t.Fatal("the service did not stop")
		return nil
	}
}

// startService builds and runs the service of a configuration; the test's
// end stops it.
func startService(t *testing.T, cfg string, env map[string]string) *running {
	t.Helper()
	l, err := Parse("zohokit.yaml", []byte(cfg), &Options{LookupEnv: envOf(env)})
	require.NoError(t, err)
	svc, err := Build(t.Context(), l, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, svc.Close()) })
	ls, err := svc.Listen(envOf(nil), false)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{svc: svc, ls: ls, base: "http://" + ls.Service.Addr().String(), done: make(chan struct{}), stop: cancel}
	go func() {
		r.err = svc.Run(ctx, ls)
		close(r.done)
	}()
	t.Cleanup(func() { _ = r.wait(t) })
	return r
}

// get answers GET url's status, failing the test when the service has
// stopped or does not answer.
func (r *running) get(t *testing.T, url string) int {
	t.Helper()
	select {
	case <-r.done:
		t.Fatalf("the service stopped on its own (Run returned %v)", r.err)
	default:
	}
	resp, err := http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// A service whose pipelines are all pushed on webhooks has no scheduler;
// it must still serve until it is stopped, and push what the webhooks
// bring.
func TestServiceWithoutSchedulesRunsUntilStopped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := startService(t, serviceConfig(t, dir, "dashboard: {insecure_no_auth: true}\n"), serviceEnv)

	require.Equal(t, http.StatusOK, r.get(t, r.base+"/healthz"))
	a, err := sqlite.Open(t.Context(), filepath.Join(dir, "a.db"), nil)
	require.NoError(t, err)
	defer a.Close()
	_, err = a.Exec(`INSERT INTO items (id, sku, updated_at) VALUES (7, 'S-7', 1772442000000)`)
	require.NoError(t, err)

	body := []byte(`{"id": 7}`)
	v, err := webhook.NewStandardVerifier(testWebhookSecret, nil)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, r.base+"/webhooks/a", bytes.NewReader(body))
	require.NoError(t, err)
	now := time.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", "evt-1")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", v.Sign("evt-1", now, body))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	b, err := sqlite.Open(t.Context(), filepath.Join(dir, "b.db"), nil)
	require.NoError(t, err)
	defer b.Close()
	deadline := time.Now().Add(15 * time.Second)
	for count(t, b) == 0 {
		require.True(t, time.Now().Before(deadline), "the webhook's record was never pushed")
		require.Equal(t, http.StatusOK, r.get(t, r.base+"/healthz"))
		time.Sleep(20 * time.Millisecond)
	}

	require.NoError(t, r.wait(t))
}

func count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM items`).Scan(&n))
	return n
}

// /healthz and /readyz are on the service listener at the root, whatever
// the dashboard's base path and wherever it listens: orchestrators probe
// them there.
func TestHealthAtTheRootOfTheServiceListener(t *testing.T) {
	t.Parallel()
	for name, dash := range map[string]string{
		"root":                  "{insecure_no_auth: true}",
		"base path":             "{insecure_no_auth: true, base_path: /ops}",
		"own listener":          `{insecure_no_auth: true, listen: "127.0.0.1:0"}`,
		"own listener and base": `{insecure_no_auth: true, listen: "127.0.0.1:0", base_path: /ops}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := startService(t, serviceConfig(t, t.TempDir(), "dashboard: "+dash+"\n"), serviceEnv)
			for _, path := range []string{"/healthz", "/readyz"} {
				require.Equal(t, http.StatusOK, r.get(t, r.base+path), path)
				// And on HEAD, as some load balancers probe.
				resp, err := http.Head(r.base + path)
				require.NoError(t, err)
				resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode, "HEAD "+path)
			}
			dashURL := r.svc.DashboardURL(r.ls)
			require.Equal(t, http.StatusOK, r.get(t, dashURL), dashURL)
			require.Equal(t, http.StatusOK, r.get(t, strings.TrimSuffix(dashURL, "/")+"/healthz"))
		})
	}
}

// Run refuses to start when part of the service cannot be built, and then
// closes the listeners it was given, as it does when it stops.
func TestRunClosesListenersWhenItCannotStart(t *testing.T) {
	t.Parallel()
	cfg := serviceConfig(t, t.TempDir(), "dashboard: {insecure_no_auth: true}\n")
	l, err := Parse("zohokit.yaml", []byte(cfg), &Options{LookupEnv: envOf(serviceEnv)})
	require.NoError(t, err)
	// A secret that loading would refuse, so that building the webhook
	// receiver fails when Run builds it.
	l.Secrets["HOOK_SECRET"] = "whsec_not base64"
	svc, err := Build(t.Context(), l, nil)
	require.NoError(t, err)
	defer svc.Close()
	ls, err := svc.Listen(envOf(nil), false)
	require.NoError(t, err)
	require.ErrorContains(t, svc.Run(t.Context(), ls), "webhooks.signed a")
	_, err = net.Dial("tcp", ls.Service.Addr().String())
	require.Error(t, err, "the listener is still open")
}
