package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/zohokit/zohokit/internal/migrate"
	"github.com/zohokit/zohokit/zoho"
)

// DefaultTokenLockTTL is how long a SQLite token lock lasts without renewal
// when TokenStoreOptions.LockTTL is zero.
const DefaultTokenLockTTL = 30 * time.Second

// DefaultTokenLockPoll is how often a waiting SQLite token lock tries again
// when TokenStoreOptions.PollInterval is zero.
const DefaultTokenLockPoll = 50 * time.Millisecond

// ErrTokenLockLost is returned by a token lock's unlock function when the
// lock had expired and another process had taken it (SQLite), or the
// session holding it had ended (PostgreSQL).
var ErrTokenLockLost = errors.New("sqlstore: token lock was lost before unlock")

// TokenStoreOptions tunes a TokenStore. The zero value is ready to use.
type TokenStoreOptions struct {
	// Now is the clock of SQLite's lock expiry; nil means time.Now.
	Now func() time.Time
	// LockTTL (SQLite) is how long a lock lasts unless its holder renews
	// it. A holder renews it every LockTTL/3 while it holds it, so only a
	// holder that crashed (or stopped running) loses it. Zero means
	// DefaultTokenLockTTL.
	LockTTL time.Duration
	// PollInterval (SQLite) is how often a Lock waiting for another
	// process tries again; waiters in the same TokenStore are woken at once
	// instead. Zero means DefaultTokenLockPoll.
	PollInterval time.Duration
}

// TokenStore is a zoho.TokenStore in a SQLite or PostgreSQL database,
// shared by every process and replica that uses the database: they share
// one access token per key and refresh it once between them (Lock).
//
// The zohokit_tokens table holds live access tokens (never refresh tokens
// or client secrets): protect it like a secret, with the database's access
// control, and do not copy it to places that are less protected (exports,
// logs, shared backups).
//
// Lock is exclusive across processes and within one:
//
//   - PostgreSQL: pg_advisory_lock on a connection taken from the pool for
//     as long as the lock is held, keyed by a hash of the store key. The
//     lock belongs to that connection's session, so a process that dies
//     releases it with its connection.
//   - SQLite: a row of zohokit_token_locks holding a random owner and an
//     expiry, taken by compare-and-set (insert, or take over an expired
//     row), renewed every LockTTL/3 while held and deleted by unlock. A
//     waiting Lock tries again every PollInterval; a holder that crashed
//     blocks the others for at most LockTTL.
//
// Within one TokenStore, Lock first takes an in-process lock per key, so
// that goroutines of one process wait for each other without polling or
// holding connections.
type TokenStore struct {
	db   *sql.DB       // SQLite
	pool *pgxpool.Pool // PostgreSQL
	now  func() time.Time
	ttl  time.Duration
	poll time.Duration

	mu    sync.Mutex
	local map[string]chan struct{} // in-process lock per key
}

var _ zoho.TokenStore = (*TokenStore)(nil)

func newTokenStore(opts *TokenStoreOptions) (*TokenStore, error) {
	var o TokenStoreOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case o.LockTTL < 0:
		return nil, fmt.Errorf("sqlstore: TokenStoreOptions.LockTTL is negative (%v)", o.LockTTL)
	case o.LockTTL > 0 && o.LockTTL < 30*time.Millisecond:
		return nil, fmt.Errorf("sqlstore: TokenStoreOptions.LockTTL %v is too short to renew (want at least 30ms)", o.LockTTL)
	case o.PollInterval < 0:
		return nil, fmt.Errorf("sqlstore: TokenStoreOptions.PollInterval is negative (%v)", o.PollInterval)
	}
	ts := &TokenStore{now: o.Now, ttl: o.LockTTL, poll: o.PollInterval, local: make(map[string]chan struct{})}
	if ts.now == nil {
		ts.now = time.Now
	}
	if ts.ttl == 0 {
		ts.ttl = DefaultTokenLockTTL
	}
	if ts.poll == 0 {
		ts.poll = DefaultTokenLockPoll
	}
	return ts, nil
}

