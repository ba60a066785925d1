package sqlqueue

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zohokit/zohokit/queue"
)

// fenced maps a fenced statement's answer to queue.ErrLeaseLost when it
// changed no row.
func fenced(op string, j queue.Job, tag pgconn.CommandTag, err error) error {
	if err != nil {
		return fmt.Errorf("sqlqueue: %s job %d: %w", op, j.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return leaseLost(op, j)
	}
	return nil
}

// Extend implements queue.Queue.
func (q *Postgres) Extend(ctx context.Context, j queue.Job, lease time.Duration) error {
	if lease <= 0 {
		return fmt.Errorf("sqlqueue: extend job %d: lease must be positive, got %v", j.ID, lease)
	}
	if unclaimed(j) {
		return leaseLost("extend", j)
	}
	now := q.cfg.now()
	tag, err := q.pool.Exec(ctx, `UPDATE zohokit_jobs SET lease_until = $1, updated_at = $2
WHERE id = $3 AND claim_token = $4 AND attempt = $5 AND state = 'running'`, now.Add(lease), now, j.ID, j.ClaimToken, j.Attempt)
	return fenced("extend", j, tag, err)
}

// Complete implements queue.Queue. Completions that arrive while another is
// being written are written together in one statement, so a busy worker pool
// completes jobs in batches without waiting longer for it.
// When ctx ends first, Complete returns ctx's error, yet the completion may
// still be written.
func (q *Postgres) Complete(ctx context.Context, j queue.Job) error {
	return q.completer.complete(ctx, j)
}

// Release implements queue.Releaser. It gives the attempt back but not the
// claim token, so the released claim can never match the next one.
func (q *Postgres) Release(ctx context.Context, j queue.Job) error {
	if unclaimed(j) {
		return leaseLost("release", j)
	}
	b := &pgx.Batch{}
	b.Queue(`UPDATE zohokit_jobs SET state = 'available', attempt = attempt - 1, lease_until = NULL, updated_at = $1
WHERE id = $2 AND claim_token = $3 AND attempt = $4 AND state = 'running'`, q.cfg.now(), j.ID, j.ClaimToken, j.Attempt)
	b.Queue(`SELECT pg_notify($1, '')`, NotifyChannel)
	return q.fencedBatch(ctx, "release", j, b)
}

// fencedBatch sends a fenced statement followed by a notification in one
// round trip and one implicit transaction.
func (q *Postgres) fencedBatch(ctx context.Context, op string, j queue.Job, b *pgx.Batch) error {
	br := q.pool.SendBatch(ctx, b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return fenced(op, j, tag, err)
}

// Fail implements queue.Queue. It notifies nobody: the Worker that failed
// the job wakes itself for the retry, and retries are rarely due at once.
func (q *Postgres) Fail(ctx context.Context, j queue.Job, cause error, retryAt time.Time) error {
	if unclaimed(j) {
		return leaseLost("fail", j)
	}
	now := q.cfg.now()
	giveUp := retryAt.IsZero()
	if giveUp {
		retryAt = now // unused, but a valid timestamptz
	}
	tag, err := q.pool.Exec(ctx, `UPDATE zohokit_jobs SET
	state = CASE WHEN $1 OR attempt >= max_attempts THEN 'dead' ELSE 'available' END,
	run_at = CASE WHEN $1 OR attempt >= max_attempts THEN run_at ELSE $2 END,
	last_error = $3, lease_until = NULL, updated_at = $4
WHERE id = $5 AND claim_token = $6 AND attempt = $7 AND state = 'running'`, giveUp, retryAt, errorText(cause), now, j.ID, j.ClaimToken, j.Attempt)
	return fenced("fail", j, tag, err)
}

// Dead implements queue.Queue.
func (q *Postgres) Dead(ctx context.Context, f queue.DeadFilter) ([]queue.Job, error) {
	limit, err := deadLimit(f)
	if err != nil {
		return nil, err
	}
	query := `SELECT ` + pgJobColumns + ` FROM zohokit_jobs WHERE state = 'dead' AND id > $1`
	args := []any{f.AfterID, limit}
	if f.Kind != "" {
		query += ` AND kind = $3`
		args = append(args, f.Kind)
	}
	rows, err := q.pool.Query(ctx, query+` ORDER BY id LIMIT $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: dead: %w", err)
	}
	jobs, err := scanPgJobs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlqueue: dead: %w", err)
	}
	return jobs, nil
}

// Requeue implements queue.Queue.
func (q *Postgres) Requeue(ctx context.Context, ids ...int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	b := &pgx.Batch{}
	// attempt starts again; claim_token does not, so no earlier claim of a
	// requeued job can match its next one.
	b.Queue(`UPDATE zohokit_jobs SET state = 'available', attempt = 0, run_at = $1, lease_until = NULL, updated_at = $1
WHERE state = 'dead' AND id = ANY($2)`, q.cfg.now(), ids)
	b.Queue(`SELECT pg_notify($1, '')`, NotifyChannel)
	br := q.pool.SendBatch(ctx, b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("sqlqueue: requeue: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// PurgeDead implements queue.Queue.
func (q *Postgres) PurgeDead(ctx context.Context, ids ...int64) (int, error) {
	var tag pgconn.CommandTag
	var err error
	if len(ids) == 0 {
		tag, err = q.pool.Exec(ctx, `DELETE FROM zohokit_jobs WHERE state = 'dead'`)
	} else {
		tag, err = q.pool.Exec(ctx, `DELETE FROM zohokit_jobs WHERE state = 'dead' AND id = ANY($1)`, ids)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlqueue: purge dead: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Stats implements queue.Queue.
func (q *Postgres) Stats(ctx context.Context) (queue.Stats, error) {
	rows, err := q.pool.Query(ctx, `SELECT kind,
	count(*) FILTER (WHERE state = 'available' AND run_at <= $1),
	count(*) FILTER (WHERE state = 'available' AND run_at > $1),
	count(*) FILTER (WHERE state = 'running'),
	count(*) FILTER (WHERE state = 'dead'),
	min(run_at) FILTER (WHERE state = 'available' AND run_at <= $1)
FROM (
	-- One arm per state, each read through that state's partial index, so
	-- that the completed jobs kept for retention are never scanned.
	SELECT kind, state, run_at FROM zohokit_jobs WHERE state = 'available'
	UNION ALL
	SELECT kind, state, run_at FROM zohokit_jobs WHERE state = 'running'
	UNION ALL
	SELECT kind, state, run_at FROM zohokit_jobs WHERE state = 'dead'
) j GROUP BY kind`, q.cfg.now())
	if err != nil {
		return queue.Stats{}, fmt.Errorf("sqlqueue: stats: %w", err)
	}
	defer rows.Close()
	s := queue.Stats{Kinds: map[string]queue.KindStats{}}
	for rows.Next() {
		var kind string
		var k queue.KindStats
		var ready, scheduled, running, dead int64
		var oldest *time.Time
		if err := rows.Scan(&kind, &ready, &scheduled, &running, &dead, &oldest); err != nil {
			return queue.Stats{}, fmt.Errorf("sqlqueue: stats: %w", err)
		}
		k.Ready, k.Scheduled, k.Running, k.Dead = int(ready), int(scheduled), int(running), int(dead)
		if oldest != nil {
			k.OldestReady = oldest.UTC()
		}
		s.Kinds[kind] = k
	}
	if err := rows.Err(); err != nil {
		return queue.Stats{}, fmt.Errorf("sqlqueue: stats: %w", err)
	}
	return s, nil
}

func scanPgJobs(rows pgx.Rows) ([]queue.Job, error) {
	defer rows.Close()
	jobs := []queue.Job{}
	for rows.Next() {
		var (
			j          queue.Job
			key        *string
			state      string
			attempt    int32
			maxAtt     int32
			leaseUntil *time.Time
		)
		if err := rows.Scan(&j.ID, &j.Kind, &j.Payload, &key, &state, &j.RunAt, &attempt, &maxAtt,
			&j.LastError, &leaseUntil, &j.CreatedAt, &j.UpdatedAt, &j.ClaimToken); err != nil {
			return nil, err
		}
		if key != nil {
			j.Key = *key
		}
		j.State = queue.State(state)
		j.Attempt, j.MaxAttempts = int(attempt), int(maxAtt)
		j.RunAt, j.CreatedAt, j.UpdatedAt = j.RunAt.UTC(), j.CreatedAt.UTC(), j.UpdatedAt.UTC()
		if leaseUntil != nil {
			j.LeaseUntil = leaseUntil.UTC()
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return jobs, nil
}

// completeMany marks the given claims completed in one statement and
// returns the IDs it completed; the others lost their lease.
func (q *Postgres) completeMany(ctx context.Context, jobs []queue.Job) (map[int64]bool, error) {
	ids := make([]int64, len(jobs))
	tokens := make([]int64, len(jobs))
	attempts := make([]int32, len(jobs))
	for i, j := range jobs {
		ids[i], tokens[i], attempts[i] = j.ID, j.ClaimToken, int32(j.Attempt)
	}
	rows, err := q.pool.Query(ctx, `UPDATE zohokit_jobs j SET state = 'completed', lease_until = NULL, updated_at = $1
FROM unnest($2::bigint[], $3::bigint[], $4::integer[]) AS c(id, claim_token, attempt)
WHERE j.id = c.id AND j.claim_token = c.claim_token AND j.attempt = c.attempt AND j.state = 'running'
RETURNING j.id`, q.cfg.now(), ids, tokens, attempts)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := make(map[int64]bool, len(ids))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		done[id] = true
	}
	return done, rows.Err()
}
