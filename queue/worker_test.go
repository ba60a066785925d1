package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

// work is the typed job of the Worker tests.
type work struct {
	N int `json:"n"`
}

func (work) Kind() string { return "work" }

// workerBundle is one Worker test's queue, worker and observed outcomes.
// Make it inside a synctest bubble.
type workerBundle struct {
	t      *testing.T
	q      *queue.Memory
	w      *queue.Worker
	events chan queue.JobEvent
}

func setupWorker(t *testing.T, cfg queue.WorkerConfig, wrap ...func(queue.Queue) queue.Queue) *workerBundle {
	t.Helper()
	q, err := queue.NewMemory(nil)
	require.NoError(t, err)
	b := &workerBundle{t: t, q: q, events: make(chan queue.JobEvent, 1000)}
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Observer = b.observer()
	var wq queue.Queue = q
	for _, f := range wrap {
		wq = f(wq)
	}
	b.w, err = queue.NewWorker(wq, &cfg)
	require.NoError(t, err)
	return b
}

// enqueue adds work jobs numbered from 0 and returns their IDs.
func (b *workerBundle) enqueue(n int, opts *queue.JobOptions) []int64 {
	b.t.Helper()
	jobs := make([]queue.Job, n)
	for i := range jobs {
		var err error
		jobs[i], err = queue.NewJob(work{N: i}, opts)
		require.NoError(b.t, err)
	}
	res, err := b.q.Enqueue(context.Background(), jobs...)
	require.NoError(b.t, err)
	out := make([]int64, n)
	for i, r := range res {
		out[i] = r.ID
	}
	return out
}

// run starts the worker and returns a function that stops it (cancels Run's
// context) and waits for Run to return.
func (b *workerBundle) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- b.w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(b.t, <-errc)
		})
	}
	b.t.Cleanup(stop)
	return stop
}

// awaitLimit bounds how long await waits, in the bubble's fake time: long
// enough for every test's handlers, and quick in real time.
const awaitLimit = 48 * time.Hour

// await returns the next outcome event, failing the test if none comes
// within awaitLimit of fake time.
func (b *workerBundle) await() queue.JobEvent {
	b.t.Helper()
	select {
	case e := <-b.events:
		return e
	case <-time.After(awaitLimit):
		b.t.Fatalf("no job outcome within %s", awaitLimit)
		return queue.JobEvent{}
	}
}

// observer sends outcomes to the bundle, for a second worker on its queue.
func (b *workerBundle) observer() queue.Observer {
	return queue.ObserverFunc(func(e queue.JobEvent) { b.events <- e })
}

func (b *workerBundle) stats(kind string) queue.KindStats {
	b.t.Helper()
	st, err := b.q.Stats(context.Background())
	require.NoError(b.t, err)
	return st.Kinds[kind]
}

func (b *workerBundle) onlyDead() queue.Job {
	b.t.Helper()
	dead, err := b.q.Dead(context.Background(), queue.DeadFilter{})
	require.NoError(b.t, err)
	require.Len(b.t, dead, 1)
	return dead[0]
}

func handle(t *testing.T, w *queue.Worker, fn func(ctx context.Context, task *queue.Task[work]) error, opts *queue.HandleOptions) {
	t.Helper()
	require.NoError(t, queue.Handle(w, fn, opts))
}

func TestWorkerBoundedConcurrency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{Concurrency: 3})
		var running, peak atomic.Int32
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Second)
			running.Add(-1)
			return nil
		}, nil)
		b.enqueue(20, nil)
		begin := time.Now()
		stop := b.run()
		for range 20 {
			require.Equal(t, queue.OutcomeCompleted, b.await().Outcome)
		}
		elapsed := time.Since(begin)
		stop()
		require.EqualValues(t, 3, peak.Load(), "never more than Concurrency handlers at once")
		require.Equal(t, 7*time.Second, elapsed, "a freed slot is refilled at once: ceil(20/3) rounds of 1 s")
	})
}

func TestWorkerHeartbeatKeepsLongJob(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		cfg := queue.WorkerConfig{Concurrency: 1, Lease: 10 * time.Second}
		b := setupWorker(t, cfg)
		cfg.Observer = b.observer() // whichever worker claims the job reports it
		other, err := queue.NewWorker(b.q, &cfg)
		require.NoError(t, err)
		var runs atomic.Int32
		long := func(ctx context.Context, task *queue.Task[work]) error {
			runs.Add(1)
			time.Sleep(time.Minute) // six leases long
			return nil
		}
		handle(t, b.w, long, nil)
		handle(t, other, long, nil)
		b.enqueue(1, nil)
		b.run()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		otherDone := make(chan error, 1)
		go func() { otherDone <- other.Run(ctx) }()

		time.Sleep(30 * time.Second)
		jobs, err := b.q.Claim(context.Background(), 1, queue.ClaimOptions{})
		require.NoError(t, err)
		require.Empty(t, jobs, "the heartbeat keeps the job leased")

		e := b.await()
		require.Equal(t, queue.OutcomeCompleted, e.Outcome)
		require.Equal(t, 1, e.Job.Attempt)
		require.EqualValues(t, 1, runs.Load(), "the second worker never got the job")
		cancel()
		require.NoError(t, <-otherDone)
	})
}

