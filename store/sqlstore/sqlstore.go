// Package sqlstore keeps zohokit's sync state in SQL: SQLite, the embedded
// default (one file, no server, one machine), and PostgreSQL, for several
// service replicas on several machines. It also provides TokenStore, a
// zoho.TokenStore in the same database, shared by replicas.
//
// Store implements store.Store, store.TxCommitter and store.RunPruner, and
// passes the store/storetest conformance suite on both engines.
//
// # One database for the store and the queue
//
// The store is meant to live in the same database as the retry queue of
// package queue/sqlqueue, so that CommitTx can commit a checkpoint and the
// jobs that follow from it in one transaction:
//
//	st, _ := sqlstore.OpenSQLite(ctx, "zohokit.db", nil)
//	q, _ := sqlqueue.NewSQLite(ctx, st.DB(), nil)
//	err := st.CommitTx(ctx, cp, func(ctx context.Context, tx *sql.Tx) error {
//		_, err := q.EnqueueTx(ctx, tx, jobs...)
//		return err
//	})
//
// On PostgreSQL both take the same pgx pool (sqlstore.NewPostgres and
// sqlqueue.NewPostgres); the store's transactions are those of a *sql.DB
// opened on the pool with pgx's stdlib, which is what the queue's EnqueueTx
// expects.
//
// # Schema and migrations
//
// The tables are prefixed so that they never collide with an application's
// own: zohokit_cursors, zohokit_links, zohokit_runs, zohokit_reviews and
// zohokit_leases (and zohokit_tokens, zohokit_token_locks for TokenStore).
// The constructors create and upgrade them through embedded, versioned
// migrations, recorded as component "store" (and "tokens") in the
// zohokit_migrations table that zohokit's SQL packages share. Several
// processes may start at once against one database: the first migrates, the
// others wait and find nothing to do. A database migrated by a newer zohokit
// is refused.
//
// # Time
//
// The store reads the time only through Options.Now and passes it to SQL as
// a parameter (never the database's now()), so tests can move time and the
// database server's clock does not matter. Times are kept to the
// microsecond and returned in UTC; on SQLite they are stored as Unix
// microseconds.
//
// # Performance
//
// Links looks a batch of IDs up in one statement, by the primary key
// (pipeline, left_id) or the unique index (pipeline, right_id): on
// PostgreSQL one index probe per ID of an unnested array (a LATERAL
// subquery, which no cached generic plan can turn into a scan of the
// pipeline); on SQLite IN over json_each of a JSON array. Commit runs in
// one transaction: on PostgreSQL the links are upserted in one statement
// (INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE) sent with the
// cursors in one pgx batch, which PostgreSQL runs as one implicit
// transaction, so a Commit costs one round trip (the careful path, which
// checks the right IDs first, runs only when that fails on a unique
// violation or when the checkpoint applies reviews); on SQLite, which runs
// in process, by one prepared statement per link. Statement texts are fixed,
// so PostgreSQL's pgx caches their plans and SQLite's are prepared once per
// connection.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/zohokit/zohokit/internal/migrate"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/store"
)

//go:embed migrations/store/sqlite/*.sql migrations/store/postgres/*.sql migrations/tokens/sqlite/*.sql migrations/tokens/postgres/*.sql
var migrations embed.FS

// The components' names in the zohokit_migrations table.
const (
	storeComponent  = "store"
	tokensComponent = "tokens"
)

// Options tunes a Store. The zero value is ready to use.
type Options struct {
	// Now is the store's clock (link, run and review times, lease expiry);
	// nil means time.Now.
	Now func() time.Time
	// KeepRuns is how many runs per pipeline the store keeps: StartRun
	// deletes the older ones of its pipeline, always keeping the latest
	// successful run. Zero means store.DefaultKeepRuns; negative keeps
	// every run (call PruneRuns yourself).
	KeepRuns int
}

// Store is the sync state in a SQLite or PostgreSQL database. Create it
// with OpenSQLite, NewSQLite or NewPostgres; it is safe for concurrent use,
// and any number of Stores (in any number of processes) may share one
// database.
type Store struct {
	db       *sql.DB
	pool     *pgxpool.Pool // PostgreSQL: Commit's one-round-trip path
	closeDB  bool          // OpenSQLite's own database, or NewPostgres' stdlib view of the pool
	d        *dialect
	now      func() time.Time
	keepRuns int
	// wmu serialises the store's writes in process on SQLite (a semaphore,
	// so that a waiting writer can give up when its context ends). SQLite
	// runs one writer at a time; without it, concurrent writers would wait
	// in the busy handler, which sleeps between tries. Nil on PostgreSQL.
	wmu chan struct{}

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // SQLite's prepared statements, by text
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.TxCommitter = (*Store)(nil)
	_ store.RunPruner   = (*Store)(nil)
)

