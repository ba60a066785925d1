package zoho

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

// maxInWindow returns the most starts within any half-open interval of
// length window.
func maxInWindow(starts []time.Time, window time.Duration) int {
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	best, j := 0, 0
	for i := range starts {
		for !starts[j].Add(window).After(starts[i]) {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// burst starts n acquisitions of product's limiter for org on a fake clock
// and advances the clock a window at a time until all have started. It
// returns the start times and how many started in each window.
func burst(t *testing.T, ls *limiters, fc *fakeclock.Clock, p Product, org string, n int, window time.Duration) ([]time.Time, []int) {
	t.Helper()
	var mu sync.Mutex
	var starts []time.Time
	var started atomic.Int32
	for range n {
		go func() {
			release, err := ls.acquire(t.Context(), p, org)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			starts = append(starts, fc.Now())
			mu.Unlock()
			release()
			started.Add(1)
		}()
	}
	var perWindow []int
	prev := 0
	for {
		// Settle: every goroutine has either started or is waiting on the clock.
		eventually(t, "limiter to settle", func() bool { return int(started.Load())+fc.Pending() == n })
		s := int(started.Load())
		perWindow = append(perWindow, s-prev)
		prev = s
		if s == n {
			break
		}
		fc.Advance(window)
	}
	mu.Lock()
	defer mu.Unlock()
	return append([]time.Time(nil), starts...), perWindow
}

func TestBooksWindowIsExactUnderFakeClock(t *testing.T) {
	t.Parallel()
	fc := fakeclock.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	ls := newLimiters(RateLimits{}, fc)
	starts, perMinute := burst(t, ls, fc, Books, "org-1", 500, time.Minute)
	require.Len(t, starts, 500)
	require.Equal(t, 100, maxInWindow(starts, time.Minute), "never more than 100 Books calls in any minute")
	require.Equal(t, []int{100, 100, 100, 100, 100}, perMinute, "and the full 100 every minute")
}

func TestProjectsWindowKeepsHeadroom(t *testing.T) {
	t.Parallel()
	fc := fakeclock.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	ls := newLimiters(RateLimits{}, fc)
	starts, _ := burst(t, ls, fc, Projects, "portal", 250, 2*time.Minute)
	require.LessOrEqual(t, maxInWindow(starts, 2*time.Minute), 90, "far from the 100 that locks Projects out for 30 minutes")
}

func TestLimitsArePerOrganisation(t *testing.T) {
	t.Parallel()
	fc := fakeclock.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	ls := newLimiters(RateLimits{Books: Limit{Requests: 2, Window: time.Minute}}, fc)
	for range 2 {
		release, err := ls.acquire(t.Context(), Books, "a")
		require.NoError(t, err)
		release()
	}
	release, err := ls.acquire(t.Context(), Books, "b") // another organisation: not blocked
	require.NoError(t, err)
	release()
	// Organisation a is now full: a short deadline fails fast with the wait.
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err = ls.acquire(ctx, Books, "a")
	require.ErrorIs(t, err, ErrRateLimited)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "books:a", le.Key)
	require.Equal(t, time.Minute, le.Wait)
	require.Zero(t, fc.Pending())
}

func TestLimiterMaxWaitAndCancel(t *testing.T) {
	t.Parallel()
	fc := fakeclock.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	ls := newLimiters(RateLimits{People: Limit{Requests: 1, Window: 24 * time.Hour, MaxWait: time.Minute}, Inventory: Limit{Requests: 1, Window: time.Minute}}, fc)
	release, err := ls.acquire(t.Context(), People, "")
	require.NoError(t, err)
	release()
	_, err = ls.acquire(t.Context(), People, "")
	var le *LimitError
	require.ErrorAs(t, err, &le, "a daily quota used up is not waited for beyond MaxWait")
	require.Equal(t, 24*time.Hour, le.Wait)

	release, err = ls.acquire(t.Context(), Inventory, "")
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
}

func TestCRMConcurrencyByEdition(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	var inFlight, peak atomic.Int32
	hold := make(chan struct{})
	fz.mux.HandleFunc("GET /crm/v8/Leads", func(w http.ResponseWriter, _ *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-hold
		inFlight.Add(-1)
		w.WriteHeader(http.StatusNoContent)
	})
	cfg := fz.config()
	cfg.RateLimits.CRMEdition = EditionStandard
	c := fz.client(cfg)
	_, err := c.Token(t.Context())
	require.NoError(t, err)

	const n = 30
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := doGet(t, c, t.Context(), CRM, "/Leads", nil); err != nil {
				t.Error(err)
			}
		})
	}
	eventually(t, "10 requests in flight", func() bool { return inFlight.Load() == 10 })
	c.limits.mu.Lock()
	lim := c.limits.byKey["crm:"]
	c.limits.mu.Unlock()
	require.NotNil(t, lim)
	require.Len(t, lim.sem, 10, "the semaphore is full; the other 20 wait")
	close(hold)
	wg.Wait()
	require.Equal(t, int32(10), peak.Load())
	require.Equal(t, int32(n), fz.apiCalls.Load())
}

func TestBooksCallsThroughClientRespectTheWindow(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fc := fakeclock.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	var starts []time.Time
	fz.mux.HandleFunc("GET /books/v3/invoices", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		starts = append(starts, fc.Now())
		mu.Unlock()
		_, _ = w.Write([]byte(`{"code":0}`))
	})
	cfg := fz.config()
	cfg.Clock = fc
	cfg.RateLimits.Books = Limit{Requests: 10, Window: time.Minute}
	c := fz.client(cfg)
	var done atomic.Int32
	for range 25 {
		go func() {
			defer done.Add(1)
			req, err := c.NewRequest(http.MethodGet, Books, "/invoices", nil)
			if err != nil {
				t.Error(err)
				return
			}
			req.OrgID = "123"
			if _, err = c.Do(t.Context(), req, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	for done.Load() < 25 {
		eventually(t, "calls to settle", func() bool { return int(done.Load())+fc.Pending() == 25 })
		if done.Load() < 25 {
			fc.Advance(time.Minute)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, starts, 25)
	require.Equal(t, 10, maxInWindow(starts, time.Minute))
}

func TestRateLimitDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	r := RateLimits{}
	require.Equal(t, Limit{Concurrency: 5}, r.limitFor("crm"))
	require.Equal(t, Limit{Requests: 100, Window: time.Minute}, r.limitFor("books"))
	require.Equal(t, Limit{Requests: 100, Window: time.Minute}, r.limitFor("inventory"))
	require.Equal(t, Limit{Requests: 90, Window: 2 * time.Minute}, r.limitFor("projects"))
	require.Equal(t, Limit{}, r.limitFor("people"))
	require.True(t, RateLimits{Disabled: true}.limitFor("books").Unlimited)
	require.True(t, RateLimits{Books: Limit{Unlimited: true}}.limitFor("books").Unlimited)
	for ed, want := range map[Edition]int{EditionFree: 5, EditionStandard: 10, EditionProfessional: 15, EditionEnterprise: 20, EditionUltimate: 25, "gold": 0} {
		require.Equal(t, want, ed.Concurrency(), ed)
	}
	require.Equal(t, Limit{Concurrency: 20}, RateLimits{CRMEdition: EditionEnterprise}.limitFor("crm"))
}
