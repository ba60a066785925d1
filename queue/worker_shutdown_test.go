package queue_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

func TestWorkerShutdownLetsJobsFinish(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{Concurrency: 1, ShutdownTimeout: 10 * time.Second})
		started := make(chan struct{}, 2)
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
			started <- struct{}{}
			select {
			case <-time.After(5 * time.Second):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}, nil)
		b.enqueue(1, nil)
		stop := b.run()
		<-started
		b.enqueue(1, &queue.JobOptions{Key: "second"})
		begin := time.Now()
		stop() // returns once the running job is done
		require.Equal(t, 5*time.Second, time.Since(begin), "Run waited for the running handler, no longer")
		require.Equal(t, queue.OutcomeCompleted, b.await().Outcome)
		require.Equal(t, queue.KindStats{Ready: 1, OldestReady: begin}, b.stats("work"), "nothing claimed after the stop")
		require.Empty(t, started, "the second job never started")
	})
}

// noReleaser hides Memory's Release method from the Worker.
type noReleaser struct{ queue.Queue }

func TestWorkerShutdownCancelsAndReleases(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		wrap        func(queue.Queue) queue.Queue
		maxAttempts int
		want        queue.KindStats // of the cancelled job's kind afterwards
		nextAttempt int
		outcome     queue.Outcome
	}{
		"Releaser: the attempt is not used up": {
			wrap: func(q queue.Queue) queue.Queue { return q }, maxAttempts: 1,
			want: queue.KindStats{Ready: 1}, nextAttempt: 1, outcome: queue.OutcomeReleased,
		},
		"no Releaser: failed with a retry at once": {
			wrap: func(q queue.Queue) queue.Queue { return noReleaser{q} }, maxAttempts: 2,
			want: queue.KindStats{Ready: 1}, nextAttempt: 2, outcome: queue.OutcomeReleased,
		},
		"no Releaser, last attempt: dead": {
			wrap: func(q queue.Queue) queue.Queue { return noReleaser{q} }, maxAttempts: 1,
			want: queue.KindStats{Dead: 1}, outcome: queue.OutcomeDead,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				b := setupWorker(t, queue.WorkerConfig{Concurrency: 2, ShutdownTimeout: 10 * time.Second}, tc.wrap)
				started := make(chan struct{}, 2)
				handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
					started <- struct{}{}
					<-ctx.Done()
					if task.Args.N == 1 {
						return nil // finished its work despite the cancellation
					}
					return context.Cause(ctx)
				}, nil)
				ids := b.enqueue(2, &queue.JobOptions{MaxAttempts: tc.maxAttempts})
				stop := b.run()
				<-started
				<-started
				begin := time.Now()
				stop()
				require.Equal(t, 10*time.Second, time.Since(begin), "handlers were cancelled after ShutdownTimeout")

				got := map[int64]queue.JobEvent{}
				for range 2 {
					e := b.await()
					got[e.Job.ID] = e
				}
				require.Equal(t, queue.OutcomeCompleted, got[ids[1]].Outcome, "a handler that returns nil is completed")
				require.Equal(t, tc.outcome, got[ids[0]].Outcome)
				require.ErrorIs(t, got[ids[0]].Err, queue.ErrWorkerStopped)

				st := b.stats("work")
				st.OldestReady = time.Time{}
				require.Equal(t, tc.want, st)
				if tc.nextAttempt > 0 {
					jobs, err := b.q.Claim(context.Background(), 1, queue.ClaimOptions{})
					require.NoError(t, err)
					require.Len(t, jobs, 1)
					require.Equal(t, tc.nextAttempt, jobs[0].Attempt)
				}
			})
		})
	}
}

func TestWorkerJobTimeout(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		cfg     queue.WorkerConfig
		opts    *queue.HandleOptions
		timeout time.Duration // zero: none expected
	}{
		"HandleOptions.Timeout":   {opts: &queue.HandleOptions{Timeout: 5 * time.Second}, timeout: 5 * time.Second},
		"WorkerConfig.JobTimeout": {cfg: queue.WorkerConfig{JobTimeout: 2 * time.Second}, timeout: 2 * time.Second},
		"default":                 {timeout: queue.DefaultJobTimeout},
		"negative: none":          {cfg: queue.WorkerConfig{JobTimeout: time.Second}, opts: &queue.HandleOptions{Timeout: -1}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				b := setupWorker(t, tc.cfg)
				handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
					select {
					case <-time.After(24 * time.Hour):
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				}, tc.opts)
				b.enqueue(1, &queue.JobOptions{MaxAttempts: 1})
				begin := time.Now()
				b.run()
				e := b.await()
				if tc.timeout == 0 {
					require.Equal(t, queue.OutcomeCompleted, e.Outcome)
					require.Equal(t, 24*time.Hour, time.Since(begin))
					return
				}
				require.Equal(t, queue.OutcomeDead, e.Outcome)
				require.Equal(t, tc.timeout, time.Since(begin))
				require.ErrorIs(t, e.Err, context.DeadlineExceeded)
				require.Contains(t, b.onlyDead().LastError, fmt.Sprintf("job timed out after %s", tc.timeout))
			})
		})
	}
}

// losingQueue answers ErrLeaseLost to every Extend, as when another worker
// has taken the job.
type losingQueue struct {
	queue.Queue
	completes chan queue.Job
}

func (q losingQueue) Extend(ctx context.Context, j queue.Job, d time.Duration) error {
	return fmt.Errorf("extend job %d: %w", j.ID, queue.ErrLeaseLost)
}

func (q losingQueue) Complete(ctx context.Context, j queue.Job) error {
	q.completes <- j
	return q.Queue.Complete(ctx, j)
}

