package storetest_test

import (
	"testing"
	"time"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/storetest"
)

// Run checks a sync-state store against the store contract, one subtest per
// rule. Here the store is the in-memory one; yours (a store on your own
// database, say) comes from your package, built fresh and empty for each
// test and reading the time only through now.
func ExampleRun() {
	// In your store's package:
	TestStoreConformance := func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
			return store.NewMemory(&store.MemoryOptions{Now: now}) // your store
		})
	}
	_ = TestStoreConformance
}
