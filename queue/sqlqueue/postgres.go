package sqlqueue

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/zohokit/zohokit/internal/migrate"
	"github.com/zohokit/zohokit/queue"
)

// NotifyChannel is the PostgreSQL notification channel on which enqueues are
// announced to listening workers.
const NotifyChannel = "zohokit_queue"

// Postgres is a queue in a PostgreSQL database, shared by any number of
// processes on any number of machines. Create it with NewPostgres; it is safe
// for concurrent use.
type Postgres struct {
	pool        *pgxpool.Pool
	cfg         config
	hub         hub
	lastCleanup atomic.Int64 // Unix µs, by cfg.now, of the last opportunistic cleanup
	completer   *completer

	mu           sync.Mutex // guards the listener fields and closed
	closed       bool
	listenCancel context.CancelFunc
	listenDone   chan struct{}
}

var (
	_ queue.Queue      = (*Postgres)(nil)
	_ queue.TxEnqueuer = (*Postgres)(nil)
	_ queue.Notifier   = (*Postgres)(nil)
	_ queue.Releaser   = (*Postgres)(nil)
)

// NewPostgres returns a queue on the database of pool, after migrating its
// schema. The queue uses pool for everything it does itself; EnqueueTx takes
// a *sql.Tx of a *sql.DB opened with pgx's stdlib on the same database (for
// example stdlib.OpenDBFromPool(pool)). Close stops the queue's listener but
// leaves pool open.
func NewPostgres(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Postgres, error) {
	if pool == nil {
		return nil, errors.New("sqlqueue: NewPostgres: pool is nil")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	ms, err := migrate.Load(migrations, "migrations/postgres")
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	_, err = migrate.Apply(ctx, db, migrate.Postgres, migrationComponent, ms, &migrate.Options{Now: cfg.now})
	db.Close()
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: %w", err)
	}
	q := &Postgres{pool: pool, cfg: cfg}
	q.completer = newCompleter(q.completeMany)
	q.lastCleanup.Store(cfg.now().UnixMicro())
	return q, nil
}

// Close stops listening for notifications and waits for the listener to
// end. Subscriptions stay open but receive nothing more. Close does not close
// the pool.
func (q *Postgres) Close() error {
	q.mu.Lock()
	q.closed = true
	cancel, done := q.listenCancel, q.listenDone
	q.listenCancel = nil
	q.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}

