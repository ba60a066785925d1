package books_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// booksCallTimes returns the fake-clock times of the Books API calls the
// fake received.
func booksCallTimes(srv *zohotest.Server) []time.Time {
	var out []time.Time
	for _, c := range srv.CallLog() {
		if strings.HasPrefix(c.Path, "/books/") {
			out = append(out, c.Time)
		}
	}
	return out
}

// maxInWindow is the most calls in any window [t, t+w) that starts at a
// call (the busiest windows start at one).
func maxInWindow(times []time.Time, w time.Duration) int {
	most := 0
	for _, start := range times {
		n := 0
		for _, t := range times {
			if !t.Before(start) && t.Before(start.Add(w)) {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// A burst of 500 calls for one organisation waits for the client's
// limiter instead of failing, and the fake never sees more than 100 in any
// minute of its clock, so it never answers 429.
func TestBurstStaysUnderBooksLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	inv, err := b.srv.Books().PutInvoice("", zohotest.Record{"customer_id": cust, "line_items": []any{map[string]any{"name": "x", "rate": "1"}}})
	require.NoError(t, err)
	start := b.clock.Now()
	for i := range 500 {
		_, _, err := b.c.Invoices.Get(b.ctx(), inv["invoice_id"].(string))
		require.NoError(t, err, "call %d", i)
	}
	times := booksCallTimes(b.srv)
	require.Len(t, times, 500)
	require.Zero(t, b.srv.CallsWithStatus("", http.StatusTooManyRequests), "the fake never had to refuse")
	require.LessOrEqual(t, maxInWindow(times, time.Minute), 100)
	require.GreaterOrEqual(t, b.clock.Now().Sub(start), 4*time.Minute, "500 calls at 100 a minute take four minutes and more")
}

// The same with eight goroutines sharing the client: the clock moves only
// when every worker is waiting for the limiter, so no request is in flight
// when it jumps, as in real time.
func TestConcurrentBurstStaysUnderBooksLimit(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(testStart)
	b := setupClock(t, clock)
	cust := b.customer("Acme Corp")

	const workers, each = 8, 63
	var active atomic.Int32
	active.Store(workers)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			defer active.Add(-1)
			for range each {
				if _, _, err := b.c.Contacts.Get(b.ctx(), cust); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	driveWhenIdle(t, clock, &active, done)
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	times := booksCallTimes(b.srv)
	require.Len(t, times, workers*each)
	require.Zero(t, b.srv.CallsWithStatus("", http.StatusTooManyRequests))
	require.LessOrEqual(t, maxInWindow(times, time.Minute), 100)
}

// driveWhenIdle advances clock to its next timer whenever every active
// worker is waiting on it, until done.
func driveWhenIdle(t *testing.T, clock *fakeclock.Clock, active *atomic.Int32, done <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-done:
			return
		default:
		}
		require.True(t, time.Now().Before(deadline), "the burst did not finish")
		n := int(active.Load())
		if n > 0 && clock.Pending() >= n {
			if next, ok := clock.Next(); ok {
				clock.Set(next)
				continue
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Millisecond)
		_ = clock.WaitPending(ctx, n)
		cancel()
	}
}

// Past its per-minute limit the fake answers 429 with Books' body, which
// the client reads as a rate limit (and waits out by its retry policy).
func TestFakeEnforcesPerMinuteLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *zoho.Config) {
		c.RateLimits.Books = zoho.Limit{Unlimited: true}
		c.Retry.MaxAttempts = 1
	})
	cust := b.customer("Acme Corp")
	for range 100 {
		_, _, err := b.c.Contacts.Get(b.ctx(), cust)
		require.NoError(t, err)
	}
	_, resp, err := b.c.Contacts.Get(b.ctx(), cust)
	require.ErrorIs(t, err, zoho.ErrRateLimited)
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "44", ze.Code)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)

	b.clock.Advance(time.Minute)
	_, resp, err = b.c.Contacts.Get(b.ctx(), cust)
	require.NoError(t, err, "a minute later the window has room again")
	require.Equal(t, 10_000, resp.Rate.Limit, "X-Rate-Limit-Limit: the daily quota")
	require.Equal(t, 10_000-101, resp.Rate.Remaining)
	require.Greater(t, resp.Rate.Reset, time.Duration(0))
}

// The daily quota answers 429 with code 45, and the client does not retry
// into it: the error carries the wait until the organisation's midnight.
func TestDailyLimitIsNotRetried(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.Books().SetDailyLimit(3)
	cust := b.customer("Acme Corp")
	for range 3 {
		_, _, err := b.c.Contacts.Get(b.ctx(), cust)
		require.NoError(t, err)
	}
	before := b.srv.TotalCalls()
	_, _, err := b.c.Contacts.Get(b.ctx(), cust)
	require.ErrorIs(t, err, zoho.ErrRateLimited)
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "45", ze.Code)
	wait, ok := zoho.RetryAfter(err)
	require.True(t, ok)
	require.Greater(t, wait, 2*time.Minute, "until midnight in the organisation's zone")
	require.Equal(t, before+1, b.srv.TotalCalls(), "one attempt, no retries")

	b.clock.Advance(wait)
	_, _, err = b.c.Contacts.Get(b.ctx(), cust)
	require.NoError(t, err, "a new day")
}
