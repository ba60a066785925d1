package zoho

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

// A caller whose context has already ended gets its context's error from
// the limiter and leaves the slot to the next caller.
func TestCancelledCallerTakesNoStartSlot(t *testing.T) {
	t.Parallel()
	fc := fakeclock.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	ls := newLimiters(RateLimits{Books: Limit{Requests: 1, Window: time.Minute, MaxWait: time.Second}}, fc)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for range 3 {
		_, err := ls.acquire(ctx, Books, "org")
		require.ErrorIs(t, err, context.Canceled)
	}
	release, err := ls.acquire(t.Context(), Books, "org")
	require.NoError(t, err, "the slot is still free")
	release()
}

// The same through Client.Do: requests sent with an ended context do not
// use up the organisation's Books quota.
func TestCancelledRequestsDoNotUseTheBooksQuota(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.HandleFunc("GET /books/v3/invoices", okHandler)
	cfg := fz.config()
	cfg.Clock = fakeclock.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	cfg.RateLimits.Books = Limit{Requests: 2, Window: time.Minute, MaxWait: time.Second}
	c := fz.client(cfg)
	_, err := doGet(t, c, t.Context(), Books, "/invoices", nil) // mints the token, takes slot 1
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for range 2 {
		_, err := doGet(t, c, ctx, Books, "/invoices", nil)
		require.ErrorIs(t, err, context.Canceled)
	}
	_, err = doGet(t, c, t.Context(), Books, "/invoices", nil)
	require.NoError(t, err, "slot 2 was not taken by the cancelled requests")
}

// Waiters are served in arrival order: a caller behind others in the queue
// knows at once when its turn is beyond MaxWait, and a newcomer does not
// take the slot of a caller already waiting for it.
func TestLimiterServesWaitersInOrder(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	fc := fakeclock.New(start)
	ls := newLimiters(RateLimits{Books: Limit{Requests: 1, Window: time.Minute, MaxWait: 90 * time.Second}}, fc)
	release, err := ls.acquire(t.Context(), Books, "org") // the slot of 9:00
	require.NoError(t, err)
	release()

	fc.Advance(time.Second)
	first := make(chan error, 1)
	go func() {
		release, err := ls.acquire(t.Context(), Books, "org") // waits for 9:01
		if err == nil {
			release()
		}
		first <- err
	}()
	require.NoError(t, fc.WaitPending(waitCtx(t), 1))

	// Second in the queue: its turn is 9:02, 119 s away, beyond MaxWait.
	err = acquireWithoutWaiting(t, ls, fc, Books, "org", 1)
	var le *LimitError
	require.ErrorAs(t, err, &le, "the second waiter's turn is beyond MaxWait")
	require.Equal(t, 119*time.Second, le.Wait)

	fc.Set(start.Add(time.Minute))
	require.NoError(t, <-first, "the first waiter starts at its turn")
}

// acquireWithoutWaiting calls acquire and returns its error, failing the
// test if the call starts waiting on the clock instead (pending timers
// beyond the given number).
func acquireWithoutWaiting(t *testing.T, ls *limiters, fc *fakeclock.Clock, p Product, org string, pending int) error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	res := make(chan error, 1)
	go func() {
		release, err := ls.acquire(ctx, p, org)
		if err == nil {
			release()
		}
		res <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-res:
			return err
		default:
		}
		if fc.Pending() > pending {
			cancel()
			<-res
			t.Fatalf("acquire started waiting although its turn is beyond MaxWait")
		}
		if time.Now().After(deadline) {
			t.Fatal("acquire neither returned nor waited")
		}
		time.Sleep(time.Millisecond)
	}
}

// A waiter that gives up frees its place: the next caller gets the slot it
// had reserved.
func TestCancelledWaiterFreesItsSlot(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	fc := fakeclock.New(start)
	ls := newLimiters(RateLimits{Inventory: Limit{Requests: 1, Window: time.Minute}}, fc)
	release, err := ls.acquire(t.Context(), Inventory, "")
	require.NoError(t, err)
	release()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := ls.acquire(ctx, Inventory, "")
		done <- err
	}()
	require.NoError(t, fc.WaitPending(waitCtx(t), 1))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	got := make(chan error, 1)
	go func() {
		_, err := ls.acquire(t.Context(), Inventory, "")
		got <- err
	}()
	require.NoError(t, fc.WaitPending(waitCtx(t), 1))
	next, _ := fc.Next()
	require.Equal(t, start.Add(time.Minute), next, "the slot of the waiter that left")
	fc.Set(next)
	require.NoError(t, <-got)
}
