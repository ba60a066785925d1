package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

func okHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"data":[{"id":"1"}]}`))
}

// flightWaiters returns how many callers wait on the client's current
// refresh.
func flightWaiters(c *Client) int {
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	if c.tokens.fl == nil {
		return 0
	}
	return c.tokens.fl.waiters
}

func TestExpiredTokenHundredGoroutinesRefreshOnce(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.HandleFunc("GET /crm/v8/Contacts", okHandler)
	gate := make(chan struct{})
	fz.gate = gate

	store := NewMemoryStore()
	cfg := fz.config()
	cfg.TokenStore = store
	cfg.RateLimits.Disabled = true
	c := fz.client(cfg)
	require.NoError(t, store.Save(t.Context(), c.TokenKey(), expiredState(time.Now())))

	const n = 100
	errs := make(chan error, n)
	for range n {
		go func() {
			req, err := c.NewRequest(http.MethodGet, CRM, "/Contacts", nil)
			if err != nil {
				errs <- err
				return
			}
			_, err = c.Do(t.Context(), req, nil)
			errs <- err
		}()
	}
	// Hold the token endpoint until all 100 callers wait on the refresh, so
	// that they all meet an expired token at once.
	eventually(t, "100 callers waiting on one refresh", func() bool { return flightWaiters(c) == n })
	close(gate)
	for range n {
		err := <-errs
		noSecret(t, err)
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), fz.tokenCalls.Load(), "token endpoint calls")
	require.Equal(t, 1, c.TokenStatus().Refreshes)
}

// lockSignal wraps a store and reports each Lock call before delegating.
type lockSignal struct {
	TokenStore
	locking chan struct{}
}

func (l *lockSignal) Lock(ctx context.Context, key string) (func() error, error) {
	select {
	case l.locking <- struct{}{}:
	default:
	}
	return l.TokenStore.Lock(ctx, key)
}

func TestTwoClientsSharingFileStoreRefreshOnce(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.HandleFunc("GET /crm/v8/Contacts", okHandler)
	gate := make(chan struct{})
	fz.gate = gate
	path := filepath.Join(t.TempDir(), "tokens.json")

	newClient := func() (*Client, *lockSignal) {
		fs, err := NewFileStore(path)
		require.NoError(t, err)
		sig := &lockSignal{TokenStore: fs, locking: make(chan struct{}, 1)}
		cfg := fz.config()
		cfg.TokenStore = sig
		return fz.client(cfg), sig
	}
	a, _ := newClient()
	b, bLock := newClient()
	require.Equal(t, a.TokenKey(), b.TokenKey())
	seed, err := NewFileStore(path)
	require.NoError(t, err)
	require.NoError(t, seed.Save(t.Context(), a.TokenKey(), expiredState(time.Now())))

	var wg sync.WaitGroup
	errs := make(chan error, 40)
	run := func(c *Client) {
		for range 20 {
			wg.Go(func() {
				req, err := c.NewRequest(http.MethodGet, CRM, "/Contacts", nil)
				if err == nil {
					_, err = c.Do(t.Context(), req, nil)
				}
				errs <- err
			})
		}
	}
	run(a)
	// A holds the file lock and is inside the token endpoint.
	eventually(t, "client A at the token endpoint", func() bool { return fz.tokenCalls.Load() == 1 })
	run(b)
	<-bLock.locking // B's refresh is taking the file lock
	// The lock file is really locked: a third store cannot take it now.
	probe, err := NewFileStore(path)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	_, err = probe.Lock(ctx, a.TokenKey())
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)

	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), fz.tokenCalls.Load(), "token endpoint calls across both clients")
	require.Equal(t, 1, a.TokenStatus().Refreshes+b.TokenStatus().Refreshes)
	require.True(t, b.TokenStatus().Valid)
}

// mintTen makes a client with a fake clock mint ten tokens, 31 s apart
// (tokens live 30 s, so each call finds the last one expired).
func mintTen(t *testing.T, fz *fakeZoho, cfg Config, fc *fakeclock.Clock) *Client {
	t.Helper()
	fz.lifetime = 30
	cfg.Clock = fc
	c := fz.client(cfg)
	for i := range 10 {
		_, err := c.Token(t.Context())
		require.NoError(t, err, "mint %d", i+1)
		fc.Advance(31 * time.Second)
	}
	require.Equal(t, int32(10), fz.tokenCalls.Load())
	return c
}

func TestMintGuardEleventhMintWaits(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	fc := fakeclock.New(start)
	c := mintTen(t, fz, fz.config(), fc)

	done := make(chan error, 1)
	go func() {
		_, err := c.Token(t.Context())
		done <- err
	}()
	require.NoError(t, fc.WaitPending(waitCtx(t), 1), "the 11th mint waits on the clock")
	next, _ := fc.Next()
	require.Equal(t, start.Add(10*time.Minute), next, "it waits for the first mint to leave the window")
	require.Equal(t, int32(10), fz.tokenCalls.Load(), "the 11th mint has not reached Zoho")
	st := c.TokenStatus()
	require.Equal(t, 10, st.MintsInWindow)
	require.Equal(t, start.Add(10*time.Minute), st.NextMintSlot)

	fc.Set(start.Add(10 * time.Minute))
	require.NoError(t, <-done)
	require.Equal(t, int32(11), fz.tokenCalls.Load())
}

func TestMintGuardFailsFastWhenWaitingIsNotAllowed(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		ctx  func(*testing.T) context.Context
	}{
		{"FailOnMintLimit", func(c *Config) { c.FailOnMintLimit = true }, func(t *testing.T) context.Context { return t.Context() }},
		{"context ends first", func(*Config) {}, func(t *testing.T) context.Context {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // the slot is 4m50s away
			t.Cleanup(cancel)
			return ctx
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoho(t)
			cfg := fz.config()
			tc.cfg(&cfg)
			fc := fakeclock.New(start)
			c := mintTen(t, fz, cfg, fc)

			_, err := c.Token(tc.ctx(t))
			noSecret(t, err)
			require.ErrorIs(t, err, ErrTokenLimit)
			require.ErrorIs(t, err, ErrRateLimited)
			var tl *TokenLimitError
			require.ErrorAs(t, err, &tl)
			require.Equal(t, start.Add(10*time.Minute), tl.NextSlot)
			require.Equal(t, 10*time.Minute-310*time.Second, tl.Wait)
			wait, ok := RetryAfter(err)
			require.True(t, ok)
			require.Equal(t, tl.Wait, wait)
			require.Equal(t, int32(10), fz.tokenCalls.Load(), "the token endpoint was not called")
			require.Equal(t, 0, fc.Pending(), "nothing waits")
		})
	}
}

func TestMintGuardIsSharedThroughTheStore(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	fc := fakeclock.New(now)
	store := NewMemoryStore()
	cfg := fz.config()
	cfg.TokenStore, cfg.Clock, cfg.FailOnMintLimit = store, fc, true
	c := fz.client(cfg)
	// Another replica minted ten tokens in the last nine minutes.
	st := expiredState(now)
	for i := range 10 {
		st.Mints = append(st.Mints, now.Add(-9*time.Minute+time.Duration(i)*time.Second))
	}
	require.NoError(t, store.Save(t.Context(), c.TokenKey(), st))

	_, err := c.Token(t.Context())
	require.ErrorIs(t, err, ErrTokenLimit)
	require.Zero(t, fz.tokenCalls.Load())

	fc.Advance(time.Minute) // the oldest mint leaves the window
	_, err = c.Token(t.Context())
	require.NoError(t, err)
	require.Equal(t, int32(1), fz.tokenCalls.Load())
	saved, err := store.Load(t.Context(), c.TokenKey())
	require.NoError(t, err)
	require.Len(t, saved.Mints, 10, "the expired mint is pruned, the new one recorded")
}

func TestRefreshAheadOfExpiry(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	fc := fakeclock.New(start)
	cfg := fz.config()
	cfg.Clock, cfg.RefreshMargin = fc, 2*time.Minute
	c := fz.client(cfg)

	_, err := c.Token(t.Context())
	require.NoError(t, err)
	fc.Advance(57*time.Minute + 59*time.Second) // 2m01s before expiry: still fresh
	_, err = c.Token(t.Context())
	require.NoError(t, err)
	require.Equal(t, int32(1), fz.tokenCalls.Load())
	fc.Advance(2 * time.Second) // inside the margin, not expired yet
	_, err = c.Token(t.Context())
	require.NoError(t, err)
	require.Equal(t, int32(2), fz.tokenCalls.Load(), "refreshed ahead of expiry")
}

func TestRejectedTokenRefreshesOnceAndRetries(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.HandleFunc("GET /crm/v8/Contacts", okHandler)
	fz.onlyLast = true
	store := NewMemoryStore()
	cfg := fz.config()
	cfg.TokenStore = store
	c := fz.client(cfg)
	// The store holds a token Zoho no longer accepts (say, evicted as the
	// 16th active token).
	require.NoError(t, store.Save(t.Context(), c.TokenKey(), &TokenState{
		AccessToken: "1000.evicted-" + secretMarker, Expiry: time.Now().Add(time.Hour), Issued: time.Now(),
	}))

	req, err := c.NewRequest(http.MethodGet, CRM, "/Contacts", nil)
	require.NoError(t, err)
	resp, err := c.Do(t.Context(), req, nil)
	require.NoError(t, err)
	require.Equal(t, 2, resp.Attempts)
	require.Equal(t, int32(1), fz.tokenCalls.Load(), "one forced refresh")
	require.Equal(t, int32(2), fz.apiCalls.Load())
}

func TestSecondRejectionIsReturned(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.HandleFunc("GET /crm/v8/Contacts", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"code":"INVALID_OAUTHTOKEN","details":{},"message":"invalid oauth token","status":"error"}`))
	})
	c := fz.client(fz.config())
	req, err := c.NewRequest(http.MethodGet, CRM, "/Contacts", nil)
	require.NoError(t, err)
	resp, err := c.Do(t.Context(), req, nil)
	noSecret(t, err)
	require.ErrorIs(t, err, ErrInvalidToken)
	var ze *Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "INVALID_OAUTHTOKEN", ze.Code)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, int32(2), fz.tokenCalls.Load(), "first token, then one forced refresh")
	require.Equal(t, int32(2), fz.apiCalls.Load(), "no loop")
}

