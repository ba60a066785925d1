package sync_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// pair creates a contact on the left, syncs it, and returns the two IDs.
func (b *bundle) pair(t *testing.T, p *sync.Pipeline, fields map[string]any) (leftID, rightID string) {
	t.Helper()
	rec := b.left.Put(dt, "", fields)
	b.tick()
	run(t, p)
	links, err := b.store.Links(context.Background(), p.Name(), store.Left, []string{rec.ID})
	require.NoError(t, err)
	require.Contains(t, links, rec.ID)
	b.tick()
	return rec.ID, links[rec.ID].RightID
}

func (b *bundle) bidi(t *testing.T, resolver conflict.Resolver) *sync.Pipeline {
	t.Helper()
	cfg := b.config(sync.Bidirectional)
	cfg.Resolver = resolver
	return b.pipeline(t, cfg)
}

func update(t *testing.T, a *synctest.Adapter, id string, fields map[string]any) {
	t.Helper()
	_, err := a.Update(dt, id, fields)
	require.NoError(t, err)
}

// requireQuiet runs p again and requires that it writes nothing: no echo.
func (b *bundle) requireQuiet(t *testing.T, p *sync.Pipeline) {
	t.Helper()
	b.resetCalls()
	rep := run(t, p)
	require.Zero(t, b.writes(), "a run after a run must write nothing: %s", rep)
	require.Zero(t, rep.Counts.Conflicted)
}

func TestBidiChangeOnOneSideFlows(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.bidi(t, mustLatest(t))
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))

	update(t, b.left, l, map[string]any{"City": "Lyon"})
	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Updated)
	got, _ := b.right.Record(dt, r)
	require.Equal(t, map[string]any{"city": "Lyon"}, got.Fields["address"])
	b.requireQuiet(t, p)

	b.tick()
	update(t, b.right, r, map[string]any{"phone": "+33 6"})
	rep = run(t, p)
	require.Equal(t, 1, rep.Counts.Updated)
	gotL, _ := b.left.Record(dt, l)
	require.Equal(t, "+33 6", gotL.Fields["Phone"])
	require.Equal(t, []sync.Op{{Kind: sync.OpUpdate, ID: l, Fields: map[string]any{"Phone": "+33 6"}}}, b.left.WrittenOps())
	b.requireQuiet(t, p)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
}

func TestBidiChangesToDifferentFieldsMerge(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.bidi(t, mustLatest(t))
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))

	update(t, b.left, l, map[string]any{"City": "Lyon"})
	b.tick()
	update(t, b.right, r, map[string]any{"phone": "+33 6"})
	rep := run(t, p)
	require.Zero(t, rep.Counts.Conflicted)
	require.Equal(t, 2, rep.Counts.Updated)
	synctest.AssertRecords(t, b.left, dt, []map[string]any{{"Name": "Ana", "Email": "ana@example.com", "City": "Lyon", "Phone": "+33 6"}})
	synctest.AssertRecords(t, b.right, dt, []map[string]any{{"name": "Ana", "email": "ana@example.com", "address": map[string]any{"city": "Lyon"}, "phone": "+33 6"}})
	b.requireQuiet(t, p)
}

func TestBidiSameChangeOnBothSidesIsNoConflict(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.bidi(t, conflict.ResolverFunc(func(context.Context, conflict.Conflict) (conflict.Decision, error) {
		t.Error("the resolver must not be asked")
		return conflict.Decision{}, nil
	}))
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))

	update(t, b.left, l, map[string]any{"City": "Lyon"})
	update(t, b.right, r, map[string]any{"address": map[string]any{"city": "Lyon"}})
	b.resetCalls()
	rep := run(t, p)
	require.Zero(t, rep.Counts.Conflicted)
	require.Zero(t, b.writes())
	b.requireQuiet(t, p)
}

