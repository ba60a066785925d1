package queuetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

var failTests = []namedTest{
	{"Retry", testFailRetry},
	{"LastAttempt", testFailLastAttempt},
	{"GiveUp", testFailGiveUp},
	{"DeadList", testDeadList},
	{"DeadDefaultLimit", testDeadDefaultLimit},
	{"Requeue", testRequeue},
	{"PurgeDead", testPurgeDead},
}

func testFailRetry(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	id := h.add(queue.Job{Kind: "r", MaxAttempts: 3})
	retryAt := h.now().Add(time.Minute)
	require.NoError(t, h.q.Fail(h.ctx, h.claimOne(), errors.New("boom 1"), retryAt))
	h.requireNoClaim()
	requireKindStats(t, queue.KindStats{Scheduled: 1}, h.stats().Kinds["r"], "waiting for its retry")

	h.advance(time.Minute)
	j := h.claimOne()
	require.Equal(t, id, j.ID)
	require.Equal(t, 2, j.Attempt)
	require.Equal(t, "boom 1", j.LastError, "the failed attempt's error is recorded")
	requireTime(t, retryAt, j.RunAt, "RunAt becomes retryAt")

	// A retry time already passed makes the job due at once.
	require.NoError(t, h.q.Fail(h.ctx, j, nil, h.now().Add(-time.Hour)))
	j = h.claimOne()
	require.Equal(t, 3, j.Attempt)
	require.Empty(t, j.LastError, "a nil cause records an empty error")
}

func testFailLastAttempt(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	id := h.add(queue.Job{Kind: "d", MaxAttempts: 2, Payload: []byte("p")})
	require.NoError(t, h.q.Fail(h.ctx, h.claimOne(), errors.New("boom 1"), h.now()))
	j := h.claimOne()
	require.Equal(t, 2, j.Attempt)
	require.NoError(t, h.q.Fail(h.ctx, j, errors.New("boom 2"), h.now().Add(time.Minute)))

	h.advance(time.Hour)
	h.requireNoClaim()
	dead := h.dead(queue.DeadFilter{})
	require.Len(t, dead, 1, "the last attempt's failure makes the job dead")
	d := dead[0]
	require.Equal(t, id, d.ID)
	require.Equal(t, queue.StateDead, d.State)
	require.Equal(t, 2, d.Attempt)
	require.Equal(t, "boom 2", d.LastError)
	require.Equal(t, "p", string(d.Payload))
	requireKindStats(t, queue.KindStats{Dead: 1}, h.stats().Kinds["d"], "dead")
}

func testFailGiveUp(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	id := h.add(queue.Job{Kind: "g", MaxAttempts: 10})
	h.kill(h.claimOne(), errors.New("invalid payload"))
	h.requireNoClaim()
	dead := h.dead(queue.DeadFilter{})
	require.Equal(t, []int64{id}, ids(dead), "a zero retryAt makes the job dead at once")
	require.Equal(t, 1, dead[0].Attempt)
	require.Equal(t, "invalid payload", dead[0].LastError)
}

// makeDead enqueues and kills one job per kind given, in order, and returns
// their IDs.
func makeDead(h *harness, kinds ...string) []int64 {
	h.t.Helper()
	out := make([]int64, len(kinds))
	for i, k := range kinds {
		out[i] = h.add(queue.Job{Kind: k})
		j := h.claimOne(k)
		require.Equal(h.t, out[i], j.ID)
		h.kill(j, fmt.Errorf("%s failed", k))
	}
	return out
}

