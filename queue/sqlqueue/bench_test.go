package sqlqueue_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/queue"
)

// Run with a fixed job count, e.g.
//
//	go test -run '^$' -bench . -benchtime 20000x ./queue/sqlqueue/
//
// Each op is one job. The figures that matter are the reported metrics:
// jobs/s for throughput, p50_ms and p95_ms for pickup latency.

const (
	benchKind        = "bench.noop"
	benchConcurrency = 50   // Worker handlers at once
	benchBatch       = 1000 // jobs per Enqueue call
)

type benchEngine struct {
	name string
	open func(b *testing.B) queue.Queue
}

func benchEngines() []benchEngine {
	return []benchEngine{
		{"sqlite", func(b *testing.B) queue.Queue { return newSQLite(b, nil) }},
		{"postgres", func(b *testing.B) queue.Queue { return newPostgres(b, pgtest.DSN(b), nil) }},
	}
}

// BenchmarkThroughput measures no-op jobs going through enqueue, claim and
// complete: through a queue.Worker with benchConcurrency handlers while a
// producer enqueues in batches (worker), and by hand in batches of 100
// (batched: one Enqueue, one Claim, 100 concurrent Completes).
func BenchmarkThroughput(b *testing.B) {
	for _, e := range benchEngines() {
		b.Run(e.name+"/worker", func(b *testing.B) { benchWorker(b, e.open(b)) })
		b.Run(e.name+"/batched", func(b *testing.B) { benchBatched(b, e.open(b)) })
	}
}

func benchWorker(b *testing.B, q queue.Queue) {
	ctx := b.Context()
	var completed atomic.Int64
	allDone := make(chan struct{})
	target := int64(b.N)
	w, err := queue.NewWorker(q, &queue.WorkerConfig{
		Concurrency: benchConcurrency,
		Observer: queue.ObserverFunc(func(e queue.JobEvent) {
			if e.Outcome != queue.OutcomeCompleted {
				b.Errorf("job %d: %s: %v", e.Job.ID, e.Outcome, e.Err)
				return
			}
			if completed.Add(1) == target {
				close(allDone)
			}
		}),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.HandleRaw(benchKind, func(context.Context, queue.Job) error { return nil }, nil); err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(runCtx) }()

	b.ResetTimer()
	start := time.Now()
	for n := 0; n < b.N; n += benchBatch {
		if _, err := q.Enqueue(ctx, noopJobs(min(benchBatch, b.N-n))...); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-allDone:
	case <-time.After(10 * time.Minute):
		b.Fatalf("only %d of %d jobs completed", completed.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	if err := <-ran; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}

func benchBatched(b *testing.B, q queue.Queue) {
	ctx := b.Context()
	const batch = 100
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; {
		if _, err := q.Enqueue(ctx, noopJobs(min(batch, b.N-done))...); err != nil {
			b.Fatal(err)
		}
		jobs, err := q.Claim(ctx, batch, queue.ClaimOptions{Kinds: []string{benchKind}})
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Go(func() {
				if err := q.Complete(ctx, j); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		done += len(jobs)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}

func noopJobs(n int) []queue.Job {
	jobs := make([]queue.Job, n)
	for i := range jobs {
		jobs[i] = queue.Job{Kind: benchKind, Payload: []byte(`{}`)}
	}
	return jobs
}

// BenchmarkPickupLatency measures how long a job enqueued into an idle queue
// waits for a worker: from the start of Enqueue (so including its own round
// trip and commit) to the start of the handler. The worker runs on a queue
// value of its own with a one-minute poll interval, so on PostgreSQL only
// LISTEN/NOTIFY can wake it in time, as in another process.
func BenchmarkPickupLatency(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		dsn := pgtest.DSN(b)
		benchLatency(b, newPostgres(b, dsn, nil), newPostgres(b, dsn, nil))
	})
	b.Run("sqlite", func(b *testing.B) {
		q := newSQLite(b, nil) // in-process wake-ups: one value for both sides
		benchLatency(b, q, q)
	})
}

func benchLatency(b *testing.B, producer, consumer queue.Queue) {
	ctx := b.Context()
	started := make(chan time.Time, 1)
	finished := make(chan struct{}, 1)
	w, err := queue.NewWorker(consumer, &queue.WorkerConfig{
		Concurrency:  benchConcurrency,
		PollInterval: time.Minute,
		Observer:     queue.ObserverFunc(func(queue.JobEvent) { finished <- struct{}{} }),
	})
	if err != nil {
		b.Fatal(err)
	}
	err = w.HandleRaw(benchKind, func(context.Context, queue.Job) error {
		started <- time.Now()
		return nil
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(runCtx) }()

	pickup := func() time.Duration {
		t0 := time.Now()
		if _, err := producer.Enqueue(ctx, queue.Job{Kind: benchKind}); err != nil {
			b.Fatal(err)
		}
		var t1 time.Time
		select {
		case t1 = <-started:
		case <-time.After(time.Minute):
			b.Fatal("the job was not picked up within a minute")
		}
		<-finished // idle again before the next job
		return t1.Sub(t0)
	}
	pickup() // warm up: the listener is connected once this returns
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		lat = append(lat, pickup())
	}
	b.StopTimer()
	stop()
	if err := <-ran; err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.95), "p95_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}
