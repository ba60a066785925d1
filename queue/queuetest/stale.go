package queuetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

// A stale claim is one whose holder did not notice that it lost the job (its
// heartbeat failed while its handler went on, say). Attempt cannot tell it
// from a later claim: Requeue starts the count again and Release gives an
// attempt back, so the later claim may carry the same Attempt. These tests
// build exactly that and check that ClaimToken fences the stale claim out.

// staleOp is one call a stale claim may make.
type staleOp struct {
	name string
	call func(h *harness, stale queue.Job) error
}

// staleOps are the calls to try with a stale claim; Release is tried only
// on queues that implement queue.Releaser.
var staleOps = []staleOp{
	{"Complete", func(h *harness, j queue.Job) error { return h.q.Complete(h.ctx, j) }},
	{"FailRetry", func(h *harness, j queue.Job) error {
		return h.q.Fail(h.ctx, j, errors.New("stale failure"), h.now())
	}},
	{"FailGiveUp", func(h *harness, j queue.Job) error {
		return h.q.Fail(h.ctx, j, errors.New("stale give-up"), time.Time{})
	}},
	{"Extend", func(h *harness, j queue.Job) error { return h.q.Extend(h.ctx, j, time.Hour) }},
	{"Release", func(h *harness, j queue.Job) error {
		r, ok := h.q.(queue.Releaser)
		if !ok {
			h.t.Skip("the queue does not implement queue.Releaser")
		}
		return r.Release(h.ctx, j)
	}},
}

// runStaleOps runs one parallel subtest per stale op, each on its own queue:
// setup makes a job of kind k with a stale claim and a current claim of the
// same Attempt, and the op by the stale claim must answer ErrLeaseLost and
// leave the current claim as it was: running, leased, and completable by its
// holder.
func runStaleOps(t *testing.T, newQueue Factory, setup func(h *harness, k string) (stale, current queue.Job)) {
	for _, op := range staleOps {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, newQueue)
			const k = "stale"
			stale, current := setup(h, k)
			require.ErrorIs(t, op.call(h, stale), queue.ErrLeaseLost,
				"%s by the stale claim (attempt %d, claim %d) while a later claim with the same attempt (claim %d) holds the job",
				op.name, stale.Attempt, stale.ClaimToken, current.ClaimToken)
			requireKindStats(t, queue.KindStats{Running: 1}, h.stats().Kinds[k], "the job is still running")
			h.requireNoClaim(k)
			require.NoError(t, h.q.Complete(h.ctx, current), "the current claim still holds the job")
			require.NotContains(t, h.stats().Kinds, k, "completed by the current claim")
		})
	}
}

// requireSameAttemptNewToken checks the premise of a stale-claim test: the
// later claim of the same job carries the same Attempt as the stale one but
// a different ClaimToken, as do the claims in between.
func requireSameAttemptNewToken(t *testing.T, stale, current queue.Job, between ...int64) {
	t.Helper()
	require.Equal(t, stale.ID, current.ID, "the same job was claimed again")
	require.Equal(t, stale.Attempt, current.Attempt, "the later claim carries the stale claim's Attempt")
	tokens := append([]int64{stale.ClaimToken}, append(between, current.ClaimToken)...)
	seen := map[int64]bool{}
	for _, tok := range tokens {
		require.NotZero(t, tok, "Claim sets a ClaimToken")
		require.False(t, seen[tok], "two claims of one job share ClaimToken %d (claims in order: %v)", tok, tokens)
		seen[tok] = true
	}
}

// testStaleAfterRequeue: claim (attempt 1), the lease lapses, the job is
// claimed again and given up (dead), requeued and claimed once more
// (attempt 1 again). The first claim must not touch the last one.
func testStaleAfterRequeue(t *testing.T, newQueue Factory) {
	runStaleOps(t, newQueue, func(h *harness, k string) (stale, current queue.Job) {
		t := h.t
		id := h.add(queue.Job{Kind: k, MaxAttempts: 3})
		claimed := h.claim(1, queue.ClaimOptions{Lease: time.Second})
		require.Len(t, claimed, 1)
		stale = claimed[0]
		require.Equal(t, 1, stale.Attempt)

		h.advance(time.Second) // the lease lapses; its holder does not notice
		second := h.claimOne()
		require.Equal(t, 2, second.Attempt)
		h.kill(second, errors.New("gave up"))
		n, err := h.q.Requeue(h.ctx, id)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		current = h.claimOne()
		requireSameAttemptNewToken(t, stale, current, second.ClaimToken)
		return stale, current
	})
}

// testStaleAfterRelease: claim, Release, claim again (the same attempt,
// since Release gave it back). The released claim must not touch the new
// one.
func testStaleAfterRelease(t *testing.T, newQueue Factory) {
	runStaleOps(t, newQueue, func(h *harness, k string) (stale, current queue.Job) {
		t := h.t
		r, ok := h.q.(queue.Releaser)
		if !ok {
			t.Skip("the queue does not implement queue.Releaser")
		}
		h.add(queue.Job{Kind: k})
		stale = h.claimOne()
		require.NoError(t, r.Release(h.ctx, stale))
		current = h.claimOne()
		requireSameAttemptNewToken(t, stale, current)
		return stale, current
	})
}
