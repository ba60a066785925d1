package crm_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func TestListSurvives429And500AndATimeout(t *testing.T) {
	t.Parallel()
	clock := fakeclock.NewAuto(time.Now())
	b := setup(t, func(c *zoho.Config) {
		c.Clock = clock // backoff waits pass at once
		// A short timeout per attempt, so the slow answer times out.
		c.HTTPClient = &http.Client{Transport: c.HTTPClient.Transport, Timeout: 300 * time.Millisecond}
	})
	seeded := b.seedContacts(450)
	require.NoError(t, b.srv.Script("GET /crm/v8/Contacts",
		zohotest.TooManyRequests(), zohotest.ServerError(500), zohotest.Slow(time.Minute)))

	var first *zoho.Response
	got := collect(t, b.c.Records.List(t.Context(), "Contacts", &crm.ListOptions{
		Fields: []string{"Last_Name"}, SortBy: crm.SortByID, SortOrder: crm.SortAsc,
		OnPage: func(p crm.PageInfo) {
			if first == nil {
				first = p.Response
			}
		},
	}))
	require.Len(t, got, len(seeded))
	for i := range got {
		require.Equal(t, seeded[i]["id"], got[i].ID())
	}
	require.Equal(t, 4, first.Attempts, "429, 500, timeout, then the answer")
	require.Equal(t, 6, b.srv.Calls("GET /crm/v8/Contacts"), "4 attempts for page 1, then pages 2 and 3")
	require.Equal(t, 1, b.srv.CallsWithStatus("GET /crm/v8/Contacts", http.StatusTooManyRequests))
	require.Equal(t, 1, b.srv.CallsWithStatus("GET /crm/v8/Contacts", http.StatusInternalServerError))
	require.Len(t, clock.Sleeps(), 3, "three backoff waits")
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now()) // time stands still: the backoff never ends by itself
	b := setup(t, func(c *zoho.Config) { c.Clock = clock })
	b.seedContacts(3)
	require.NoError(t, b.srv.Script("GET /crm/v8/Contacts", zohotest.TooManyRequests()))

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := collectErr(b.c.Records.List(ctx, "Contacts", &crm.ListOptions{Fields: []string{"Last_Name"}}))
		done <- err
	}()
	// Wait until the client sleeps in its backoff, then cancel.
	waitCtx, stop := context.WithTimeout(t.Context(), 10*time.Second)
	defer stop()
	require.NoError(t, clock.WaitPending(waitCtx, 1))
	require.Equal(t, 1, b.srv.CallsWithStatus("GET /crm/v8/Contacts", http.StatusTooManyRequests))
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-waitCtx.Done():
		t.Fatal("the list did not return after its context was cancelled")
	}
	require.Equal(t, 1, b.srv.Calls("GET /crm/v8/Contacts"), "no attempt after the cancellation")
}

func TestErrorsAreTypedAndYieldedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
	b.seedContacts(450)
	require.NoError(t, b.srv.AddFault(zohotest.FaultRule{Route: "GET /crm/v8/Contacts", Skip: 1, Fault: zohotest.ServerError(502)}))

	n, errs := 0, 0
	var last error
	for _, err := range b.c.Records.List(t.Context(), "Contacts", &crm.ListOptions{Fields: []string{"Last_Name"}}) {
		if err != nil {
			errs++
			last = err
			continue
		}
		n++
	}
	require.Equal(t, 200, n, "the first page arrived before the failure")
	require.Equal(t, 1, errs)
	require.ErrorIs(t, last, zoho.ErrServer)
	var ze *zoho.Error
	require.True(t, errors.As(last, &ze))
	require.Equal(t, http.StatusBadGateway, ze.StatusCode)
	require.Contains(t, last.Error(), "crm: list Contacts")
}
