package sync_test

import (
	"context"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
)

// T is what the helpers need of a test: *testing.T, *testing.B and
// *rapid.T all have it.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	FailNow()
}

// t0 is the start of every test's fake clock.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const dt = "contacts"

// contactMapping maps a CRM contact (left) to an ERP customer (right).
func contactMapping(t T) *transform.Mapping {
	t.Helper()
	m, err := transform.New("crm-contact-to-erp-customer", []transform.Rule{
		transform.Field("Name", "name", transform.Trim()),
		transform.Field("Email", "email"),
		transform.Field("City", "address.city"),
		transform.Field("Phone", "phone"),
	}, nil)
	require.NoError(t, err)
	return m
}

// bundle is what most tests need: two systems, a store, a clock.
type bundle struct {
	clock   *synctest.Clock
	left    *synctest.Adapter
	right   *synctest.Adapter
	store   *store.Memory
	mapping *transform.Mapping
}

func setup(t T) *bundle {
	t.Helper()
	clock := synctest.NewClock(t0)
	return &bundle{
		clock:   clock,
		left:    synctest.NewAdapter(&synctest.Options{Now: clock.Now, IDPrefix: "L-"}),
		right:   synctest.NewAdapter(&synctest.Options{Now: clock.Now, IDPrefix: "R-"}),
		store:   store.NewMemory(&store.MemoryOptions{Now: clock.Now}),
		mapping: contactMapping(t),
	}
}

// config returns a pipeline config over the bundle; change it before New.
func (b *bundle) config(strategy sync.Strategy) sync.Config {
	return sync.Config{
		Name: "contacts-" + string(strategy), DataType: dt, Strategy: strategy,
		Left: b.left.Side("CRM"), Right: b.right.Side("ERP"),
		Mapping: b.mapping, Store: b.store, Clock: b.clock, BatchSize: 10,
	}
}

func (b *bundle) pipeline(t T, cfg sync.Config) *sync.Pipeline {
	t.Helper()
	p, err := sync.New(cfg)
	require.NoError(t, err)
	return p
}

// tick moves the clock so that the next writes get a later time.
func (b *bundle) tick() { b.clock.Advance(time.Second) }

func run(t T, p *sync.Pipeline) sync.Report {
	t.Helper()
	rep, err := p.Run(context.Background())
	require.NoError(t, err)
	return rep
}

func contact(name, email, city string) map[string]any {
	return map[string]any{"Name": name, "Email": email, "City": city}
}

func customer(name, email, city string) map[string]any {
	return map[string]any{"name": name, "email": email, "address": map[string]any{"city": city}}
}

// writes counts the ops both adapters applied.
func (b *bundle) writes() int { return b.left.Calls().Ops() + b.right.Calls().Ops() }

func (b *bundle) resetCalls() {
	b.left.ResetCalls()
	b.right.ResetCalls()
}

func mustLatest(t T) conflict.Resolver {
	t.Helper()
	l, err := conflict.NewLatest(nil)
	require.NoError(t, err)
	return l
}

func mustQueue(t T) *queue.Memory {
	t.Helper()
	q, err := queue.NewMemory(nil)
	require.NoError(t, err)
	return q
}
