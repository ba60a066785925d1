package sqlstore_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/store/storetest"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperMain())
	}
	os.Exit(pgtest.Run(m))
}

func TestSQLiteConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newSQLite(t, filepath.Join(t.TempDir(), "state.db"), &sqlstore.Options{Now: now})
	})
}

func TestPostgresConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newPostgres(t, newPool(t, pgtest.DSN(t)), &sqlstore.Options{Now: now})
	})
}

// newSQLite returns a store on the file at path, closed when the test ends.
func newSQLite(t testing.TB, path string, opts *sqlstore.Options) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(t.Context(), path, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// newPool returns a pool on dsn, closed when the test ends.
func newPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// newPostgres returns a store on pool, closed when the test ends.
func newPostgres(t testing.TB, pool *pgxpool.Pool, opts *sqlstore.Options) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.NewPostgres(t.Context(), pool, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}
