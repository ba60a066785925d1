// Package storetest is the conformance suite for store.Store
// implementations. Every implementation in zohokit passes it, and so should
// yours:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
//			return mystore.New(t, now)
//		})
//	}
//
// The suite checks every point of the contract documented on store.Store:
// cursors per pipeline and side; links upserted and looked up by either
// side, with ErrConflictingLink and the moves and swaps of right IDs a
// checkpoint may make; the atomicity of Commit; the run lifecycle, run
// listing, LastSuccess and (for a store.RunPruner) pruning; review items
// (idempotent recording, exact round trip of conflict values, listing
// filters, resolution and its errors, application through a checkpoint);
// leases (a second owner refused, renewal, expiry by the clock, release);
// and concurrency (parallel commits, owners racing for a lease or a right
// ID, concurrent recording of one review). Time moves through a fake clock,
// never by sleeping.
//
// What only a SQL store can do (store.TxCommitter's rollback when the
// caller's writes fail) is tested by the SQL store's own package.
package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/zohokit/zohokit/store"
)

// Factory returns a new, empty store for one test. The store must read the
// time only through now, so that the suite can move time without sleeping.
type Factory func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance suite against the stores newStore makes. Every
// test is parallel and gets its own store.
func Run(t *testing.T, newStore Factory) {
	t.Helper()
	groups := []struct {
		name  string
		tests []namedTest
	}{
		{"Cursors", cursorTests},
		{"Links", linkTests},
		{"Commit", commitTests},
		{"Runs", runTests},
		{"Reviews", reviewTests},
		{"Leases", leaseTests},
		{"Concurrency", concurrencyTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, setup(t, newStore))
				})
			}
		})
	}
}

type namedTest struct {
	name string
	fn   func(t *testing.T, b *bundle)
}

// bundle is what every test gets: a new store and its clock.
type bundle struct {
	s     store.Store
	clock *clock
}

func setup(t *testing.T, newStore Factory) *bundle {
	t.Helper()
	c := &clock{t: start}
	s := newStore(t, c.Now)
	if s == nil {
		t.Fatal("storetest: the factory returned a nil store")
	}
	return &bundle{s: s, clock: c}
}

// start is the fake clock's initial time: whole seconds, so that stores
// with microsecond precision keep every time the suite compares exactly.
var start = time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}
