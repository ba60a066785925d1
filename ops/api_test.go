package ops

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/zoho"
)

func TestAPIPipelines(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.run("contacts-crm-erp", t0.Add(-30*time.Minute), store.RunFailed, store.Counts{Read: 2, Failed: 2}, "ERP down")
	b.run("contacts-crm-erp", t0.Add(-10*time.Minute), store.RunSucceeded, store.Counts{Read: 5, Created: 2, Updated: 1, Unchanged: 2}, "")
	b.clock.Set(t0)

	var got struct{ Pipelines []PipelineView }
	b.getJSON("/api/pipelines", &got)
	require.Len(t, got.Pipelines, 3)
	p := got.Pipelines[0]
	require.Equal(t, "contacts-crm-erp", p.Name)
	require.Equal(t, "pull", p.Strategy)
	require.Equal(t, "contacts", p.DataType)
	require.Equal(t, 900.0, p.IntervalSeconds)
	require.Equal(t, StatusHealthy, p.Status)
	require.Equal(t, t0.Add(-9*time.Minute), p.LastSuccess)
	require.NotNil(t, p.LastRun)
	require.Equal(t, "succeeded", p.LastRun.Status)
	require.Equal(t, store.Counts{Read: 5, Created: 2, Updated: 1, Unchanged: 2}, p.LastRun.Counts)
	require.Len(t, p.Runs, 2)
	require.Equal(t, "ERP down", p.Runs[1].Error)
	require.NotNil(t, p.Authority)
	require.Equal(t, "CRM", p.Authority.System)
	require.NotEmpty(t, p.Authority.Rationale)

	require.Equal(t, StatusNeverRun, got.Pipelines[1].Status)
	// A bidirectional flow over a single-authority type draws the table's advice.
	require.NotEmpty(t, got.Pipelines[1].Authority.Advice)
	require.Equal(t, 0.0, got.Pipelines[2].IntervalSeconds)

	w := b.get("/api/pipelines/nope")
	require.Equal(t, http.StatusNotFound, w.Code)
	require.Contains(t, w.Body.String(), `"error"`)
}

func TestAPIRuns(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for i := range 3 {
		b.run("contacts-crm-erp", t0.Add(time.Duration(i)*time.Hour), store.RunSucceeded, store.Counts{Read: i}, "")
	}
	b.run("invoices-push", t0, store.RunFailed, store.Counts{}, "boom")

	var got struct{ Runs []RunView }
	b.getJSON("/api/runs?pipeline=contacts-crm-erp&limit=2", &got)
	require.Len(t, got.Runs, 2)
	require.Equal(t, 2, got.Runs[0].Counts.Read, "newest first")
	require.Equal(t, 60.0, got.Runs[0].DurationSeconds)
	b.getJSON("/api/runs", &got)
	require.Len(t, got.Runs, 4)

	for _, bad := range []string{"0", "-1", "x", "100000"} {
		w := b.get("/api/runs?limit=" + bad)
		require.Equal(t, http.StatusBadRequest, w.Code, bad)
	}
}

func TestAPIQueueAndDead(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	_, err := b.q.Enqueue(ctx, queue.Job{Kind: "push_invoice"}, queue.Job{Kind: "push_invoice", RunAt: t0.Add(time.Hour)})
	require.NoError(t, err)
	id := b.deadJob("sync_record", "contacts:1001", "ERP answered 422: missing VAT number", []byte(`{"id":"1001"}`))
	b.clock.Set(t0.Add(90 * time.Second))

	var qv QueueView
	b.getJSON("/api/queue", &qv)
	require.Equal(t, []KindView{
		{Kind: "push_invoice", Ready: 1, Scheduled: 1, OldestReady: t0, OldestReadyAgeSeconds: 90},
		{Kind: "sync_record", Dead: 1},
	}, qv.Kinds)
	require.Equal(t, 1, qv.Total.Ready)
	require.Equal(t, 1, qv.Total.Dead)

	var dead struct{ Dead []DeadJob }
	b.getJSON("/api/dead", &dead)
	require.Len(t, dead.Dead, 1)
	dj := dead.Dead[0]
	require.Equal(t, id, dj.ID)
	require.Equal(t, "sync_record", dj.Kind)
	require.Equal(t, "contacts:1001", dj.Key)
	require.Equal(t, 1, dj.Attempts)
	require.Equal(t, "ERP answered 422: missing VAT number", dj.LastError)
	require.Equal(t, `{"id":"1001"}`, dj.Payload)

	b.getJSON("/api/dead?kind=push_invoice", &dead)
	require.Empty(t, dead.Dead)
	require.Equal(t, http.StatusBadRequest, b.get("/api/dead?after=x").Code)
}

