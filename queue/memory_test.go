package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/queuetest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T, now func() time.Time) queue.Queue {
		q, err := queue.NewMemory(&queue.MemoryOptions{Now: now})
		require.NoError(t, err)
		return q
	})
}

func TestNewMemoryOptions(t *testing.T) {
	t.Parallel()
	_, err := queue.NewMemory(&queue.MemoryOptions{Retention: -time.Second})
	require.ErrorContains(t, err, "Retention")
	q, err := queue.NewMemory(nil)
	require.NoError(t, err, "nil options are the defaults")
	_, err = q.Enqueue(t.Context(), queue.Job{Kind: "k"})
	require.NoError(t, err)
}

// fakeClock is a settable clock for the memory tests.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func TestMemoryRetention(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: clock.Now, Retention: time.Hour})
	require.NoError(t, err)
	job := queue.Job{Kind: "k", Key: "once"}
	res, err := q.Enqueue(ctx, job)
	require.NoError(t, err)
	jobs, err := q.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.NoError(t, q.Complete(ctx, jobs[0]))

	clock.now = clock.now.Add(time.Hour - time.Second)
	again, err := q.Enqueue(ctx, job)
	require.NoError(t, err)
	require.Equal(t, queue.EnqueueResult{ID: res[0].ID, Duplicate: true}, again[0], "within retention the key still dedups")

	clock.now = clock.now.Add(time.Second)
	again, err = q.Enqueue(ctx, job)
	require.NoError(t, err)
	require.False(t, again[0].Duplicate, "after retention the completed job is gone and its key free")
	require.NotEqual(t, res[0].ID, again[0].ID)
}

func TestMemoryPayloadIsCopied(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	q, err := queue.NewMemory(nil)
	require.NoError(t, err)
	payload := []byte("original")
	_, err = q.Enqueue(ctx, queue.Job{Kind: "k", Payload: payload, MaxAttempts: 2})
	require.NoError(t, err)
	payload[0] = 'X' // the caller reuses its buffer
	jobs, err := q.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Equal(t, "original", string(jobs[0].Payload))
	jobs[0].Payload[0] = 'Y' // a handler scribbles on its payload
	require.NoError(t, q.Fail(ctx, jobs[0], nil, time.Now()))
	jobs, err = q.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.Equal(t, "original", string(jobs[0].Payload), "the retry sees the payload as enqueued")
}

func TestMemorySignals(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: clock.Now})
	require.NoError(t, err)
	ch, unsubscribe := q.Subscribe()
	defer unsubscribe()
	signalled := func() bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	_, err = q.Enqueue(ctx, queue.Job{Kind: "k", MaxAttempts: 5}, queue.Job{Kind: "k", MaxAttempts: 5})
	require.NoError(t, err)
	require.True(t, signalled(), "Enqueue signals")
	require.False(t, signalled(), "signals coalesce")

	jobs, err := q.Claim(ctx, 2, queue.ClaimOptions{})
	require.NoError(t, err)
	require.False(t, signalled(), "Claim does not signal")
	require.NoError(t, q.Fail(ctx, jobs[0], nil, clock.now.Add(time.Hour)))
	require.False(t, signalled(), "a retry in the future is not ready yet")
	require.NoError(t, q.Release(ctx, jobs[1]))
	require.True(t, signalled(), "Release signals")

	jobs, err = q.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.NoError(t, q.Fail(ctx, jobs[0], nil, clock.now))
	require.True(t, signalled(), "a retry due now signals")
	jobs, err = q.Claim(ctx, 1, queue.ClaimOptions{})
	require.NoError(t, err)
	require.NoError(t, q.Fail(ctx, jobs[0], nil, time.Time{}))
	require.False(t, signalled(), "a dead job is not ready")
	n, err := q.Requeue(ctx, jobs[0].ID)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.True(t, signalled(), "Requeue signals")

	unsubscribe()
	_, err = q.Enqueue(ctx, queue.Job{Kind: "k"})
	require.NoError(t, err)
	require.False(t, signalled(), "no signal after unsubscribing")
}