func TestBidiConflicts(t *testing.T) {
	t.Parallel()
	table, err := authority.New(authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}},
		Rules: []authority.Rule{{DataType: dt, System: "CRM",
			Overrides: []authority.Override{{System: "ERP", Fields: []string{"City"}}}}},
	})
	require.NoError(t, err)
	byAuthority, err := conflict.NewAuthority(table)
	require.NoError(t, err)

	cases := []struct {
		name     string
		resolver conflict.Resolver
		// the left edit comes second when leftLater
		leftLater bool
		wantCity  string
		wantName  string
		action    conflict.Action
	}{
		{"latest: right newer", mustLatest(t), false, "Rome", "Ana R", conflict.TakeRight},
		{"latest: left newer", mustLatest(t), true, "Lyon", "Ana L", conflict.TakeLeft},
		// ERP owns City by override, CRM owns the rest, whoever is newer.
		{"authority", byAuthority, true, "Rome", "Ana L", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			p := b.bidi(t, tc.resolver)
			l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))

			editLeft := func() { update(t, b.left, l, map[string]any{"City": "Lyon", "Name": "Ana L"}) }
			editRight := func() {
				update(t, b.right, r, map[string]any{"address": map[string]any{"city": "Rome"}, "name": "Ana R"})
			}
			if tc.leftLater {
				editRight()
				b.tick()
				editLeft()
			} else {
				editLeft()
				b.tick()
				editRight()
			}
			rep := run(t, p)
			require.Equal(t, 2, rep.Counts.Conflicted)
			require.Len(t, rep.Conflicts, 2)
			for _, c := range rep.Conflicts {
				require.Equal(t, l, c.Conflict.LeftID)
				require.Equal(t, r, c.Conflict.RightID)
				require.NotEmpty(t, c.Decision.Reason)
				if tc.action != 0 {
					require.Equal(t, tc.action, c.Decision.Action)
				}
			}
			synctest.AssertRecords(t, b.left, dt, []map[string]any{{"Name": tc.wantName, "Email": "ana@example.com", "City": tc.wantCity}})
			synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
			b.requireQuiet(t, p)
		})
	}
}

func TestBidiManualReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	cfg := b.config(sync.Bidirectional)
	cfg.NewResolver = func(reviews conflict.ReviewRecorder) (conflict.Resolver, error) {
		return conflict.NewManualReview(reviews)
	}
	p := b.pipeline(t, cfg)
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))

	update(t, b.left, l, map[string]any{"City": "Lyon", "Phone": "+33 1"})
	b.tick()
	update(t, b.right, r, map[string]any{"address": map[string]any{"city": "Rome"}})
	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Conflicted)
	require.Equal(t, conflict.Hold, rep.Conflicts[0].Decision.Action)
	reviewID := rep.Conflicts[0].Decision.ReviewID
	require.NotEmpty(t, reviewID)

	// The held field is left alone on both sides; the rest flows.
	leftRec, _ := b.left.Record(dt, l)
	require.Equal(t, "Lyon", leftRec.Fields["City"])
	rightRec, _ := b.right.Record(dt, r)
	require.Equal(t, map[string]any{"city": "Rome"}, rightRec.Fields["address"])
	require.Equal(t, "+33 1", rightRec.Fields["phone"])
	b.requireQuiet(t, p)

	pending, err := b.store.Reviews(ctx, store.ReviewFilter{Pipeline: p.Name()})
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.Equal(t, store.ReviewPending, pending[0].Status)
	require.Equal(t, "City", pending[0].Review.Conflict.Field)

	// Another edit of the pair conflicts again on the held field: still one
	// review.
	b.tick()
	update(t, b.left, l, map[string]any{"Name": "Ana M"})
	rep = run(t, p)
	require.Equal(t, reviewID, rep.Conflicts[0].Decision.ReviewID)
	pending, err = b.store.Reviews(ctx, store.ReviewFilter{Pipeline: p.Name()})
	require.NoError(t, err)
	require.Len(t, pending, 1)

	// A person decides for the left side; the next run writes it to both
	// sides and marks the review applied.
	require.NoError(t, b.store.Resolve(ctx, conflict.Resolution{ReviewID: reviewID, Action: conflict.TakeLeft, DecidedBy: "ana"}))
	rep = run(t, p)
	require.Equal(t, 1, rep.Counts.Updated)
	rightRec, _ = b.right.Record(dt, r)
	require.Equal(t, map[string]any{"city": "Lyon"}, rightRec.Fields["address"])
	items, err := b.store.Reviews(ctx, store.ReviewFilter{Pipeline: p.Name()})
	require.NoError(t, err)
	require.Equal(t, store.ReviewApplied, items[0].Status)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	b.requireQuiet(t, p)

	// A decided value (UseValue) is written to both sides.
	b.tick()
	update(t, b.left, l, map[string]any{"City": "Nice"})
	update(t, b.right, r, map[string]any{"address": map[string]any{"city": "Nantes"}})
	rep = run(t, p)
	second := rep.Conflicts[0].Decision.ReviewID
	require.NotEqual(t, reviewID, second)
	require.NoError(t, b.store.Resolve(ctx, conflict.Resolution{ReviewID: second, Action: conflict.UseValue, Value: "Nancy"}))
	run(t, p)
	leftRec, _ = b.left.Record(dt, l)
	require.Equal(t, "Nancy", leftRec.Fields["City"])
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	b.requireQuiet(t, p)
}

