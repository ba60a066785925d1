package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
)

var commitTests = []namedTest{
	{"EmptyCheckpoint", func(t *testing.T, b *bundle) {
		require.NoError(t, b.s.Commit(t.Context(), store.Checkpoint{Pipeline: "p"}))
		requireCursors(t, b.s, "p", "", "")
	}},
	{"AllOrNothing", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		commitLinks(t, b.s, "p", store.Link{LeftID: "held", RightID: "R-held"})
		good := store.Checkpoint{Pipeline: "p",
			Links:   []store.Link{{LeftID: "L1", RightID: "R1"}, {LeftID: "L2", RightID: "R2"}},
			Cursors: map[store.Side]string{store.Left: "c-left", store.Right: "c-right"},
		}
		bad := []struct {
			name string
			edit func(cp *store.Checkpoint)
			is   error
		}{
			{"conflicting link", func(cp *store.Checkpoint) {
				cp.Links = append(cp.Links, store.Link{LeftID: "L3", RightID: "R-held"})
			}, store.ErrConflictingLink},
			{"unknown applied review", func(cp *store.Checkpoint) { cp.AppliedReviews = []string{"no-such-review"} }, store.ErrNotFound},
			{"numeric unknown applied review", func(cp *store.Checkpoint) { cp.AppliedReviews = []string{"987654"} }, store.ErrNotFound},
		}
		for _, tc := range bad {
			cp := good
			cp.Links = append([]store.Link(nil), good.Links...)
			tc.edit(&cp)
			require.ErrorIs(t, b.s.Commit(ctx, cp), tc.is, tc.name)
			require.Equal(t, map[string]string{"held": "R-held"}, pairs(t, b.s, "p", "held", "L1", "L2", "L3"), tc.name)
			requireCursors(t, b.s, "p", "", "")
		}
		require.NoError(t, b.s.Commit(ctx, good))
		require.Equal(t, map[string]string{"held": "R-held", "L1": "R1", "L2": "R2"}, pairs(t, b.s, "p", "held", "L1", "L2"))
		requireCursors(t, b.s, "p", "c-left", "c-right")
	}},
	{"CancelledContext", func(t *testing.T, b *bundle) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := b.s.Commit(ctx, store.Checkpoint{Pipeline: "p", Links: []store.Link{{LeftID: "L", RightID: "R"}}, Cursors: map[store.Side]string{store.Left: "c"}})
		require.ErrorIs(t, err, context.Canceled)
		require.Empty(t, lookup(t, b.s, "p", store.Left, "L"))
		requireCursors(t, b.s, "p", "", "")
	}},
}

// finish records r's end, failing the test on error.
func finish(t *testing.T, s store.Store, r store.Run) {
	t.Helper()
	require.NoError(t, s.FinishRun(t.Context(), r))
}

// startRun starts a run of p at the clock's time, failing the test on error.
func (b *bundle) startRun(t *testing.T, p string, dryRun bool) int64 {
	t.Helper()
	id, err := b.s.StartRun(t.Context(), p, b.clock.Now(), dryRun)
	require.NoError(t, err)
	require.NotZero(t, id)
	return id
}

func runs(t *testing.T, s store.Store, f store.RunFilter) []store.Run {
	t.Helper()
	rs, err := s.Runs(t.Context(), f)
	require.NoError(t, err)
	return rs
}

