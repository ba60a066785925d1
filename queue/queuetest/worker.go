package queuetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

var workerTests = []namedTest{
	{"CompletesEveryJobOnce", testWorkerCompletesAll},
	{"DeadAfterMaxAttemptsThenRequeued", testWorkerDeadAndRequeue},
}

// workerWait bounds how long the Worker tests wait for jobs on the real clock.
const workerWait = 30 * time.Second

// countArgs is the typed job the Worker tests enqueue.
type countArgs struct {
	N int `json:"n"`
}

func (countArgs) Kind() string { return "queuetest.count" }

// startWorker runs w until the test ends, and returns a function that stops
// it and waits for Run to return.
func startWorker(t *testing.T, w *queue.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-errc:
				require.NoError(t, err, "Run")
			case <-time.After(workerWait):
				t.Error("Run did not return after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// outcomes is an Observer that passes each event to a channel.
type outcomes chan queue.JobEvent

func (o outcomes) JobDone(e queue.JobEvent) { o <- e }

// await returns the next event with the given outcome, failing the test on
// timeout.
func (o outcomes) await(t *testing.T, want queue.Outcome) queue.JobEvent {
	t.Helper()
	timeout := time.After(workerWait)
	for {
		select {
		case e := <-o:
			if e.Outcome == want {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s outcome within %s", want, workerWait)
		}
	}
}

func testWorkerCompletesAll(t *testing.T, newQueue Factory) {
	q := newQueue(t, time.Now)
	const n = 60
	events := make(outcomes, n)
	w, err := queue.NewWorker(q, &queue.WorkerConfig{
		Concurrency:  4,
		PollInterval: 20 * time.Millisecond,
		Observer:     events,
	})
	require.NoError(t, err)
	var mu sync.Mutex
	seen := map[int]int{}
	require.NoError(t, queue.Handle(w, func(ctx context.Context, task *queue.Task[countArgs]) error {
		mu.Lock()
		seen[task.Args.N]++
		mu.Unlock()
		return nil
	}, nil))

	jobs := make([]queue.Job, n)
	for i := range jobs {
		jobs[i], err = queue.NewJob(countArgs{N: i}, nil)
		require.NoError(t, err)
	}
	// Half before the worker starts, half while it runs.
	_, err = q.Enqueue(t.Context(), jobs[:n/2]...)
	require.NoError(t, err)
	stop := startWorker(t, w)
	_, err = q.Enqueue(t.Context(), jobs[n/2:]...)
	require.NoError(t, err)

	for range n {
		events.await(t, queue.OutcomeCompleted)
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, n, "every job ran")
	for i, c := range seen {
		require.Equal(t, 1, c, "job %d ran once", i)
	}
	st, err := q.Stats(t.Context())
	require.NoError(t, err)
	require.Empty(t, st.Kinds, "nothing left ready, running or dead")
}

func testWorkerDeadAndRequeue(t *testing.T, newQueue Factory) {
	q := newQueue(t, time.Now)
	events := make(outcomes, 16)
	w, err := queue.NewWorker(q, &queue.WorkerConfig{
		PollInterval: 20 * time.Millisecond,
		Backoff:      func(int) time.Duration { return 0 },
		Observer:     events,
	})
	require.NoError(t, err)
	var healed atomic.Bool
	require.NoError(t, queue.Handle(w, func(ctx context.Context, task *queue.Task[countArgs]) error {
		if healed.Load() {
			return nil
		}
		return fmt.Errorf("attempt %d failed", task.Attempt)
	}, nil))
	job, err := queue.NewJob(countArgs{N: 1}, &queue.JobOptions{MaxAttempts: 3, Key: "fails"})
	require.NoError(t, err)
	res, err := q.Enqueue(t.Context(), job)
	require.NoError(t, err)
	id := res[0].ID
	startWorker(t, w)

	// The observer may hear of attempt 2 before attempt 1: once attempt 1
	// is failed, the job is claimable again while the Worker still reports.
	var retried []int
	for range 2 {
		retried = append(retried, events.await(t, queue.OutcomeRetried).Job.Attempt)
	}
	require.ElementsMatch(t, []int{1, 2}, retried)
	e := events.await(t, queue.OutcomeDead)
	require.Equal(t, 3, e.Job.Attempt, "dead after MaxAttempts")
	dead, err := q.Dead(t.Context(), queue.DeadFilter{})
	require.NoError(t, err)
	require.Len(t, dead, 1)
	require.Equal(t, id, dead[0].ID)
	require.Equal(t, "attempt 3 failed", dead[0].LastError, "the last attempt's error is kept")

	healed.Store(true)
	n, err := q.Requeue(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	e = events.await(t, queue.OutcomeCompleted)
	require.Equal(t, id, e.Job.ID)
	require.Equal(t, 1, e.Job.Attempt, "a requeued job starts its attempts again")
	dead, err = q.Dead(t.Context(), queue.DeadFilter{})
	require.NoError(t, err)
	require.Empty(t, dead)
}