func TestBidiCreatesOnEitherSideAreLinked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	p := b.bidi(t, mustLatest(t))
	fromCRM := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	fromERP := b.right.Put(dt, "", customer("Bob", "bob@example.com", "Rome"))
	rep := run(t, p)
	require.Equal(t, 2, rep.Counts.Created)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)

	left, err := b.store.Links(ctx, p.Name(), store.Left, []string{fromCRM.ID})
	require.NoError(t, err)
	right, err := b.store.Links(ctx, p.Name(), store.Right, []string{fromERP.ID})
	require.NoError(t, err)
	require.Len(t, left, 1)
	require.Len(t, right, 1)
	b.requireQuiet(t, p)

	// The records created by the sync are updated in place later.
	b.tick()
	update(t, b.left, right[fromERP.ID].LeftID, map[string]any{"City": "Milan"})
	run(t, p)
	require.Equal(t, 2, b.right.Len(dt))
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
}

func TestBidiDeletes(t *testing.T) {
	t.Parallel()
	for _, mode := range []sync.DeleteMode{sync.DeleteIgnore, sync.DeletePropagate, sync.DeleteFlag} {
		for _, from := range []store.Side{store.Left, store.Right} {
			t.Run(string(mode)+" from "+string(from), func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				cfg := b.config(sync.Bidirectional)
				cfg.Resolver = mustLatest(t)
				cfg.Deletes = sync.DeletePolicy{Mode: mode, LeftFlag: "Deleted_In_ERP", RightFlag: "deleted_in_crm"}
				p := b.pipeline(t, cfg)
				l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))

				deleter, survivor, survivorID := b.left, b.right, r
				if from == store.Right {
					deleter, survivor, survivorID = b.right, b.left, l
				}
				require.NoError(t, deleter.Delete(dt, map[store.Side]string{store.Left: l, store.Right: r}[from]))
				run(t, p)
				got, ok := survivor.Record(dt, survivorID)
				switch mode {
				case sync.DeletePropagate:
					require.False(t, ok)
				case sync.DeleteFlag:
					require.True(t, ok)
					flag := "deleted_in_crm"
					if from == store.Right {
						flag = "Deleted_In_ERP"
					}
					require.Equal(t, true, got.Fields[flag])
				default:
					require.True(t, ok)
				}
				// The pair is tombstoned: an edit of the survivor does not
				// revive the deleted record.
				if ok {
					b.tick()
					field := map[store.Side]string{store.Left: "phone", store.Right: "Phone"}[from]
					_, err := survivor.Update(dt, survivorID, map[string]any{field: "+1"})
					require.NoError(t, err)
					rep := run(t, p)
					require.Equal(t, 2, rep.Skipped, "the edit, and the tombstone at the cursor's instant read again")
					require.Zero(t, deleter.Len(dt))
				}
			})
		}
	}
}

func TestBidiFailuresAreRetriedForThePair(t *testing.T) {
	t.Parallel()
	b := setup(t)
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: b.clock.Now})
	require.NoError(t, err)
	cfg := b.config(sync.Bidirectional)
	cfg.Resolver = mustLatest(t)
	cfg.Queue = q
	p := b.pipeline(t, cfg)
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))

	update(t, b.left, l, map[string]any{"City": "Lyon"})
	b.tick()
	update(t, b.right, r, map[string]any{"phone": "+33 6"})
	b.right.Inject(synctest.Fault{Op: sync.OpUpdate, Times: 1})
	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Failed)
	require.Equal(t, 1, rep.Parked)

	// The left side got the phone; the right side's write of the city is
	// retried from the queue.
	drain(t, q, b.clock.Now, p)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	b.requireQuiet(t, p)
}

func TestBidiPushFromEitherSide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	p := b.bidi(t, mustLatest(t))
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))

	update(t, b.right, r, map[string]any{"phone": "+33 6"})
	rep, err := p.Push(ctx, sync.Event{Side: store.Right, ID: r})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Counts.Updated)
	got, _ := b.left.Record(dt, l)
	require.Equal(t, "+33 6", got.Fields["Phone"])
	b.requireQuiet(t, p)
}

