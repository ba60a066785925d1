package synctest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func changes(t *testing.T, a *synctest.Adapter, since sync.Cursor) (ids []string, last sync.Cursor) {
	t.Helper()
	for ch, err := range a.Changes(context.Background(), "deals", since) {
		require.NoError(t, err)
		ids = append(ids, ch.Record.ID)
		last = ch.Cursor
	}
	return ids, last
}

func TestAdapterChangesInModificationOrder(t *testing.T) {
	t.Parallel()
	clock := synctest.NewClock(t0)
	a := synctest.NewAdapter(&synctest.Options{Now: clock.Now})
	a.Put("deals", "d1", map[string]any{"n": 1})
	a.Put("deals", "d2", map[string]any{"n": 2})
	clock.Advance(time.Second)
	_, err := a.Update("deals", "d1", map[string]any{"n": 3})
	require.NoError(t, err)

	ids, cur := changes(t, a, "")
	require.Equal(t, []string{"d2", "d1"}, ids, "each record once, at its latest version")

	// Resuming after the cursor yields only later changes; a backdated
	// record (a late commit) sorts before the cursor and is not yielded.
	a.PutRecord("deals", sync.Record{ID: "late", Fields: map[string]any{}, Modified: t0.Add(-time.Minute)})
	clock.Advance(time.Second)
	require.NoError(t, a.Delete("deals", "d2"))
	ids, _ = changes(t, a, cur)
	require.Equal(t, []string{"d2"}, ids)
	// From a time cursor without a tie-breaker (a rewound one), inclusive.
	ids, _ = changes(t, a, sync.TimeCursor(t0.Add(-time.Minute), ""))
	require.Equal(t, []string{"late", "d1", "d2"}, ids)

	for ch, err := range a.Changes(context.Background(), "deals", "opaque") {
		require.ErrorContains(t, err, "not a time cursor")
		_ = ch
	}
}

func TestAdapterWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := synctest.NewAdapter(&synctest.Options{IDPrefix: "R-"})
	res, err := a.Write(ctx, "deals", []sync.Op{
		{Kind: sync.OpCreate, Key: "k1", Fields: map[string]any{"name": "A", "address": map[string]any{"city": "X", "zip": "1"}}},
		{Kind: sync.OpCreate, Key: "k1", Fields: map[string]any{"name": "A2"}},
		{Kind: sync.OpUpdate, ID: "R-404", Fields: map[string]any{"name": "B"}},
		{Kind: sync.OpDelete, ID: "R-404"},
	})
	require.NoError(t, err)
	require.Equal(t, "R-1", res[0].ID)
	require.Equal(t, "R-1", res[1].ID, "the same key upserts the same record")
	require.Error(t, res[2].Err)
	require.False(t, sync.IsRetryable(res[2].Err))
	require.NoError(t, res[3].Err, "deleting what is not there succeeds")
	require.Equal(t, 1, a.Len("deals"))

	_, err = a.Write(ctx, "deals", []sync.Op{{Kind: sync.OpUpdate, ID: "R-1", Fields: map[string]any{"address": map[string]any{"city": "Y"}}}})
	require.NoError(t, err)
	got, ok := a.Record("deals", "R-1")
	require.True(t, ok)
	require.Equal(t, map[string]any{"name": "A2", "address": map[string]any{"city": "Y", "zip": "1"}}, got.Fields, "nested objects merge")
	require.Equal(t, synctest.Calls{Writes: 2, Creates: 2, Updates: 1, Deletes: 1}, a.Calls())
	require.Len(t, a.Writes(), 2)
	require.Len(t, a.WrittenOps(), 5)
}

func TestAdapterFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := synctest.NewAdapter(nil)
	a.Inject(synctest.Fault{Op: sync.OpCreate, Times: 2})
	a.Inject(synctest.Fault{Match: func(op sync.Op) bool { return op.Fields["bad"] == true }, Err: synctest.Rejected("bad")})
	ops := []sync.Op{{Kind: sync.OpCreate, Fields: map[string]any{}}, {Kind: sync.OpCreate, Fields: map[string]any{"bad": true}}}
	// The first call's two creates use up the first fault; the bad op then
	// meets the second one every time.
	for i := range 3 {
		res, err := a.Write(ctx, "deals", ops)
		require.NoError(t, err)
		if i == 0 {
			require.True(t, sync.IsRetryable(res[0].Err))
			require.True(t, sync.IsRetryable(res[1].Err))
			continue
		}
		require.NoError(t, res[0].Err)
		require.ErrorContains(t, res[1].Err, "bad")
		require.False(t, sync.IsRetryable(res[1].Err))
	}
	require.Equal(t, 4, a.Calls().Failed)
	a.ClearFaults()
	a.Inject(synctest.Fault{Batch: true, Times: 1})
	_, err := a.Write(ctx, "deals", ops)
	require.True(t, sync.IsRetryable(err))
	_, err = a.Write(ctx, "deals", ops)
	require.NoError(t, err)
	require.Equal(t, 4, a.Len("deals"))
}

func TestClock(t *testing.T) {
	t.Parallel()
	c := synctest.NewClock(t0)
	early, late := c.NewTimer(time.Second), c.NewTimer(time.Minute)
	stopped := c.NewTimer(time.Second)
	require.True(t, stopped.Stop())
	require.Equal(t, 2, c.Timers())
	next, ok := c.Next()
	require.True(t, ok)
	require.Equal(t, t0.Add(time.Second), next)

	c.Advance(30 * time.Second)
	require.Equal(t, t0.Add(time.Second), <-early.C())
	select {
	case <-late.C():
		t.Fatal("fired early")
	default:
	}
	c.Advance(time.Minute)
	require.Equal(t, t0.Add(time.Minute), <-late.C())
	require.False(t, late.Stop())
	require.Equal(t, t0.Add(90*time.Second), c.Now())
	now := c.NewTimer(0)
	require.Equal(t, c.Now(), <-now.C())
}

// recorder is a TB that records failures instead of failing.
type recorder struct{ errors, fatals []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

func TestAssertions(t *testing.T) {
	t.Parallel()
	crm, erp := synctest.NewAdapter(nil), synctest.NewAdapter(nil)
	crm.Put("c", "", map[string]any{"Name": " Ana "})
	crm.Put("c", "", map[string]any{"Name": "Bo"})
	erp.Put("c", "", map[string]any{"name": "Ana", "erp_only": 1})
	m, err := transform.New("m", []transform.Rule{transform.Field("Name", "name", transform.Trim())}, nil)
	require.NoError(t, err)

	var r recorder
	require.True(t, synctest.AssertRecords(&r, crm, "c", []map[string]any{{"Name": "Bo"}, {"Name": " Ana "}}))
	require.False(t, synctest.AssertRecords(&r, crm, "c", []map[string]any{{"Name": "Bo"}, {"Name": "Cy"}}))
	require.Len(t, r.errors, 1)
	require.Contains(t, r.errors[0], `missing:`)
	require.Contains(t, r.errors[0], `{"Name":"Cy"}`)
	require.Contains(t, r.errors[0], `unexpected:`)

	synctest.RequireConverged(&r, crm, "c", erp, "c", m)
	require.Len(t, r.fatals, 1, "Bo has no counterpart")
	require.Contains(t, r.fatals[0], `{"name":"Bo"}`)

	erp.Put("c", "", map[string]any{"name": "Bo "})
	r = recorder{}
	synctest.RequireConverged(&r, crm, "c", erp, "c", m)
	require.Empty(t, r.fatals, "values the mapping normalises are equal")

	erp.Put("c", "", map[string]any{"name": "Bo"})
	synctest.RequireConverged(&r, crm, "c", erp, "c", m)
	require.Len(t, r.fatals, 1, "a duplicate is caught")
}
