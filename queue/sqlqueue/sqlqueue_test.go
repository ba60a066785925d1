package sqlqueue_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
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

// txQueue is a SQL queue with the *sql.DB its EnqueueTx transactions run on.
type txQueue interface {
	queue.Queue
	queue.TxEnqueuer
	Cleanup(ctx context.Context) (int, error)
}

// engineCase makes a queue of one engine with its *sql.DB. Queries use $n
// placeholders, which both engines accept.
type engineCase struct {
	name string
	open func(t *testing.T, opts *sqlqueue.Options) (txQueue, *sql.DB)
}

func engineCases() []engineCase {
	return []engineCase{
		{"sqlite", func(t *testing.T, opts *sqlqueue.Options) (txQueue, *sql.DB) {
			q := newSQLite(t, opts)
			return q, q.DB()
		}},
		{"postgres", func(t *testing.T, opts *sqlqueue.Options) (txQueue, *sql.DB) {
			dsn := pgtest.DSN(t)
			q := newPostgres(t, dsn, opts)
			db := stdlib.OpenDBFromPool(newPool(t, dsn))
			t.Cleanup(func() { db.Close() })
			return q, db
		}},
	}
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestEnqueueTx checks that jobs enqueued in the caller's transaction commit
// or roll back with the caller's own rows, as a sync checkpoint and its
// follow-up jobs must.
func TestEnqueueTx(t *testing.T) {
	t.Parallel()
	for _, ec := range engineCases() {
		t.Run(ec.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			q, db := ec.open(t, nil)
			_, err := db.ExecContext(ctx, `CREATE TABLE checkpoints (name TEXT PRIMARY KEY, cursor TEXT NOT NULL)`)
			require.NoError(t, err)

			step := func(cursor string, commit bool) []queue.EnqueueResult {
				tx, err := db.BeginTx(ctx, nil)
				require.NoError(t, err)
				defer tx.Rollback() //nolint:errcheck // a no-op after Commit
				_, err = tx.ExecContext(ctx, `INSERT INTO checkpoints (name, cursor) VALUES ('contacts', $1)
					ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor`, cursor)
				require.NoError(t, err)
				res, err := q.EnqueueTx(ctx, tx,
					queue.Job{Kind: "push", Key: "push-" + cursor},
					queue.Job{Kind: "push", Key: "push-" + cursor}, // a duplicate within the call
					queue.Job{Kind: "audit"},
				)
				require.NoError(t, err)
				if commit {
					require.NoError(t, tx.Commit())
				}
				return res
			}

			res := step("c1", false) // rolled back
			require.Len(t, res, 3)
			st, err := q.Stats(ctx)
			require.NoError(t, err)
			require.Empty(t, st.Kinds, "a rolled-back transaction leaves no job")

			res = step("c2", true)
			require.False(t, res[0].Duplicate)
			require.Equal(t, queue.EnqueueResult{ID: res[0].ID, Duplicate: true}, res[1])
			require.False(t, res[2].Duplicate)

			var cursor string
			require.NoError(t, db.QueryRowContext(ctx, `SELECT cursor FROM checkpoints`).Scan(&cursor))
			require.Equal(t, "c2", cursor)
			jobs, err := q.Claim(ctx, 10, queue.ClaimOptions{})
			require.NoError(t, err)
			require.Len(t, jobs, 2)
			require.Equal(t, res[0].ID, jobs[0].ID)
			require.Equal(t, "push-c2", jobs[0].Key)
			require.Equal(t, res[2].ID, jobs[1].ID)

			// A key held by a committed job dedups inside a transaction too.
			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			again, err := q.EnqueueTx(ctx, tx, queue.Job{Kind: "push", Key: "push-c2"})
			require.NoError(t, err)
			require.NoError(t, tx.Commit())
			require.Equal(t, []queue.EnqueueResult{{ID: res[0].ID, Duplicate: true}}, again)

			// Invalid jobs are refused before anything is written.
			tx, err = db.BeginTx(ctx, nil)
			require.NoError(t, err)
			_, err = q.EnqueueTx(ctx, tx, queue.Job{Kind: "ok"}, queue.Job{})
			require.ErrorIs(t, err, queue.ErrInvalidJob)
			require.ErrorContains(t, err, "jobs[1]: Kind is empty")
			require.NoError(t, tx.Rollback())
			_, err = q.EnqueueTx(ctx, nil, queue.Job{Kind: "ok"})
			require.ErrorContains(t, err, "tx is nil")
		})
	}
}

