package crm_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// receiver is a local notify_url that parses every callback it gets.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []crm.Notification
	raw [][]byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		n, err := crm.ParseNotification(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, n)
		r.raw = append(r.raw, body)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) notifications() []crm.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]crm.Notification(nil), r.got...)
}

func waitDeliveries(t *testing.T, srv *zohotest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.CRM().WaitDeliveries(ctx))
}

func TestWatchCallbacks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	recv := newReceiver(t)
	w := crm.NewWatch(b.c)
	const token = "verify-me-please"
	res, _, err := w.Enable(context.Background(), crm.Watch{
		ChannelID: 1000000068001, Events: []string{"Contacts.all", "Deals.edit"},
		NotifyURL: recv.srv.URL + "/zoho?tenant=acme", Token: token, ReturnAffectedFieldValues: true,
	})
	require.NoError(t, err)
	require.Len(t, res, 1)
	exp, ok := res[0].Expiry()
	require.True(t, ok)
	require.WithinDuration(t, time.Now().Add(time.Hour), exp, time.Minute, "Zoho's default expiry: one hour")

	ctx := context.Background()
	ins, err := b.c.Records.Insert(ctx, "Contacts", []crm.Record{{"Last_Name": "Lovelace"}}, nil)
	require.NoError(t, err)
	id := ins[0].ID
	_, err = b.srv.CRM().Update("Contacts", id, zohotest.Record{"Title": "Countess"}) // a change made in the CRM
	require.NoError(t, err)
	_, err = b.c.Records.Delete(ctx, "Contacts", []string{id}, nil)
	require.NoError(t, err)
	_, err = b.srv.CRM().Put("Leads", zohotest.Record{"Last_Name": "Unwatched"})
	require.NoError(t, err)
	waitDeliveries(t, b.srv)

	got := recv.notifications()
	require.Len(t, got, 3, "create, edit and delete of the contact; nothing for Leads")
	for i, op := range []crm.Operation{crm.OperationCreate, crm.OperationUpdate, crm.OperationDelete} {
		n := got[i]
		require.Equal(t, op, n.Operation)
		require.Equal(t, "Contacts", n.Module)
		require.Equal(t, []string{id}, n.IDs)
		require.Equal(t, "1000000068001", n.ChannelID)
		require.Equal(t, token, n.Token, "the token is echoed")
		require.Equal(t, map[string]string{"tenant": "acme"}, n.QueryParams)
		require.WithinDuration(t, time.Now(), n.ServerTime, time.Minute)
	}
	require.Equal(t, "insert", got[0].RawOperation, "Zoho's spelling, by default")
	require.Contains(t, got[1].FieldsOf(id), "Title")
	require.JSONEq(t, `"Countess"`, string(got[1].AffectedValues[id]["Title"]))
	for _, d := range b.srv.CRM().Deliveries() {
		require.True(t, d.OK(), d.Err)
	}
}

func TestWatchOperationNamesConfigurable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.srv.CRM().SetNotifyOptions(zohotest.NotifyOptions{Operations: map[string]string{"create": "create", "edit": "edit"}}))
	recv := newReceiver(t)
	_, _, err := crm.NewWatch(b.c).Enable(context.Background(), crm.Watch{ChannelID: 7, Events: []string{"Leads.all"}, NotifyURL: recv.srv.URL})
	require.NoError(t, err)
	rec, err := b.srv.CRM().Put("Leads", zohotest.Record{"Last_Name": "A"})
	require.NoError(t, err)
	_, err = b.srv.CRM().Update("Leads", rec["id"].(string), zohotest.Record{"Company": "B"})
	require.NoError(t, err)
	waitDeliveries(t, b.srv)
	got := recv.notifications()
	require.Len(t, got, 2)
	require.Equal(t, "create", got[0].RawOperation)
	require.Equal(t, crm.OperationCreate, got[0].Operation)
	require.Equal(t, "edit", got[1].RawOperation)
	require.Equal(t, crm.OperationUpdate, got[1].Operation)
	require.Empty(t, got[0].Token, "no token configured, none sent")
}

