package queuetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

var miscTests = []namedTest{
	{"ConcurrentClaims", testConcurrentClaims},
	{"ConcurrentEnqueueSameKey", testConcurrentEnqueueSameKey},
	{"Notifier", testNotifier},
	{"Releaser", testReleaser},
	{"ContextCancelled", testContextCancelled},
}

func testConcurrentClaims(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	const jobs, claimers = 120, 6
	batch := make([]queue.Job, jobs)
	for i := range batch {
		batch[i] = queue.Job{Kind: "c", Payload: fmt.Appendf(nil, "%d", i)}
	}
	want := map[int64]int{}
	for _, r := range h.enqueue(batch...) {
		want[r.ID] = 1
	}

	var mu sync.Mutex
	got := map[int64]int{}
	errs := make(chan error, claimers)
	var wg sync.WaitGroup
	for range claimers {
		wg.Go(func() {
			for {
				claimed, err := h.q.Claim(h.ctx, 3, queue.ClaimOptions{Lease: time.Hour})
				if err != nil {
					errs <- err
					return
				}
				if len(claimed) == 0 {
					return
				}
				for _, j := range claimed {
					mu.Lock()
					got[j.ID]++
					mu.Unlock()
					if err := h.q.Complete(h.ctx, j); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, want, got, "every job claimed exactly once while the leases hold")
	require.Empty(t, h.stats().Kinds, "every job completed")
}

func testConcurrentEnqueueSameKey(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	const writers = 8
	results := make(chan queue.EnqueueResult, writers)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			res, err := h.q.Enqueue(h.ctx, queue.Job{Kind: "k", Key: "same"})
			if err != nil {
				errs <- err
				return
			}
			results <- res[0]
		})
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	added, ids := 0, map[int64]bool{}
	for r := range results {
		ids[r.ID] = true
		if !r.Duplicate {
			added++
		}
	}
	require.Equal(t, 1, added, "exactly one concurrent enqueue adds the job")
	require.Len(t, ids, 1, "every result names the same job")
	require.Equal(t, 1, h.stats().Kinds["k"].Ready)
}

func testNotifier(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	n, ok := h.q.(queue.Notifier)
	if !ok {
		t.Skip("the queue does not implement queue.Notifier")
	}
	first, unsubscribeFirst := n.Subscribe()
	second, unsubscribeSecond := n.Subscribe()
	h.add(queue.Job{Kind: "n"})
	for i, ch := range []<-chan struct{}{first, second} {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("subscriber %d was not signalled after Enqueue", i+1)
		}
	}
	unsubscribeFirst()
	unsubscribeFirst() // twice is harmless
	// Signals coalesce: many enqueues leave at most one pending signal, and
	// sending to a subscriber that does not read never blocks Enqueue.
	for range 3 {
		h.add(queue.Job{Kind: "n"})
	}
	select {
	case <-second:
	case <-time.After(10 * time.Second):
		t.Fatal("the remaining subscriber was not signalled")
	}
	unsubscribeSecond()
}

func testReleaser(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	r, ok := h.q.(queue.Releaser)
	if !ok {
		t.Skip("the queue does not implement queue.Releaser")
	}
	runAt := h.now()
	id := h.add(queue.Job{Kind: "r", MaxAttempts: 1})
	h.advance(time.Minute)
	j := h.claimOne()
	require.NoError(t, r.Release(h.ctx, j))
	require.ErrorIs(t, r.Release(h.ctx, j), queue.ErrLeaseLost, "Release twice")
	require.ErrorIs(t, h.q.Complete(h.ctx, j), queue.ErrLeaseLost, "Complete after Release")
	requireKindStats(t, queue.KindStats{Ready: 1, OldestReady: runAt}, h.stats().Kinds["r"], "released: ready at once, RunAt kept")

	again := h.claimOne()
	require.Equal(t, id, again.ID)
	require.Equal(t, 1, again.Attempt, "the released attempt was not used up")
	requireTime(t, runAt, again.RunAt, "RunAt")
	require.NoError(t, h.q.Complete(h.ctx, again))

	h.add(queue.Job{Kind: "r"})
	stale := h.claim(1, queue.ClaimOptions{Lease: time.Second})[0]
	h.advance(time.Second)
	h.claimOne()
	require.ErrorIs(t, r.Release(h.ctx, stale), queue.ErrLeaseLost, "Release by a stale claim")
}

func testContextCancelled(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	requireCancelled := func(err error, what string) {
		t.Helper()
		require.ErrorIs(t, err, context.Canceled, what)
	}

	_, err := h.q.Enqueue(ctx, queue.Job{Kind: "x"})
	requireCancelled(err, "Enqueue")
	require.Empty(t, h.stats().Kinds, "a cancelled Enqueue adds nothing")

	h.add(queue.Job{Kind: "x"})
	_, err = h.q.Claim(ctx, 1, queue.ClaimOptions{})
	requireCancelled(err, "Claim")
	j := h.claimOne()
	require.Equal(t, 1, j.Attempt, "a cancelled Claim claims nothing")

	requireCancelled(h.q.Extend(ctx, j, time.Minute), "Extend")
	requireCancelled(h.q.Fail(ctx, j, errors.New("x"), time.Time{}), "Fail")
	requireCancelled(h.q.Complete(ctx, j), "Complete")
	require.Equal(t, 1, h.stats().Kinds["x"].Running, "the cancelled calls changed nothing")
	if r, ok := h.q.(queue.Releaser); ok {
		requireCancelled(r.Release(ctx, j), "Release")
	}
	h.kill(j, errors.New("dead"))

	_, err = h.q.Dead(ctx, queue.DeadFilter{})
	requireCancelled(err, "Dead")
	_, err = h.q.Requeue(ctx, j.ID)
	requireCancelled(err, "Requeue")
	_, err = h.q.PurgeDead(ctx)
	requireCancelled(err, "PurgeDead")
	_, err = h.q.Stats(ctx)
	requireCancelled(err, "Stats")
	require.Len(t, h.dead(queue.DeadFilter{}), 1, "the cancelled Requeue and PurgeDead changed nothing")
}