func TestOther401sDoNotRefresh(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.handleJSON("GET /books/v3/invoices", http.StatusUnauthorized, `{"code":57,"message":"You are not authorized to perform this operation"}`)
	c := fz.client(fz.config())
	for range 3 {
		_, err := doGet(t, c, t.Context(), Books, "/invoices", nil)
		require.ErrorIs(t, err, ErrUnauthorized)
		require.NotErrorIs(t, err, ErrInvalidToken)
	}
	require.Equal(t, int32(1), fz.tokenCalls.Load(), "a permission error does not spend mints")
}

func TestRejectedTokenUsesNewerStoredToken(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.HandleFunc("GET /crm/v8/Contacts", okHandler)
	fz.onlyLast = true
	store := NewMemoryStore()
	cfg := fz.config()
	cfg.TokenStore = store
	a, b := fz.client(cfg), fz.client(cfg)

	tokA, err := a.Token(t.Context()) // mints T1
	require.NoError(t, err)
	_, err = b.Token(t.Context()) // reads T1 from the store
	require.NoError(t, err)
	require.Equal(t, int32(1), fz.tokenCalls.Load())
	_, err = b.tokens.rejected(t.Context(), tokA.AccessToken) // B mints T2, saved in the store
	require.NoError(t, err)
	require.Equal(t, int32(2), fz.tokenCalls.Load())

	// A still sends T1, which Zoho now rejects; A finds T2 in the store.
	req, err := a.NewRequest(http.MethodGet, CRM, "/Contacts", nil)
	require.NoError(t, err)
	resp, err := a.Do(t.Context(), req, nil)
	require.NoError(t, err)
	require.Equal(t, 2, resp.Attempts)
	require.Equal(t, int32(2), fz.tokenCalls.Load(), "no third mint")
	require.Equal(t, 1, a.TokenStatus().Refreshes, "A minted only T1")
}

