package sqlqueue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zohokit/zohokit/internal/migrate"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/queue"
)

// SQLite is a queue in a SQLite database. Create it with OpenSQLite or
// NewSQLite; it is safe for concurrent use.
type SQLite struct {
	db    *sql.DB
	ownDB bool
	cfg   config
	// wmu serialises the queue's writes in process (a semaphore, so that a
	// waiting writer can give up when its context ends). SQLite allows one
	// writer at a time; without it, concurrent writers would wait in the
	// busy handler, which sleeps for up to 100 ms between tries.
	wmu         chan struct{}
	hub         hub
	lastCleanup atomic.Int64 // Unix µs, by cfg.now, of the last opportunistic cleanup
	completer   *completer
}

var (
	_ queue.Queue      = (*SQLite)(nil)
	_ queue.TxEnqueuer = (*SQLite)(nil)
	_ queue.Notifier   = (*SQLite)(nil)
	_ queue.Releaser   = (*SQLite)(nil)
)

// OpenSQLite opens (creating it if needed) the SQLite database file at path,
// in WAL mode with a busy timeout, and returns a queue on it, its schema
// migrated. The queue owns the database: Close closes it. Use DB for
// EnqueueTx and for tables of your own in the same file.
func OpenSQLite(ctx context.Context, path string, opts *Options) (*SQLite, error) {
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: %w", err)
	}
	q, err := NewSQLite(ctx, db, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	q.ownDB = true
	return q, nil
}