func TestWatchExpiredChannelGetsNothing(t *testing.T) {
	t.Parallel()
	clk := zohotest.NewFakeClock(time.Now())
	b := setupWith(t, &zohotest.Options{Clock: clk}, nil)
	recv := newReceiver(t)
	_, _, err := crm.NewWatch(b.c).Enable(context.Background(), crm.Watch{
		ChannelID: 42, Events: []string{"Deals.all"}, NotifyURL: recv.srv.URL, ChannelExpiry: time.Now().Add(2 * time.Hour),
	})
	require.NoError(t, err)
	deal, err := b.srv.CRM().Put("Deals", zohotest.Record{"Deal_Name": "Before", "Stage": "Qualification"})
	require.NoError(t, err)
	waitDeliveries(t, b.srv)
	require.Len(t, recv.notifications(), 1, "alive: the create is delivered")

	clk.Advance(2*time.Hour + time.Second)
	_, err = b.srv.CRM().Update("Deals", deal["id"].(string), zohotest.Record{"Stage": "Closed Won"})
	require.NoError(t, err)
	waitDeliveries(t, b.srv)
	require.Len(t, recv.notifications(), 1, "an expired channel gets nothing")
	require.Len(t, b.srv.CRM().Deliveries(), 1)
}

func TestWatchFailedDeliveryIsRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	t.Cleanup(down.Close)
	_, _, err := crm.NewWatch(b.c).Enable(context.Background(), crm.Watch{ChannelID: 9, Events: []string{"Leads.create"}, NotifyURL: down.URL})
	require.NoError(t, err)
	_, err = b.srv.CRM().Put("Leads", zohotest.Record{"Last_Name": "X"})
	require.NoError(t, err)
	waitDeliveries(t, b.srv)
	d := b.srv.CRM().Deliveries()
	require.Len(t, d, 1)
	require.False(t, d[0].OK())
	require.Equal(t, http.StatusServiceUnavailable, d[0].Status)
}

func TestWatchManage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := crm.NewWatch(b.c)
	ctx := context.Background()
	expiry := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	_, _, err := w.Enable(ctx,
		crm.Watch{ChannelID: 1, Events: []string{"Deals.edit"}, NotifyURL: "https://hooks.example.com/a", Token: "t1", ChannelExpiry: expiry},
		crm.Watch{ChannelID: 2, Events: []string{"Contacts.create"}, NotifyURL: "https://hooks.example.com/b"})
	require.NoError(t, err)

	list := collect(t, w.List(ctx, nil))
	require.Len(t, list, 2)
	require.Equal(t, int64(1), list[0].ChannelID)
	require.Equal(t, []string{"Deals.edit"}, list[0].Events)
	require.True(t, expiry.Equal(list[0].ChannelExpiry))
	list = collect(t, w.List(ctx, &crm.WatchListOptions{Module: "Contacts"}))
	require.Len(t, list, 1)
	require.Equal(t, int64(2), list[0].ChannelID)

	_, _, err = w.Patch(ctx, crm.Watch{ChannelID: 1, Events: []string{"Deals.delete"}})
	require.NoError(t, err)
	ch := b.srv.CRM().Channels()[0]
	require.Equal(t, []string{"Deals.edit", "Deals.delete"}, ch.Events, "patch adds events")
	require.Equal(t, "t1", ch.Token, "patch keeps what it does not set")

	_, _, err = w.Update(ctx, crm.Watch{ChannelID: 1, Events: []string{"Accounts.all"}, NotifyURL: "https://hooks.example.com/c"})
	require.NoError(t, err)
	ch = b.srv.CRM().Channels()[0]
	require.Equal(t, []string{"Accounts.all"}, ch.Events)
	require.Empty(t, ch.Token, "update replaces the details")

	_, _, err = w.RemoveEvents(ctx, 1, "Accounts.all")
	require.NoError(t, err)
	require.Len(t, b.srv.CRM().Channels(), 1, "a channel left without events is removed")

	res, _, err := w.Disable(ctx, 2, 3)
	require.ErrorIs(t, err, zoho.ErrNotFound, "channel 3 is not subscribed")
	require.True(t, res[0].Err == nil)
	var we *crm.WatchError
	require.ErrorAs(t, res[1].Err, &we)
	require.Equal(t, "NOT_SUBSCRIBED", we.Code)
	require.Empty(t, b.srv.CRM().Channels())
	require.Empty(t, collect(t, w.List(ctx, nil)), "204: nothing")
}

func TestWatchValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := crm.NewWatch(b.c)
	ok := crm.Watch{ChannelID: 1, Events: []string{"Deals.edit"}, NotifyURL: "https://hooks.example.com/z"}
	for name, tc := range map[string]struct {
		mutate func(*crm.Watch)
		want   string
	}{
		"channel id":   {func(w *crm.Watch) { w.ChannelID = 0 }, "ChannelID"},
		"no events":    {func(w *crm.Watch) { w.Events = nil }, "Events is empty"},
		"bad event":    {func(w *crm.Watch) { w.Events = []string{"Deals.update"} }, "Events[0]"},
		"no url":       {func(w *crm.Watch) { w.NotifyURL = "" }, "NotifyURL"},
		"long token":   {func(w *crm.Watch) { w.Token = strings.Repeat("x", 51) }, "at most 50"},
		"past expiry":  {func(w *crm.Watch) { w.ChannelExpiry = time.Now().Add(-time.Minute) }, "not in the future"},
		"expiry > 1 w": {func(w *crm.Watch) { w.ChannelExpiry = time.Now().Add(8 * 24 * time.Hour) }, "more than"},
	} {
		bad := ok
		tc.mutate(&bad)
		_, _, err := w.Enable(context.Background(), bad)
		require.ErrorContains(t, err, tc.want, name)
		require.NotContains(t, err.Error(), strings.Repeat("x", 51), "the token never reaches an error")
	}
	require.Zero(t, b.srv.TotalCalls(), "invalid channels send nothing")
	require.NotContains(t, crm.Watch{ChannelID: 1, Token: "secret-token"}.String(), "secret-token")
}

// The renewer subscribes at once and renews each channel Margin before it
// expires, on the client's clock; the channel never lapses.
func TestRenewer(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clk := fakeclock.New(start) // shared by the fake and the client
	var logs bytes.Buffer
	b := setupWith(t, &zohotest.Options{Clock: clk}, nil, func(c *zoho.Config) {
		c.Clock = clk
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	const token = "renewer-secret-token"
	var mu sync.Mutex
	var renewals []time.Time
	r, err := crm.NewWatch(b.c).NewRenewer([]crm.Watch{{ChannelID: 5, Events: []string{"Deals.all"}, NotifyURL: "https://hooks.example.com/r", Token: token}},
		&crm.RenewerOptions{Lifetime: 24 * time.Hour, Margin: time.Hour, OnRenew: func(_ int64, exp time.Time, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				renewals = append(renewals, exp)
			}
		}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()

	require.NoError(t, clk.WaitPending(waitCtx, 1), "subscribed, then waiting")
	chs := b.srv.CRM().Channels()
	require.Len(t, chs, 1)
	require.Equal(t, start.Add(24*time.Hour), chs[0].Expiry.UTC())
	require.Equal(t, 1, b.srv.CallsWithStatus("PATCH /crm/v8/actions/watch", http.StatusAccepted), "NOT_SUBSCRIBED at first")
	require.Equal(t, 1, b.srv.Calls("POST /crm/v8/actions/watch"), "so enabled")

	clk.Advance(23*time.Hour - time.Second) // just before expiry − margin
	require.Equal(t, 1, b.srv.Calls("PATCH /crm/v8/actions/watch"), "not yet")
	clk.Advance(time.Second)
	require.NoError(t, waitFor(waitCtx, func() bool { mu.Lock(); defer mu.Unlock(); return len(renewals) == 2 }))
	require.NoError(t, clk.WaitPending(waitCtx, 1))
	require.Equal(t, 1, b.srv.CallsWithStatus("PATCH /crm/v8/actions/watch", http.StatusOK), "extended")
	chs = b.srv.CRM().Channels()
	require.Equal(t, start.Add(47*time.Hour), chs[0].Expiry.UTC(), "renewed an hour before it would have expired")
	require.True(t, clk.Now().Before(start.Add(24*time.Hour)), "before the old expiry")

	// A channel Zoho forgot is enabled again.
	_, _, err = crm.NewWatch(b.c).Disable(context.Background(), 5)
	require.NoError(t, err)
	clk.Advance(24 * time.Hour)
	require.NoError(t, waitFor(waitCtx, func() bool { mu.Lock(); defer mu.Unlock(); return len(renewals) == 3 }))
	require.Equal(t, 2, b.srv.Calls("POST /crm/v8/actions/watch"))
	require.Len(t, b.srv.CRM().Channels(), 1)

	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Contains(t, logs.String(), "crm: watch channel extended")
	require.NotContains(t, logs.String(), token, "the token never reaches a log line")
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}