func testDeadList(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	d := makeDead(h, "x", "y", "x", "x", "y")
	h.add(queue.Job{Kind: "x"}) // available, not listed
	h.add(queue.Job{Kind: "x"})
	h.claimOne("x") // running, not listed

	require.Equal(t, d, ids(h.dead(queue.DeadFilter{})), "every dead job, by ascending ID")
	require.Equal(t, []int64{d[0], d[2], d[3]}, ids(h.dead(queue.DeadFilter{Kind: "x"})))
	require.Equal(t, []int64{d[1], d[4]}, ids(h.dead(queue.DeadFilter{Kind: "y"})))
	require.Empty(t, h.dead(queue.DeadFilter{Kind: "none"}))

	var paged []int64
	after := int64(0)
	for range len(d) {
		page := h.dead(queue.DeadFilter{AfterID: after, Limit: 2})
		require.LessOrEqual(t, len(page), 2)
		if len(page) == 0 {
			break
		}
		require.Greater(t, page[0].ID, after, "a page starts after AfterID")
		paged = append(paged, ids(page)...)
		after = page[len(page)-1].ID
	}
	require.Equal(t, d, paged, "paging with AfterID and Limit visits each dead job once")
	require.Equal(t, []int64{d[3]}, ids(h.dead(queue.DeadFilter{Kind: "x", AfterID: d[2]})))
}

func testDeadDefaultLimit(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	jobs := make([]queue.Job, 105)
	for i := range jobs {
		jobs[i] = queue.Job{Kind: "many"}
	}
	h.enqueue(jobs...)
	for _, j := range h.claim(len(jobs), queue.ClaimOptions{}) {
		h.kill(j, errors.New("x"))
	}
	require.Len(t, h.dead(queue.DeadFilter{}), 100, "a zero Limit means 100")
	require.Equal(t, 105, h.stats().Kinds["many"].Dead)
}

func testRequeue(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	id := h.add(queue.Job{Kind: "q", MaxAttempts: 2, Key: "rq", RunAt: start.Add(time.Minute)})
	h.advance(time.Minute)
	require.NoError(t, h.q.Fail(h.ctx, h.claimOne(), errors.New("first"), h.now()))
	h.kill(h.claimOne(), errors.New("second"))
	running := h.add(queue.Job{Kind: "other"})
	h.claimOne("other")
	available := h.add(queue.Job{Kind: "other"})

	n, err := h.q.Requeue(h.ctx)
	require.NoError(t, err)
	require.Zero(t, n, "no ID requeues nothing")
	require.Len(t, h.dead(queue.DeadFilter{}), 1)

	h.advance(time.Hour)
	n, err = h.q.Requeue(h.ctx, id, running, available, id+1000)
	require.NoError(t, err)
	require.Equal(t, 1, n, "only dead jobs are requeued")
	require.Empty(t, h.dead(queue.DeadFilter{}))
	requireKindStats(t, queue.KindStats{Ready: 1, OldestReady: h.now()}, h.stats().Kinds["q"], "requeued")

	j := h.claimOne("q")
	require.Equal(t, id, j.ID)
	require.Equal(t, 1, j.Attempt, "attempts start again")
	requireTime(t, h.now(), j.RunAt, "ready now")
	require.Equal(t, "rq", j.Key, "the key is kept")
	// With its attempts reset, a failure is retried again.
	require.NoError(t, h.q.Fail(h.ctx, j, errors.New("third"), h.now()))
	require.Empty(t, h.dead(queue.DeadFilter{}))
	require.Equal(t, 2, h.claimOne("q").Attempt)
}

func testPurgeDead(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	d := makeDead(h, "p", "p", "p", "z")
	running := h.add(queue.Job{Kind: "p"})
	h.claimOne("p")

	n, err := h.q.PurgeDead(h.ctx, d[1], running, d[1]+1000)
	require.NoError(t, err)
	require.Equal(t, 1, n, "only dead jobs are purged")
	require.Equal(t, []int64{d[0], d[2], d[3]}, ids(h.dead(queue.DeadFilter{})))

	n, err = h.q.PurgeDead(h.ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n, "no ID purges every dead job")
	require.Empty(t, h.dead(queue.DeadFilter{}))
	st := h.stats()
	requireKindStats(t, queue.KindStats{Running: 1}, st.Kinds["p"], "the running job is untouched")
	require.NotContains(t, st.Kinds, "z", "a kind with nothing left has no entry")

	n, err = h.q.PurgeDead(h.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}
