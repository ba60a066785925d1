package ops

import (
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/internal/testenv"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/zoho"
)

// TestBrowser drives the dashboard in a real headless Chromium: the
// overview lists the pipelines, a review is resolved by clicking, and a
// dead job is requeued by clicking. Screenshots are kept as artefacts.
func TestBrowser(t *testing.T) {
	chromium := testenv.LookPath(t, "chromium", "/usr/bin/chromium")
	t.Parallel()
	b := setup(t, func(o *Options) {
		o.Connections = func() []ZohoConnection {
			return []ZohoConnection{{Name: "crm-eu", Status: zoho.TokenStatus{Location: zoho.EU, APIDomain: "https://www.zohoapis.eu",
				Grant: "refresh_token", Valid: true, Expiry: t0.Add(42 * time.Minute), Refreshes: 7, LastRefresh: t0.Add(-18 * time.Minute),
				MintsInWindow: 1, MintLimit: 10}}}
		}
	})
	for i := range 8 {
		status, counts := store.RunSucceeded, store.Counts{Read: 40 + i, Created: i, Updated: 5, Unchanged: 35}
		if i == 5 {
			status, counts = store.RunPartial, store.Counts{Read: 12, Updated: 9, Failed: 3}
		}
		b.run("contacts-crm-erp", t0.Add(time.Duration(i-8)*15*time.Minute), status, counts, map[bool]string{true: "3 record(s) failed; first: update 1001 on right: ERP answered 422"}[i == 5])
	}
	b.run("customers-bidi", t0.Add(-80*time.Minute), store.RunSucceeded, store.Counts{Read: 10, Updated: 2, Conflicted: 1}, "")
	b.run("invoices-push", t0.Add(-50*time.Minute), store.RunFailed, store.Counts{Read: 1, Failed: 1}, "books: 503 Service Unavailable")
	b.run("invoices-push", t0.Add(-20*time.Minute), store.RunFailed, store.Counts{Read: 1, Failed: 1}, "books: 503 Service Unavailable")
	reviewID := b.review("delivery_address",
		map[string]any{"street": "Hauptstrasse 1", "city": "Bern", "zip": json.Number("3011")},
		map[string]any{"street": "Hauptstrasse 1", "city": "Basel", "zip": json.Number("4051")},
		map[string]any{"street": "Bahnhofstrasse 7", "city": "Bern", "zip": json.Number("3011")})
	b.review("phone", "+41 31 000 00 00", "+41 31 111 11 11", "+41 61 222 22 22")
	_, err := b.q.Enqueue(context.Background(), queue.Job{Kind: "push_invoice"})
	require.NoError(t, err)
	jobID := b.deadJob("sync_record", "contacts-crm-erp:1001", "ERP answered 422: VAT number missing", []byte(`{"pipeline":"contacts-crm-erp","id":"1001"}`))

	srv := httptest.NewServer(b.dash)
	t.Cleanup(srv.Close)
	artefacts := artefactDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelTab)
	// The first call starts the browser; its life is bound to tab, not to
	// the deadline below.
	require.NoError(t, chromedp.Do(tab))
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	t.Cleanup(cancel)

	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		path := filepath.Join(artefacts, name)
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("screenshot: %s", path)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err)
		return s
	}

	// Every request of the tab carries the bearer token.
	_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": "Bearer " + testToken}})
	require.NoError(t, err)

	// The overview lists the pipelines with their status.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("table.pipelines")),
	))
	table := text("table.pipelines")
	for _, want := range []string{"contacts-crm-erp", "customers-bidi", "invoices-push", "healthy", "late", "failing"} {
		require.Contains(t, table, want)
	}
	shot("overview.png")

	// A review is resolved by clicking "Take CRM".
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/reviews"),
		chromedp.WaitVisible(chromedp.CSS("#review-"+reviewID)),
	))
	shot("reviews.png")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#review-`+reviewID+` button[data-side="left"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	))
	require.Contains(t, text(".flash"), "Review "+reviewID+" resolved")
	item := b.reviewItem(reviewID)
	require.Equal(t, store.ReviewResolved, item.Status)
	require.Equal(t, conflict.TakeLeft, item.Resolution.Action)
	require.Equal(t, "ci", item.Resolution.DecidedBy)

	// A dead job is requeued by clicking "Requeue".
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/queue"),
		chromedp.WaitVisible(chromedp.CSS("#dead-"+itoa(jobID))),
	))
	shot("queue.png")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[data-job="`+itoa(jobID)+`"][data-action="requeue"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	))
	require.Contains(t, text(".flash"), "1 dead job requeued.")
	dead, err := b.q.Dead(context.Background(), deadAll)
	require.NoError(t, err)
	require.Empty(t, dead)
	st, err := b.q.Stats(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, st.Kinds["sync_record"].Ready)

	// The pipeline page, for the record.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/pipelines/contacts-crm-erp"),
		chromedp.WaitVisible(chromedp.CSS("table.runs")),
	))
	shot("pipeline.png")
}

// artefactDir is where screenshots go: t.ArtifactDir() when go test runs
// with -artifacts (kept under -outputdir), else testdata/artifacts/ in the
// package (git-ignored), so that a plain `go test` keeps them too.
func artefactDir(t *testing.T) string {
	t.Helper()
	if f := flag.Lookup("test.artifacts"); f != nil && strings.EqualFold(f.Value.String(), "true") {
		return t.ArtifactDir()
	}
	dir := filepath.Join("testdata", "artifacts", t.Name())
	require.NoError(t, os.MkdirAll(dir, 0o755))
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	return abs
}