// TestRetention checks that a completed job holds its key for the retention
// period and is deleted after it, by Cleanup or by a later Claim.
func TestRetention(t *testing.T) {
	t.Parallel()
	for _, ec := range engineCases() {
		t.Run(ec.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			clock := newFakeClock()
			q, _ := ec.open(t, &sqlqueue.Options{Now: clock.Now, Retention: time.Hour, CleanupInterval: 10 * time.Minute})

			// Each key has a kind of its own, so that claims pick the job
			// meant.
			complete := func(key string) int64 {
				res, err := q.Enqueue(ctx, queue.Job{Kind: key, Key: key})
				require.NoError(t, err)
				jobs, err := q.Claim(ctx, 1, queue.ClaimOptions{Kinds: []string{key}})
				require.NoError(t, err)
				require.Len(t, jobs, 1)
				require.NoError(t, q.Complete(ctx, jobs[0]))
				return res[0].ID
			}
			enqueue := func(key string) queue.EnqueueResult {
				res, err := q.Enqueue(ctx, queue.Job{Kind: key, Key: key})
				require.NoError(t, err)
				return res[0]
			}

			a := complete("a")
			clock.Advance(59 * time.Minute)
			n, err := q.Cleanup(ctx)
			require.NoError(t, err)
			require.Zero(t, n, "within the retention period nothing is deleted")
			require.Equal(t, queue.EnqueueResult{ID: a, Duplicate: true}, enqueue("a"))

			clock.Advance(2 * time.Minute)
			n, err = q.Cleanup(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			fresh := enqueue("a")
			require.False(t, fresh.Duplicate, "the key is free once the completed job is deleted")
			require.Greater(t, fresh.ID, a, "IDs are never reused")

			// Opportunistic cleanup: a claim after the interval deletes
			// expired completed jobs.
			b := complete("b")
			clock.Advance(2 * time.Hour)
			_, err = q.Claim(ctx, 1, queue.ClaimOptions{Kinds: []string{"none"}})
			require.NoError(t, err)
			res := enqueue("b")
			require.False(t, res.Duplicate, "the claim deleted the expired job")
			require.NotEqual(t, b, res.ID)
		})
	}
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	_, err := sqlqueue.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "q.db"), &sqlqueue.Options{Retention: -time.Second})
	require.ErrorContains(t, err, "Options.Retention is negative")
	_, err = sqlqueue.OpenSQLite(t.Context(), "", nil)
	require.ErrorContains(t, err, "path is empty")
	_, err = sqlqueue.OpenSQLite(t.Context(), ":memory:", nil)
	require.ErrorContains(t, err, "give a plain file path")
	_, err = sqlqueue.NewSQLite(t.Context(), nil, nil)
	require.ErrorContains(t, err, "db is nil")
	_, err = sqlqueue.NewPostgres(t.Context(), nil, nil)
	require.ErrorContains(t, err, "pool is nil")
}

// TestSQLiteSchema checks the migrations: a second queue on the same file
// finds the schema in place, and a file migrated by a newer release is
// refused.
func TestSQLiteSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "q.db")
	q1, err := sqlqueue.OpenSQLite(ctx, path, nil)
	require.NoError(t, err)
	defer q1.Close()
	res, err := q1.Enqueue(ctx, queue.Job{Kind: "k"})
	require.NoError(t, err)

	q2, err := sqlqueue.OpenSQLite(ctx, path, nil)
	require.NoError(t, err)
	jobs, err := q2.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	require.Equal(t, res[0].ID, jobs[0].ID)
	require.NoError(t, q2.Close())

	v, err := migrate.Version(ctx, q1.DB(), migrate.SQLite, "queue")
	require.NoError(t, err)
	require.Equal(t, 2, v, "001_init and 002_claim_token")
	_, err = q1.DB().ExecContext(ctx, `INSERT INTO zohokit_migrations (component, version, applied_at) VALUES ('queue', 99, 'later')`)
	require.NoError(t, err)
	_, err = sqlqueue.OpenSQLite(ctx, path, nil)
	require.ErrorIs(t, err, migrate.ErrDatabaseNewer)
}