func TestWorkerPanic(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{})
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
			panic(fmt.Sprintf("kaboom %d", task.Attempt))
		}, nil)
		b.enqueue(1, &queue.JobOptions{MaxAttempts: 2})
		b.run()

		e := b.await()
		require.Equal(t, queue.OutcomeRetried, e.Outcome, "a panic is a failed attempt")
		var pe *queue.PanicError
		require.ErrorAs(t, e.Err, &pe)
		require.Equal(t, "kaboom 1", pe.Value)
		require.Contains(t, string(pe.Stack), "worker_test.go", "the stack shows where the handler panicked")

		require.Equal(t, queue.OutcomeDead, b.await().Outcome)
		dead := b.onlyDead()
		require.Contains(t, dead.LastError, "handler panicked: kaboom 2")
		require.Contains(t, dead.LastError, "worker_test.go", "LastError holds the stack")
	})
}

// hintError is an API error that carries a server's retry hint.
type hintError struct{ wait time.Duration }

func (e hintError) Error() string             { return "rate limited" }
func (e hintError) RetryAfter() time.Duration { return e.wait }

// permanentError is an error that says retrying cannot help.
type permanentError struct{}

func (permanentError) Error() string { return "rejected" }
func (permanentError) GiveUp() bool  { return true }

func TestWorkerRetryAfter(t *testing.T) {
	t.Parallel()
	for name, fail := range map[string]error{
		"RetryAfter":              queue.RetryAfter(5*time.Minute, errors.New("busy")),
		"error with a RetryAfter": fmt.Errorf("crm: upsert: %w", hintError{wait: 5 * time.Minute}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				// Polling hourly: only the worker's own retry wake-up can run
				// the job again after five minutes.
				b := setupWorker(t, queue.WorkerConfig{PollInterval: time.Hour})
				var ranAt []time.Time
				handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
					ranAt = append(ranAt, time.Now())
					if task.Attempt == 1 {
						return fail
					}
					return nil
				}, nil)
				b.enqueue(1, nil)
				begin := time.Now()
				b.run()
				e := b.await()
				require.Equal(t, queue.OutcomeRetried, e.Outcome)
				require.Equal(t, begin.Add(5*time.Minute), e.RetryAt)
				require.Equal(t, queue.OutcomeCompleted, b.await().Outcome)
				require.Equal(t, []time.Time{begin, begin.Add(5 * time.Minute)}, ranAt)
			})
		})
	}
}

// An API error answers RetryAfter() with zero when the server named no
// wait: the backoff decides, not an immediate retry.
func TestWorkerRetryAfterZeroUsesTheBackoff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{PollInterval: time.Hour,
			Backoff: func(int) time.Duration { return 42 * time.Second }})
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
			if task.Attempt == 1 {
				return fmt.Errorf("books: %w", hintError{})
			}
			return nil
		}, nil)
		b.enqueue(1, nil)
		begin := time.Now()
		b.run()
		e := b.await()
		require.Equal(t, queue.OutcomeRetried, e.Outcome)
		require.Equal(t, begin.Add(42*time.Second), e.RetryAt)
		require.Equal(t, queue.OutcomeCompleted, b.await().Outcome)
	})
}

func TestWorkerGiveUp(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		err       error
		lastError string
	}{
		"GiveUp":               {queue.GiveUp(errors.New("bad data")), "bad data (gave up)"},
		"error with GiveUp":    {fmt.Errorf("books: %w", permanentError{}), "books: rejected"},
		"undecodable payload":  {nil, "queue: decode work payload"},
		"RetryAfter on GiveUp": {queue.RetryAfter(time.Second, queue.GiveUp(errors.New("x"))), "x (gave up) (retry after 1s)"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				b := setupWorker(t, queue.WorkerConfig{})
				handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error { return tc.err }, nil)
				if tc.err == nil {
					_, err := b.q.Enqueue(context.Background(), queue.Job{Kind: "work", Payload: []byte("not json")})
					require.NoError(t, err)
				} else {
					b.enqueue(1, nil)
				}
				b.run()
				require.Equal(t, queue.OutcomeDead, b.await().Outcome)
				dead := b.onlyDead()
				require.Equal(t, 1, dead.Attempt, "dead at once with attempts left")
				require.Contains(t, dead.LastError, tc.lastError)
			})
		})
	}
}

func TestWorkerAlwaysFailsThenRequeued(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{})
		var healed atomic.Bool
		var ranAt []time.Time
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
			ranAt = append(ranAt, time.Now())
			if healed.Load() {
				return nil
			}
			return fmt.Errorf("attempt %d failed", task.Attempt)
		}, nil)
		id := b.enqueue(1, &queue.JobOptions{MaxAttempts: 3})[0]
		b.run()
		require.Equal(t, queue.OutcomeRetried, b.await().Outcome)
		require.Equal(t, queue.OutcomeRetried, b.await().Outcome)
		e := b.await()
		require.Equal(t, queue.OutcomeDead, e.Outcome)
		require.EqualError(t, e.Err, "attempt 3 failed")

		// The default backoff: about 1 s, then about 2 s (±20 %).
		require.Len(t, ranAt, 3)
		require.InDelta(t, time.Second, ranAt[1].Sub(ranAt[0]), float64(200*time.Millisecond))
		require.InDelta(t, 2*time.Second, ranAt[2].Sub(ranAt[1]), float64(400*time.Millisecond))

		dead := b.onlyDead()
		require.Equal(t, id, dead.ID)
		require.Equal(t, 3, dead.Attempt)
		require.Equal(t, "attempt 3 failed", dead.LastError)

		healed.Store(true)
		n, err := b.q.Requeue(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		e = b.await()
		require.Equal(t, queue.OutcomeCompleted, e.Outcome, "the Notifier wakes the worker for the requeued job")
		require.Equal(t, 1, e.Job.Attempt)
		require.Equal(t, queue.KindStats{}, b.stats("work"))
	})
}
