package sync_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// snapshot is everything a plan must leave as it was.
type snapshot struct {
	cursors     map[store.Side]string
	links       map[string]store.Link
	runs        []store.Run
	reviews     []store.ReviewItem
	left, right []sync.Record
}

func (b *bundle) snapshot(t *testing.T, pipeline string, leftIDs []string) snapshot {
	t.Helper()
	ctx := context.Background()
	s := snapshot{cursors: map[store.Side]string{}, left: b.left.Records(dt), right: b.right.Records(dt)}
	for _, side := range []store.Side{store.Left, store.Right} {
		c, err := b.store.Cursor(ctx, pipeline, side)
		require.NoError(t, err)
		s.cursors[side] = c
	}
	var err error
	s.links, err = b.store.Links(ctx, pipeline, store.Left, leftIDs)
	require.NoError(t, err)
	s.runs, err = b.store.Runs(ctx, store.RunFilter{Pipeline: pipeline})
	require.NoError(t, err)
	s.reviews, err = b.store.Reviews(ctx, store.ReviewFilter{Pipeline: pipeline})
	require.NoError(t, err)
	return s
}

// opsOn returns the planned ops written to side.
func opsOn(pl sync.Plan, side store.Side) []sync.Op {
	var out []sync.Op
	for _, op := range pl.Ops {
		if op.Side == side {
			out = append(out, op.Op)
		}
	}
	return out
}

func TestPlanPullMatchesRunAndChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var ids []string
	for i := range 12 {
		ids = append(ids, b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo")).ID)
		b.tick()
	}
	cfg := b.config(sync.Pull)
	cfg.Deletes.Mode = sync.DeletePropagate
	p := b.pipeline(t, cfg)
	run(t, p)
	b.tick()
	update(t, b.left, ids[1], map[string]any{"City": "Bergen"})
	require.NoError(t, b.left.Delete(dt, ids[2]))
	b.left.Put(dt, "", contact("New", "new@example.com", "Oslo"))

	b.resetCalls()
	before := b.snapshot(t, p.Name(), ids)
	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	require.Equal(t, before, b.snapshot(t, p.Name(), ids), "a plan changes nothing")
	require.Zero(t, b.right.Calls().Writes)
	require.Equal(t, store.Counts{Read: 4, Created: 1, Updated: 1, Deleted: 1, Unchanged: 1}, plan.Counts, "the cursor's instant is read again")
	require.Contains(t, plan.String(), "create right")

	rep := run(t, p)
	require.Equal(t, plan.Counts, rep.Counts)
	require.Equal(t, opsOn(plan, store.Right), b.right.WrittenOps())
	require.Empty(t, opsOn(plan, store.Left))
}

func TestPlanBidiMatchesRunAndRecordsNoReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	cfg := b.config(sync.Bidirectional)
	cfg.NewResolver = func(reviews conflict.ReviewRecorder) (conflict.Resolver, error) {
		return conflict.NewManualReview(reviews)
	}
	cfg.Deletes.Mode = sync.DeletePropagate
	p := b.pipeline(t, cfg)
	l1, r1 := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))
	l2, r2 := b.pair(t, p, contact("Bob", "bob@example.com", "Rome"))
	l3, _ := b.pair(t, p, contact("Cy", "cy@example.com", "Oslo"))

	// A conflict, a one-sided change each way, a delete, creates both sides.
	update(t, b.left, l1, map[string]any{"City": "Lyon"})
	update(t, b.right, r1, map[string]any{"address": map[string]any{"city": "Nice"}, "phone": "+33"})
	update(t, b.right, r2, map[string]any{"email": "bob@example.org"})
	update(t, b.left, l2, map[string]any{"Phone": "+39"})
	require.NoError(t, b.left.Delete(dt, l3))
	b.left.Put(dt, "", contact("Di", "di@example.com", "Graz"))
	b.right.Put(dt, "", customer("Ed", "ed@example.com", "Bern"))

	b.resetCalls()
	ids := []string{l1, l2, l3}
	before := b.snapshot(t, p.Name(), ids)
	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	require.Equal(t, before, b.snapshot(t, p.Name(), ids), "a plan changes nothing and records no review")
	require.Zero(t, b.left.Calls().Writes+b.right.Calls().Writes)
	require.Len(t, plan.Conflicts, 1)
	require.Equal(t, conflict.Hold, plan.Conflicts[0].Decision.Action)
	require.Equal(t, sync.PlanReviewID, plan.Conflicts[0].Decision.ReviewID)

	rep := run(t, p)
	// A run also reads back, as echoes, what it wrote to the left side
	// before reading the right: Read and Unchanged differ, writes do not.
	writes := func(c store.Counts) store.Counts {
		return store.Counts{Created: c.Created, Updated: c.Updated, Deleted: c.Deleted, Conflicted: c.Conflicted, Failed: c.Failed}
	}
	require.Equal(t, writes(plan.Counts), writes(rep.Counts))
	require.Equal(t, store.Counts{Read: 8, Created: 2, Updated: 3, Deleted: 1, Conflicted: 1}, plan.Counts)
	require.Equal(t, opsOn(plan, store.Left), b.left.WrittenOps())
	require.Equal(t, opsOn(plan, store.Right), b.right.WrittenOps())
	require.Len(t, rep.Conflicts, 1)
	require.Equal(t, plan.Conflicts[0].Conflict, rep.Conflicts[0].Conflict)
	reviews, err := b.store.Reviews(ctx, store.ReviewFilter{Pipeline: p.Name()})
	require.NoError(t, err)
	require.Len(t, reviews, 1, "the run records the review the plan did not")

	// A plan after the run plans nothing.
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	require.Empty(t, plan.Ops)
	synctest.AssertRecords(t, b.left, dt, []map[string]any{
		{"Name": "Ana", "Email": "ana@example.com", "City": "Lyon", "Phone": "+33"},
		{"Name": "Bob", "Email": "bob@example.org", "City": "Rome", "Phone": "+39"},
		contact("Di", "di@example.com", "Graz"),
		contact("Ed", "ed@example.com", "Bern"),
	})
}

// A left record read again and left alone (an echo: the cursor's instant is
// read again on every pass) must not hide its pair's change on the right
// side from the plan: the run writes that change, so the plan lists it.
func TestPlanBidiRightChangeOfAnEchoedPair(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.bidi(t, mustLatest(t))
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))
	update(t, b.right, r, map[string]any{"phone": "+33 6"})

	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	b.resetCalls()
	rep := run(t, p)
	require.Equal(t, []sync.Op{{Kind: sync.OpUpdate, ID: l, Fields: map[string]any{"Phone": "+33 6"}}}, b.left.WrittenOps())
	require.Equal(t, b.left.WrittenOps(), opsOn(plan, store.Left), "the plan lists the run's write")
	require.Equal(t, rep.Counts.Updated, plan.Counts.Updated)
}