// Enqueue implements queue.Queue: one round trip for any number of jobs,
// with pg_notify in the same implicit transaction when a job is due now.
func (q *Postgres) Enqueue(ctx context.Context, jobs ...queue.Job) ([]queue.EnqueueResult, error) {
	now := q.cfg.now()
	nj, err := prepare(jobs, now)
	if err != nil {
		return nil, err
	}
	if len(nj) == 0 {
		return []queue.EnqueueResult{}, nil
	}
	query, args := pgInsert(nj, now)
	b := &pgx.Batch{}
	b.Queue(query, args...)
	if anyDue(nj, now) {
		b.Queue(`SELECT pg_notify($1, '')`, NotifyChannel)
	}
	br := q.pool.SendBatch(ctx, b)
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	ins, existing, err := readInserted(rows)
	rows.Close()
	if err == nil {
		err = br.Close()
	} else {
		br.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	return q.results(nj, ins, existing, func(keys []string) (pgRows, func(), error) {
		rows, err := q.pool.Query(ctx, `SELECT id, key, false FROM zohokit_jobs WHERE key = ANY($1)`, keys)
		if err != nil {
			return nil, nil, err
		}
		return rows, rows.Close, nil
	})
}

// EnqueueTx implements queue.TxEnqueuer: the jobs are added inside tx, which
// must be a transaction of a pgx stdlib *sql.DB on the queue's database, and
// listening workers are notified when tx commits.
func (q *Postgres) EnqueueTx(ctx context.Context, tx *sql.Tx, jobs ...queue.Job) ([]queue.EnqueueResult, error) {
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
	query, args := pgInsert(nj, now)
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	ins, existing, err := readInserted(rows)
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	if anyDue(nj, now) {
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, '')`, NotifyChannel); err != nil {
			return nil, fmt.Errorf("sqlqueue: enqueue: notify: %w", err)
		}
	}
	return q.results(nj, ins, existing, func(keys []string) (pgRows, func(), error) {
		rows, err := tx.QueryContext(ctx, `SELECT id, key, false FROM zohokit_jobs WHERE key = ANY($1)`, keys)
		if err != nil {
			return nil, nil, err
		}
		return rows, func() { rows.Close() }, nil
	})
}

// results maps the insert's answer to one result per job. A key whose holder
// committed after the insert's snapshot is looked up again with lookup.
func (q *Postgres) results(nj []newJob, ins []inserted, existing map[string]int64,
	lookup func(keys []string) (pgRows, func(), error),
) ([]queue.EnqueueResult, error) {
	res, missing := resultsFor(nj, ins, existing)
	if len(missing) == 0 {
		return res, nil
	}
	if slices.Contains(missing, "") {
		return nil, errors.New("sqlqueue: enqueue: the database returned fewer rows than jobs")
	}
	rows, closeRows, err := lookup(missing)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	_, more, err := readInserted(rows)
	closeRows()
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: enqueue: %w", err)
	}
	for k, id := range more {
		existing[k] = id
	}
	res, missing = resultsFor(nj, ins, existing)
	if len(missing) > 0 {
		return nil, fmt.Errorf("sqlqueue: enqueue: key %q is held by a job this transaction cannot see", missing[0])
	}
	return res, nil
}

// pgInsert builds the insert of jobs: one statement whose rows are the new
// jobs (inserted true) and the jobs already holding keys of the batch
// (inserted false). The second half reads the snapshot taken before the
// insert, so it never returns the rows the first half adds.
func pgInsert(jobs []newJob, now time.Time) (string, []any) {
	kinds := make([]string, len(jobs))
	payloads := make([][]byte, len(jobs))
	keys := make([]string, len(jobs))
	runAts := make([]time.Time, len(jobs))
	maxAttempts := make([]int32, len(jobs))
	hasKeys := false
	for i, j := range jobs {
		kinds[i], payloads[i], keys[i], runAts[i], maxAttempts[i] = j.kind, j.payload, j.key, j.runAt, int32(j.maxAttempts)
		hasKeys = hasKeys || j.key != ""
	}
	query := `WITH input AS (
	SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::timestamptz[], $5::integer[])
		WITH ORDINALITY AS t(kind, payload, key, run_at, max_attempts, ord)
), ins AS (
	INSERT INTO zohokit_jobs (kind, payload, key, state, run_at, max_attempts, created_at, updated_at)
	SELECT kind, payload, nullif(key, ''), 'available', run_at, max_attempts, $6, $6 FROM input ORDER BY ord
	ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING
	RETURNING id, key
)
SELECT id, coalesce(key, ''), true FROM ins`
	if hasKeys {
		query += `
UNION ALL
SELECT id, key, false FROM zohokit_jobs WHERE key IN (SELECT key FROM input WHERE key <> '')`
	}
	return query, []any{kinds, payloads, keys, runAts, maxAttempts, now}
}

// pgRows is what pgx.Rows and *sql.Rows have in common.
type pgRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// readInserted reads rows of (id, key, inserted): the new rows in ID order
// (the order of insertion) and the IDs of the rows already holding keys.
func readInserted(rows pgRows) ([]inserted, map[string]int64, error) {
	var ins []inserted
	existing := map[string]int64{}
	for rows.Next() {
		var r inserted
		var isNew bool
		if err := rows.Scan(&r.id, &r.key, &isNew); err != nil {
			return nil, nil, err
		}
		if isNew {
			ins = append(ins, r)
		} else {
			existing[r.key] = r.id
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(ins, func(a, b inserted) int { return cmp.Compare(a.id, b.id) })
	return ins, existing, nil
}

const pgJobColumns = `id, kind, payload, key, state, run_at, attempt, max_attempts, last_error, lease_until, created_at, updated_at, claim_token`

// Claim implements queue.Queue with one statement: FOR UPDATE SKIP LOCKED
// picks due jobs that no concurrent claim holds, and the same statement marks
// them running.
func (q *Postgres) Claim(ctx context.Context, n int, opts queue.ClaimOptions) ([]queue.Job, error) {
	lease, err := claimArgs(n, opts)
	if err != nil {
		return nil, err
	}
	now := q.cfg.now()
	q.maybeCleanup(ctx, now)
	args := []any{now, now.Add(lease), n}
	kindFilter := ""
	switch len(opts.Kinds) {
	case 0:
	case 1:
		kindFilter = " AND kind = $4"
		args = append(args, opts.Kinds[0])
	default:
		kindFilter = " AND kind = ANY($4)"
		args = append(args, opts.Kinds)
	}
	// Each arm reads its own partial index in claim order and stops after n
	// rows it could lock; the expired arm is tiny (only running jobs).
	query := `WITH ready AS (
	SELECT id, run_at FROM zohokit_jobs
	WHERE state = 'available' AND run_at <= $1` + kindFilter + `
	ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
), expired AS (
	SELECT id, run_at FROM zohokit_jobs
	WHERE state = 'running' AND lease_until <= $1` + kindFilter + `
	ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
), picked AS (
	SELECT id FROM (SELECT * FROM ready UNION ALL SELECT * FROM expired) due ORDER BY run_at, id LIMIT $3
)
UPDATE zohokit_jobs j SET state = 'running', attempt = j.attempt + 1, claim_token = j.claim_token + 1, lease_until = $2, updated_at = $1
FROM picked WHERE j.id = picked.id
RETURNING j.id, j.kind, j.payload, j.key, j.state, j.run_at, j.attempt, j.max_attempts, j.last_error, j.lease_until, j.created_at, j.updated_at, j.claim_token`
	rows, err := q.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: claim: %w", err)
	}
	jobs, err := scanPgJobs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: claim: %w", err)
	}
	sortClaimOrder(jobs)
	return jobs, nil
}

func (q *Postgres) maybeCleanup(ctx context.Context, now time.Time) {
	if !q.cfg.cleanupDue(&q.lastCleanup, now) {
		return
	}
	if _, err := q.cleanupBatch(ctx, now, cleanupBatch); err != nil {
		q.cfg.log.WarnContext(ctx, "sqlqueue: cleanup of completed jobs failed", "err", err)
	}
}

// Cleanup deletes the completed jobs older than the retention period and
// returns how many it deleted.
func (q *Postgres) Cleanup(ctx context.Context) (int, error) {
	now := q.cfg.now()
	total := 0
	for {
		n, err := q.cleanupBatch(ctx, now, 10*cleanupBatch)
		total += n
		if err != nil || n < 10*cleanupBatch {
			return total, err
		}
	}
}

func (q *Postgres) cleanupBatch(ctx context.Context, now time.Time, limit int) (int, error) {
	tag, err := q.pool.Exec(ctx, `DELETE FROM zohokit_jobs WHERE id IN (
	SELECT id FROM zohokit_jobs WHERE state = 'completed' AND updated_at < $1
	LIMIT $2 FOR UPDATE SKIP LOCKED)`, now.Add(-q.cfg.retention), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlqueue: cleanup: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
