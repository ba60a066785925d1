package sqlqueue

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zohokit/zohokit/queue"
)

// sqliteFence is the WHERE clause of a fenced write (see the note above
// unclaimed in sqlqueue.go): its three parameters are the job's ID, claim
// token and attempt.
const sqliteFence = `id = ? AND claim_token = ? AND attempt = ? AND state = 'running'`

// write runs one fenced statement on a claimed job and maps "no row" to
// queue.ErrLeaseLost.
func (q *SQLite) write(ctx context.Context, op string, j queue.Job, query string, args ...any) error {
	if unclaimed(j) {
		return leaseLost(op, j)
	}
	if err := q.lock(ctx); err != nil {
		return fmt.Errorf("sqlqueue: %s job %d: %w", op, j.ID, err)
	}
	r, err := q.db.ExecContext(ctx, query, args...)
	q.unlock()
	if err != nil {
		return fmt.Errorf("sqlqueue: %s job %d: %w", op, j.ID, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlqueue: %s job %d: %w", op, j.ID, err)
	}
	if n == 0 {
		return leaseLost(op, j)
	}
	return nil
}

// Extend implements queue.Queue.
func (q *SQLite) Extend(ctx context.Context, j queue.Job, lease time.Duration) error {
	if lease <= 0 {
		return fmt.Errorf("sqlqueue: extend job %d: lease must be positive, got %v", j.ID, lease)
	}
	now := q.cfg.now()
	return q.write(ctx, "extend", j, `UPDATE zohokit_jobs SET lease_until = ?, updated_at = ?
WHERE `+sqliteFence, now.Add(lease).UnixMicro(), now.UnixMicro(), j.ID, j.ClaimToken, j.Attempt)
}

// Complete implements queue.Queue. Completions that arrive while another is
// being written are written together in one transaction (one sync to disk),
// so a busy worker pool completes jobs in batches without waiting longer for
// it.
// When ctx ends first, Complete returns ctx's error, yet the completion may
// still be written.
func (q *SQLite) Complete(ctx context.Context, j queue.Job) error {
	return q.completer.complete(ctx, j)
}

// completeMany marks the given claims completed in one transaction and
// returns the IDs it completed; the others lost their lease.
func (q *SQLite) completeMany(ctx context.Context, jobs []queue.Job) (map[int64]bool, error) {
	if err := q.lock(ctx); err != nil {
		return nil, err
	}
	defer q.unlock()
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	stmt, err := tx.PrepareContext(ctx, `UPDATE zohokit_jobs SET state = 'completed', lease_until = NULL, updated_at = ?
WHERE `+sqliteFence)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	now := q.cfg.now().UnixMicro()
	done := make(map[int64]bool, len(jobs))
	for _, j := range jobs {
		r, err := stmt.ExecContext(ctx, now, j.ID, j.ClaimToken, j.Attempt)
		if err != nil {
			return nil, err
		}
		if n, err := r.RowsAffected(); err != nil {
			return nil, err
		} else if n > 0 {
			done[j.ID] = true
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return done, nil
}

// Release implements queue.Releaser. It gives the attempt back but not the
// claim token, so the released claim can never match the next one.
func (q *SQLite) Release(ctx context.Context, j queue.Job) error {
	err := q.write(ctx, "release", j, `UPDATE zohokit_jobs SET state = 'available', attempt = attempt - 1, lease_until = NULL, updated_at = ?
WHERE `+sqliteFence, q.cfg.now().UnixMicro(), j.ID, j.ClaimToken, j.Attempt)
	if err == nil {
		q.hub.signal()
	}
	return err
}

// Fail implements queue.Queue. It signals nobody: the Worker that failed the
// job wakes itself for the retry, and retries are rarely due at once.
func (q *SQLite) Fail(ctx context.Context, j queue.Job, cause error, retryAt time.Time) error {
	giveUp := retryAt.IsZero()
	return q.write(ctx, "fail", j, `UPDATE zohokit_jobs SET
	state = CASE WHEN ?1 OR attempt >= max_attempts THEN 'dead' ELSE 'available' END,
	run_at = CASE WHEN ?1 OR attempt >= max_attempts THEN run_at ELSE ?2 END,
	last_error = ?3, lease_until = NULL, updated_at = ?4
WHERE id = ?5 AND claim_token = ?6 AND attempt = ?7 AND state = 'running'`,
		giveUp, retryAt.UnixMicro(), errorText(cause), q.cfg.now().UnixMicro(), j.ID, j.ClaimToken, j.Attempt)
}

// Dead implements queue.Queue.
func (q *SQLite) Dead(ctx context.Context, f queue.DeadFilter) ([]queue.Job, error) {
	limit, err := deadLimit(f)
	if err != nil {
		return nil, err
	}
	query := `SELECT ` + sqliteJobColumns + ` FROM zohokit_jobs WHERE state = 'dead' AND id > ?`
	args := []any{f.AfterID}
	if f.Kind != "" {
		query += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	query += ` ORDER BY id LIMIT ?`
	args = append(args, limit)
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: dead: %w", err)
	}
	jobs, err := scanSQLiteJobs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: dead: %w", err)
	}
	return jobs, nil
}

// Requeue implements queue.Queue.
func (q *SQLite) Requeue(ctx context.Context, ids ...int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	now := q.cfg.now().UnixMicro()
	// attempt starts again; claim_token does not, so no earlier claim of a
	// requeued job can match its next one.
	n, err := q.byIDs(ctx, "requeue", `UPDATE zohokit_jobs SET state = 'available', attempt = 0, run_at = ?, lease_until = NULL, updated_at = ?
WHERE state = 'dead' AND id IN `, []any{now, now}, ids)
	if n > 0 {
		q.hub.signal()
	}
	return n, err
}

// PurgeDead implements queue.Queue.
func (q *SQLite) PurgeDead(ctx context.Context, ids ...int64) (int, error) {
	if len(ids) == 0 {
		return q.byIDs(ctx, "purge dead", `DELETE FROM zohokit_jobs WHERE state = 'dead'`, nil, nil)
	}
	return q.byIDs(ctx, "purge dead", `DELETE FROM zohokit_jobs WHERE state = 'dead' AND id IN `, nil, ids)
}

// byIDs runs a write whose query ends in "id IN " followed by the list of
// ids (none when ids is nil), in chunks below SQLite's parameter limit, in one
// transaction, and returns the rows it changed.
func (q *SQLite) byIDs(ctx context.Context, op, query string, args []any, ids []int64) (int, error) {
	if err := q.lock(ctx); err != nil {
		return 0, fmt.Errorf("sqlqueue: %s: %w", op, err)
	}
	defer q.unlock()
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlqueue: %s: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	total := 0
	run := func(query string, args []any) error {
		r, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlqueue: %s: %w", op, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlqueue: %s: %w", op, err)
		}
		total += int(n)
		return nil
	}
	if ids == nil {
		if err := run(query, args); err != nil {
			return 0, err
		}
	}
	for chunk := range slices.Chunk(ids, 10000) {
		a := slices.Clone(args)
		for _, id := range chunk {
			a = append(a, id)
		}
		if err := run(query+"("+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+")", a); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlqueue: %s: commit: %w", op, err)
	}
	return total, nil
}