// NewSQLiteTokenStore returns a token store in db, a modernc.org/sqlite
// database opened as for NewSQLite (Store.DB of an OpenSQLite store will
// do), after migrating its tables.
func NewSQLiteTokenStore(ctx context.Context, db *sql.DB, opts *TokenStoreOptions) (*TokenStore, error) {
	if db == nil {
		return nil, errors.New("sqlstore: NewSQLiteTokenStore: db is nil")
	}
	ts, err := newTokenStore(opts)
	if err != nil {
		return nil, err
	}
	if err := applyMigrations(ctx, db, migrate.SQLite, tokensComponent, ts.now); err != nil {
		return nil, err
	}
	ts.db = db
	return ts, nil
}

// NewPostgresTokenStore returns a token store in the database of pool,
// after migrating its table. Each held lock uses one of the pool's
// connections until it is released.
func NewPostgresTokenStore(ctx context.Context, pool *pgxpool.Pool, opts *TokenStoreOptions) (*TokenStore, error) {
	if pool == nil {
		return nil, errors.New("sqlstore: NewPostgresTokenStore: pool is nil")
	}
	ts, err := newTokenStore(opts)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	err = applyMigrations(ctx, db, migrate.Postgres, tokensComponent, ts.now)
	db.Close()
	if err != nil {
		return nil, err
	}
	ts.pool = pool
	return ts, nil
}

// Load implements zoho.TokenStore.
func (ts *TokenStore) Load(ctx context.Context, key string) (*zoho.TokenState, error) {
	if key == "" {
		return nil, errors.New("sqlstore: token store: key is empty")
	}
	var raw string
	var err error
	if ts.pool != nil {
		err = ts.pool.QueryRow(ctx, `SELECT state FROM zohokit_tokens WHERE key = $1`, key).Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			err = sql.ErrNoRows
		}
	} else {
		err = ts.db.QueryRowContext(ctx, `SELECT state FROM zohokit_tokens WHERE key = ?`, key).Scan(&raw)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, zoho.ErrNoToken
	case err != nil:
		return nil, fmt.Errorf("sqlstore: token store: load %s: %w", key, err)
	}
	var st zoho.TokenState
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		// Not wrapped: a JSON syntax error quotes a character of the
		// state, which holds a secret.
		return nil, fmt.Errorf("sqlstore: token store: load %s: the stored state is not a valid token state", key)
	}
	return &st, nil
}

// Save implements zoho.TokenStore.
func (ts *TokenStore) Save(ctx context.Context, key string, st *zoho.TokenState) error {
	switch {
	case key == "":
		return errors.New("sqlstore: token store: key is empty")
	case st == nil:
		return fmt.Errorf("sqlstore: token store: save %s: state is nil", key)
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("sqlstore: token store: save %s: %w", key, err)
	}
	now := ts.now()
	if ts.pool != nil {
		_, err = ts.pool.Exec(ctx, `INSERT INTO zohokit_tokens (key, state, updated_at) VALUES ($1, $2, $3)
	ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`, key, string(raw), now)
	} else {
		_, err = ts.db.ExecContext(ctx, `INSERT INTO zohokit_tokens (key, state, updated_at) VALUES (?1, ?2, ?3)
	ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`, key, string(raw), now.UnixMicro())
	}
	if err != nil {
		return fmt.Errorf("sqlstore: token store: save %s: %w", key, err)
	}
	return nil
}

// Lock implements zoho.TokenStore: it takes key's lock, exclusive across
// processes, waiting until it is free or ctx ends. The returned function
// releases it; it returns ErrTokenLockLost if the lock was lost meanwhile.
func (ts *TokenStore) Lock(ctx context.Context, key string) (func() error, error) {
	if key == "" {
		return nil, errors.New("sqlstore: token store: key is empty")
	}
	release, err := ts.lockLocal(ctx, key)
	if err != nil {
		return nil, err
	}
	var unlock func() error
	if ts.pool != nil {
		unlock, err = ts.lockPostgres(ctx, key)
	} else {
		unlock, err = ts.lockSQLite(ctx, key)
	}
	if err != nil {
		release()
		return nil, err
	}
	var once sync.Once
	var uerr error
	return func() error {
		once.Do(func() {
			uerr = unlock()
			release()
		})
		return uerr
	}, nil
}

