package queuetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

var claimTests = []namedTest{
	{"Order", testClaimOrder},
	{"N", testClaimN},
	{"InvalidArguments", testClaimInvalid},
	{"Kinds", testClaimKinds},
	{"RunAt", testClaimRunAt},
	{"LeaseHidesAndExpires", testLease},
	{"Fencing", testFencing},
	{"LapsedLeaseStillHeld", testLapsedStillHeld},
	{"Extend", testExtend},
	{"LapsedLastAttempt", testLapsedLastAttempt},
	{"StaleClaimAfterRequeue", testStaleAfterRequeue},
	{"StaleClaimAfterRelease", testStaleAfterRelease},
}

func testClaimOrder(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	h.advance(time.Hour)
	now := h.now()
	a := h.add(queue.Job{Kind: "o", RunAt: now.Add(-3 * time.Second)})
	b := h.add(queue.Job{Kind: "o", RunAt: now.Add(-1 * time.Second)})
	c := h.add(queue.Job{Kind: "o", RunAt: now.Add(-2 * time.Second)})
	d := h.add(queue.Job{Kind: "p", RunAt: now.Add(-2 * time.Second)})
	e := h.add(queue.Job{Kind: "o", RunAt: now.Add(-2 * time.Second)})
	sameRunAt := []int64{c, d, e}
	slices.Sort(sameRunAt) // equal RunAt: lowest ID first
	want := append(append([]int64{a}, sameRunAt...), b)

	var got []int64
	for range want {
		got = append(got, h.claimOne().ID)
	}
	require.Equal(t, want, got, "oldest RunAt first, then lowest ID")

	// The same order decides which jobs a claim of several takes.
	h2 := newHarness(t, newQueue)
	h2.advance(time.Hour)
	x := h2.add(queue.Job{Kind: "o", RunAt: now.Add(-1 * time.Second)})
	y := h2.add(queue.Job{Kind: "o", RunAt: now.Add(-5 * time.Second)})
	h2.add(queue.Job{Kind: "o"})
	z := h2.add(queue.Job{Kind: "o", RunAt: now.Add(-3 * time.Second)})
	require.ElementsMatch(t, []int64{y, z}, ids(h2.claim(2, queue.ClaimOptions{})))
	require.ElementsMatch(t, []int64{x}, ids(h2.claim(1, queue.ClaimOptions{})))
}

func testClaimN(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	h.requireNoClaim()
	for range 5 {
		h.add(queue.Job{Kind: "n"})
	}
	first := h.claim(3, queue.ClaimOptions{})
	require.Len(t, first, 3)
	second := h.claim(3, queue.ClaimOptions{})
	require.Len(t, second, 2, "only two were left")
	all := append(ids(first), ids(second)...)
	slices.Sort(all)
	require.Len(t, slices.Compact(all), 5, "no job claimed twice")
	none, err := h.q.Claim(h.ctx, 3, queue.ClaimOptions{})
	require.NoError(t, err, "nothing to claim is not an error")
	require.Empty(t, none)
}

func testClaimInvalid(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	h.add(queue.Job{Kind: "i"})
	for _, n := range []int{0, -1} {
		_, err := h.q.Claim(h.ctx, n, queue.ClaimOptions{})
		require.Error(t, err, "n = %d", n)
	}
	_, err := h.q.Claim(h.ctx, 1, queue.ClaimOptions{Lease: -time.Second})
	require.Error(t, err, "negative lease")
	j := h.claimOne()
	require.Equal(t, 1, j.Attempt, "the refused claims claimed nothing")
	require.Error(t, h.q.Extend(h.ctx, j, 0), "Extend with a zero lease")
	require.Error(t, h.q.Extend(h.ctx, j, -time.Second), "Extend with a negative lease")
	_, err = h.q.Dead(h.ctx, queue.DeadFilter{Limit: -1})
	require.Error(t, err, "Dead with a negative limit")
}

func testClaimKinds(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	a1 := h.add(queue.Job{Kind: "a"})
	b := h.add(queue.Job{Kind: "b"})
	c := h.add(queue.Job{Kind: "c"})
	a2 := h.add(queue.Job{Kind: "a"})

	got := h.claim(10, queue.ClaimOptions{Kinds: []string{"a", "c", "a"}})
	require.ElementsMatch(t, []int64{a1, a2, c}, ids(got), "only the kinds asked for")
	h.requireNoClaim("a", "c", "unknown")
	require.Equal(t, b, h.claimOne().ID, "no kinds means any kind")
}

func testClaimRunAt(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	runAt := start.Add(time.Hour)
	id := h.add(queue.Job{Kind: "s", RunAt: runAt})
	h.requireNoClaim()
	h.advance(time.Hour - time.Second)
	h.requireNoClaim()
	h.advance(time.Second)
	j := h.claimOne()
	require.Equal(t, id, j.ID, "claimable from RunAt on")
	requireTime(t, runAt, j.RunAt, "RunAt")
}

func testLease(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	h.add(queue.Job{Kind: "l"})
	lease := 10 * time.Second
	first := h.claim(1, queue.ClaimOptions{Lease: lease})
	require.Len(t, first, 1)
	h.requireNoClaim()
	h.advance(lease - time.Second)
	h.requireNoClaim()
	h.advance(time.Second)
	again := h.claim(5, queue.ClaimOptions{Lease: lease})
	require.Len(t, again, 1, "claimable again once the lease ended")
	require.Equal(t, first[0].ID, again[0].ID)
	require.Equal(t, 2, again[0].Attempt, "each claim is an attempt")
	requireTime(t, h.now().Add(lease), again[0].LeaseUntil, "new lease")
	h.requireNoClaim()
}