// TestSQLiteSharedDB checks NewSQLite on a database the caller opened and
// keeps: Close leaves it open.
func TestSQLiteSharedDB(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "app.db"), nil)
	require.NoError(t, err)
	defer db.Close()
	q, err := sqlqueue.NewSQLite(t.Context(), db, nil)
	require.NoError(t, err)
	require.Same(t, db, q.DB())
	require.NoError(t, q.Close())
	require.NoError(t, db.PingContext(t.Context()), "the caller's database stays open")
}

// TestPostgresNotify checks the LISTEN/NOTIFY wake-ups across queue values
// (as across processes): a notification arrives when an enqueue commits, not
// before, and again after the listener's connection was killed.
func TestPostgresNotify(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := pgtest.DSN(t)
	producer := newPostgres(t, dsn, nil)
	consumer := newPostgres(t, dsn, nil)
	wake, unsubscribe := consumer.Subscribe()
	defer unsubscribe()
	awaitSignal := func(what string) {
		t.Helper()
		select {
		case <-wake:
		case <-time.After(30 * time.Second):
			t.Fatalf("no signal: %s", what)
		}
	}
	awaitSignal("the listener signals once it listens")

	// Enqueue inside a transaction: the notification comes with the commit.
	db := stdlib.OpenDBFromPool(newPool(t, dsn))
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = producer.EnqueueTx(ctx, tx, queue.Job{Kind: "k"})
	require.NoError(t, err)
	// Until the commit the consumer sees nothing to claim, whatever it was
	// told.
	jobs, err := consumer.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Empty(t, jobs)
	select {
	case <-wake:
		t.Fatal("signalled before the commit")
	default:
	}
	require.NoError(t, tx.Commit())
	awaitSignal("enqueue committed")
	jobs, err = consumer.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Len(t, jobs, 1)

	// A batch with a due job notifies.
	_, err = producer.Enqueue(ctx, queue.Job{Kind: "k", RunAt: time.Now().Add(time.Hour)}, queue.Job{Kind: "k"})
	require.NoError(t, err)
	awaitSignal("a due job in the batch")

	// Kill the listener's connection: it reconnects, signals, and hears
	// later notifications.
	admin := newPool(t, dsn)
	tag, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`)
	require.NoError(t, err)
	require.EqualValues(t, 1, tag.RowsAffected())
	awaitSignal("reconnected")
	waitFor(t, 30*time.Second, "the listener to listen again", func() bool {
		var n int
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&n))
		return n == 1
	})
	select { // drain a signal racing with the check above
	case <-wake:
	default:
	}
	_, err = producer.Enqueue(ctx, queue.Job{Kind: "k"})
	require.NoError(t, err)
	awaitSignal("enqueue after the reconnect")

	// Close stops the listener.
	require.NoError(t, consumer.Close())
	waitFor(t, 30*time.Second, "the listener to stop", func() bool {
		var n int
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&n))
		return n == 0
	})
}

// TestBatchedComplete checks completions written together: many at once all
// land, and a second completion of the same claim is refused.
func TestBatchedComplete(t *testing.T) {
	t.Parallel()
	for _, ec := range engineCases() {
		t.Run(ec.name, func(t *testing.T) {
			t.Parallel()
			testBatchedComplete(t, ec)
		})
	}
}

func testBatchedComplete(t *testing.T, ec engineCase) {
	ctx := t.Context()
	q, _ := ec.open(t, nil)
	const n = 300
	jobs := make([]queue.Job, n)
	for i := range jobs {
		jobs[i] = queue.Job{Kind: "k"}
	}
	_, err := q.Enqueue(ctx, jobs...)
	require.NoError(t, err)
	claimed, err := q.Claim(ctx, n, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Len(t, claimed, n)

	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = q.Complete(ctx, claimed[i%n]) })
	}
	wg.Wait()
	for i := range n {
		a, b := errs[i], errs[i+n]
		okA, okB := a == nil, b == nil
		require.True(t, okA != okB, "job %d: exactly one of two completions succeeds: %v, %v", claimed[i].ID, a, b)
		lost := a
		if okA {
			lost = b
		}
		require.ErrorIs(t, lost, queue.ErrLeaseLost)
	}
	st, err := q.Stats(ctx)
	require.NoError(t, err)
	require.Empty(t, st.Kinds)

	// A cancelled context is honoured.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = q.Complete(cctx, claimed[0])
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}
