package zoho

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

// fullGuard returns a store holding an access token minted at issued
// (lifetime one hour) and ten mints in the guard's window before now, the
// oldest at oldest.
func fullGuard(t *testing.T, c *Client, issued, oldest time.Time) *MemoryStore {
	t.Helper()
	st := &TokenState{AccessToken: "1000.cur-" + secretMarker, Issued: issued, Expiry: issued.Add(time.Hour)}
	for i := range 10 {
		st.Mints = append(st.Mints, oldest.Add(time.Duration(i)*time.Second))
	}
	store := c.tokens.store.(*MemoryStore)
	require.NoError(t, store.Save(t.Context(), c.TokenKey(), st))
	return store
}

// Inside the refresh-ahead margin the current token is still valid: a
// refresh that fails (Zoho throttles the token endpoint) or that the mint
// guard holds back must not fail or stall requests before it expires.
func TestRefreshAheadFallsBackToTheValidToken(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	t.Run("token endpoint throttled", func(t *testing.T) {
		t.Parallel()
		fz := newFakeZoho(t)
		fc := fakeclock.New(start)
		cfg := fz.config()
		cfg.Clock = fc
		c := fz.client(cfg)
		first, err := c.Token(t.Context())
		require.NoError(t, err)
		fz.mu.Lock()
		fz.tokenFunc = func(int, url.Values) (int, string) { return 200, throttleBody }
		fz.mu.Unlock()

		fc.Advance(56 * time.Minute) // inside the 5-minute margin, 4 minutes before expiry
		got, err := c.Token(t.Context())
		require.NoError(t, err, "the current token is valid for 4 more minutes")
		require.Equal(t, first.AccessToken, got.AccessToken)
		require.Equal(t, int32(2), fz.tokenCalls.Load(), "the refresh was tried")
		require.Contains(t, c.TokenStatus().LastError, "Access Denied")

		fc.Advance(4 * time.Minute) // expired now
		_, err = c.Token(t.Context())
		require.ErrorIs(t, err, ErrTokenThrottled)
	})
	for _, failFast := range []bool{false, true} {
		t.Run("mint guard full, FailOnMintLimit "+map[bool]string{false: "off", true: "on"}[failFast], func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoho(t)
			fc := fakeclock.New(start)
			cfg := fz.config()
			cfg.Clock, cfg.TokenStore, cfg.FailOnMintLimit = fc, NewMemoryStore(), failFast
			c := fz.client(cfg)
			// The token has 3 minutes left; ten mints in the last 9 minutes.
			fullGuard(t, c, start.Add(-57*time.Minute), start.Add(-9*time.Minute))

			got, err := c.Token(waitCtx(t))
			require.NoError(t, err)
			require.Equal(t, "1000.cur-"+secretMarker, got.AccessToken)
			require.Zero(t, fc.Pending(), "no wait for a mint slot")
			require.Zero(t, fz.tokenCalls.Load())
			require.Equal(t, start.Add(time.Minute), c.TokenStatus().NextMintSlot)
		})
	}
}

// gatedStore holds every Lock until gate is closed.
type gatedStore struct {
	*MemoryStore
	gate chan struct{}
}

func (g *gatedStore) Lock(ctx context.Context, key string) (func() error, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.MemoryStore.Lock(ctx, key)
}