func testFencing(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	h.add(queue.Job{Kind: "f"})
	stale := h.claim(1, queue.ClaimOptions{Lease: time.Second})[0]
	h.advance(2 * time.Second)
	current := h.claimOne()
	require.Equal(t, 2, current.Attempt)
	require.NotZero(t, current.ClaimToken)
	require.NotEqual(t, stale.ClaimToken, current.ClaimToken, "every claim gets its own ClaimToken")

	cause := errors.New("late")
	require.ErrorIs(t, h.q.Complete(h.ctx, stale), queue.ErrLeaseLost, "Complete by a stale claim")
	require.ErrorIs(t, h.q.Fail(h.ctx, stale, cause, h.now()), queue.ErrLeaseLost, "Fail by a stale claim")
	require.ErrorIs(t, h.q.Extend(h.ctx, stale, time.Minute), queue.ErrLeaseLost, "Extend by a stale claim")
	require.Equal(t, 1, h.stats().Kinds["f"].Running, "the stale calls changed nothing")

	// The ClaimToken is the fence: the current Attempt with another token
	// (or none) holds nothing.
	for _, forged := range []int64{0, current.ClaimToken + 1000, -current.ClaimToken} {
		f := current
		f.ClaimToken = forged
		require.ErrorIs(t, h.q.Complete(h.ctx, f), queue.ErrLeaseLost, "Complete with ClaimToken %d", forged)
		require.ErrorIs(t, h.q.Fail(h.ctx, f, cause, h.now()), queue.ErrLeaseLost, "Fail with ClaimToken %d", forged)
		require.ErrorIs(t, h.q.Extend(h.ctx, f, time.Minute), queue.ErrLeaseLost, "Extend with ClaimToken %d", forged)
	}
	require.Equal(t, 1, h.stats().Kinds["f"].Running, "the forged calls changed nothing")

	require.NoError(t, h.q.Complete(h.ctx, current))
	require.ErrorIs(t, h.q.Complete(h.ctx, current), queue.ErrLeaseLost, "Complete twice")
	require.ErrorIs(t, h.q.Fail(h.ctx, current, cause, h.now()), queue.ErrLeaseLost, "Fail after Complete")
	require.ErrorIs(t, h.q.Extend(h.ctx, current, time.Minute), queue.ErrLeaseLost, "Extend after Complete")

	missing := current
	missing.ID += 1000
	require.ErrorIs(t, h.q.Complete(h.ctx, missing), queue.ErrLeaseLost, "unknown ID")

	id := h.add(queue.Job{Kind: "f"})
	require.ErrorIs(t, h.q.Complete(h.ctx, queue.Job{ID: id, Kind: "f"}), queue.ErrLeaseLost, "a job never claimed")
	failed := h.claimOne()
	require.NoError(t, h.q.Fail(h.ctx, failed, cause, h.now().Add(time.Hour)))
	require.ErrorIs(t, h.q.Complete(h.ctx, failed), queue.ErrLeaseLost, "Complete after Fail")
}

func testLapsedStillHeld(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	h.add(queue.Job{Kind: "h"})
	h.add(queue.Job{Kind: "h"})
	jobs := h.claim(2, queue.ClaimOptions{Lease: time.Second})
	require.Len(t, jobs, 2)
	h.advance(time.Minute)
	// No one claimed them again, so their holder may still finish them.
	require.NoError(t, h.q.Complete(h.ctx, jobs[0]), "Complete after the lease ended, not re-claimed")
	require.NoError(t, h.q.Extend(h.ctx, jobs[1], time.Minute), "Extend after the lease ended, not re-claimed")
	h.requireNoClaim()
	h.advance(time.Minute)
	require.Equal(t, jobs[1].ID, h.claimOne().ID)
}

func testExtend(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	h.add(queue.Job{Kind: "e"})
	j := h.claim(1, queue.ClaimOptions{Lease: 10 * time.Second})[0]
	h.advance(8 * time.Second)
	require.NoError(t, h.q.Extend(h.ctx, j, 10*time.Second))
	h.advance(9 * time.Second) // past the first lease, within the extended one
	h.requireNoClaim()
	require.NoError(t, h.q.Complete(h.ctx, j), "the extended claim still holds the job")

	h.add(queue.Job{Kind: "e"})
	j = h.claim(1, queue.ClaimOptions{Lease: 10 * time.Second})[0]
	require.NoError(t, h.q.Extend(h.ctx, j, 5*time.Second), "Extend may shorten a lease")
	h.advance(5 * time.Second)
	again := h.claimOne()
	require.Equal(t, j.ID, again.ID)
	require.Equal(t, j.Attempt+1, again.Attempt)
}

func testLapsedLastAttempt(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	id := h.add(queue.Job{Kind: "x", MaxAttempts: 1})
	h.claim(1, queue.ClaimOptions{Lease: time.Second})
	h.advance(time.Second)
	j := h.claimOne()
	require.Equal(t, id, j.ID)
	require.Equal(t, 2, j.Attempt, "a lapsed last attempt is claimed again with Attempt past MaxAttempts")
	require.NoError(t, h.q.Fail(h.ctx, j, errors.New("lapsed"), h.now()))
	dead := h.dead(queue.DeadFilter{})
	require.Equal(t, []int64{id}, ids(dead), "failing it makes it dead whatever retryAt says")
}
