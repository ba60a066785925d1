package ops

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/zoho"
)

func TestPages(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) {
		o.Connections = func() []ZohoConnection {
			return []ZohoConnection{{Name: "crm-eu", Status: zoho.TokenStatus{Location: zoho.EU, APIDomain: "https://www.zohoapis.eu",
				Valid: true, Expiry: t0.Add(40 * time.Minute), Refreshes: 3, MintLimit: 10}}}
		}
	})
	b.run("contacts-crm-erp", t0.Add(-30*time.Minute), store.RunFailed, store.Counts{Read: 2, Failed: 2}, "ERP answered 503 <Service Unavailable>")
	b.run("contacts-crm-erp", t0.Add(-10*time.Minute), store.RunSucceeded, store.Counts{Read: 5, Created: 2, Updated: 1, Unchanged: 2}, "")
	b.review("delivery_address", map[string]any{"city": "Bern", "zip": json.Number("3011")}, map[string]any{"city": "Basel"}, "<script>alert(1)</script>")
	b.deadJob("sync_record", "contacts:1001", "ERP answered 422: missing VAT number", []byte(`{"id":"1001"}`))
	b.clock.Set(t0)

	page := func(path string) string {
		t.Helper()
		w := b.get(path)
		require.Equal(t, http.StatusOK, w.Code, path)
		require.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
		require.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'none'")
		require.NotContains(t, w.Body.String(), "<script>", "data is escaped and the dashboard needs no script")
		return w.Body.String()
	}

	overview := page("/")
	for _, want := range []string{"contacts-crm-erp", "customers-bidi", "invoices-push", "every 15m", "on events",
		`badge s-healthy`, `badge s-never_run`, ">never run<", `id="pending-count">1<`, "crm-eu", "https://www.zohoapis.eu",
		"expires in 40m", "sync_record", `title="Sales and support create`} {
		require.Contains(t, overview, want)
	}

	pipeline := page("/pipelines/contacts-crm-erp")
	for _, want := range []string{"ERP answered 503 &lt;Service Unavailable&gt;", "CRM owns contacts", "1m", "rect class=\"b-created\""} {
		require.Contains(t, pipeline, want)
	}
	require.Equal(t, http.StatusNotFound, b.get("/pipelines/unknown").Code)

	reviews := page("/reviews")
	for _, want := range []string{"accounts.delivery_address", "&#34;city&#34;: &#34;Bern&#34;", "&#34;zip&#34;: 3011",
		"&lt;script&gt;alert(1)&lt;/script&gt;", `value="take-left"`, `value="take-right"`, `value="use-value"`, "Take CRM", "Take ERP",
		`name="csrf"`} {
		require.Contains(t, reviews, want)
	}

	queue := page("/queue")
	for _, want := range []string{"missing VAT number", "contacts:1001", `formaction="/dead/1/requeue"`, "Purge all dead jobs",
		"&#34;id&#34;:&#34;1001&#34;"} {
		require.Contains(t, queue, want)
	}

	auth := page("/authority")
	for _, want := range []string{"project_status", "Zoho People (HR)", "one-way-would-do"} {
		require.Contains(t, auth, want)
	}

	css := b.get("/static/style.css")
	require.Equal(t, http.StatusOK, css.Code)
	require.Equal(t, "text/css; charset=utf-8", css.Header().Get("Content-Type"))

	// Errors on pages are pages.
	w := b.get("/queue?after=x")
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.Contains(t, w.Body.String(), "<h1>400 Bad Request</h1>")
	// Clients that ask for JSON get JSON errors.
	w = b.request(http.MethodGet, "/pipelines/unknown", nil, http.Header{"Accept": {"application/json"}})
	require.Equal(t, http.StatusNotFound, w.Code)
	require.True(t, strings.HasPrefix(w.Body.String(), "{"))
}

func TestFlashMessagesAreFixedTexts(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	body := b.get("/reviews?done=resolved&id=" + strings.Repeat("x", 60)).Body.String()
	require.Contains(t, body, "Review  resolved.")
	body = b.get("/reviews?done=<b>pwned</b>").Body.String()
	require.NotContains(t, body, "pwned")
}
