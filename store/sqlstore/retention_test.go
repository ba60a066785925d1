package sqlstore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/sqlstore"
)

// TestKeepRuns checks that StartRun keeps the run history of its pipeline
// bounded by Options.KeepRuns, keeping the latest success.
func TestKeepRuns(t *testing.T) {
	t.Parallel()
	engines := map[string]func(t *testing.T, opts *sqlstore.Options) *sqlstore.Store{
		"sqlite": func(t *testing.T, opts *sqlstore.Options) *sqlstore.Store {
			return newSQLite(t, filepath.Join(t.TempDir(), "state.db"), opts)
		},
		"postgres": func(t *testing.T, opts *sqlstore.Options) *sqlstore.Store {
			return newPostgres(t, newPool(t, pgtest.DSN(t)), opts)
		},
	}
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			now := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
			s := open(t, &sqlstore.Options{KeepRuns: 3, Now: func() time.Time { return now }})
			start := func(p string) int64 {
				t.Helper()
				now = now.Add(time.Minute)
				id, err := s.StartRun(ctx, p, time.Time{}, false)
				require.NoError(t, err)
				return id
			}
			okRun := start("p")
			require.NoError(t, s.FinishRun(ctx, store.Run{ID: okRun, Status: store.RunSucceeded}))
			var ids []int64
			for range 6 {
				id := start("p")
				require.NoError(t, s.FinishRun(ctx, store.Run{ID: id, Status: store.RunFailed}))
				ids = append(ids, id)
			}
			other := start("q")
			rs, err := s.Runs(ctx, store.RunFilter{Limit: 100})
			require.NoError(t, err)
			var got []int64
			for _, r := range rs {
				got = append(got, r.ID)
			}
			require.Equal(t, []int64{other, ids[5], ids[4], ids[3], okRun}, got)
			last, err := s.LastSuccess(ctx, "p")
			require.NoError(t, err)
			require.False(t, last.IsZero())
		})
	}
}