// NewSQLite returns a queue on db, a modernc.org/sqlite database (driver name
// "sqlite"), after migrating its schema. Open db with a busy timeout and WAL
// mode (internal/sqlite's DSN does both) when other connections or processes
// write to the same file. Close leaves db open.
func NewSQLite(ctx context.Context, db *sql.DB, opts *Options) (*SQLite, error) {
	if db == nil {
		return nil, errors.New("sqlqueue: NewSQLite: db is nil")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := migrateSQLite(ctx, db, cfg.now); err != nil {
		return nil, err
	}
	q := &SQLite{db: db, cfg: cfg, wmu: make(chan struct{}, 1)}
	q.completer = newCompleter(q.completeMany)
	q.lastCleanup.Store(cfg.now().UnixMicro())
	return q, nil
}

func migrateSQLite(ctx context.Context, db *sql.DB, now func() time.Time) error {
	ms, err := migrate.Load(migrations, "migrations/sqlite")
	if err != nil {
		return fmt.Errorf("sqlqueue: %w", err)
	}
	if _, err := migrate.Apply(ctx, db, migrate.SQLite, migrationComponent, ms, &migrate.Options{Now: now}); err != nil {
		return fmt.Errorf("sqlqueue: %w", err)
	}
	return nil
}

// DB returns the database the queue uses.
func (q *SQLite) DB() *sql.DB { return q.db }

// Close closes the database if OpenSQLite opened it. Subscriptions stay
// open but receive nothing more.
func (q *SQLite) Close() error {
	if q.ownDB {
		return q.db.Close()
	}
	return nil
}

func (q *SQLite) lock(ctx context.Context) error {
	select {
	case q.wmu <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (q *SQLite) unlock() { <-q.wmu }

// Subscribe implements queue.Notifier. It signals after enqueues, requeues
// and retries made through this value; workers in other processes sharing
// the file find those jobs by polling.
func (q *SQLite) Subscribe() (<-chan struct{}, func()) { return q.hub.subscribe() }

// Enqueue implements queue.Queue.
func (q *SQLite) Enqueue(ctx context.Context, jobs ...queue.Job) ([]queue.EnqueueResult, error) {
	now := q.cfg.now()
	nj, err := prepare(jobs, now)
	if err != nil {
		return nil, err
	}
	if len(nj) == 0 {
		return []queue.EnqueueResult{}, nil
	}
	if err := q.lock(ctx); err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	res, err := q.enqueueOwnTx(ctx, nj, now)
	q.unlock()
	if err != nil {
		return nil, err
	}
	if anyDue(nj, now) {
		q.hub.signal()
	}
	return res, nil
}

func (q *SQLite) enqueueOwnTx(ctx context.Context, nj []newJob, now time.Time) ([]queue.EnqueueResult, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	res, err := sqliteInsert(ctx, tx, nj, now)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: commit: %w", err)
	}
	return res, nil
}

// EnqueueTx implements queue.TxEnqueuer: the jobs are added inside tx, a
// transaction on the queue's database, and exist once tx commits.
//
// Subscribers are signalled at once; a worker that wakes before tx commits
// waits for SQLite's write lock, which tx holds from its first write until it
// ends, and so claims the jobs as soon as they are committed. For the same
// reason, keep tx short, and do not call the queue's other methods from the
// goroutine holding tx open: SQLite has one writer, and they would wait for
// tx (up to the busy timeout).
func (q *SQLite) EnqueueTx(ctx context.Context, tx *sql.Tx, jobs ...queue.Job) ([]queue.EnqueueResult, error) {
	if tx == nil {
		return nil, errors.New("sqlqueue: EnqueueTx: tx is nil")
	}
	now := q.cfg.now()
	nj, err := prepare(jobs, now)
	if err != nil {
		return nil, err
	}
	if len(nj) == 0 {
		return []queue.EnqueueResult{}, nil
	}
	res, err := sqliteInsert(ctx, tx, nj, now)
	if err != nil {
		return nil, err
	}
	if anyDue(nj, now) {
		q.hub.signal()
	}
	return res, nil
}

// sqliteInsert adds jobs one statement each: SQLite runs in process, so a
// statement costs no round trip, and each job's duplicate is found at once.
func sqliteInsert(ctx context.Context, tx *sql.Tx, jobs []newJob, now time.Time) ([]queue.EnqueueResult, error) {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO zohokit_jobs
	(kind, payload, key, state, run_at, max_attempts, created_at, updated_at)
	VALUES (?, ?, ?, 'available', ?, ?, ?, ?)
	ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING
	RETURNING id`)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	defer ins.Close()
	res := make([]queue.EnqueueResult, len(jobs))
	nowUS := now.UnixMicro()
	for i, j := range jobs {
		var key any
		if j.key != "" {
			key = j.key
		}
		err := ins.QueryRowContext(ctx, j.kind, j.payload, key, j.runAt.UnixMicro(), j.maxAttempts, nowUS, nowUS).Scan(&res[i].ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// The key is held: by an earlier job of this call or one
			// already in the queue.
			res[i].Duplicate = true
			if err := tx.QueryRowContext(ctx, `SELECT id FROM zohokit_jobs WHERE key = ?`, j.key).Scan(&res[i].ID); err != nil {
				return nil, fmt.Errorf("sqlqueue: enqueue: jobs[%d]: find the holder of key %q: %w", i, j.key, err)
			}
		case err != nil:
			return nil, fmt.Errorf("sqlqueue: enqueue: jobs[%d]: %w", i, err)
		}
	}
	return res, nil
}

const sqliteJobColumns = `id, kind, payload, key, state, run_at, attempt, max_attempts, last_error, lease_until, created_at, updated_at, claim_token`

// Claim implements queue.Queue with one UPDATE ... RETURNING statement.
func (q *SQLite) Claim(ctx context.Context, n int, opts queue.ClaimOptions) ([]queue.Job, error) {
	lease, err := claimArgs(n, opts)
	if err != nil {
		return nil, err
	}
	now := q.cfg.now()
	nowUS := now.UnixMicro()
	args := []any{now.Add(lease).UnixMicro(), nowUS, n}
	kindFilter := ""
	switch len(opts.Kinds) {
	case 0:
	case 1:
		kindFilter = " AND kind = ?4"
		args = append(args, opts.Kinds[0])
	default:
		ph := make([]string, len(opts.Kinds))
		for i, k := range opts.Kinds {
			ph[i] = fmt.Sprintf("?%d", i+4)
			args = append(args, k)
		}
		kindFilter = " AND kind IN (" + strings.Join(ph, ", ") + ")"
	}
	// Each arm is limited and ordered on its own partial index, so that a
	// claim reads about n index entries however long the backlog is.
	query := `UPDATE zohokit_jobs SET state = 'running', attempt = attempt + 1, claim_token = claim_token + 1, lease_until = ?1, updated_at = ?2
WHERE id IN (
	SELECT id FROM (
		SELECT id, run_at FROM (SELECT id, run_at FROM zohokit_jobs
			WHERE state = 'available' AND run_at <= ?2` + kindFilter + ` ORDER BY run_at, id LIMIT ?3)
		UNION ALL
		SELECT id, run_at FROM (SELECT id, run_at FROM zohokit_jobs
			WHERE state = 'running' AND lease_until <= ?2` + kindFilter + ` ORDER BY run_at, id LIMIT ?3)
	) ORDER BY run_at, id LIMIT ?3
)
RETURNING ` + sqliteJobColumns

	if err := q.lock(ctx); err != nil {
		return nil, fmt.Errorf("sqlqueue: claim: %w", err)
	}
	defer q.unlock()
	q.maybeCleanup(ctx, now)
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: claim: %w", err)
	}
	jobs, err := scanSQLiteJobs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: claim: %w", err)
	}
	sortClaimOrder(jobs)
	return jobs, nil
}

// maybeCleanup runs one bounded cleanup when the interval has passed since
// the last. The caller holds the write lock. Errors are only logged: the
// claim that happened to run it must not fail for it.
func (q *SQLite) maybeCleanup(ctx context.Context, now time.Time) {
	if !q.cfg.cleanupDue(&q.lastCleanup, now) {
		return
	}
	if _, err := q.cleanupBatch(ctx, now, cleanupBatch); err != nil {
		q.cfg.log.WarnContext(ctx, "sqlqueue: cleanup of completed jobs failed", "err", err)
	}
}

// Cleanup deletes the completed jobs older than the retention period and
// returns how many it deleted.
func (q *SQLite) Cleanup(ctx context.Context) (int, error) {
	now := q.cfg.now()
	total := 0
	for {
		if err := q.lock(ctx); err != nil {
			return total, fmt.Errorf("sqlqueue: cleanup: %w", err)
		}
		n, err := q.cleanupBatch(ctx, now, 10*cleanupBatch)
		q.unlock()
		total += n
		if err != nil {
			return total, err
		}
		if n < 10*cleanupBatch {
			return total, nil
		}
	}
}

func (q *SQLite) cleanupBatch(ctx context.Context, now time.Time, limit int) (int, error) {
	r, err := q.db.ExecContext(ctx, `DELETE FROM zohokit_jobs WHERE id IN (
	SELECT id FROM zohokit_jobs WHERE state = 'completed' AND updated_at < ? LIMIT ?)`,
		now.Add(-q.cfg.retention).UnixMicro(), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlqueue: cleanup: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlqueue: cleanup: %w", err)
	}
	return int(n), nil
}
