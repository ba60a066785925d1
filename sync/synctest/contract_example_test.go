package synctest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zohokit/zohokit/sync/synctest"
)

// RunAdapter checks an adapter against the sync contract, one subtest per
// rule. Here the adapter is the in-memory one; yours comes from your
// package, with a fresh test instance of your system for each check.
func ExampleRunAdapter() {
	// In your adapter's package:
	TestAdapterContract := func(t *testing.T) {
		synctest.RunAdapter(t, synctest.AdapterHarness{
			New: func(t *testing.T) *synctest.AdapterSystem {
				clock := synctest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
				erp := synctest.NewAdapter(&synctest.Options{Now: clock.Now}) // your adapter
				return &synctest.AdapterSystem{
					Source: erp, Sink: erp, Reader: erp, DataType: "customers",
					// Changes made by the system's own users.
					Edit: func(_ context.Context, id string, fields map[string]any) error {
						_, err := erp.Update("customers", id, fields)
						return err
					},
					Delete:  func(_ context.Context, id string) error { return erp.Delete("customers", id) },
					Advance: clock.Advance, // the system's clock, when a test can hold it
				}
			},
			NewFields: func(i int) map[string]any {
				return map[string]any{"name": fmt.Sprint("Customer ", i), "email": fmt.Sprintf("c%d@example.com", i)}
			},
			Tombstones: true, // Changes yields deleted records
			KeepsKeys:  true, // records come back with the Op.Key that created them
			ExactTimes: true, // modification times finer than a second
		})
	}
	_ = TestAdapterContract
}
