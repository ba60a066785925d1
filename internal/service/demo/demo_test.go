package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/service/demo"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho"
)

// lockedBuffer is a bytes.Buffer safe for the demo's goroutines.
type lockedBuffer struct {
	mu stdsync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func getJSON(t *testing.T, url string, v any) bool {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	return true
}

// The demo shows all three flows succeeding on the dashboard within a
// minute, and nothing it prints or logs carries a secret.
func TestDemoShowsEveryFlowWithinAMinute(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, logs lockedBuffer
	ready := make(chan demo.Info, 1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- demo.Run(ctx, demo.Options{
			Addr: "127.0.0.1:0", Dir: dir, Out: &out, Interval: time.Second,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Ready:  func(i demo.Info) { ready <- i },
		})
	}()
	var info demo.Info
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatalf("demo ended before it was ready: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("demo not ready after 30s\n%s", out.String())
	}

	type pipeline struct {
		Name        string    `json:"name"`
		LastSuccess time.Time `json:"last_success"`
	}
	deadline := time.Now().Add(60 * time.Second)
	var missing []string
	for time.Now().Before(deadline) {
		missing = nil
		var pl struct{ Pipelines []pipeline }
		if getJSON(t, info.DashboardURL+"api/pipelines", &pl) {
			ok := map[string]bool{}
			for _, p := range pl.Pipelines {
				ok[p.Name] = !p.LastSuccess.IsZero()
			}
			for _, name := range []string{"deal-to-invoice", "erp-prices", "delivery-addresses"} {
				if !ok[name] {
					missing = append(missing, "a successful run of "+name)
				}
			}
		}
		if len(info.Fake.Books().Invoices(info.BooksOrg)) == 0 {
			missing = append(missing, "an invoice in Books")
		}
		if !pricesReachedCRM(t, info) {
			missing = append(missing, "ERP prices in CRM Products")
		}
		var rv struct{ Reviews []json.RawMessage }
		if !getJSON(t, info.DashboardURL+"api/reviews?status=pending", &rv) || len(rv.Reviews) == 0 {
			missing = append(missing, "a pending review")
		}
		if len(missing) == 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo ended early: %v\n%s", err, out.String())
		case <-time.After(250 * time.Millisecond):
		}
	}
	require.Empty(t, missing, "not shown within a minute; output:\n%s", out.String())

	// Ctrl-C: everything stops cleanly.
	accessTokens := storedAccessTokens(t, filepath.Join(dir, "zohokit.db"))
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop within 30s of its context ending")
	}
	printed := out.String()
	require.Contains(t, printed, "Dashboard: "+info.DashboardURL)
	require.Contains(t, printed, "Stopped:")

	require.Len(t, info.Secrets, 3)
	secrets := append(info.Secrets, accessTokens...)
	require.NotEmpty(t, accessTokens, "the service stored no access token: the check below would prove nothing")
	for _, s := range secrets {
		require.NotContains(t, printed, s, "the demo printed a secret")
		require.NotContains(t, logs.String(), s, "the demo logged a secret")
	}
}

// pricesReachedCRM reports whether every ERP product is in CRM Products
// at its ERP price.
func pricesReachedCRM(t *testing.T, info demo.Info) bool {
	rows, err := info.ERP.Query(`SELECT sku, price FROM products`)
	if err != nil {
		return false
	}
	defer rows.Close()
	crm := map[string]any{}
	for _, p := range info.Fake.CRM().List("Products") {
		crm[fmt.Sprint(p["Product_Code"])] = p["Unit_Price"]
	}
	n := 0
	for rows.Next() {
		var sku, price string
		require.NoError(t, rows.Scan(&sku, &price))
		got, ok := crm[sku]
		if !ok || !transform.Equal(json.Number(price), got) {
			return false
		}
		n++
	}
	return n > 0 && rows.Err() == nil
}

// storedAccessTokens reads the access tokens the service keeps in its
// database's token table.
func storedAccessTokens(t *testing.T, path string) []string {
	db, err := sqlite.Open(t.Context(), path, nil)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT state FROM zohokit_tokens`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var raw string
		require.NoError(t, rows.Scan(&raw))
		var st zoho.TokenState
		require.NoError(t, json.Unmarshal([]byte(raw), &st))
		if st.AccessToken != "" && !strings.Contains(raw, "zohokit.refresh-token") {
			out = append(out, st.AccessToken)
		}
	}
	require.NoError(t, rows.Err())
	return out
}
