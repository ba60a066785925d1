package sqlqueue_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
)

// Open a SQLite queue, enqueue a job with an idempotency key, and claim and
// complete it as a worker would.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlqueue-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	q, err := sqlqueue.OpenSQLite(ctx, filepath.Join(dir, "queue.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()

	job := queue.Job{Kind: "send_invoice", Payload: []byte(`{"invoice":"INV-001"}`), Key: "invoice:INV-001"}
	res, err := q.Enqueue(ctx, job)
	if err != nil {
		log.Fatal(err)
	}
	again, err := q.Enqueue(ctx, job) // the same key: not added twice
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("duplicate:", again[0].Duplicate, "same job:", again[0].ID == res[0].ID)

	jobs, err := q.Claim(ctx, 10, queue.ClaimOptions{Kinds: []string{"send_invoice"}, Lease: time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	for _, j := range jobs {
		fmt.Printf("run %s %s (attempt %d of %d)\n", j.Kind, j.Payload, j.Attempt, j.MaxAttempts)
		if err := q.Complete(ctx, j); err != nil {
			log.Fatal(err)
		}
	}
	st, err := q.Stats(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("left:", st.Total().Ready)
	// Output:
	// duplicate: true same job: true
	// run send_invoice {"invoice":"INV-001"} (attempt 1 of 20)
	// left: 0
}

// Commit a sync checkpoint and the job that follows from it in one
// transaction, on a table of your own in the queue's SQLite file.
func ExampleSQLite_EnqueueTx() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlqueue-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	q, err := sqlqueue.OpenSQLite(ctx, filepath.Join(dir, "state.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()
	db := q.DB()
	if _, err := db.ExecContext(ctx, `CREATE TABLE cursors (pipeline TEXT PRIMARY KEY, cursor TEXT NOT NULL)`); err != nil {
		log.Fatal(err)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `INSERT INTO cursors VALUES ('contacts', '2025-06-02T08:00:00Z')`); err != nil {
		log.Fatal(err)
	}
	if _, err := q.EnqueueTx(ctx, tx, queue.Job{Kind: "push_contact", Payload: []byte(`{"id":"42"}`)}); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}

	st, err := q.Stats(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready push_contact jobs:", st.Kinds["push_contact"].Ready)
	// Output:
	// ready push_contact jobs: 1
}

// Run a PostgreSQL queue shared by several service replicas. Each replica
// runs the same code; idle workers wake on LISTEN/NOTIFY when any replica
// enqueues.
func ExampleNewPostgres() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	q, err := sqlqueue.NewPostgres(ctx, pool, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()

	// Enqueue with your own rows in one transaction: a *sql.DB on the same
	// pool gives the *sql.Tx.
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := q.EnqueueTx(ctx, tx, queue.Job{Kind: "push_contact", Key: "contact:42"}); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}

	w, err := queue.NewWorker(q, &queue.WorkerConfig{Concurrency: 20})
	if err != nil {
		log.Fatal(err)
	}
	err = w.HandleRaw("push_contact", func(ctx context.Context, j queue.Job) error {
		return nil // push the contact
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
