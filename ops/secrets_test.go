package ops

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/zoho"
)

// Every secret below contains the marker, so that the test can look for
// the marker in every output, whatever the encoding around it.
const marker = "SECRET"

// TestNothingLeaks configures known secrets, puts them in every piece of
// data the dashboard renders (run errors, dead jobs, review values and
// notes, token errors, ping errors, URLs), renders every page, API answer,
// /metrics, /readyz and error answer, and requires that no output and no
// log line contains any of them.
func TestNothingLeaks(t *testing.T) {
	t.Parallel()
	var (
		password     = "basic-pass-SECRET-a1"
		zohoAccess   = "1000.zoho-access-SECRET.b2"
		zohoRefresh  = "1000.zoho-refresh-SECRET.c3"
		clientSecret = "client-secret-SECRET-d4"
		webhookKey   = "whsec_SECRET_e5"
		dbPassword   = `db&pass"SECRET<f6>` // special characters: HTML and JSON escape them
	)
	b := setup(t, func(o *Options) {
		o.BasicAuth = map[string]string{"ana": password}
		o.Secrets = []string{zohoAccess, zohoRefresh, clientSecret, webhookKey, dbPassword}
		o.Connections = func() []ZohoConnection {
			return []ZohoConnection{{Name: "crm-eu", Status: zoho.TokenStatus{Location: zoho.EU, Valid: true, Expiry: t0.Add(time.Hour),
				LastError: "zoho: token endpoint refused refresh_token=" + zohoRefresh + " client_secret=" + clientSecret, LastErrorAt: t0}}}
		}
		o.Ping = func(context.Context) error {
			return errors.New("postgres://zohokit:" + dbPassword + "@db:5432/zohokit: connection refused")
		}
	})
	ctx := context.Background()
	m := b.dash.Metrics()

	// Secrets in run errors, including ones never configured but shaped like credentials.
	b.run("contacts-crm-erp", t0.Add(-20*time.Minute), store.RunFailed, store.Counts{Failed: 1},
		"crm: GET /Contacts: Authorization: Zoho-oauthtoken "+zohoAccess+"; retry with Zoho-oauthtoken 1000.unlisted-SECRET.x")
	b.run("contacts-crm-erp", t0.Add(-10*time.Minute), store.RunPartial, store.Counts{Read: 1, Failed: 1},
		`1 record failed: token endpoint answered {"access_token":"unlisted-SECRET-json","refresh_token":"`+zohoRefresh+`"} for url ?refresh_token=unlisted-SECRET-query&x=1`)
	b.run("invoices-push", t0.Add(-5*time.Minute), store.RunFailed, store.Counts{}, "db: password "+dbPassword+" rejected")
	m.RunFinished("contacts-crm-erp", store.RunFailed, time.Second)

	// Secrets in dead jobs: error, key, payload.
	b.deadJob("webhook_event", "evt-"+webhookKey, "signature check with key "+webhookKey+" failed",
		[]byte(`{"secret":"`+webhookKey+`","note":"Bearer unlisted-SECRET-bearer"}`))

	// Secrets in review values, reason and a resolution's note.
	c := conflict.Conflict{Pipeline: "customers-bidi", DataType: "accounts", Field: "notes", LeftID: "1", RightID: "R1",
		LeftSystem: "CRM", RightSystem: "ERP", Base: map[string]any{"api_key": clientSecret, "list": []any{webhookKey}},
		Left: "pasted " + zohoAccess, Right: dbPassword}
	pendingID, err := b.st.RecordReview(ctx, conflict.Review{Key: conflict.ReviewKey(c), Conflict: c, Reason: "held: " + webhookKey})
	require.NoError(t, err)
	c2 := c
	c2.Field = "other"
	resolvedID, err := b.st.RecordReview(ctx, conflict.Review{Key: conflict.ReviewKey(c2), Conflict: c2, Reason: "held"})
	require.NoError(t, err)
	w := b.postJSON("/api/reviews/"+resolvedID+"/resolve", `{"action":"use-value","value":"`+zohoAccess+`","note":"see `+clientSecret+`"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	_ = pendingID

	// Secrets in what a client sends: URLs, credentials, origins.
	b.clock.Set(t0)
	outputs := make(map[string]string)
	record := func(what string, w *httptest.ResponseRecorder) {
		var h strings.Builder
		require.NoError(t, w.Header().Write(&h))
		outputs[what] = h.String() + "\n" + w.Body.String()
	}
	for _, path := range []string{"/", "/pipelines/contacts-crm-erp", "/pipelines/invoices-push", "/pipelines/customers-bidi",
		"/reviews", "/reviews?pipeline=customers-bidi", "/queue", "/authority", "/authority.md", "/metrics",
		"/api/pipelines", "/api/pipelines/contacts-crm-erp", "/api/runs", "/api/queue", "/api/dead", "/api/reviews?status=all",
		"/api/authority", "/api/tokens", "/readyz", "/healthz",
		"/api/pipelines/" + url.PathEscape(webhookKey), "/pipelines/" + url.PathEscape(zohoAccess),
		"/api/runs?limit=" + url.QueryEscape(clientSecret), "/api/reviews?status=" + url.QueryEscape(dbPassword),
		"/queue?after=" + url.QueryEscape(webhookKey)} {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.SetBasicAuth("ana", password)
		w := serve(b.dash, r)
		require.True(t, w.Code < 500 || path == "/readyz", "%s: %d", path, w.Code)
		record(path, w)
	}
	// Refusals.
	r := httptest.NewRequest(http.MethodGet, "/api/pipelines", nil)
	r.SetBasicAuth("ana", password+"x")
	record("wrong password", serve(b.dash, r))
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+zohoAccess)
	record("foreign bearer", serve(b.dash, r))
	w = b.request(http.MethodPost, "/api/reviews/"+pendingID+"/resolve", strings.NewReader(`{"action":"take-left"}`),
		http.Header{"Content-Type": {"application/json"}, "Origin": {"https://" + webhookKey + ".example"}})
	require.Equal(t, http.StatusForbidden, w.Code)
	record("cross origin", w)
	w = b.postJSON("/api/reviews/"+pendingID+"/resolve", `{"action":"`+clientSecret+`"}`)
	require.Equal(t, http.StatusBadRequest, w.Code)
	record("bad action", w)
	w = b.postForm("/reviews/"+pendingID+"/resolve", url.Values{"action": {"use-value"}, "value_format": {"json"}, "value": {"{" + zohoAccess}})
	require.Equal(t, http.StatusBadRequest, w.Code)
	record("bad value", w)

	secrets := []string{password, testToken, zohoAccess, zohoRefresh, clientSecret, webhookKey, dbPassword, basicValue("ana", password)}
	all := ""
	for what, out := range outputs {
		all += out + "\n"
		require.NotContains(t, out, marker, "%s leaks a secret", what)
		for _, s := range secrets {
			require.NotContains(t, out, s, what)
		}
	}
	// The redaction kept the surrounding text readable.
	require.Contains(t, all, "Zoho-oauthtoken [REDACTED]")
	require.Contains(t, all, "refresh_token=[REDACTED]")
	require.Contains(t, all, `&#34;access_token&#34;:&#34;[REDACTED]&#34;`)

	logs := b.logs.String()
	require.Contains(t, logs, "connection refused", "the ping failure was logged")
	require.NotContains(t, logs, marker, "the log leaks a secret")
}

func TestRedactHook(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) {
		o.Redact = func(s string) string { return strings.ReplaceAll(s, "ACME-4711", "ACME-****") }
	})
	b.run("invoices-push", t0, store.RunFailed, store.Counts{}, "customer ACME-4711 rejected")
	body := b.get("/pipelines/invoices-push").Body.String()
	require.Contains(t, body, "customer ACME-**** rejected")
	require.NotContains(t, body, "4711")
}

