package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
)

func (b *bundle) acquire(t *testing.T, name, owner string, ttl time.Duration) bool {
	t.Helper()
	ok, err := b.s.AcquireLease(t.Context(), name, owner, ttl)
	require.NoError(t, err)
	return ok
}

func (b *bundle) release(t *testing.T, name, owner string) {
	t.Helper()
	require.NoError(t, b.s.ReleaseLease(t.Context(), name, owner))
}

var leaseTests = []namedTest{
	{"SecondOwnerRefused", func(t *testing.T, b *bundle) {
		require.True(t, b.acquire(t, "sync:contacts", "replica-a", time.Minute))
		require.False(t, b.acquire(t, "sync:contacts", "replica-b", time.Minute))
		require.True(t, b.acquire(t, "sync:contacts", "replica-a", time.Minute), "the holder renews")
		require.True(t, b.acquire(t, "sync:invoices", "replica-b", time.Minute), "another lease is free")
	}},
	{"ExpiresByTheClock", func(t *testing.T, b *bundle) {
		require.True(t, b.acquire(t, "l", "a", 10*time.Second))
		b.clock.Advance(10*time.Second - time.Millisecond)
		require.False(t, b.acquire(t, "l", "b", time.Minute))
		b.clock.Advance(time.Millisecond) // exactly at expiry: expired
		require.True(t, b.acquire(t, "l", "b", time.Minute))
		require.False(t, b.acquire(t, "l", "a", time.Minute), "the old holder lost it")
	}},
	{"RenewExtends", func(t *testing.T, b *bundle) {
		require.True(t, b.acquire(t, "l", "a", 10*time.Second))
		b.clock.Advance(8 * time.Second)
		require.True(t, b.acquire(t, "l", "a", 10*time.Second)) // now until start+18s
		b.clock.Advance(9 * time.Second)
		require.False(t, b.acquire(t, "l", "b", time.Minute), "renewed: still held")
		b.clock.Advance(time.Second)
		require.True(t, b.acquire(t, "l", "b", time.Minute))
	}},
	{"Release", func(t *testing.T, b *bundle) {
		require.True(t, b.acquire(t, "l", "a", time.Hour))
		b.release(t, "l", "b") // not the holder: nothing happens
		require.False(t, b.acquire(t, "l", "b", time.Hour))
		b.release(t, "l", "a")
		require.True(t, b.acquire(t, "l", "b", time.Hour), "released: free at once")
		b.release(t, "never-taken", "a")
		b.release(t, "l", "b")
		b.release(t, "l", "b") // twice: a no-op
	}},
	{"InvalidArguments", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		for name, args := range map[string]struct {
			name, owner string
			ttl         time.Duration
		}{
			"empty name":   {"", "a", time.Minute},
			"empty owner":  {"l", "", time.Minute},
			"zero ttl":     {"l", "a", 0},
			"negative ttl": {"l", "a", -time.Second},
		} {
			ok, err := b.s.AcquireLease(ctx, args.name, args.owner, args.ttl)
			require.Error(t, err, name)
			require.False(t, ok, name)
		}
		require.True(t, b.acquire(t, "l", "b", time.Minute), "nothing was taken by the bad calls")
	}},
}

// parallel runs fn(i) for i in [0, n) at once, all starting together.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-startGun
			fn(i)
		})
	}
	close(startGun)
	wg.Wait()
}

var concurrencyTests = []namedTest{
	{"ParallelCommits", func(t *testing.T, b *bundle) {
		const workers, batches, perBatch = 8, 5, 20
		errs := make([]error, workers)
		parallel(workers, func(w int) {
			for i := range batches {
				var links []store.Link
				for j := range perBatch {
					id := fmt.Sprintf("%d-%d-%d", w, i, j)
					links = append(links, store.Link{LeftID: "L" + id, RightID: "R" + id})
				}
				cp := store.Checkpoint{Pipeline: "p", Links: links, Cursors: map[store.Side]string{store.Left: fmt.Sprintf("%d-%d", w, i)}}
				if err := b.s.Commit(t.Context(), cp); err != nil {
					errs[w] = err
					return
				}
			}
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		var lefts []string
		for w := range workers {
			for i := range batches {
				for j := range perBatch {
					lefts = append(lefts, fmt.Sprintf("L%d-%d-%d", w, i, j))
				}
			}
		}
		require.Len(t, lookup(t, b.s, "p", store.Left, lefts...), workers*batches*perBatch)
		c, err := b.s.Cursor(t.Context(), "p", store.Left)
		require.NoError(t, err)
		require.Regexp(t, `^\d-4$`, c, "the cursor is some worker's last")
	}},
	{"RacingForOneRightID", func(t *testing.T, b *bundle) {
		const n = 8
		errs := make([]error, n)
		parallel(n, func(i int) {
			errs[i] = b.s.Commit(t.Context(), store.Checkpoint{Pipeline: "p", Links: []store.Link{{LeftID: fmt.Sprintf("L%d", i), RightID: "R"}}})
		})
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "two commits linked right ID R")
				winner = i
				continue
			}
			require.ErrorIs(t, err, store.ErrConflictingLink)
		}
		require.NotEqual(t, -1, winner, "no commit won")
		require.Equal(t, fmt.Sprintf("L%d", winner), lookup(t, b.s, "p", store.Right, "R")["R"].LeftID)
	}},
	{"RacingForALease", func(t *testing.T, b *bundle) {
		const n = 8
		won := make([]bool, n)
		errs := make([]error, n)
		parallel(n, func(i int) {
			won[i], errs[i] = b.s.AcquireLease(t.Context(), "sync:contacts", fmt.Sprintf("replica-%d", i), time.Minute)
		})
		winners := 0
		for i := range n {
			require.NoError(t, errs[i])
			if won[i] {
				winners++
			}
		}
		require.Equal(t, 1, winners)
	}},
	{"RecordingOneReviewAtOnce", func(t *testing.T, b *bundle) {
		const n = 8
		ids := make([]string, n)
		errs := make([]error, n)
		r := review("p", "city", "a", "b")
		parallel(n, func(i int) { ids[i], errs[i] = b.s.RecordReview(t.Context(), r) })
		for i := range n {
			require.NoError(t, errs[i])
			require.Equal(t, ids[0], ids[i])
		}
		require.Len(t, reviews(t, b.s, store.ReviewFilter{}), 1)
	}},
	{"RunsFromManyReplicas", func(t *testing.T, b *bundle) {
		const n = 8
		ids := make([]int64, n)
		errs := make([]error, n)
		parallel(n, func(i int) {
			ids[i], errs[i] = b.s.StartRun(t.Context(), "p", b.clock.Now(), false)
			if errs[i] == nil {
				errs[i] = b.s.FinishRun(t.Context(), store.Run{ID: ids[i], Status: store.RunSucceeded})
			}
		})
		seen := map[int64]bool{}
		for i := range n {
			require.NoError(t, errs[i])
			require.False(t, seen[ids[i]], "run ID %d given twice", ids[i])
			seen[ids[i]] = true
		}
		requireRunCount(t, b.s, "p", n)
	}},
}