func TestBidiUndecidedConflictIsHeldAndWarned(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.bidi(t, mustLatest(t)) // no tie rule: same-instant edits are undecided
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))
	update(t, b.left, l, map[string]any{"City": "Lyon"})
	update(t, b.right, r, map[string]any{"address": map[string]any{"city": "Rome"}})
	b.resetCalls()
	rep := run(t, p)
	require.Equal(t, conflict.Abstain, rep.Conflicts[0].Decision.Action)
	require.Contains(t, rep.Conflicts[0].Decision.Reason, "no tie rule")
	require.Len(t, rep.Warnings, 1)
	require.Zero(t, b.writes(), "held on both sides")
	b.requireQuiet(t, p)
}

// resolvedPages is a store that counts the pages of resolved reviews a run
// reads, and fails past a bound so that a run that reads the same page
// again and again ends.
type resolvedPages struct {
	store.Store
	pages int
}

func (s *resolvedPages) Reviews(ctx context.Context, f store.ReviewFilter) ([]store.ReviewItem, error) {
	s.pages++
	if s.pages > 5 {
		return nil, errors.New("test: the run reads the same resolved reviews over and over")
	}
	return s.Store.Reviews(ctx, f)
}

// Resolved reviews that a run cannot apply yet (their records are filtered
// out now) stay resolved; a full page of them must not keep the run
// reading that page forever.
func TestBidiResolvedReviewsItCannotApplyEndTheRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	cfg := b.config(sync.Bidirectional)
	cfg.BatchSize = 100
	cfg.NewResolver = func(reviews conflict.ReviewRecorder) (conflict.Resolver, error) {
		return conflict.NewManualReview(reviews)
	}
	p := b.pipeline(t, cfg)
	const n = 500 // a full page of resolved reviews
	var ids []string
	for i := range n {
		ids = append(ids, b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo")).ID)
	}
	run(t, p)
	b.tick()
	links, err := b.store.Links(ctx, p.Name(), store.Left, ids)
	require.NoError(t, err)
	for _, id := range ids {
		update(t, b.left, id, map[string]any{"City": "Lyon"})
		update(t, b.right, links[id].RightID, map[string]any{"address": map[string]any{"city": "Rome"}})
	}
	rep := run(t, p)
	require.Equal(t, n, rep.Counts.Conflicted)
	reviews, err := b.store.Reviews(ctx, store.ReviewFilter{Pipeline: p.Name(), Limit: n})
	require.NoError(t, err)
	require.Len(t, reviews, n)
	for _, rv := range reviews {
		require.NoError(t, b.store.Resolve(ctx, conflict.Resolution{ReviewID: rv.ID, Action: conflict.TakeLeft}))
	}

	// The records leave the pipeline's scope before the next run.
	counting := &resolvedPages{Store: b.store}
	cfg.Store = counting
	cfg.Filter = func(sync.Record) bool { return false }
	filtered := b.pipeline(t, cfg)
	rep = run(t, filtered)
	require.Zero(t, rep.Counts.Updated)
	require.Equal(t, 1, counting.pages, "a page that applied nothing is not read again")
}

// An edit whose counterpart was deleted meanwhile, with deletes ignored: the
// record left alone is reported on the side it was read on, with its ID.
func TestBidiEditOfAPairWhoseCounterpartIsGoneIsReportedOnItsSide(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var skipped []sync.RecordEvent
	cfg := b.config(sync.Bidirectional)
	cfg.Resolver = mustLatest(t)
	cfg.Observer = sync.ObserverFuncs{OnRecord: func(e sync.RecordEvent) {
		if e.Outcome == sync.OutcomeSkipped {
			skipped = append(skipped, e)
		}
	}}
	p := b.pipeline(t, cfg)
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))
	require.NoError(t, b.right.Delete(dt, r))
	update(t, b.left, l, map[string]any{"City": "Lyon"})

	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	require.Contains(t, plan.Skipped, sync.PlannedSkip{Side: store.Left, ID: l, Outcome: sync.OutcomeSkipped,
		Reason: "its counterpart was deleted on the right side; delete policy ignore"})
	skipped = nil
	run(t, p)
	require.NotEmpty(t, skipped)
	require.Equal(t, sync.RecordEvent{Pipeline: p.Name(), Side: store.Left, Outcome: sync.OutcomeSkipped, ID: l}, skipped[0])
}