func TestTokenStatusHasNoSecrets(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	c := fz.client(fz.config())
	_, err := c.Token(t.Context())
	require.NoError(t, err)
	st := c.TokenStatus()
	require.True(t, st.Valid)
	require.Equal(t, 1, st.Refreshes)
	require.Equal(t, fz.srv.URL, st.APIDomain)
	require.Equal(t, "refresh_token", st.Grant)
	require.NotContains(t, fmt.Sprintf("%+v", st), secretMarker)
	require.NotContains(t, c.TokenKey(), secretMarker)
}

func TestTokenRefreshFailureIsReportedWithoutSecrets(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	cfg := fz.config()
	cfg.ClientSecret = "wrong-" + secretMarker
	c := fz.client(cfg)
	_, err := c.Token(t.Context())
	noSecret(t, err)
	require.ErrorIs(t, err, ErrUnauthorized)
	st := c.TokenStatus()
	require.Contains(t, st.LastError, "invalid_client_secret")
	require.NotContains(t, st.LastError, secretMarker)
	require.False(t, st.Valid)
}

func TestAbandonedRefreshIsCancelled(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	gate := make(chan struct{})
	fz.gate = gate
	c := fz.client(fz.config())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.Token(ctx)
		done <- err
	}()
	eventually(t, "refresh at the token endpoint", func() bool { return fz.tokenCalls.Load() == 1 })
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	close(gate)
	// A new caller starts a new refresh rather than joining the abandoned one.
	_, err := c.Token(t.Context())
	require.NoError(t, err)
}

