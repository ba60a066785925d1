package queuetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

var enqueueTests = []namedTest{
	{"Validation", testEnqueueValidation},
	{"FieldsAndDefaults", testEnqueueFields},
	{"Batch", testEnqueueBatch},
	{"KeyDedup", testKeyDedup},
}

func testEnqueueValidation(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	valid := queue.Job{Kind: "ok", Key: "valid"}
	for _, tc := range []struct {
		name  string
		job   queue.Job
		field string
	}{
		{"no kind", queue.Job{Payload: []byte("x")}, "Kind"},
		{"negative max attempts", queue.Job{Kind: "k", MaxAttempts: -1}, "MaxAttempts"},
	} {
		_, err := h.q.Enqueue(h.ctx, tc.job)
		require.ErrorIs(t, err, queue.ErrInvalidJob, tc.name)
		require.ErrorContains(t, err, tc.field, "%s: the error names the field", tc.name)

		// A batch with one invalid job adds none of its jobs.
		_, err = h.q.Enqueue(h.ctx, valid, tc.job)
		require.ErrorIs(t, err, queue.ErrInvalidJob, tc.name)
	}
	require.Empty(t, h.stats().Kinds, "nothing was enqueued")
	h.requireNoClaim()
	// The valid job's key was not taken by the failed batches.
	h.add(valid)

	res, err := h.q.Enqueue(h.ctx)
	require.NoError(t, err, "enqueueing no job is not an error")
	require.Empty(t, res)
}

func testEnqueueFields(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	payload := []byte{0, 1, 2, 0xff, '{', '}'}
	// Fields the queue owns are ignored on Enqueue.
	id := h.add(queue.Job{
		Kind: "fields", Payload: payload, Key: "k1", MaxAttempts: 3,
		ID: 999999, Attempt: 5, ClaimToken: 7, State: queue.StateDead, LastError: "old", LeaseUntil: start.Add(time.Hour),
	})
	id2 := h.add(queue.Job{Kind: "defaults"})
	require.NotEqual(t, id, id2, "IDs are unique")

	lease := 7 * time.Second
	jobs := h.claim(1, queue.ClaimOptions{Kinds: []string{"fields"}, Lease: lease})
	require.Len(t, jobs, 1)
	j := jobs[0]
	require.Equal(t, id, j.ID)
	require.Equal(t, "fields", j.Kind)
	require.Equal(t, payload, j.Payload, "the payload comes back byte for byte")
	require.Equal(t, "k1", j.Key)
	require.Equal(t, 3, j.MaxAttempts)
	require.Equal(t, 1, j.Attempt, "the first claim is attempt 1")
	require.NotZero(t, j.ClaimToken, "Claim sets a ClaimToken")
	require.Equal(t, queue.StateRunning, j.State)
	require.Empty(t, j.LastError)
	requireTime(t, start, j.RunAt, "a zero RunAt means now")
	requireTime(t, start, j.CreatedAt, "CreatedAt")
	requireTime(t, start.Add(lease), j.LeaseUntil, "LeaseUntil is now plus the lease")

	// A claim without a lease gets DefaultLease; MaxAttempts zero means the default.
	j2 := h.claimOne("defaults")
	require.Equal(t, id2, j2.ID)
	require.Equal(t, queue.DefaultMaxAttempts, j2.MaxAttempts)
	require.Empty(t, j2.Payload)
	require.Empty(t, j2.Key)
	requireTime(t, start.Add(queue.DefaultLease), j2.LeaseUntil, "default lease")
}

func testEnqueueBatch(t *testing.T, newQueue Factory) {
	h := newHarness(t, newQueue)
	res := h.enqueue(
		queue.Job{Kind: "b", Payload: []byte("1")},
		queue.Job{Kind: "b", Payload: []byte("2")},
		queue.Job{Kind: "c", Payload: []byte("3")},
	)
	got := map[int64]string{}
	for _, j := range h.claim(10, queue.ClaimOptions{}) {
		got[j.ID] = string(j.Payload)
	}
	require.Equal(t, map[int64]string{res[0].ID: "1", res[1].ID: "2", res[2].ID: "3"}, got,
		"results are in the order of the jobs given")
}

func testKeyDedup(t *testing.T, newQueue Factory) {
	dup := func(t *testing.T, h *harness, key string, want int64) {
		t.Helper()
		res := h.enqueue(queue.Job{Kind: "other-kind", Key: key, Payload: []byte("second")})
		require.True(t, res[0].Duplicate, "key %q is held", key)
		require.Equal(t, want, res[0].ID, "a duplicate returns the ID of the job holding the key")
	}
	job := queue.Job{Kind: "dedup", Key: "the-key", Payload: []byte("first"), MaxAttempts: 5}

	t.Run("available", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, newQueue)
		id := h.add(job)
		dup(t, h, job.Key, id)
		jobs := h.claim(10, queue.ClaimOptions{})
		require.Len(t, jobs, 1, "the duplicate added nothing")
		require.Equal(t, "first", string(jobs[0].Payload), "the held job is unchanged")
	})
	t.Run("scheduled", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, newQueue)
		j := job
		j.RunAt = start.Add(time.Hour)
		dup(t, h, job.Key, h.add(j))
	})
	t.Run("running", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, newQueue)
		id := h.add(job)
		h.claimOne()
		dup(t, h, job.Key, id)
	})
	t.Run("completed", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, newQueue)
		id := h.add(job)
		require.NoError(t, h.q.Complete(h.ctx, h.claimOne()))
		h.advance(time.Minute)
		dup(t, h, job.Key, id)
		h.requireNoClaim()
	})
	t.Run("dead, then requeued, then purged", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, newQueue)
		id := h.add(job)
		h.kill(h.claimOne(), errors.New("boom"))
		dup(t, h, job.Key, id)
		n, err := h.q.Requeue(h.ctx, id)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		dup(t, h, job.Key, id)
		h.kill(h.claimOne(), errors.New("boom again"))
		n, err = h.q.PurgeDead(h.ctx, id)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		id2 := h.add(job)
		require.NotEqual(t, id, id2, "a purged job's key is free again")
	})
	t.Run("same batch", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, newQueue)
		res := h.enqueue(job, queue.Job{Kind: "dedup", Key: "other"}, job)
		require.False(t, res[0].Duplicate)
		require.False(t, res[1].Duplicate)
		require.True(t, res[2].Duplicate, "a key repeated in one batch is a duplicate")
		require.Equal(t, res[0].ID, res[2].ID)
		require.Len(t, h.claim(10, queue.ClaimOptions{}), 2)
	})
	t.Run("no key never dedups", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, newQueue)
		res := h.enqueue(queue.Job{Kind: "dedup"}, queue.Job{Kind: "dedup"})
		require.False(t, res[0].Duplicate)
		require.False(t, res[1].Duplicate)
		require.NotEqual(t, res[0].ID, res[1].ID)
		h.add(queue.Job{Kind: "dedup"})
		require.Len(t, h.claim(10, queue.ClaimOptions{}), 3)
	})
}
