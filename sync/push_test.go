package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

func TestPushCreatesOnceAndLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	deal := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	p := b.pipeline(t, b.config(sync.Push))

	rep, err := p.Push(ctx, sync.Event{ID: deal.ID})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Read: 1, Created: 1}, rep.Counts)
	links, err := b.store.Links(ctx, p.Name(), store.Left, []string{deal.ID})
	require.NoError(t, err)
	require.Contains(t, links, deal.ID)
	require.Equal(t, b.right.Records(dt)[0].ID, links[deal.ID].RightID)

	// The same event again, twice, with and without the record: no second
	// record, no write.
	b.right.ResetCalls()
	for _, ev := range []sync.Event{{ID: deal.ID}, {Record: &deal}} {
		rep, err = p.Push(ctx, ev)
		require.NoError(t, err)
		require.Equal(t, 1, rep.Counts.Unchanged)
	}
	require.Zero(t, b.right.Calls().Writes)
	require.Equal(t, 1, b.right.Len(dt))
	synctest.AssertRecords(t, b.right, dt, []map[string]any{customer("Ana", "ana@example.com", "Paris")})
}

func TestPushRedeliveryWithRetryableFailuresCreatesOneRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: b.clock.Now})
	require.NoError(t, err)
	deal := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	b.right.Inject(synctest.Fault{Op: sync.OpCreate, Times: 2}) // two 503s
	cfg := b.config(sync.Push)
	cfg.Queue = q
	p := b.pipeline(t, cfg)

	// The webhook delivers the same event three times; the first two
	// attempts meet the outage and are parked (the second one's job is the
	// first's: same record version, same key); the third gets through.
	var parked []int64
	for range 3 {
		rep, err := p.Push(ctx, sync.Event{ID: deal.ID})
		require.NoError(t, err, "a parked failure is not an error")
		if rep.Counts.Failed > 0 {
			require.True(t, rep.Failures[0].Retryable)
			parked = append(parked, rep.Failures[0].JobID)
		}
	}
	require.Len(t, parked, 2)
	require.Equal(t, parked[0], parked[1], "one retry job per record version")
	require.Equal(t, 1, b.right.Len(dt))

	// The retry job finds the link and writes nothing.
	drain(t, q, b.clock.Now, p)
	require.Equal(t, 1, b.right.Len(dt))
	synctest.AssertRecords(t, b.right, dt, []map[string]any{customer("Ana", "ana@example.com", "Paris")})
	st, err := q.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st.Total().Dead)
}

func TestPushJobsRetriedByTheWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: b.clock.Now})
	require.NoError(t, err)
	deal := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	b.right.Inject(synctest.Fault{Op: sync.OpCreate, Times: 2})
	cfg := b.config(sync.Push)
	cfg.Queue = q
	p := b.pipeline(t, cfg)

	// A webhook receiver enqueues the event three times (three deliveries,
	// no delivery ID to dedup them).
	for range 3 {
		j, err := sync.PushJob(p.Name(), sync.Event{ID: deal.ID}, nil)
		require.NoError(t, err)
		_, err = q.Enqueue(ctx, j)
		require.NoError(t, err)
	}
	drain(t, q, b.clock.Now, p)
	require.Equal(t, 1, b.right.Len(dt))
	require.Equal(t, 2, b.right.Calls().Failed)
	st, err := q.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st.Total().Dead)
}

func TestPushRejectionIsReportedAndParked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: b.clock.Now})
	require.NoError(t, err)
	deal := b.left.Put(dt, "", contact("Ana", "not-an-email", "Paris"))
	b.right.Inject(synctest.Fault{Err: synctest.Rejected("email is invalid")})
	cfg := b.config(sync.Push)
	cfg.Queue = q
	p := b.pipeline(t, cfg)

	rep, err := p.Push(ctx, sync.Event{ID: deal.ID})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Counts.Failed)
	require.Equal(t, 1, rep.Parked)
	require.Contains(t, rep.Failures[0].Reason, "email is invalid")
	require.False(t, rep.Failures[0].Retryable)

	// Its job gets one more attempt, then it is dead, visible for a person.
	drain(t, q, b.clock.Now, p)
	dead, err := q.Dead(ctx, queue.DeadFilter{})
	require.NoError(t, err)
	require.Len(t, dead, 1)
	require.Equal(t, sync.RetryKind, dead[0].Kind)
	require.Contains(t, dead[0].LastError, "email is invalid")

	// Fixed in the source, requeued: it goes through.
	b.right.ClearFaults()
	_, err = b.left.Update(dt, deal.ID, map[string]any{"Email": "ana@example.com"})
	require.NoError(t, err)
	_, err = q.Requeue(ctx, dead[0].ID)
	require.NoError(t, err)
	drain(t, q, b.clock.Now, p)
	synctest.AssertRecords(t, b.right, dt, []map[string]any{customer("Ana", "ana@example.com", "Paris")})
}

func TestPushWithoutQueueReturnsTheFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	deal := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	b.right.Inject(synctest.Fault{Times: 1})
	p := b.pipeline(t, b.config(sync.Push))

	rep, err := p.Push(ctx, sync.Event{ID: deal.ID})
	require.Error(t, err, "the caller must have the event delivered again")
	require.Equal(t, 1, rep.Counts.Failed)
	require.Zero(t, b.right.Len(dt))
	require.True(t, sync.IsRetryable(err), "the sink's error is kept, not just its text")
	var unavailable interface{ Retryable() bool }
	require.ErrorAs(t, err, &unavailable)
	require.ErrorIs(t, err, rep.Failures[0].Err)

	_, err = p.Push(ctx, sync.Event{ID: deal.ID})
	require.NoError(t, err)
	require.Equal(t, 1, b.right.Len(dt))
}

func TestPushEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	cfg := b.config(sync.Push)
	cfg.Left.Source = nil // events only
	p := b.pipeline(t, cfg)

	for _, ev := range []sync.Event{
		{},
		{ID: "a", Record: &sync.Record{ID: "b"}},
		{ID: "a", Side: "middle"},
		{ID: "a", Side: store.Right},
	} {
		_, err := p.Push(ctx, ev)
		require.ErrorIs(t, err, sync.ErrInvalidEvent, "%+v", ev)
	}

	// An event for a record that no longer exists is a delete (ignored by
	// default: nothing was linked).
	rep, err := p.Push(ctx, sync.Event{ID: "L-404"})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Skipped)

	// A push pipeline without a Source has nothing to catch up from.
	_, err = p.Run(ctx)
	require.ErrorIs(t, err, sync.ErrNoSource)
	_, err = p.Plan(ctx)
	require.ErrorIs(t, err, sync.ErrNoSource)
}

func TestPushCatchUpRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	a := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	b.left.Put(dt, "", contact("Bob", "bob@example.com", "Rome"))
	cfg := b.config(sync.Push)
	p := b.pipeline(t, cfg)
	_, err := p.Push(ctx, sync.Event{ID: a.ID})
	require.NoError(t, err)

	// Run reads the source's changes and writes what the events missed.
	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Created)
	require.Equal(t, 1, rep.Counts.Unchanged)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
}

func TestJobRegistrationAndPayloads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	p := b.pipeline(t, b.config(sync.Push))
	q := mustQueue(t)
	w, err := queue.NewWorker(q, nil)
	require.NoError(t, err)
	require.ErrorContains(t, sync.RegisterJobs(nil, p), "worker is nil")
	require.ErrorContains(t, sync.RegisterJobs(w, p, p), "two pipelines are named")
	require.NoError(t, sync.RegisterJobs(w, p))
	require.Error(t, sync.RegisterJobs(w, p), "the kinds have handlers already")

	_, err = sync.PushJob("", sync.Event{ID: "1"}, nil)
	require.Error(t, err)
	_, err = sync.PushJob(p.Name(), sync.Event{}, nil)
	require.ErrorIs(t, err, sync.ErrInvalidEvent)
	j, err := sync.PushJob(p.Name(), sync.Event{ID: "L-1"}, &queue.JobOptions{Key: "delivery-7"})
	require.NoError(t, err)
	require.Equal(t, sync.PushKind, j.Kind)
	require.Equal(t, "delivery-7", j.Key)

	// Jobs of unknown pipelines and undecodable payloads are dead at once.
	_, err = q.Enqueue(ctx, queue.Job{Kind: sync.PushKind, Payload: []byte(`{"pipeline":"nope","id":"1"}`)},
		queue.Job{Kind: sync.RetryKind, Payload: []byte(`{`)})
	require.NoError(t, err)
	drain(t, q, time.Now, p)
	dead, err := q.Dead(ctx, queue.DeadFilter{})
	require.NoError(t, err)
	require.Len(t, dead, 2)
	require.Equal(t, 1, dead[0].Attempt)
	require.Contains(t, dead[0].LastError, `unknown pipeline "nope"`)
}

// A push job may carry the record as the webhook delivered it; its first
// attempt uses it, but a retry re-reads the record (Event.Record: "Retries
// always re-read it"), so an attempt that comes after the record changed
// again never writes the old version over the new one.
func TestPushJobRetryReReadsACarriedRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: b.clock.Now})
	require.NoError(t, err)
	deal := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	b.right.Inject(synctest.Fault{Op: sync.OpCreate, Times: 1}) // the first attempt meets a 503
	cfg := b.config(sync.Push)
	cfg.Queue = q
	p := b.pipeline(t, cfg)

	j, err := sync.PushJob(p.Name(), sync.Event{Record: &deal}, nil)
	require.NoError(t, err)
	_, err = q.Enqueue(ctx, j)
	require.NoError(t, err)
	b.tick()
	update(t, b.left, deal.ID, map[string]any{"City": "Lyon"}) // before the retry

	drain(t, q, b.clock.Now, p)
	require.Equal(t, 1, b.right.Calls().Failed, "the first attempt failed")
	synctest.AssertRecords(t, b.right, dt, []map[string]any{customer("Ana", "ana@example.com", "Lyon")})
}
