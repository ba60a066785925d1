package queue_test

import (
	"context"
	"fmt"
	"log"

	"github.com/zohokit/zohokit/queue"
)

// SendInvoice is a typed job: its fields are the payload, Kind names it.
type SendInvoice struct {
	InvoiceID string `json:"invoice_id"`
	Email     string `json:"email"`
}

func (SendInvoice) Kind() string { return "send_invoice" }

// A typed job is enqueued, a Worker runs its handler, and the job's outcome
// is counted.
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	q, err := queue.NewMemory(nil)
	if err != nil {
		log.Fatal(err)
	}
	var counts queue.Counters
	w, err := queue.NewWorker(q, &queue.WorkerConfig{Concurrency: 4, Observer: &counts})
	if err != nil {
		log.Fatal(err)
	}
	err = queue.Handle(w, func(ctx context.Context, t *queue.Task[SendInvoice]) error {
		fmt.Printf("sending invoice %s to %s (attempt %d of %d)\n", t.Args.InvoiceID, t.Args.Email, t.Attempt, t.MaxAttempts)
		stop() // one job is all this example runs
		return nil
	}, nil)
	if err != nil {
		log.Fatal(err)
	}

	job, err := queue.NewJob(SendInvoice{InvoiceID: "INV-0042", Email: "ap@example.com"},
		&queue.JobOptions{Key: "send_invoice:INV-0042", MaxAttempts: 5})
	if err != nil {
		log.Fatal(err)
	}
	for range 2 { // the second enqueue is a duplicate of the first
		res, err := q.Enqueue(ctx, job)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("enqueued job %d, duplicate: %t\n", res[0].ID, res[0].Duplicate)
	}

	// Run returns when ctx is done, after the running handler has finished.
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("outcomes:", counts.Snapshot())
	stats, err := q.Stats(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("left: %+v\n", stats.Total())
	// Output:
	// enqueued job 1, duplicate: false
	// enqueued job 1, duplicate: true
	// sending invoice INV-0042 to ap@example.com (attempt 1 of 5)
	// outcomes: map[send_invoice:map[completed:1]]
	// left: {Ready:0 Scheduled:0 Running:0 Dead:0 OldestReady:0001-01-01 00:00:00 +0000 UTC}
}
