package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

const (
	noopKind = "bench.noop"
	batch    = 1000 // jobs per insert call
)

// BenchmarkPostgresQueues runs the same workload through zohokit's
// PostgreSQL queue and through River: a producer inserts b.N no-op jobs in
// batches of 1000 while workers with the same concurrency run them; the
// clock stops when the last completion is recorded (reported by the queue
// after it is stored), and the completed rows are then counted in the
// database. Each op is one job; jobs/s is the figure to compare.
//
// River runs twice: with its defaults (FetchCooldown 100 ms, FetchPollInterval
// 1 s) and tuned as in River's own published benchmark (2 ms, 20 ms).
func BenchmarkPostgresQueues(b *testing.B) {
	for _, conc := range []int{50, 500} {
		b.Run(fmt.Sprintf("zohokit/c%d", conc), func(b *testing.B) { benchZohokit(b, conc) })
		b.Run(fmt.Sprintf("river-tuned/c%d", conc), func(b *testing.B) {
			benchRiver(b, conc, 2*time.Millisecond, 20*time.Millisecond)
		})
		b.Run(fmt.Sprintf("river-default/c%d", conc), func(b *testing.B) { benchRiver(b, conc, 0, 0) })
	}
}

func newPool(b *testing.B) *pgxpool.Pool {
	b.Helper()
	pool, err := pgxpool.New(b.Context(), pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// report records jobs/s and checks the completed rows in the database.
func report(b *testing.B, pool *pgxpool.Pool, elapsed time.Duration, countQuery string) {
	b.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), countQuery).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n != b.N {
		b.Fatalf("%d completed rows in the database, want %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}

func benchZohokit(b *testing.B, concurrency int) {
	ctx := b.Context()
	pool := newPool(b)
	q, err := sqlqueue.NewPostgres(ctx, pool, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	done := make(chan struct{}, b.N)
	w, err := queue.NewWorker(q, &queue.WorkerConfig{
		Concurrency: concurrency,
		Observer: queue.ObserverFunc(func(e queue.JobEvent) {
			if e.Outcome != queue.OutcomeCompleted {
				b.Errorf("job %d: %s: %v", e.Job.ID, e.Outcome, e.Err)
			}
			done <- struct{}{}
		}),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.HandleRaw(noopKind, func(context.Context, queue.Job) error { return nil }, nil); err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(runCtx) }()

	b.ResetTimer()
	start := time.Now()
	jobs := make([]queue.Job, batch)
	for i := range jobs {
		jobs[i] = queue.Job{Kind: noopKind, Payload: []byte(`{}`)}
	}
	for n := 0; n < b.N; n += batch {
		if _, err := q.Enqueue(ctx, jobs[:min(batch, b.N-n)]...); err != nil {
			b.Fatal(err)
		}
	}
	awaitN(b, done, b.N)
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	if err := <-ran; err != nil {
		b.Fatal(err)
	}
	report(b, pool, elapsed, `SELECT count(*) FROM zohokit_jobs WHERE state = 'completed'`)
}

type noopArgs struct{}

func (noopArgs) Kind() string { return noopKind }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
}

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// benchRiver runs the workload through River; zero durations keep River's
// defaults.
func benchRiver(b *testing.B, concurrency int, fetchCooldown, fetchPoll time.Duration) {
	ctx := b.Context()
	pool := newPool(b)
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		b.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &noopWorker{})
	client, err := river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: concurrency}},
		Workers:           workers,
		FetchCooldown:     fetchCooldown,
		FetchPollInterval: fetchPoll,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	events, cancelSub := client.SubscribeConfig(&river.SubscribeConfig{
		Kinds:    []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed},
		ChanSize: b.N + 1,
	})
	defer cancelSub()
	done := make(chan struct{}, b.N)
	go func() {
		for e := range events {
			if e.Kind != river.EventKindJobCompleted {
				b.Errorf("job %d: %s", e.Job.ID, e.Kind)
			}
			done <- struct{}{}
		}
	}()
	if err := client.Start(ctx); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	start := time.Now()
	params := make([]river.InsertManyParams, batch)
	for i := range params {
		params[i] = river.InsertManyParams{Args: noopArgs{}}
	}
	for n := 0; n < b.N; n += batch {
		if _, err := client.InsertMany(ctx, params[:min(batch, b.N-n)]); err != nil {
			b.Fatal(err)
		}
	}
	awaitN(b, done, b.N)
	elapsed := time.Since(start)
	b.StopTimer()
	stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil {
		b.Fatal(err)
	}
	report(b, pool, elapsed, `SELECT count(*) FROM river_job WHERE state = 'completed'`)
}

// awaitN waits for n values on done.
func awaitN(b *testing.B, done <-chan struct{}, n int) {
	b.Helper()
	timeout := time.After(10 * time.Minute)
	for i := range n {
		select {
		case <-done:
		case <-timeout:
			b.Fatalf("only %d of %d jobs completed", i, n)
		}
	}
}
