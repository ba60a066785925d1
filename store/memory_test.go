package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return store.NewMemory(&store.MemoryOptions{Now: now})
	})
}

func TestMemoryKeepRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		keepRuns int
		started  int
		want     int
	}{
		{"bounded", 3, 10, 3},
		{"under the bound", 3, 2, 2},
		{"negative keeps every run", -1, 10, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := store.NewMemory(&store.MemoryOptions{KeepRuns: tc.keepRuns})
			var last int64
			for range tc.started {
				id, err := s.StartRun(ctx, "p", time.Time{}, false)
				require.NoError(t, err)
				last = id
			}
			rs, err := s.Runs(ctx, store.RunFilter{Limit: 100})
			require.NoError(t, err)
			require.Len(t, rs, tc.want)
			require.Equal(t, last, rs[0].ID, "the newest run is kept")
		})
	}
}