// Callers share one refresh, but each decides for itself whether it can
// wait for the mint guard's next slot: one whose deadline comes first gets
// *TokenLimitError at once, one without a deadline waits for the slot.
func TestMintGuardWaitIsDecidedPerCaller(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	slot := start.Add(time.Minute)
	setup := func(t *testing.T) (*fakeZoho, *fakeclock.Clock, *Client, *gatedStore) {
		fz := newFakeZoho(t)
		fc := fakeclock.New(start)
		gs := &gatedStore{MemoryStore: NewMemoryStore(), gate: make(chan struct{})}
		cfg := fz.config()
		cfg.Clock, cfg.TokenStore = fc, gs
		c := fz.client(cfg)
		st := expiredState(start)
		for i := range 10 {
			st.Mints = append(st.Mints, start.Add(-9*time.Minute+time.Duration(i)*time.Second))
		}
		require.NoError(t, gs.MemoryStore.Save(t.Context(), c.TokenKey(), st))
		return fz, fc, c, gs
	}
	token := func(c *Client, ctx context.Context) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := c.Token(ctx)
			done <- err
		}()
		return done
	}
	short := func(t *testing.T) context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second) // the slot is a minute away
		t.Cleanup(cancel)
		return ctx
	}

	t.Run("a caller with a short deadline joins a waiting refresh", func(t *testing.T) {
		t.Parallel()
		fz, fc, c, gs := setup(t)
		close(gs.gate)
		patient := token(c, t.Context())
		require.NoError(t, fc.WaitPending(waitCtx(t), 1), "the refresh waits for the slot")

		_, err := c.Token(short(t))
		require.ErrorIs(t, err, ErrTokenLimit, "fails at once, not when its deadline ends")
		var tl *TokenLimitError
		require.ErrorAs(t, err, &tl)
		require.Equal(t, slot, tl.NextSlot)

		fc.Set(slot)
		require.NoError(t, <-patient)
		require.Equal(t, int32(1), fz.tokenCalls.Load())
	})
	t.Run("the refresh was started by a caller with a short deadline", func(t *testing.T) {
		t.Parallel()
		fz, fc, c, gs := setup(t)
		hasty := token(c, short(t))
		eventually(t, "the first caller waiting", func() bool { return flightWaiters(c) == 1 })
		patient := token(c, t.Context())
		eventually(t, "both callers waiting", func() bool { return flightWaiters(c) == 2 })
		close(gs.gate)

		require.ErrorIs(t, <-hasty, ErrTokenLimit)
		require.NoError(t, fc.WaitPending(waitCtx(t), 1), "the patient caller keeps waiting")
		fc.Set(slot)
		require.NoError(t, <-patient, "a caller without a deadline is not failed by another's")
		require.Equal(t, int32(1), fz.tokenCalls.Load())
	})
}

// abandonStore hands out the lock only once the caller's context has
// ended, as a lock taken at the moment the last waiter leaves would be.
type abandonStore struct {
	*MemoryStore
	locking  chan struct{}
	unlocked chan struct{}
	once     sync.Once
}

func (a *abandonStore) Lock(ctx context.Context, key string) (func() error, error) {
	close(a.locking)
	<-ctx.Done()
	unlock, err := a.MemoryStore.Lock(context.Background(), key)
	if err != nil {
		return nil, err
	}
	return func() error {
		err := unlock()
		a.once.Do(func() { close(a.unlocked) })
		return err
	}, nil
}

// A refresh whose callers all left before it reached Zoho spends no mint:
// the guard counts calls to the token endpoint, not abandoned attempts.
func TestAbandonedRefreshRecordsNoMint(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	as := &abandonStore{MemoryStore: NewMemoryStore(), locking: make(chan struct{}), unlocked: make(chan struct{})}
	cfg := fz.config()
	cfg.TokenStore = as
	c := fz.client(cfg)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.Token(ctx)
		done <- err
	}()
	<-as.locking
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	<-as.unlocked
	st, err := as.MemoryStore.Load(t.Context(), c.TokenKey())
	if err == nil {
		require.Empty(t, st.Mints, "no mint recorded")
	} else {
		require.ErrorIs(t, err, ErrNoToken)
	}
	require.Zero(t, fz.tokenCalls.Load())
}

// Replicas whose clocks differ record mints out of order; the next slot is
// still when the oldest mint leaves the window.
func TestMintGuardWithMintsOutOfOrder(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	now := time.Date(2026, 1, 1, 9, 9, 40, 0, time.UTC)
	cfg := fz.config()
	cfg.Clock, cfg.TokenStore, cfg.FailOnMintLimit = fakeclock.New(now), NewMemoryStore(), true
	c := fz.client(cfg)
	st := expiredState(now)
	st.Mints = []time.Time{now.Add(-10 * time.Second)} // a replica with a fast clock wrote first
	for i := range 9 {
		st.Mints = append(st.Mints, time.Date(2026, 1, 1, 9, 0, 10*i, 0, time.UTC))
	}
	require.NoError(t, c.tokens.store.Save(t.Context(), c.TokenKey(), st))
	_, err := c.Token(t.Context())
	var tl *TokenLimitError
	require.ErrorAs(t, err, &tl)
	require.Equal(t, time.Date(2026, 1, 1, 9, 10, 0, 0, time.UTC), tl.NextSlot, "the oldest mint, 9:00:00, leaves at 9:10")
}