func TestClientCredentialsGrant(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	cfg := fz.config()
	cfg.RefreshToken = ""
	cfg.SOID = "ZohoCRM.600123456"
	cfg.Scopes = []string{"ZohoCRM.modules.ALL", "ZohoCRM.settings.READ"}
	c := fz.client(cfg)
	require.Equal(t, "600123456", c.OrgID())
	_, err := c.Token(t.Context())
	require.NoError(t, err)
	fz.mu.Lock()
	form := fz.forms[0]
	fz.mu.Unlock()
	require.Equal(t, "client_credentials", form.Get("grant_type"))
	require.Equal(t, "ZohoCRM.600123456", form.Get("soid"))
	require.Equal(t, "ZohoCRM.modules.ALL,ZohoCRM.settings.READ", form.Get("scope"))
	require.Empty(t, form.Get("refresh_token"))
	require.Equal(t, "client_credentials", c.TokenStatus().Grant)
}

func TestRefreshGrantForm(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	c := fz.client(fz.config())
	_, err := c.Token(t.Context())
	require.NoError(t, err)
	fz.mu.Lock()
	form := fz.forms[0]
	fz.mu.Unlock()
	require.Equal(t, "refresh_token", form.Get("grant_type"))
	require.Equal(t, testRefreshToken, form.Get("refresh_token"))
	require.Equal(t, testClientID, form.Get("client_id"))
	require.Equal(t, testClientSecret, form.Get("client_secret"))
}

func TestTokenStoreErrorsAreReported(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	cfg := fz.config()
	cfg.TokenStore = failingStore{}
	c := fz.client(cfg)
	_, err := c.Token(t.Context())
	require.ErrorContains(t, err, "token store load")
	require.Zero(t, fz.tokenCalls.Load())
}

type failingStore struct{}

func (failingStore) Save(context.Context, string, *TokenState) error { return nil }

func (failingStore) Lock(context.Context, string) (func() error, error) {
	return func() error { return nil }, nil
}

func (failingStore) Load(context.Context, string) (*TokenState, error) {
	return nil, errors.New("disk on fire")
}
