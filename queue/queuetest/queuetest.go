// Package queuetest is the conformance suite for queue.Queue
// implementations. Every implementation in zohokit passes it, and so should
// yours:
//
//	func TestConformance(t *testing.T) {
//		queuetest.Run(t, func(t *testing.T, now func() time.Time) queue.Queue {
//			return mystore.NewQueue(t, now)
//		})
//	}
//
// The suite checks every point of the contract documented on queue.Queue and
// queue.Job: enqueue validation and atomicity, idempotency keys in every
// state, scheduling, claim order, kinds, leases and their fencing by
// ClaimToken (also against a stale claim whose Attempt a later claim repeats
// after a Release or a Requeue), retries, dead jobs, stats, concurrent
// claimers, the optional Notifier and Releaser interfaces, and context
// cancellation. It then runs a real queue.Worker
// against the queue. Most tests move a fake clock instead of sleeping; the
// Worker tests use the real clock.
package queuetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

// Factory returns a new, empty queue for one test. The queue must read the
// time only through now, so the suite can move time without sleeping.
type Factory func(t *testing.T, now func() time.Time) queue.Queue

// Run runs the conformance suite against the queues newQueue makes. Every
// test is parallel and gets its own queue.
func Run(t *testing.T, newQueue Factory) {
	t.Helper()
	groups := []struct {
		name  string
		tests []namedTest
	}{
		{"Enqueue", enqueueTests},
		{"Claim", claimTests},
		{"Fail", failTests},
		{"Stats", statsTests},
		{"Misc", miscTests},
		{"Worker", workerTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, newQueue)
				})
			}
		})
	}
}

type namedTest struct {
	name string
	fn   func(t *testing.T, newQueue Factory)
}

// start is the fake clock's initial time: whole seconds, so that stores with
// microsecond precision keep every time the suite compares exactly.
var start = time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is one test's queue, clock and context, with helpers that fail the
// test on unexpected errors.
type harness struct {
	t     *testing.T
	q     queue.Queue
	clock *clock
	ctx   context.Context
}

func newHarness(t *testing.T, newQueue Factory) *harness {
	t.Helper()
	c := &clock{t: start}
	q := newQueue(t, c.Now)
	require.NotNil(t, q, "Factory returned a nil queue")
	return &harness{t: t, q: q, clock: c, ctx: t.Context()}
}

func (h *harness) now() time.Time { return h.clock.Now() }

func (h *harness) advance(d time.Duration) { h.clock.Advance(d) }

func (h *harness) enqueue(jobs ...queue.Job) []queue.EnqueueResult {
	h.t.Helper()
	res, err := h.q.Enqueue(h.ctx, jobs...)
	require.NoError(h.t, err)
	require.Len(h.t, res, len(jobs), "Enqueue must return one result per job")
	return res
}

// add enqueues one job that must not be a duplicate and returns its ID.
func (h *harness) add(j queue.Job) int64 {
	h.t.Helper()
	res := h.enqueue(j)
	require.False(h.t, res[0].Duplicate, "job %q unexpectedly a duplicate", j.Key)
	require.Positive(h.t, res[0].ID, "job IDs are positive")
	return res[0].ID
}

func (h *harness) claim(n int, opts queue.ClaimOptions) []queue.Job {
	h.t.Helper()
	jobs, err := h.q.Claim(h.ctx, n, opts)
	require.NoError(h.t, err)
	require.LessOrEqual(h.t, len(jobs), n, "Claim returned more jobs than asked")
	return jobs
}

// claimOne claims exactly one job of the given kinds (any when none).
func (h *harness) claimOne(kinds ...string) queue.Job {
	h.t.Helper()
	jobs := h.claim(1, queue.ClaimOptions{Kinds: kinds})
	require.Len(h.t, jobs, 1, "expected a job to claim")
	return jobs[0]
}

// requireNoClaim checks that nothing of the given kinds is claimable.
func (h *harness) requireNoClaim(kinds ...string) {
	h.t.Helper()
	jobs := h.claim(10, queue.ClaimOptions{Kinds: kinds})
	require.Empty(h.t, jobs, "expected nothing to claim")
}

// kill makes a claimed job dead by failing it with a zero retry time.
func (h *harness) kill(j queue.Job, cause error) {
	h.t.Helper()
	require.NoError(h.t, h.q.Fail(h.ctx, j, cause, time.Time{}))
}

func (h *harness) stats() queue.Stats {
	h.t.Helper()
	st, err := h.q.Stats(h.ctx)
	require.NoError(h.t, err)
	return st
}

func (h *harness) dead(f queue.DeadFilter) []queue.Job {
	h.t.Helper()
	jobs, err := h.q.Dead(h.ctx, f)
	require.NoError(h.t, err)
	return jobs
}

// ids returns the IDs of jobs, in order.
func ids(jobs []queue.Job) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

// byID returns the job with the given ID.
func byID(t *testing.T, jobs []queue.Job, id int64) queue.Job {
	t.Helper()
	for _, j := range jobs {
		if j.ID == id {
			return j
		}
	}
	require.Failf(t, "job not found", "no job %d among %v", id, ids(jobs))
	return queue.Job{}
}

// requireTime checks that two times are the same instant, whatever their
// location.
func requireTime(t *testing.T, want, got time.Time, what string) {
	t.Helper()
	require.Truef(t, want.Equal(got), "%s: want %s, got %s", what, want, got)
}

// requireKindStats compares stats field by field, the time with Equal.
func requireKindStats(t *testing.T, want, got queue.KindStats, what string) {
	t.Helper()
	require.Equal(t, want.Ready, got.Ready, "%s: Ready", what)
	require.Equal(t, want.Scheduled, got.Scheduled, "%s: Scheduled", what)
	require.Equal(t, want.Running, got.Running, "%s: Running", what)
	require.Equal(t, want.Dead, got.Dead, "%s: Dead", what)
	requireTime(t, want.OldestReady, got.OldestReady, what+": OldestReady")
}
