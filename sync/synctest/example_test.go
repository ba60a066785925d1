package synctest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// An Adapter stands in for a real system: it honours idempotency keys,
// fails the writes it is told to, and counts what it was asked.
func ExampleAdapter() {
	ctx := context.Background()
	clock := synctest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	erp := synctest.NewAdapter(&synctest.Options{Now: clock.Now, IDPrefix: "C-"})

	// The first create meets a 503; the engine would park it and retry.
	erp.Inject(synctest.Fault{Op: sync.OpCreate, Times: 1})
	create := sync.Op{Kind: sync.OpCreate, Key: "deal-42", Fields: map[string]any{"name": "Zylker"}}
	res, _ := erp.Write(ctx, "customers", []sync.Op{create})
	fmt.Println("first attempt:", res[0].Err, "- retryable:", sync.IsRetryable(res[0].Err))

	// Retried twice (a crash before the checkpoint): still one customer.
	for range 2 {
		res, _ = erp.Write(ctx, "customers", []sync.Op{create})
		fmt.Println("created", res[0].ID)
	}
	fmt.Println("customers:", erp.Len("customers"))
	calls := erp.Calls()
	fmt.Println("write calls:", calls.Writes, "creates applied:", calls.Creates, "failed ops:", calls.Failed)

	// Changes yields what changed since a cursor.
	for ch, err := range erp.Changes(ctx, "customers", "") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("changed:", ch.Record.ID, ch.Record.Fields["name"], ch.Record.Modified.Format(time.Kitchen))
	}
	// Output:
	// first attempt: synctest: 503 service unavailable (injected) - retryable: true
	// created C-1
	// created C-1
	// customers: 1
	// write calls: 3 creates applied: 2 failed ops: 1
	// changed: C-1 Zylker 9:00AM
}
