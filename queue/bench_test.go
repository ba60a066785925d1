package queue_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/zohokit/zohokit/queue"
)

// BenchmarkMemory measures enqueue + claim + complete of no-op jobs straight
// through the memory queue.
func BenchmarkMemory(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch int
	}{{"one at a time", 1}, {"batches of 100", 100}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			q, err := queue.NewMemory(nil)
			if err != nil {
				b.Fatal(err)
			}
			jobs := make([]queue.Job, bc.batch)
			for i := range jobs {
				jobs[i] = queue.Job{Kind: "noop", Payload: []byte(`{}`)}
			}
			b.ReportAllocs()
			for done := 0; done < b.N; done += bc.batch {
				if _, err := q.Enqueue(ctx, jobs...); err != nil {
					b.Fatal(err)
				}
				claimed, err := q.Claim(ctx, bc.batch, queue.ClaimOptions{})
				if err != nil || len(claimed) != bc.batch {
					b.Fatalf("claimed %d of %d: %v", len(claimed), bc.batch, err)
				}
				for _, j := range claimed {
					if err := q.Complete(ctx, j); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

type noop struct{}

func (noop) Kind() string { return "noop" }

// BenchmarkWorker measures no-op jobs enqueued in batches of 1,000 and run
// by a Worker on the memory queue, from the first enqueue to the last
// completion.
func BenchmarkWorker(b *testing.B) {
	q, err := queue.NewMemory(nil)
	if err != nil {
		b.Fatal(err)
	}
	var completed atomic.Int64
	all := make(chan struct{})
	target := int64(b.N)
	w, err := queue.NewWorker(q, &queue.WorkerConfig{
		Concurrency: 16,
		Observer: queue.ObserverFunc(func(e queue.JobEvent) {
			if e.Outcome == queue.OutcomeCompleted && completed.Add(1) == target {
				close(all)
			}
		}),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := queue.Handle(w, func(context.Context, *queue.Task[noop]) error { return nil }, nil); err != nil {
		b.Fatal(err)
	}
	job, err := queue.NewJob(noop{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]queue.Job, 1000)
	for i := range batch {
		batch[i] = job
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	go func() { runErr <- w.Run(ctx) }()
	for left := b.N; left > 0; left -= len(batch) {
		if _, err := q.Enqueue(ctx, batch[:min(left, len(batch))]...); err != nil {
			b.Fatal(err)
		}
	}
	<-all
	b.StopTimer()
	cancel()
	if err := <-runErr; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}