func TestWorkerLeaseLost(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		completes := make(chan queue.Job, 1)
		b := setupWorker(t, queue.WorkerConfig{Lease: 3 * time.Second}, func(q queue.Queue) queue.Queue {
			return losingQueue{Queue: q, completes: completes}
		})
		causes := make(chan error, 1)
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
			<-ctx.Done()
			causes <- context.Cause(ctx)
			return nil
		}, nil)
		b.enqueue(1, nil)
		begin := time.Now()
		b.run()
		e := b.await()
		require.Equal(t, queue.OutcomeLeaseLost, e.Outcome)
		require.Equal(t, time.Second, time.Since(begin), "the first heartbeat, at a third of the lease, found the lease lost")
		require.ErrorIs(t, <-causes, queue.ErrLeaseLost, "the handler's context says why it was cancelled")
		require.Empty(t, completes, "the result of a lost lease is not recorded")
	})
}

func TestWorkerLapsedLastAttempt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{})
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error {
			t.Error("the handler must not run a job whose last attempt lapsed")
			return nil
		}, nil)
		b.enqueue(1, &queue.JobOptions{MaxAttempts: 1})
		// A worker that died holding the job's only attempt.
		_, err := b.q.Claim(context.Background(), 1, queue.ClaimOptions{Lease: time.Second})
		require.NoError(t, err)
		time.Sleep(time.Second)
		b.run()
		require.Equal(t, queue.OutcomeDead, b.await().Outcome)
		require.Contains(t, b.onlyDead().LastError, "lease of the last attempt")
	})
}

func TestWorkerWakesOnNotifier(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{PollInterval: time.Hour})
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error { return nil }, nil)
		b.run()
		time.Sleep(10 * time.Second)
		begin := time.Now()
		b.enqueue(1, nil)
		require.Equal(t, queue.OutcomeCompleted, b.await().Outcome)
		require.Zero(t, time.Since(begin), "picked up at once, not at the next poll")
	})
}

func TestWorkerPollsWithoutNotifier(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{PollInterval: 3 * time.Second}, func(q queue.Queue) queue.Queue { return noReleaser{q} })
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error { return nil }, nil)
		begin := time.Now()
		b.run()
		time.Sleep(4 * time.Second)
		b.enqueue(1, nil)
		require.Equal(t, queue.OutcomeCompleted, b.await().Outcome)
		require.Equal(t, 6*time.Second, time.Since(begin), "found at the second poll")
	})
}

func TestWorkerClaimsOnlyItsKinds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupWorker(t, queue.WorkerConfig{})
		handle(t, b.w, func(ctx context.Context, task *queue.Task[work]) error { return nil }, nil)
		_, err := b.q.Enqueue(context.Background(), queue.Job{Kind: "someone-else"})
		require.NoError(t, err)
		b.enqueue(1, nil)
		b.run()
		require.Equal(t, "work", b.await().Job.Kind)
		time.Sleep(time.Minute)
		require.Equal(t, 1, b.stats("someone-else").Ready, "a kind without a handler is left alone")
	})
}

func TestWorkerConfigValidation(t *testing.T) {
	t.Parallel()
	q, err := queue.NewMemory(nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		cfg   queue.WorkerConfig
		field string
	}{
		{queue.WorkerConfig{Concurrency: -1}, "Concurrency"},
		{queue.WorkerConfig{Lease: -time.Second}, "Lease"},
		{queue.WorkerConfig{HeartbeatInterval: -time.Second}, "HeartbeatInterval"},
		{queue.WorkerConfig{Lease: time.Second, HeartbeatInterval: time.Second}, "HeartbeatInterval"},
		{queue.WorkerConfig{HeartbeatInterval: time.Minute}, "HeartbeatInterval"},
		{queue.WorkerConfig{PollInterval: -time.Second}, "PollInterval"},
		{queue.WorkerConfig{ShutdownTimeout: -time.Second}, "ShutdownTimeout"},
	} {
		_, err := queue.NewWorker(q, &tc.cfg)
		require.ErrorContains(t, err, "WorkerConfig."+tc.field, "%+v", tc.cfg)
	}
	_, err = queue.NewWorker(nil, nil)
	require.Error(t, err, "nil queue")
	_, err = queue.NewWorker(q, nil)
	require.NoError(t, err, "nil config is the defaults")
}

// ptrArgs has a Kind method that dereferences its receiver.
type ptrArgs struct{ kind string }

func (a *ptrArgs) Kind() string { return a.kind }

func TestWorkerRegistration(t *testing.T) {
	t.Parallel()
	q, err := queue.NewMemory(nil)
	require.NoError(t, err)
	w, err := queue.NewWorker(q, nil)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorContains(t, w.Run(ctx), "no handlers")

	ok := func(context.Context, *queue.Task[work]) error { return nil }
	require.NoError(t, queue.Handle(w, ok, nil))
	require.ErrorContains(t, queue.Handle(w, ok, nil), "already has a handler")
	require.ErrorContains(t, queue.Handle[work](w, nil, nil), "nil")
	require.ErrorContains(t, queue.Handle(w, func(context.Context, *queue.Task[*ptrArgs]) error { return nil }, nil), "value receiver")
	require.ErrorContains(t, w.HandleRaw("", func(context.Context, queue.Job) error { return nil }, nil), "kind is empty")

	require.NoError(t, w.Run(ctx), "a cancelled context: Run returns at once")
	require.ErrorContains(t, w.Run(ctx), "already called")
	require.ErrorContains(t, w.HandleRaw("late", func(context.Context, queue.Job) error { return nil }, nil), "already running")
}
