package queuetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

var statsTests = []namedTest{
	{"ByKindAndState", testStats},
}

func testStats(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	require.Empty(t, h.stats().Kinds, "an empty queue has no kinds")

	h.advance(time.Hour)
	now := h.now()
	// Kind a: one running, one dead, one completed (claimed in RunAt order).
	h.add(queue.Job{Kind: "a", RunAt: now.Add(-10 * time.Minute)})
	toKill := h.add(queue.Job{Kind: "a", RunAt: now.Add(-9 * time.Minute)})
	toComplete := h.add(queue.Job{Kind: "a", RunAt: now.Add(-8 * time.Minute)})
	claimed := h.claim(3, queue.ClaimOptions{Kinds: []string{"a"}})
	require.Len(t, claimed, 3)
	h.kill(byID(t, claimed, toKill), errors.New("dead"))
	require.NoError(t, h.q.Complete(h.ctx, byID(t, claimed, toComplete)))
	// Then two ready, one scheduled.
	h.add(queue.Job{Kind: "a", RunAt: now.Add(-2 * time.Minute)})
	h.add(queue.Job{Kind: "a", RunAt: now.Add(-1 * time.Minute)})
	h.add(queue.Job{Kind: "a", RunAt: now.Add(time.Hour)})
	// Kind b: one ready. Kind c: only completed, so not counted.
	h.add(queue.Job{Kind: "b", RunAt: now.Add(-30 * time.Second)})
	h.add(queue.Job{Kind: "c"})
	require.NoError(t, h.q.Complete(h.ctx, h.claimOne("c")))

	st := h.stats()
	require.Len(t, st.Kinds, 2, "kinds a and b; c has only completed jobs")
	requireKindStats(t, queue.KindStats{Ready: 2, Scheduled: 1, Running: 1, Dead: 1, OldestReady: now.Add(-2 * time.Minute)}, st.Kinds["a"], "a")
	requireKindStats(t, queue.KindStats{Ready: 1, OldestReady: now.Add(-30 * time.Second)}, st.Kinds["b"], "b")
	requireKindStats(t, queue.KindStats{Ready: 3, Scheduled: 1, Running: 1, Dead: 1, OldestReady: now.Add(-2 * time.Minute)}, st.Total(), "total")

	// Ready and scheduled are split at read time; a running job whose lease
	// ended still counts as running until it is claimed again.
	h.advance(time.Hour)
	st = h.stats()
	requireKindStats(t, queue.KindStats{Ready: 3, Running: 1, Dead: 1, OldestReady: now.Add(-2 * time.Minute)}, st.Kinds["a"], "a, an hour later")
}
