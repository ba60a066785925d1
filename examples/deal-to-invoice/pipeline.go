package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zohokit/zohokit/adapters/booksadapter"
	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/crm"
)

// newPipeline builds the push pipeline CRM Deals → Books invoices.
func newPipeline(crmClient *crm.Client, booksClient *books.Client, st store.Store, q queue.Queue) (*sync.Pipeline, error) {
	// The CRM side is only read: a push reads the deal an event names.
	deals, err := crmadapter.New(crmClient, map[string]crmadapter.Module{
		"Deals": {Fields: []string{"Deal_Name", "Stage", "Amount", "Account_Name"}},
	}, nil)
	if err != nil {
		return nil, err
	}
	// The Books side is written. Books has no upsert, so the adapter makes
	// creates idempotent by storing the engine's key in the invoice's
	// reference_number and looking it up before creating.
	invoices, err := booksadapter.New(booksClient, map[string]booksadapter.Entity{
		"invoices": {Entity: booksadapter.Invoices, KeyField: "reference_number"},
	}, nil)
	if err != nil {
		return nil, err
	}

	// A deal becomes an invoice of one line. The amount goes through an
	// exact money converter: "4999.90" stays 4999.90, never a float, and a
	// value with more than two decimals is refused rather than rounded.
	mapping, err := transform.New("won-deal-to-invoice", []transform.Rule{
		transform.Field("Account_Name.name", "customer_id",
			transform.Lookup(booksCustomerByName(booksClient)).Named("books-customer")),
		transform.Field("Deal_Name", "line_items[0].name"),
		transform.Field("Amount", "line_items[0].rate", transform.Money("USD", transform.RoundExact)),
		transform.Const("line_items[0].quantity", 1),
	}, nil)
	if err != nil {
		return nil, err
	}

	return sync.New(sync.Config{
		Name:     "won-deals-to-invoices", // keep it stable: links are stored under it
		DataType: "deals",
		Strategy: sync.Push,
		Left:     sync.Side{System: "CRM", DataType: "Deals", Reader: deals},
		Right:    sync.Side{System: "Books", DataType: "invoices", Sink: invoices},
		Mapping:  mapping,
		// Only won deals become invoices; other events are skipped.
		Filter: func(r sync.Record) bool { return r.Fields["Stage"] == "Closed Won" },
		Store:  st,
		// Failed writes are parked here as retry jobs; SameDatabase commits
		// them with the checkpoint (the store and queue share state.db).
		Queue:        q,
		SameDatabase: true,
	})
}

// booksCustomerByName finds the Books customer whose name is the CRM
// account's name. A customer that does not exist fails the record (with its
// reason in the report) rather than creating an invoice for nobody.
func booksCustomerByName(c *books.Client) transform.LookupFunc {
	return func(ctx context.Context, name string) (string, error) {
		for contact, err := range c.Contacts.List(ctx, &books.ContactListOptions{ContactName: name}) {
			if err != nil {
				return "", err
			}
			return contact.ContactID, nil
		}
		return "", fmt.Errorf("no Books customer named %q", name)
	}
}

// retryParked runs a queue worker with the engine's job handlers until the
// parked record has been written (or its job is dead), printing each attempt.
// A service runs such a worker all the time, next to its webhook receiver.
func retryParked(ctx context.Context, out io.Writer, q queue.Queue, p *sync.Pipeline) error {
	// Buffered, because an Observer must never block the worker.
	attempts := make(chan queue.JobEvent, 16)
	w, err := queue.NewWorker(q, &queue.WorkerConfig{
		// Retry after 100 ms instead of the default 1 s, 2 s, 4 s, ... so
		// that the example finishes at once.
		Backoff:  func(int) time.Duration { return 100 * time.Millisecond },
		Observer: queue.ObserverFunc(func(e queue.JobEvent) { attempts <- e }),
	})
	if err != nil {
		return err
	}
	if err := sync.RegisterJobs(w, p); err != nil {
		return err
	}
	wctx, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- w.Run(wctx) }()
	defer func() { stop(); <-stopped }()

	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-attempts:
			fmt.Fprintf(out, "retry job %d, attempt %d: %s\n", e.Job.ID, e.Job.Attempt, e.Outcome)
			switch e.Outcome {
			case queue.OutcomeCompleted:
				return nil
			case queue.OutcomeDead:
				return fmt.Errorf("retry job %d is dead: %w", e.Job.ID, e.Err)
			}
		case <-timeout:
			return errors.New("the retry job did not finish within 10 seconds")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
