package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/zoho"
)

// tokenEnv opens token stores on one database, as separate processes
// would: each store has a connection pool of its own.
type tokenEnv struct {
	name string
	open func(t *testing.T, opts *sqlstore.TokenStoreOptions) *sqlstore.TokenStore
	// exec runs a statement on the database (with ? placeholders).
	exec func(t *testing.T, query string, args ...any)
}

func tokenEnvs(t *testing.T) []tokenEnv {
	return []tokenEnv{sqliteTokenEnv(t), {name: "postgres", open: postgresTokenOpener(t)}}
}

func sqliteTokenEnv(t *testing.T) tokenEnv {
	path := filepath.Join(t.TempDir(), "tokens.db")
	openDB := func(t *testing.T) *sql.DB {
		db, err := sqlite.Open(t.Context(), path, nil)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	return tokenEnv{
		name: "sqlite",
		open: func(t *testing.T, opts *sqlstore.TokenStoreOptions) *sqlstore.TokenStore {
			ts, err := sqlstore.NewSQLiteTokenStore(t.Context(), openDB(t), opts)
			require.NoError(t, err)
			return ts
		},
		exec: func(t *testing.T, query string, args ...any) {
			_, err := openDB(t).ExecContext(t.Context(), query, args...)
			require.NoError(t, err)
		},
	}
}

// postgresTokenOpener returns an opener of stores on one new database; the
// database is created on first use, so that tests that skip PostgreSQL do
// not start it.
func postgresTokenOpener(t *testing.T) func(t *testing.T, opts *sqlstore.TokenStoreOptions) *sqlstore.TokenStore {
	var once sync.Once
	var dsn string
	return func(tt *testing.T, opts *sqlstore.TokenStoreOptions) *sqlstore.TokenStore {
		once.Do(func() { dsn = pgtest.DSN(t) })
		ts, err := sqlstore.NewPostgresTokenStore(tt.Context(), newPool(tt, dsn), opts)
		require.NoError(tt, err)
		return ts
	}
}

func TestTokenStoreLoadSave(t *testing.T) {
	t.Parallel()
	for _, env := range tokenEnvs(t) {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			a, b := env.open(t, nil), env.open(t, nil)
			_, err := a.Load(ctx, "client:us:abc")
			require.ErrorIs(t, err, zoho.ErrNoToken)

			issued := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
			st := &zoho.TokenState{AccessToken: "1000.secret", Issued: issued, Expiry: issued.Add(time.Hour),
				APIDomain: "https://www.zohoapis.eu", Mints: []time.Time{issued.Add(-time.Minute), issued}}
			require.NoError(t, a.Save(ctx, "client:us:abc", st))
			got, err := b.Load(ctx, "client:us:abc") // another process sees it
			require.NoError(t, err)
			require.Equal(t, st, got)

			st.AccessToken = "1000.newer"
			require.NoError(t, b.Save(ctx, "client:us:abc", st))
			got, err = a.Load(ctx, "client:us:abc")
			require.NoError(t, err)
			require.Equal(t, "1000.newer", got.AccessToken)
			_, err = a.Load(ctx, "client:us:other")
			require.ErrorIs(t, err, zoho.ErrNoToken)

			require.Error(t, a.Save(ctx, "k", nil))
			require.Error(t, a.Save(ctx, "", st))
			_, err = a.Load(ctx, "")
			require.Error(t, err)
		})
	}
}

// TestTokenStoreLockSerialises runs critical sections under the lock from
// two stores on one database (two processes) and several goroutines each:
// they never overlap.
func TestTokenStoreLockSerialises(t *testing.T) {
	t.Parallel()
	for _, env := range tokenEnvs(t) {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			stores := []*sqlstore.TokenStore{
				env.open(t, &sqlstore.TokenStoreOptions{PollInterval: time.Millisecond}),
				env.open(t, &sqlstore.TokenStoreOptions{PollInterval: time.Millisecond}),
			}
			const perStore, rounds = 4, 5
			var inside, maxInside, entered atomic.Int32
			errs := make(chan error, len(stores)*perStore*rounds)
			var wg sync.WaitGroup
			for _, ts := range stores {
				for range perStore {
					wg.Go(func() {
						for range rounds {
							unlock, err := ts.Lock(t.Context(), "client:us:abc")
							if err != nil {
								errs <- err
								return
							}
							n := inside.Add(1)
							for m := maxInside.Load(); n > m && !maxInside.CompareAndSwap(m, n); m = maxInside.Load() {
							}
							entered.Add(1)
							// Yield so that an overlap, if the lock allowed one, would be seen.
							_, _ = ts.Load(t.Context(), "client:us:abc")
							inside.Add(-1)
							if err := unlock(); err != nil {
								errs <- err
							}
						}
					})
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, int32(len(stores)*perStore*rounds), entered.Load())
			require.Equal(t, int32(1), maxInside.Load(), "two holders at once")
		})
	}
}