func runByID(t *testing.T, s store.Store, id int64) store.Run {
	t.Helper()
	for _, r := range runs(t, s, store.RunFilter{Limit: 1000}) {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("run %d not found", id)
	return store.Run{}
}

func runIDs(rs []store.Run) []int64 {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

var runTests = []namedTest{
	{"StartClosesInterruptedRuns", func(t *testing.T, b *bundle) {
		stale := b.startRun(t, "p", false) // its process died: never finished
		dry := b.startRun(t, "p", true)
		other := b.startRun(t, "q", false)
		next := b.clock.Advance(time.Hour)
		b.startRun(t, "p", true) // a dry run closes nothing
		require.Equal(t, store.RunRunning, runByID(t, b.s, stale).Status)
		cur := b.startRun(t, "p", false)

		got := runByID(t, b.s, stale)
		require.Equal(t, store.RunFailed, got.Status)
		require.Equal(t, next, got.Finished)
		require.Equal(t, store.ErrInterruptedRun.Error(), got.Error)
		require.Equal(t, store.RunRunning, runByID(t, b.s, dry).Status, "dry runs are left alone")
		require.Equal(t, store.RunRunning, runByID(t, b.s, other).Status, "other pipelines are left alone")
		require.Equal(t, store.RunRunning, runByID(t, b.s, cur).Status)
	}},
	{"Lifecycle", func(t *testing.T, b *bundle) {
		started := b.clock.Now()
		id := b.startRun(t, "contacts", false)
		require.Equal(t, []store.Run{{ID: id, Pipeline: "contacts", Started: started, Status: store.RunRunning}},
			runs(t, b.s, store.RunFilter{}))
		end := b.clock.Advance(90 * time.Second)
		counts := store.Counts{Read: 100, Created: 3, Updated: 40, Deleted: 1, Unchanged: 50, Conflicted: 2, Failed: 4}
		finish(t, b.s, store.Run{ID: id, Pipeline: "contacts", Finished: end, Status: store.RunPartial, Counts: counts, Error: "4 records failed"})
		require.Equal(t, []store.Run{{ID: id, Pipeline: "contacts", Started: started, Finished: end, Status: store.RunPartial, Counts: counts, Error: "4 records failed"}},
			runs(t, b.s, store.RunFilter{Pipeline: "contacts"}))
	}},
	{"ZeroTimesMeanNow", func(t *testing.T, b *bundle) {
		now := b.clock.Advance(time.Hour)
		id, err := b.s.StartRun(t.Context(), "p", time.Time{}, true)
		require.NoError(t, err)
		end := b.clock.Advance(time.Second)
		finish(t, b.s, store.Run{ID: id, Status: store.RunSucceeded})
		got := runs(t, b.s, store.RunFilter{})
		require.Len(t, got, 1)
		require.Equal(t, now, got[0].Started)
		require.Equal(t, end, got[0].Finished)
		require.True(t, got[0].DryRun)
	}},
	{"NewestFirstFilteredAndLimited", func(t *testing.T, b *bundle) {
		var ids []int64
		for i := range 6 {
			p := "a"
			if i%2 == 1 {
				p = "b"
			}
			ids = append(ids, b.startRun(t, p, false))
			b.clock.Advance(time.Minute)
		}
		same := b.startRun(t, "a", false) // the same Started as the next: the higher ID is newer
		sameAgain := b.startRun(t, "a", false)
		require.Equal(t, []int64{sameAgain, same, ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}, runIDs(runs(t, b.s, store.RunFilter{})))
		require.Equal(t, []int64{sameAgain, same, ids[4], ids[2], ids[0]}, runIDs(runs(t, b.s, store.RunFilter{Pipeline: "a"})))
		require.Equal(t, []int64{ids[5], ids[3]}, runIDs(runs(t, b.s, store.RunFilter{Pipeline: "b", Limit: 2})))
		require.Empty(t, runs(t, b.s, store.RunFilter{Pipeline: "c"}))
		_, err := b.s.Runs(t.Context(), store.RunFilter{Limit: -1})
		require.Error(t, err)
	}},
	{"DefaultLimitIs50", func(t *testing.T, b *bundle) {
		for range 55 {
			b.startRun(t, "p", false)
			b.clock.Advance(time.Second)
		}
		require.Len(t, runs(t, b.s, store.RunFilter{}), 50)
	}},
	{"FinishErrors", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		id := b.startRun(t, "p", false)
		require.ErrorIs(t, b.s.FinishRun(ctx, store.Run{ID: id + 100, Status: store.RunSucceeded}), store.ErrNotFound)
		require.ErrorIs(t, b.s.FinishRun(ctx, store.Run{ID: id, Pipeline: "other", Status: store.RunSucceeded}), store.ErrNotFound)
		for name, r := range map[string]store.Run{
			"running":        {ID: id, Status: store.RunRunning},
			"empty status":   {ID: id},
			"unknown status": {ID: id, Status: "done"},
			"negative count": {ID: id, Status: store.RunSucceeded, Counts: store.Counts{Failed: -1}},
		} {
			err := b.s.FinishRun(ctx, r)
			require.Error(t, err, name)
			require.NotErrorIs(t, err, store.ErrNotFound, name)
		}
		require.Equal(t, store.RunRunning, runs(t, b.s, store.RunFilter{})[0].Status)
		_, err := b.s.StartRun(ctx, "", b.clock.Now(), false)
		require.Error(t, err)
	}},
	{"FinishAgainOverwrites", func(t *testing.T, b *bundle) {
		id := b.startRun(t, "p", false)
		finish(t, b.s, store.Run{ID: id, Status: store.RunFailed, Error: "timeout"})
		finish(t, b.s, store.Run{ID: id, Status: store.RunSucceeded, Counts: store.Counts{Read: 1}})
		got := runs(t, b.s, store.RunFilter{})[0]
		require.Equal(t, store.RunSucceeded, got.Status)
		require.Empty(t, got.Error)
		require.Equal(t, 1, got.Counts.Read)
	}},
	{"LastSuccess", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		last := func() time.Time {
			t.Helper()
			ts, err := b.s.LastSuccess(ctx, "p")
			require.NoError(t, err)
			return ts
		}
		require.True(t, last().IsZero())
		id := b.startRun(t, "p", false)
		require.True(t, last().IsZero(), "a running run is no success")
		t1 := b.clock.Advance(time.Minute)
		finish(t, b.s, store.Run{ID: id, Status: store.RunSucceeded, Finished: t1})
		require.Equal(t, t1, last())

		id = b.startRun(t, "p", false)
		finish(t, b.s, store.Run{ID: id, Status: store.RunFailed, Finished: b.clock.Advance(time.Minute)})
		require.Equal(t, t1, last(), "a failed run does not count")

		id = b.startRun(t, "p", true)
		finish(t, b.s, store.Run{ID: id, Status: store.RunSucceeded, Finished: b.clock.Advance(time.Minute)})
		require.Equal(t, t1, last(), "a dry run does not count")

		id = b.startRun(t, "p", false)
		t4 := b.clock.Advance(time.Minute)
		finish(t, b.s, store.Run{ID: id, Status: store.RunPartial, Finished: t4})
		require.Equal(t, t4, last(), "a partial run counts")

		other := b.startRun(t, "q", false)
		finish(t, b.s, store.Run{ID: other, Status: store.RunSucceeded, Finished: b.clock.Advance(time.Minute)})
		require.Equal(t, t4, last(), "another pipeline's run does not count")
		_, err := b.s.LastSuccess(ctx, "")
		require.Error(t, err)
	}},
	{"PruneRuns", func(t *testing.T, b *bundle) {
		p, ok := b.s.(store.RunPruner)
		if !ok {
			t.Skip("the store does not implement store.RunPruner")
		}
		ctx := t.Context()
		ok1 := b.startRun(t, "a", false) // the latest success of a: kept however old
		finish(t, b.s, store.Run{ID: ok1, Status: store.RunSucceeded, Finished: b.clock.Advance(time.Second)})
		var failed []int64
		for range 5 {
			id := b.startRun(t, "a", false)
			finish(t, b.s, store.Run{ID: id, Status: store.RunFailed, Finished: b.clock.Advance(time.Second)})
			failed = append(failed, id)
		}
		bRuns := []int64{b.startRun(t, "b", false), b.startRun(t, "b", false)}
		n, err := p.PruneRuns(ctx, 2)
		require.NoError(t, err)
		require.Equal(t, 3, n) // a's three oldest failures
		require.Equal(t, []int64{failed[4], failed[3], ok1}, runIDs(runs(t, b.s, store.RunFilter{Pipeline: "a"})))
		require.ElementsMatch(t, bRuns, runIDs(runs(t, b.s, store.RunFilter{Pipeline: "b"})))
		last, err := b.s.LastSuccess(ctx, "a")
		require.NoError(t, err)
		require.False(t, last.IsZero())

		n, err = p.PruneRuns(ctx, 0)
		require.NoError(t, err)
		require.Equal(t, 4, n)
		require.Equal(t, []int64{ok1}, runIDs(runs(t, b.s, store.RunFilter{})))
		_, err = p.PruneRuns(ctx, -1)
		require.Error(t, err)
	}},
}

// requireRunCount fails unless pipeline p has n runs.
func requireRunCount(t *testing.T, s store.Store, p string, n int) {
	t.Helper()
	require.Len(t, runs(t, s, store.RunFilter{Pipeline: p, Limit: n + 10}), n, fmt.Sprintf("runs of %s", p))
}