// A dead job's payload is shown cut at 2 KiB; a secret that straddles the
// cut must not show its first part.
func TestTruncatedPayloadHidesAPartialSecret(t *testing.T) {
	t.Parallel()
	const secret = "whsec_straddling-the-cut-0123456789"
	b := setup(t, func(o *Options) { o.Secrets = []string{secret} })
	filler := strings.Repeat("x", maxPayload-len(`{"a":"`)-6)
	b.deadJob("webhook.event", "k", "failed", []byte(`{"a":"`+filler+secret+`"}`))
	var got struct{ Dead []DeadJob }
	b.getJSON("/api/dead", &got)
	require.Len(t, got.Dead, 1)
	require.True(t, got.Dead[0].PayloadTruncated)
	require.NotContains(t, got.Dead[0].Payload, secret[:6], "the first bytes of the secret are shown")
	require.NotContains(t, b.get("/queue").Body.String(), secret[:6])
}

// Credentials that were never configured, in the shapes they take in URLs
// and JSON (a database URL's password, Zoho's authtoken and zapikey
// parameters, *_secret fields), are scrubbed too.
func TestUnconfiguredCredentialShapesAreScrubbed(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	leaks := []string{"pg-pass-1", "auth-token-2", "zapi-key-3", "hook-secret-4", "erp-pass-5"}
	b.run("invoices-push", t0, store.RunFailed, store.Counts{},
		"dial postgres://erp:pg-pass-1@db.internal:5432/erp failed; GET /crm/v2/functions/x?authtoken=auth-token-2&zapikey=zapi-key-3: 401; "+
			`config {"webhook_secret":"hook-secret-4","db_password": "erp-pass-5"}`)
	for _, path := range []string{"/pipelines/invoices-push", "/api/runs"} {
		body := b.get(path).Body.String()
		for _, s := range leaks {
			require.NotContains(t, body, s, path)
		}
		require.Contains(t, body, "db.internal:5432", "%s: the rest of the URL is kept", path)
	}
}

func TestScrubberHidesWhatTheDashboardHides(t *testing.T) {
	t.Parallel()
	scrub := Scrubber([]string{"s3cret-value"})
	got := scrub(`upsert failed: token "s3cret-value" refused; dial postgres://app:pw123@db:5432/x`)
	require.NotContains(t, got, "s3cret-value")
	require.NotContains(t, got, "pw123")
	require.Contains(t, got, "upsert failed")
}