// TestTokenStoreLockWaits checks that a second store waits for the holder
// (as long as its context allows) and gets the lock once it is released,
// and that other keys are not blocked.
func TestTokenStoreLockWaits(t *testing.T) {
	t.Parallel()
	for _, env := range tokenEnvs(t) {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			a := env.open(t, &sqlstore.TokenStoreOptions{PollInterval: 5 * time.Millisecond})
			b := env.open(t, &sqlstore.TokenStoreOptions{PollInterval: 5 * time.Millisecond})
			unlockA, err := a.Lock(t.Context(), "k")
			require.NoError(t, err)

			short, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			_, err = b.Lock(short, "k")
			require.ErrorIs(t, err, context.DeadlineExceeded, "b got the lock a holds")

			unlockOther, err := b.Lock(t.Context(), "another-key")
			require.NoError(t, err)
			require.NoError(t, unlockOther())

			got := make(chan error, 1)
			go func() {
				unlock, err := b.Lock(t.Context(), "k")
				if err == nil {
					err = unlock()
				}
				got <- err
			}()
			require.NoError(t, unlockA())
			require.NoError(t, unlockA(), "unlock twice is harmless")
			select {
			case err := <-got:
				require.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Fatal("b did not get the lock after a released it")
			}
		})
	}
}

// TestTokenStoreSQLiteCrashedHolder checks that a lock row left by a
// process that died stops blocking once it expires, and that a holder whose
// lock expired and was taken learns it at unlock.
func TestTokenStoreSQLiteCrashedHolder(t *testing.T) {
	t.Parallel()
	env := sqliteTokenEnv(t)
	var mu sync.Mutex
	now := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	opts := &sqlstore.TokenStoreOptions{Now: clock, LockTTL: time.Hour, PollInterval: time.Millisecond}
	ts := env.open(t, opts)
	env.exec(t, `INSERT INTO zohokit_token_locks (key, owner, expires_at) VALUES (?, ?, ?)`,
		"k", "crashed-process", clock().Add(30*time.Second).UnixMicro())

	short, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := ts.Lock(short, "k")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the lock was taken while the crashed holder's row had not expired")
	advance(30 * time.Second)
	unlock, err := ts.Lock(t.Context(), "k")
	require.NoError(t, err, "the expired lock was not taken")

	// Our own lock expires (the clock jumps past the TTL before a renewal)
	// and another process takes it: unlock says so.
	advance(2 * time.Hour)
	other := env.open(t, opts)
	unlockOther, err := other.Lock(t.Context(), "k")
	require.NoError(t, err)
	require.ErrorIs(t, unlock(), sqlstore.ErrTokenLockLost)
	require.NoError(t, unlockOther())
}

func TestTokenStoreOptions(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "t.db"), nil)
	require.NoError(t, err)
	defer db.Close()
	for name, opts := range map[string]*sqlstore.TokenStoreOptions{
		"LockTTL":      {LockTTL: -time.Second},
		"PollInterval": {PollInterval: -time.Second},
	} {
		_, err := sqlstore.NewSQLiteTokenStore(t.Context(), db, opts)
		require.ErrorContains(t, err, name)
	}
	_, err = sqlstore.NewSQLiteTokenStore(t.Context(), nil, nil)
	require.Error(t, err)
	_, err = sqlstore.NewPostgresTokenStore(t.Context(), nil, nil)
	require.Error(t, err)
}

// tokenServer is a Zoho accounts server that counts the access tokens it
// mints.
type tokenServer struct {
	*httptest.Server
	mints atomic.Int32
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/v2/token" || r.FormValue("grant_type") != "refresh_token" || r.FormValue("refresh_token") != "1000.refresh" {
			http.Error(w, `{"error":"invalid_code"}`, http.StatusBadRequest)
			return
		}
		n := ts.mints.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": fmt.Sprintf("1000.access-%d", n), "expires_in": 3600,
			"api_domain": ts.URL, "token_type": "Bearer",
		})
	}))
	t.Cleanup(ts.Close)
	return ts
}

// TestTwoClientsRefreshOnce gives two zoho.Clients (as in two replicas)
// token stores on one database that holds an expired token: asked for a
// token at once, they mint one between them and both use it.
func TestTwoClientsRefreshOnce(t *testing.T) {
	t.Parallel()
	for _, env := range tokenEnvs(t) {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			srv := newTokenServer(t)
			cfg := func(store zoho.TokenStore) zoho.Config {
				return zoho.Config{ClientID: "1000.client", ClientSecret: "secret", RefreshToken: "1000.refresh",
					DataCenter: zoho.DataCenter{Accounts: srv.URL, API: srv.URL}, TokenStore: store, HTTPClient: srv.Client()}
			}
			stores := []*sqlstore.TokenStore{env.open(t, &sqlstore.TokenStoreOptions{PollInterval: time.Millisecond}),
				env.open(t, &sqlstore.TokenStoreOptions{PollInterval: time.Millisecond})}
			clients := make([]*zoho.Client, len(stores))
			for i, st := range stores {
				c, err := zoho.New(cfg(st))
				require.NoError(t, err)
				clients[i] = c
			}
			expired := time.Now().Add(-time.Hour)
			require.NoError(t, stores[0].Save(t.Context(), clients[0].TokenKey(),
				&zoho.TokenState{AccessToken: "1000.expired", Issued: expired.Add(-time.Hour), Expiry: expired}))

			tokens := make([]string, len(clients))
			errs := make([]error, len(clients))
			var wg sync.WaitGroup
			startGun := make(chan struct{})
			for i, c := range clients {
				wg.Go(func() {
					<-startGun
					tok, err := c.Token(t.Context())
					if err == nil {
						tokens[i] = tok.AccessToken
					}
					errs[i] = err
				})
			}
			close(startGun)
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, int32(1), srv.mints.Load(), "one refresh between the two clients")
			require.Equal(t, []string{"1000.access-1", "1000.access-1"}, tokens)
			st, err := stores[1].Load(t.Context(), clients[1].TokenKey())
			require.NoError(t, err)
			require.Equal(t, "1000.access-1", st.AccessToken)
			require.Len(t, st.Mints, 1)
		})
	}
}