// lockLocal takes the in-process lock of key.
func (ts *TokenStore) lockLocal(ctx context.Context, key string) (func(), error) {
	ts.mu.Lock()
	ch, ok := ts.local[key]
	if !ok {
		ch = make(chan struct{}, 1)
		ts.local[key] = ch
	}
	ts.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// advisoryKey is the pg_advisory_lock key of a store key: the first eight
// bytes of a SHA-256 of it. Two keys that hash alike merely share a lock.
func advisoryKey(key string) int64 {
	sum := sha256.Sum256([]byte("zohokit token lock\x00" + key))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

func (ts *TokenStore) lockPostgres(ctx context.Context, key string) (func() error, error) {
	conn, err := ts.pool.Acquire(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("sqlstore: token lock %s: %w", key, err)
	}
	lk := advisoryKey(key)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lk); err != nil {
		// The lock may have been granted as the wait was cancelled: end
		// the session rather than return it to the pool holding a lock.
		destroy(conn)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("sqlstore: token lock %s: %w", key, err)
	}
	return func() error {
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var held bool
		err := conn.QueryRow(uctx, `SELECT pg_advisory_unlock($1)`, lk).Scan(&held)
		switch {
		case err != nil:
			destroy(conn) // ending the session releases the lock
			return fmt.Errorf("sqlstore: token unlock %s: %w", key, err)
		case !held:
			destroy(conn)
			return fmt.Errorf("%w: %s", ErrTokenLockLost, key)
		}
		conn.Release()
		return nil
	}, nil
}

// destroy closes a pooled connection instead of returning it to the pool.
func destroy(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Hijack().Close(ctx)
}

// SQLite lock statements: take the row when free or expired; renew it while
// held; delete it on unlock.
const (
	tokenLockTake = `INSERT INTO zohokit_token_locks (key, owner, expires_at) VALUES (?1, ?2, ?3)
	ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
	WHERE zohokit_token_locks.expires_at <= ?4
	RETURNING owner`
	tokenLockRenew   = `UPDATE zohokit_token_locks SET expires_at = ?1 WHERE key = ?2 AND owner = ?3`
	tokenLockRelease = `DELETE FROM zohokit_token_locks WHERE key = ?1 AND owner = ?2`
)

func (ts *TokenStore) lockSQLite(ctx context.Context, key string) (func() error, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	owner := hex.EncodeToString(b[:])
	for {
		now := ts.now()
		var got string
		err := ts.db.QueryRowContext(ctx, tokenLockTake, key, owner, now.Add(ts.ttl).UnixMicro(), now.UnixMicro()).Scan(&got)
		if err == nil {
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("sqlstore: token lock %s: %w", key, err)
		}
		t := time.NewTimer(ts.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}

	// Renew the lock while it is held.
	hctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(ts.ttl / 3)
		defer tick.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-tick.C:
			}
			res, err := ts.db.ExecContext(hctx, tokenLockRenew, ts.now().Add(ts.ttl).UnixMicro(), key, owner)
			if err != nil {
				continue // a busy database: try again at the next tick
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return // lost: unlock reports it
			}
		}
	}()
	return func() error {
		stop()
		<-done
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := ts.db.ExecContext(uctx, tokenLockRelease, key, owner)
		if err != nil {
			return fmt.Errorf("sqlstore: token unlock %s: %w", key, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlstore: token unlock %s: %w", key, err)
		} else if n == 0 {
			return fmt.Errorf("%w: %s (it expired and another process took it)", ErrTokenLockLost, key)
		}
		return nil
	}, nil
}
