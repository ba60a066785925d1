package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/store"
)

const runColumns = `id, pipeline, started, finished, status, dry_run,
	n_read, n_created, n_updated, n_deleted, n_unchanged, n_conflicted, n_failed, error`

// pruneRuns deletes all but the $1 newest runs of each pipeline, keeping
// each pipeline's latest success (the one LastSuccess reports). %s is an
// optional pipeline condition on $2.
const pruneRuns = `DELETE FROM zohokit_runs WHERE id IN (
	SELECT id FROM (
		SELECT id, row_number() OVER (PARTITION BY pipeline ORDER BY started DESC, id DESC) AS rn
		FROM zohokit_runs WHERE true %[1]s
	) AS ranked WHERE rn > $1
) AND id NOT IN (
	SELECT id FROM (
		SELECT id, row_number() OVER (PARTITION BY pipeline ORDER BY finished DESC, id DESC) AS rn
		FROM zohokit_runs WHERE status IN ('succeeded', 'partial') AND NOT dry_run %[1]s
	) AS best WHERE rn = 1
)`

// runQueries are the fixed statements of the run history.
type runQueries struct {
	start, interrupt, finish, finishOfPipeline string
	list, listOfPipeline                       string
	lastSuccess                                string
	prune, pruneOfPipeline                     string
}

func newRunQueries(d *dialect) runQueries {
	finish := `UPDATE zohokit_runs SET finished = $1, status = $2, n_read = $3, n_created = $4, n_updated = $5,
	n_deleted = $6, n_unchanged = $7, n_conflicted = $8, n_failed = $9, error = $10 WHERE id = $11`
	q := runQueries{
		start: `INSERT INTO zohokit_runs (pipeline, started, status, dry_run) VALUES ($1, $2, 'running', $3) RETURNING id`,
		interrupt: `UPDATE zohokit_runs SET status = 'failed', finished = $1, error = $2
	WHERE pipeline = $3 AND status = 'running' AND NOT dry_run`,
		finish:           finish,
		finishOfPipeline: finish + ` AND pipeline = $12`,
		list:             `SELECT ` + runColumns + ` FROM zohokit_runs ORDER BY started DESC, id DESC LIMIT $1`,
		listOfPipeline:   `SELECT ` + runColumns + ` FROM zohokit_runs WHERE pipeline = $2 ORDER BY started DESC, id DESC LIMIT $1`,
		lastSuccess: `SELECT max(finished) FROM zohokit_runs
	WHERE pipeline = $1 AND status IN ('succeeded', 'partial') AND NOT dry_run`,
		prune:           fmt.Sprintf(pruneRuns, ""),
		pruneOfPipeline: fmt.Sprintf(pruneRuns, "AND pipeline = $2"),
	}
	for _, p := range []*string{&q.start, &q.interrupt, &q.finish, &q.finishOfPipeline, &q.list, &q.listOfPipeline,
		&q.lastSuccess, &q.prune, &q.pruneOfPipeline} {
		*p = d.rebind(*p)
	}
	return q
}

var (
	sqliteRunQueries   = newRunQueries(sqliteDialect)
	postgresRunQueries = newRunQueries(postgresDialect)
)

func (s *Store) rq() *runQueries {
	if s.d.postgres {
		return &postgresRunQueries
	}
	return &sqliteRunQueries
}

// StartRun implements store.Store. In the same transaction it closes the
// pipeline's interrupted runs and deletes its runs beyond Options.KeepRuns.
func (s *Store) StartRun(ctx context.Context, pipeline string, started time.Time, dryRun bool) (int64, error) {
	if err := store.CheckPipeline("start run", pipeline); err != nil {
		return 0, err
	}
	if started.IsZero() {
		started = s.now()
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: start run of %s: %w", pipeline, err)
	}
	defer unlock()
	var id int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if !dryRun {
			if _, err := s.exec(ctx, tx, s.rq().interrupt, s.d.timeArg(started), store.ErrInterruptedRun.Error(), pipeline); err != nil {
				return fmt.Errorf("close interrupted runs: %w", err)
			}
		}
		if err := s.scanOne(ctx, tx, s.rq().start, []any{pipeline, s.d.timeArg(started), dryRun}, &id); err != nil {
			return err
		}
		if s.keepRuns > 0 {
			if _, err := s.exec(ctx, tx, s.rq().pruneOfPipeline, s.keepRuns, pipeline); err != nil {
				return fmt.Errorf("prune: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: start run of %s: %w", pipeline, err)
	}
	return id, nil
}

// FinishRun implements store.Store.
func (s *Store) FinishRun(ctx context.Context, r store.Run) error {
	if err := store.ValidateFinish(r); err != nil {
		return err
	}
	if r.Finished.IsZero() {
		r.Finished = s.now()
	}
	c := r.Counts
	args := []any{s.d.timeArg(r.Finished), string(r.Status), c.Read, c.Created, c.Updated, c.Deleted,
		c.Unchanged, c.Conflicted, c.Failed, r.Error, r.ID}
	q := s.rq().finish
	if r.Pipeline != "" {
		q = s.rq().finishOfPipeline
		args = append(args, r.Pipeline)
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: finish run %d: %w", r.ID, err)
	}
	defer unlock()
	res, err := s.exec(ctx, nil, q, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: finish run %d: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: finish run %d: %w", r.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: finish run %d of pipeline %q", store.ErrNotFound, r.ID, r.Pipeline)
	}
	return nil
}

// Runs implements store.Store.
func (s *Store) Runs(ctx context.Context, f store.RunFilter) ([]store.Run, error) {
	limit, err := store.RunLimit(f)
	if err != nil {
		return nil, err
	}
	q, args := s.rq().list, []any{limit}
	if f.Pipeline != "" {
		q, args = s.rq().listOfPipeline, append(args, f.Pipeline)
	}
	rows, err := s.query(ctx, nil, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: runs: %w", err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		var r store.Run
		var status string
		c := &r.Counts
		if err := rows.Scan(&r.ID, &r.Pipeline, dbTime{&r.Started}, dbTime{&r.Finished}, &status, &r.DryRun,
			&c.Read, &c.Created, &c.Updated, &c.Deleted, &c.Unchanged, &c.Conflicted, &c.Failed, &r.Error); err != nil {
			return nil, fmt.Errorf("sqlstore: runs: %w", err)
		}
		r.Status = store.RunStatus(status)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: runs: %w", err)
	}
	return out, nil
}

// LastSuccess implements store.Store.
func (s *Store) LastSuccess(ctx context.Context, pipeline string) (time.Time, error) {
	if err := store.CheckPipeline("last success", pipeline); err != nil {
		return time.Time{}, err
	}
	var t time.Time
	if err := s.scanOne(ctx, nil, s.rq().lastSuccess, []any{pipeline}, dbTime{&t}); err != nil {
		return time.Time{}, fmt.Errorf("sqlstore: last success of %s: %w", pipeline, err)
	}
	return t, nil
}

// PruneRuns implements store.RunPruner.
func (s *Store) PruneRuns(ctx context.Context, keepPerPipeline int) (int, error) {
	if err := store.ValidatePrune(keepPerPipeline); err != nil {
		return 0, err
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: prune runs: %w", err)
	}
	defer unlock()
	res, err := s.exec(ctx, nil, s.rq().prune, keepPerPipeline)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: prune runs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: prune runs: %w", err)
	}
	return int(n), nil
}
