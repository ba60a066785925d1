package sync_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	gosync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
)

// erpCustomer is a user's own type for their ERP's customers.
type erpCustomer struct {
	Code    string    `json:"code"`
	Name    string    `json:"name"`
	Email   string    `json:"email,omitempty"`
	Updated time.Time `json:"-"`
}

// erpCustomers is a typed ERP adapter: what a user writes for their system.
type erpCustomers struct {
	now  func() time.Time
	mu   gosync.Mutex
	byID map[string]erpCustomer
	ops  []sync.TypedOp[erpCustomer]
}

func (e *erpCustomers) Changes(ctx context.Context, _ string, since sync.Cursor) iter.Seq2[sync.TypedChange[erpCustomer], error] {
	return func(yield func(sync.TypedChange[erpCustomer], error) bool) {
		e.mu.Lock()
		var all []erpCustomer
		for _, c := range e.byID {
			all = append(all, c)
		}
		e.mu.Unlock()
		slices.SortFunc(all, func(a, b erpCustomer) int { return a.Updated.Compare(b.Updated) })
		from, _, _ := sync.ParseTimeCursor(since)
		for _, c := range all {
			if since != "" && !c.Updated.After(from) {
				continue
			}
			if !yield(sync.TypedChange[erpCustomer]{Value: c, Cursor: sync.TimeCursor(c.Updated, "")}, nil) {
				return
			}
		}
	}
}

func (e *erpCustomers) Write(_ context.Context, _ string, ops []sync.TypedOp[erpCustomer]) ([]sync.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]sync.Result, len(ops))
	for i, op := range ops {
		e.ops = append(e.ops, op)
		switch op.Kind {
		case sync.OpCreate:
			c := op.Value
			c.Code = fmt.Sprintf("C-%03d", len(e.byID)+1)
			c.Updated = e.now()
			e.byID[c.Code] = c
			out[i] = sync.Result{ID: c.Code, Modified: c.Updated}
		case sync.OpUpdate:
			c := e.byID[op.ID]
			for _, f := range op.Fields {
				switch f {
				case "name":
					c.Name = op.Value.Name
				case "email":
					c.Email = op.Value.Email
				}
			}
			c.Updated = e.now()
			e.byID[op.ID] = c
			out[i] = sync.Result{ID: op.ID, Modified: c.Updated}
		}
	}
	return out, nil
}

func (e *erpCustomers) Get(_ context.Context, _ string, ids []string) ([]erpCustomer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []erpCustomer
	for _, id := range ids {
		if c, ok := e.byID[id]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func customerCodec() sync.Codec[erpCustomer] {
	return sync.JSONCodec(func(c erpCustomer) string { return c.Code }, func(c erpCustomer) time.Time { return c.Updated })
}

func TestTypedAdapterInABidirectionalPipeline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	erp := &erpCustomers{now: b.clock.Now, byID: map[string]erpCustomer{}}
	typed := sync.Typed[erpCustomer](erp, customerCodec())
	mapping, err := transform.New("crm-to-erp", []transform.Rule{
		transform.Field("Name", "name"),
		transform.Field("Email", "email"),
	}, nil)
	require.NoError(t, err)
	p := b.pipeline(t, sync.Config{
		Name: "typed", DataType: dt, Strategy: sync.Bidirectional,
		Left:    b.left.Side("CRM"),
		Right:   sync.Side{System: "ERP", Source: typed, Sink: typed, Reader: typed},
		Mapping: mapping, Resolver: mustLatest(t), Store: b.store, Clock: b.clock,
	})
	crm := b.left.Put(dt, "", map[string]any{"Name": "Ana", "Email": "ana@example.com"})
	b.tick()
	run(t, p)
	require.Equal(t, map[string]erpCustomer{"C-001": {Code: "C-001", Name: "Ana", Email: "ana@example.com", Updated: b.clock.Now()}}, erp.byID)

	// An edit in the ERP's own type flows back to the CRM.
	b.tick()
	erp.mu.Lock()
	erp.byID["C-001"] = erpCustomer{Code: "C-001", Name: "Ana Lima", Email: "ana@example.com", Updated: b.clock.Now()}
	erp.mu.Unlock()
	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Updated)
	got, _ := b.left.Record(dt, crm.ID)
	require.Equal(t, "Ana Lima", got.Fields["Name"])

	// And a CRM edit arrives as a typed update naming only what changed.
	b.tick()
	update(t, b.left, crm.ID, map[string]any{"Email": "ana@lima.example"})
	run(t, p)
	last := erp.ops[len(erp.ops)-1]
	require.Equal(t, sync.OpUpdate, last.Kind)
	require.Equal(t, []string{"email"}, last.Fields)
	require.Equal(t, "ana@lima.example", erp.byID["C-001"].Email)
	require.Equal(t, "Ana Lima", erp.byID["C-001"].Name)
}

// sinkOnly implements only TypedSink.
type sinkOnly struct{ erpCustomers }

func (s *sinkOnly) Write(ctx context.Context, dt string, ops []sync.TypedOp[erpCustomer]) ([]sync.Result, error) {
	return s.erpCustomers.Write(ctx, dt, ops)
}

func TestTypedAdapterRolesAreChecked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	writer := sync.Typed[erpCustomer](struct{ sync.TypedSink[erpCustomer] }{&sinkOnly{}}, customerCodec())
	cfg := b.config(sync.Pull)
	cfg.Left = sync.Side{System: "ERP", Source: writer, Reader: writer}
	cfg.Right = synctest.NewAdapter(nil).Side("CRM")
	_, err := sync.New(cfg)
	require.ErrorContains(t, err, "Left.Source: required for pull pipelines")

	none := sync.Typed[erpCustomer](struct{}{}, nil)
	cfg.Left = sync.Side{System: "ERP", Source: none}
	_, err = sync.New(cfg)
	require.ErrorContains(t, err, "has no Codec")

	_, err = writer.Get(context.Background(), dt, []string{"x"})
	require.ErrorIs(t, err, sync.ErrUnsupported)
}
