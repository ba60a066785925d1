package sqlqueue_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/queuetest"
	"github.com/zohokit/zohokit/queue/sqlqueue"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperMain())
	}
	os.Exit(pgtest.Run(m))
}

func TestSQLiteConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T, now func() time.Time) queue.Queue {
		return newSQLite(t, &sqlqueue.Options{Now: now})
	})
}

func TestPostgresConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T, now func() time.Time) queue.Queue {
		return newPostgres(t, pgtest.DSN(t), &sqlqueue.Options{Now: now})
	})
}

// newSQLite returns a queue in a new file, closed when the test ends.
func newSQLite(t testing.TB, opts *sqlqueue.Options) *sqlqueue.SQLite {
	t.Helper()
	q, err := sqlqueue.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "queue.db"), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, q.Close()) })
	return q
}

// newPool returns a pool on dsn, closed when the test ends.
func newPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// newPostgres returns a queue on dsn with a pool of its own, both closed when
// the test ends.
func newPostgres(t testing.TB, dsn string, opts *sqlqueue.Options) *sqlqueue.Postgres {
	t.Helper()
	q, err := sqlqueue.NewPostgres(t.Context(), newPool(t, dsn), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, q.Close()) })
	return q
}