// Stats implements queue.Queue.
func (q *SQLite) Stats(ctx context.Context) (queue.Stats, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT kind,
	count(*) FILTER (WHERE state = 'available' AND run_at <= ?1),
	count(*) FILTER (WHERE state = 'available' AND run_at > ?1),
	count(*) FILTER (WHERE state = 'running'),
	count(*) FILTER (WHERE state = 'dead'),
	min(run_at) FILTER (WHERE state = 'available' AND run_at <= ?1)
FROM (
	-- One arm per state, each read through that state's partial index, so
	-- that the completed jobs kept for retention are never scanned.
	SELECT kind, state, run_at FROM zohokit_jobs WHERE state = 'available'
	UNION ALL
	SELECT kind, state, run_at FROM zohokit_jobs WHERE state = 'running'
	UNION ALL
	SELECT kind, state, run_at FROM zohokit_jobs WHERE state = 'dead'
) j GROUP BY kind`, q.cfg.now().UnixMicro())
	if err != nil {
		return queue.Stats{}, fmt.Errorf("sqlqueue: stats: %w", err)
	}
	defer rows.Close()
	s := queue.Stats{Kinds: map[string]queue.KindStats{}}
	for rows.Next() {
		var kind string
		var k queue.KindStats
		var oldest sql.NullInt64
		if err := rows.Scan(&kind, &k.Ready, &k.Scheduled, &k.Running, &k.Dead, &oldest); err != nil {
			return queue.Stats{}, fmt.Errorf("sqlqueue: stats: %w", err)
		}
		if oldest.Valid {
			k.OldestReady = fromMicro(oldest.Int64)
		}
		s.Kinds[kind] = k
	}
	if err := rows.Err(); err != nil {
		return queue.Stats{}, fmt.Errorf("sqlqueue: stats: %w", err)
	}
	return s, nil
}

func fromMicro(us int64) time.Time { return time.UnixMicro(us).UTC() }

func scanSQLiteJobs(rows *sql.Rows) ([]queue.Job, error) {
	defer rows.Close()
	jobs := []queue.Job{}
	for rows.Next() {
		var (
			j                       queue.Job
			key                     sql.NullString
			state                   string
			runAt, created, updated int64
			leaseUntil              sql.NullInt64
		)
		if err := rows.Scan(&j.ID, &j.Kind, &j.Payload, &key, &state, &runAt, &j.Attempt, &j.MaxAttempts,
			&j.LastError, &leaseUntil, &created, &updated, &j.ClaimToken); err != nil {
			return nil, err
		}
		j.Key = key.String
		j.State = queue.State(state)
		j.RunAt = fromMicro(runAt)
		if leaseUntil.Valid {
			j.LeaseUntil = fromMicro(leaseUntil.Int64)
		}
		j.CreatedAt = fromMicro(created)
		j.UpdatedAt = fromMicro(updated)
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return jobs, nil
}
