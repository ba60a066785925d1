package sqlqueue_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/migrate"
	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
)

// releasingQueue is what both SQL queues are.
type releasingQueue interface {
	queue.Queue
	queue.Releaser
}

// upgradeEngine gives an empty database of one engine and a way to open the
// queue on it (which migrates it to the current schema).
type upgradeEngine struct {
	name    string
	dialect migrate.Dialect
	open    func(t *testing.T) (*sql.DB, func(opts *sqlqueue.Options) releasingQueue)
	// stored is a time as the engine stores it: SQLite keeps Unix
	// microseconds.
	stored func(time.Time) any
}

func upgradeEngines() []upgradeEngine {
	return []upgradeEngine{
		{"sqlite", migrate.SQLite, func(t *testing.T) (*sql.DB, func(*sqlqueue.Options) releasingQueue) {
			db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "q.db"), nil)
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db, func(opts *sqlqueue.Options) releasingQueue {
				q, err := sqlqueue.NewSQLite(t.Context(), db, opts)
				require.NoError(t, err)
				return q
			}
		}, func(t time.Time) any { return t.UnixMicro() }},
		{"postgres", migrate.Postgres, func(t *testing.T) (*sql.DB, func(*sqlqueue.Options) releasingQueue) {
			pool := newPool(t, pgtest.DSN(t))
			db := stdlib.OpenDBFromPool(pool)
			t.Cleanup(func() { db.Close() })
			return db, func(opts *sqlqueue.Options) releasingQueue {
				q, err := sqlqueue.NewPostgres(t.Context(), pool, opts)
				require.NoError(t, err)
				t.Cleanup(func() { q.Close() })
				return q
			}
		}, func(t time.Time) any { return t }},
	}
}

// The statements of the release before claim tokens, as its workers (still
// running during a rolling upgrade) send them: they neither set nor match
// claim_token.
const (
	oldClaim    = `UPDATE zohokit_jobs SET state = 'running', attempt = attempt + 1, lease_until = $1, updated_at = $2 WHERE id = $3`
	oldComplete = `UPDATE zohokit_jobs SET state = 'completed', lease_until = NULL, updated_at = $1 WHERE id = $2 AND attempt = $3 AND state = 'running'`
)

// TestClaimTokenUpgrade checks migration 002_claim_token on a database that
// holds jobs, one of them running (claimed by a worker of the previous
// release), and the fencing between workers of both releases while they
// share the table.
func TestClaimTokenUpgrade(t *testing.T) {
	t.Parallel()
	for _, e := range upgradeEngines() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			testClaimTokenUpgrade(t, e)
		})
	}
}

func testClaimTokenUpgrade(t *testing.T, e upgradeEngine) {
	ctx := t.Context()
	clock := newFakeClock()
	db, open := e.open(t)

	// The schema of the previous release, with an available job and one
	// that a worker of that release holds.
	ms, err := migrate.Load(os.DirFS("migrations"), string(e.dialect))
	require.NoError(t, err)
	require.Greater(t, len(ms), 1)
	_, err = migrate.Apply(ctx, db, e.dialect, "queue", ms[:1], nil)
	require.NoError(t, err)
	now := clock.Now()
	insert := func(state string, attempt int, leaseUntil any) int64 {
		var id int64
		require.NoError(t, db.QueryRowContext(ctx, `INSERT INTO zohokit_jobs
			(kind, state, run_at, attempt, max_attempts, lease_until, created_at, updated_at)
			VALUES ('k', $1, $2, $3, 20, $4, $2, $2) RETURNING id`,
			state, e.stored(now), attempt, leaseUntil).Scan(&id))
		return id
	}
	ready := insert("available", 0, nil)
	held := insert("running", 1, e.stored(now.Add(30*time.Second)))

	q := open(&sqlqueue.Options{Now: clock.Now})
	v, err := migrate.Version(ctx, db, e.dialect, "queue")
	require.NoError(t, err)
	require.Equal(t, 2, v)
	row := func(id int64) (state string, attempt int, token int64) {
		t.Helper()
		require.NoError(t, db.QueryRowContext(ctx, `SELECT state, attempt, claim_token FROM zohokit_jobs WHERE id = $1`, id).
			Scan(&state, &attempt, &token))
		return state, attempt, token
	}
	state, attempt, token := row(held)
	require.Equal(t, []any{"running", 1, int64(0)}, []any{state, attempt, token}, "existing rows get claim_token 0")

	// A Job carrying no claim token, as one claimed before the upgrade,
	// holds nothing, even with the row's attempt.
	require.ErrorIs(t, q.Complete(ctx, queue.Job{ID: held, Kind: "k", Attempt: 1}), queue.ErrLeaseLost)

	// Claims after the upgrade count from the stored 0.
	jobs, err := q.Claim(ctx, 10, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Len(t, jobs, 1, "the held job is still leased")
	require.Equal(t, ready, jobs[0].ID)
	require.Equal(t, int64(1), jobs[0].ClaimToken)
	require.NoError(t, q.Complete(ctx, jobs[0]))

	// The old worker's lease lapses and this release claims the job: the
	// old worker's late completion (fenced by attempt) no longer matches.
	clock.Advance(30 * time.Second)
	jobs, err = q.Claim(ctx, 1, queue.ClaimOptions{Lease: time.Second})
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	stale := jobs[0]
	require.Equal(t, held, stale.ID)
	require.Equal(t, 2, stale.Attempt)
	require.Equal(t, int64(1), stale.ClaimToken)
	r, err := db.ExecContext(ctx, oldComplete, e.stored(clock.Now()), held, 1)
	require.NoError(t, err)
	n, err := r.RowsAffected()
	require.NoError(t, err)
	require.Zero(t, n, "the previous release's stale completion matches no row")

	// Now the other way round: this release's claim lapses and a worker of
	// the previous release claims the job, which leaves claim_token as it
	// was. The attempt that claim incremented keeps the stale claim out.
	clock.Advance(time.Second)
	_, err = db.ExecContext(ctx, oldClaim, e.stored(clock.Now().Add(time.Minute)), e.stored(clock.Now()), held)
	require.NoError(t, err)
	state, attempt, token = row(held)
	require.Equal(t, []any{"running", 3, stale.ClaimToken}, []any{state, attempt, token})
	for name, call := range map[string]func() error{
		"Complete": func() error { return q.Complete(ctx, stale) },
		"Fail":     func() error { return q.Fail(ctx, stale, errors.New("stale"), clock.Now()) },
		"Extend":   func() error { return q.Extend(ctx, stale, time.Hour) },
		"Release":  func() error { return q.Release(ctx, stale) },
	} {
		require.ErrorIs(t, call(), queue.ErrLeaseLost, "%s by a stale claim of this release", name)
	}
	state, attempt, token = row(held)
	require.Equal(t, []any{"running", 3, stale.ClaimToken}, []any{state, attempt, token}, "the stale calls changed nothing")
	r, err = db.ExecContext(ctx, oldComplete, e.stored(clock.Now()), held, 3)
	require.NoError(t, err)
	n, err = r.RowsAffected()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "the previous release's worker completes its own claim")
}