func TestAPIRequeueMovesADeadJob(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	id := b.deadJob("sync_record", "", "timeout", nil)
	other := b.deadJob("sync_record", "", "timeout", nil)

	w := b.postJSON("/api/dead/"+itoa(id)+"/requeue", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"requeued":1}`, w.Body.String())
	dead, err := b.q.Dead(ctx, queue.DeadFilter{})
	require.NoError(t, err)
	require.Len(t, dead, 1)
	require.Equal(t, other, dead[0].ID)
	st, err := b.q.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Kinds["sync_record"].Ready)

	// Requeueing it again: it is not dead any more.
	w = b.postJSON("/api/dead/"+itoa(id)+"/requeue", "{}")
	require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())

	// Purge by ID list, then purge all needs "all".
	w = b.postJSON("/api/dead/purge", `{"ids":[`+itoa(other)+`]}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"purged":1}`, w.Body.String())
	b.deadJob("x", "", "e", nil)
	b.deadJob("y", "", "e", nil)
	require.Equal(t, http.StatusBadRequest, b.postJSON("/api/dead/purge", `{}`).Code)
	require.Equal(t, http.StatusBadRequest, b.postJSON("/api/dead/requeue", `{"all":true}`).Code)
	w = b.postJSON("/api/dead/purge", `{"all":true}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"purged":2}`, w.Body.String())

	require.Equal(t, http.StatusNotFound, b.postJSON("/api/dead/1/explode", "").Code)
	require.Equal(t, http.StatusBadRequest, b.postJSON("/api/dead/abc/requeue", "").Code)
	require.Equal(t, http.StatusBadRequest, b.postJSON("/api/dead/requeue", `{"ids":[1],"extra":1}`).Code)
}

func TestFormRequeueAndPurge(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	a := b.deadJob("k", "", "e", nil)
	c := b.deadJob("k", "", "e", nil)
	d := b.deadJob("k", "", "e", nil)

	w := b.postForm("/dead/"+itoa(a)+"/requeue", nil)
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	require.Equal(t, "/queue?done=requeued&n=1", w.Header().Get("Location"))

	w = b.postForm("/dead/purge", url.Values{"id": {itoa(c), itoa(d)}})
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	dead, err := b.q.Dead(ctx, queue.DeadFilter{})
	require.NoError(t, err)
	require.Empty(t, dead)

	b.deadJob("k2", "", "e", nil) // job a of kind k is ready again and would be claimed first
	w = b.postForm("/dead/purge", url.Values{"all": {"yes"}})
	require.Equal(t, http.StatusBadRequest, w.Code, "purging everything needs the confirmation box")
	w = b.postForm("/dead/purge", url.Values{"all": {"yes"}, "confirm": {"yes"}})
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	dead, err = b.q.Dead(ctx, queue.DeadFilter{})
	require.NoError(t, err)
	require.Empty(t, dead)

	// The flash message on the page after the redirect.
	require.Contains(t, b.get("/queue?done=requeued&n=3").Body.String(), "3 dead jobs requeued.")
}

func TestAPIReviewsAndJSONResolve(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	addr := map[string]any{"street": "Hauptstr. 1", "city": "Bern", "zip": json.Number("3011")}
	id := b.review("delivery_address", addr, map[string]any{"street": "Hauptstr. 1", "city": "Basel"}, map[string]any{"street": "Hauptstr. 2"})
	b.review("phone", "+41 1", "+41 2", "+41 3")

	var got struct{ Reviews []ReviewView }
	b.getJSON("/api/reviews?pipeline=customers-bidi", &got)
	require.Len(t, got.Reviews, 2)
	r := got.Reviews[0]
	require.Equal(t, id, r.ID)
	require.Equal(t, "pending", r.Status)
	require.Equal(t, "delivery_address", r.Field)
	require.Equal(t, map[string]any{"street": "Hauptstr. 1", "city": "Bern", "zip": 3011.0}, r.Base)
	require.Equal(t, "CRM", r.Left.System)
	require.Equal(t, "1001", r.Left.RecordID)
	require.Equal(t, map[string]any{"street": "Hauptstr. 2"}, r.Right.Value)
	require.Equal(t, t0.Add(-time.Hour), r.Right.Modified)

	// Invalid requests change nothing.
	for body, want := range map[string]int{
		`{"action":"hold"}`:                     http.StatusBadRequest,
		`{"action":"take-left","value":1}`:      http.StatusBadRequest,
		`{"action":"use-value"}`:                http.StatusBadRequest,
		`{"action":"take-left","unknown":true}`: http.StatusBadRequest,
		`{"action":"take-left"} {}`:             http.StatusBadRequest,
		`not json`:                              http.StatusBadRequest,
		``:                                      http.StatusBadRequest,
	} {
		w := b.postJSON("/api/reviews/"+id+"/resolve", body)
		require.Equal(t, want, w.Code, "%s: %s", body, w.Body.String())
	}
	w := b.request(http.MethodPost, "/api/reviews/"+id+"/resolve", strings.NewReader(`{"action":"take-left"}`),
		http.Header{"Content-Type": {"text/plain"}})
	require.Equal(t, http.StatusUnsupportedMediaType, w.Code)
	require.Equal(t, store.ReviewPending, b.reviewItem(id).Status)

	w = b.postJSON("/api/reviews/"+id+"/resolve", `{"action":"use-value","value":{"street":"Hauptstr. 2","city":"Basel","zip":4051},"note":"checked with the warehouse"}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"id":"`+id+`","status":"resolved","action":"use-value","decided_by":"ci"}`, w.Body.String())
	item := b.reviewItem(id)
	require.Equal(t, store.ReviewResolved, item.Status)
	require.Equal(t, conflict.UseValue, item.Resolution.Action)
	require.Equal(t, map[string]any{"street": "Hauptstr. 2", "city": "Basel", "zip": json.Number("4051")}, item.Resolution.Value)
	require.Equal(t, "ci", item.Resolution.DecidedBy)
	require.Equal(t, "checked with the warehouse", item.Resolution.Note)
	require.Equal(t, t0, item.Resolution.DecidedAt)

	w = b.postJSON("/api/reviews/"+id+"/resolve", `{"action":"take-right"}`)
	require.Equal(t, http.StatusConflict, w.Code, w.Body.String())
	w = b.postJSON("/api/reviews/999/resolve", `{"action":"take-right"}`)
	require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())

	b.getJSON("/api/reviews", &got)
	require.Len(t, got.Reviews, 1, "pending only by default")
	b.getJSON("/api/reviews?status=resolved", &got)
	require.Len(t, got.Reviews, 1)
	require.Equal(t, "use-value", got.Reviews[0].Resolution.Action)
	b.getJSON("/api/reviews?status=all", &got)
	require.Len(t, got.Reviews, 2)
	require.Equal(t, http.StatusBadRequest, b.get("/api/reviews?status=maybe").Code)
}

func TestFormResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		form  url.Values
		want  conflict.Action
		value any
	}{
		{"take left", url.Values{"action": {"take-left"}, "value": {"ignored"}}, conflict.TakeLeft, nil},
		{"take right", url.Values{"action": {"take-right"}}, conflict.TakeRight, nil},
		{"text value", url.Values{"action": {"use-value"}, "value": {"Basel\r\nSwitzerland"}, "value_format": {"text"}}, conflict.UseValue, "Basel\nSwitzerland"},
		{"JSON value", url.Values{"action": {"use-value"}, "value": {`{"city":"Basel","floors":[1,2]}`}, "value_format": {"json"}},
			conflict.UseValue, map[string]any{"city": "Basel", "floors": []any{json.Number("1"), json.Number("2")}}},
		{"JSON null", url.Values{"action": {"use-value"}, "value": {"null"}, "value_format": {"json"}}, conflict.UseValue, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			id := b.review("city", "Bern", "Basel", "Zürich")
			w := b.postForm("/reviews/"+id+"/resolve", tt.form)
			require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
			require.Equal(t, "/reviews?done=resolved&id="+id, w.Header().Get("Location"))
			item := b.reviewItem(id)
			require.Equal(t, store.ReviewResolved, item.Status)
			require.Equal(t, tt.want, item.Resolution.Action)
			require.Equal(t, tt.value, item.Resolution.Value)
			require.Equal(t, "ci", item.Resolution.DecidedBy)
		})
	}

	t.Run("bad JSON value", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		id := b.review("city", "Bern", "Basel", "Zürich")
		w := b.postForm("/reviews/"+id+"/resolve", url.Values{"action": {"use-value"}, "value": {"{oops"}, "value_format": {"json"}})
		require.Equal(t, http.StatusBadRequest, w.Code)
		require.Contains(t, w.Body.String(), "not valid JSON")
		require.Equal(t, store.ReviewPending, b.reviewItem(id).Status)
	})
}

func TestAPIAuthorityAndTokens(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) {
		o.Connections = func() []ZohoConnection {
			return []ZohoConnection{{Name: "crm-eu", Status: zoho.TokenStatus{Key: "1000.ABC:eu:1a2b3c4d", Location: zoho.EU,
				Grant: "refresh_token", APIDomain: "https://www.zohoapis.eu", Valid: true, Expiry: t0.Add(40 * time.Minute),
				Refreshes: 3, LastRefresh: t0.Add(-20 * time.Minute), MintsInWindow: 1, MintLimit: 10}}}
		}
	})
	var auth struct {
		Systems  []map[string]any
		Rules    []map[string]any
		Markdown string
	}
	b.getJSON("/api/authority", &auth)
	require.Len(t, auth.Systems, 6)
	require.Equal(t, "contacts", auth.Rules[0]["data_type"])
	require.Contains(t, auth.Markdown, "| contacts | CRM |")

	var tok struct{ Tokens []TokenView }
	b.getJSON("/api/tokens", &tok)
	require.Equal(t, []TokenView{{Name: "crm-eu", Key: "1000.ABC:eu:1a2b3c4d", DataCentre: "eu", Grant: "refresh_token",
		APIDomain: "https://www.zohoapis.eu", Valid: true, Expiry: t0.Add(40 * time.Minute), Refreshes: 3,
		LastRefresh: t0.Add(-20 * time.Minute), MintsInWindow: 1, MintLimit: 10}}, tok.Tokens)

	md := b.get("/authority.md")
	require.Equal(t, http.StatusOK, md.Code)
	require.Equal(t, authorityMarkdown(t), md.Body.String())
}

func authorityMarkdown(t *testing.T) string {
	t.Helper()
	b := setup(t, nil)
	return b.dash.opts.Authority.Markdown()
}

func TestNoQueueConfigured(t *testing.T) {
	t.Parallel()
	d, err := New(store.NewMemory(nil), nil, &Options{BearerTokens: map[string]string{"ci": testToken}})
	require.NoError(t, err)
	for path, want := range map[string]int{"/api/queue": 404, "/api/dead": 404, "/queue": 200} {
		r := newRequest(http.MethodGet, path, nil)
		w := serve(d, r)
		require.Equal(t, want, w.Code, path)
	}
	w := serve(d, newRequest(http.MethodPost, "/api/dead/1/requeue", strings.NewReader("{}")))
	require.Equal(t, http.StatusNotFound, w.Code)
}