// OpenSQLite opens (creating it if needed) the SQLite database file at
// path, in WAL mode with a busy timeout and transactions that take the write
// lock when they begin, and returns a store on it, its schema migrated. The
// store owns the database: Close closes it. Hand DB to sqlqueue.NewSQLite
// (or NewSQLiteTokenStore) to keep the queue (or tokens) in the same file.
func OpenSQLite(ctx context.Context, path string, opts *Options) (*Store, error) {
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	s, err := NewSQLite(ctx, db, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.closeDB = true
	return s, nil
}

// NewSQLite returns a store on db, a modernc.org/sqlite database (driver
// name "sqlite"), after migrating its schema. Open db as OpenSQLite (and
// sqlqueue.OpenSQLite) do, with a DSN like
//
//	file.db?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)
//
// so that other connections and processes wait for each other's writes, and
// a transaction that reads before it writes cannot fail to take the write
// lock. Close leaves db open.
func NewSQLite(ctx context.Context, db *sql.DB, opts *Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: NewSQLite: db is nil")
	}
	s, err := newStore(db, sqliteDialect, opts)
	if err != nil {
		return nil, err
	}
	if err := applyMigrations(ctx, db, migrate.SQLite, storeComponent, s.now); err != nil {
		return nil, err
	}
	s.wmu = make(chan struct{}, 1)
	s.stmts = make(map[string]*sql.Stmt)
	return s, nil
}

// NewPostgres returns a store on the database of pool, after migrating its
// schema. The store works through a *sql.DB opened on pool with pgx's
// stdlib (DB returns it), so that the *sql.Tx CommitTx hands its callback is
// one that sqlqueue's Postgres.EnqueueTx accepts. Close closes that *sql.DB
// but leaves pool open. To keep several independent stores in one
// PostgreSQL database, give each its own schema through the pool's
// search_path.
func NewPostgres(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("sqlstore: NewPostgres: pool is nil")
	}
	db := stdlib.OpenDBFromPool(pool)
	s, err := newStore(db, postgresDialect, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := applyMigrations(ctx, db, migrate.Postgres, storeComponent, s.now); err != nil {
		db.Close()
		return nil, err
	}
	s.closeDB = true
	s.pool = pool
	return s, nil
}

func newStore(db *sql.DB, d *dialect, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Store{db: db, d: d, now: o.Now, keepRuns: o.KeepRuns}
	if s.now == nil {
		s.now = time.Now
	}
	if s.keepRuns == 0 {
		s.keepRuns = store.DefaultKeepRuns
	}
	return s, nil
}

func applyMigrations(ctx context.Context, db *sql.DB, d migrate.Dialect, component string, now func() time.Time) error {
	ms, err := migrate.Load(migrations, "migrations/"+component+"/"+string(d))
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	if _, err := migrate.Apply(ctx, db, d, component, ms, &migrate.Options{Now: now}); err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	return nil
}

// DB returns the database the store uses: for tables of your own in the
// same transaction as a checkpoint (CommitTx), and for sqlqueue.NewSQLite.
func (s *Store) DB() *sql.DB { return s.db }

// Close releases the store's prepared statements, and closes the database
// if OpenSQLite opened it (for NewPostgres, the *sql.DB it opened on the
// pool; the pool stays open).
func (s *Store) Close() error {
	s.stmtMu.Lock()
	var err error
	for q, st := range s.stmts {
		err = errors.Join(err, st.Close())
		delete(s.stmts, q)
	}
	s.stmtMu.Unlock()
	if s.closeDB {
		err = errors.Join(err, s.db.Close())
	}
	return err
}

// lockWrite takes the in-process write lock on SQLite; it returns the
// function that releases it.
func (s *Store) lockWrite(ctx context.Context) (func(), error) {
	if s.wmu == nil {
		return func() {}, nil
	}
	select {
	case s.wmu <- struct{}{}:
		return func() { <-s.wmu }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// clock returns the current time as the store keeps it.
func (s *Store) clock() time.Time { return store.Timestamp(s.now()) }

// stmt returns the statement for query: on SQLite a statement prepared once
// (per connection, by database/sql) and bound to tx when tx is not nil; on
// PostgreSQL nil, as pgx caches statements itself.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if s.stmts == nil {
		return nil, nil
	}
	s.stmtMu.Lock()
	st, ok := s.stmts[query]
	if !ok {
		var err error
		if st, err = s.db.PrepareContext(ctx, query); err != nil {
			s.stmtMu.Unlock()
			return nil, err
		}
		s.stmts[query] = st
	}
	s.stmtMu.Unlock()
	if tx != nil {
		return tx.StmtContext(ctx, st), nil
	}
	return st, nil
}

// execer is what exec, query and queryRow run on: the database or a
// transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) on(tx *sql.Tx) execer {
	if tx != nil {
		return tx
	}
	return s.db
}

// exec runs a fixed statement (prepared on SQLite) on tx, or on the
// database when tx is nil.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.on(tx).ExecContext(ctx, query, args...)
}

// query runs a fixed query like exec.
func (s *Store) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.on(tx).QueryContext(ctx, query, args...)
}

// scanOne runs a fixed single-row query like exec and scans its row into
// dest; it returns sql.ErrNoRows when there is none.
func (s *Store) scanOne(ctx context.Context, tx *sql.Tx, query string, args []any, dest ...any) error {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return err
	}
	if st != nil {
		return st.QueryRowContext(ctx, args...).Scan(dest...)
	}
	return s.on(tx).QueryRowContext(ctx, query, args...).Scan(dest...)
}

// inTx runs fn in a transaction and commits it, or rolls it back when fn or
// the commit fails.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit; also ends tx if fn panics
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
