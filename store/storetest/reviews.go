package storetest

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
)

// review returns a review of field in pipeline p with the key conflict's
// ReviewKey gives it.
func review(p, field string, left, right any) conflict.Review {
	c := conflict.Conflict{
		Pipeline: p, DataType: "customers", Field: field,
		LeftID: "crm-1", RightID: "erp-1", LeftSystem: "CRM", RightSystem: "ERP",
		Base: "Pune", Left: left, Right: right,
		LeftModified:  time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC),
		RightModified: time.Date(2025, 6, 1, 10, 0, 5, 0, time.UTC),
	}
	return conflict.Review{Key: conflict.ReviewKey(c), Conflict: c, Reason: "held for a person to decide"}
}

func (b *bundle) record(t *testing.T, r conflict.Review) string {
	t.Helper()
	id, err := b.s.RecordReview(t.Context(), r)
	require.NoError(t, err)
	require.NotEmpty(t, id)
	return id
}

func reviews(t *testing.T, s store.Store, f store.ReviewFilter) []store.ReviewItem {
	t.Helper()
	items, err := s.Reviews(t.Context(), f)
	require.NoError(t, err)
	return items
}

func reviewIDs(items []store.ReviewItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

// only returns the one review with that ID.
func only(t *testing.T, s store.Store, id string) store.ReviewItem {
	t.Helper()
	for _, it := range reviews(t, s, store.ReviewFilter{Limit: 1000}) {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("review %s not listed", id)
	return store.ReviewItem{}
}

func resolve(t *testing.T, s store.Store, id string) {
	t.Helper()
	require.NoError(t, s.Resolve(t.Context(), conflict.Resolution{ReviewID: id, Action: conflict.TakeLeft, DecidedBy: "ops@example.com"}))
}

func apply(t *testing.T, s store.Store, p string, ids ...string) {
	t.Helper()
	require.NoError(t, s.Commit(t.Context(), store.Checkpoint{Pipeline: p, AppliedReviews: ids}))
}

var reviewTests = []namedTest{
	{"RecordAndList", func(t *testing.T, b *bundle) {
		created := b.clock.Advance(time.Minute)
		r := review("customers", "city", "Mumbai", "Delhi")
		id := b.record(t, r)
		require.Equal(t, []store.ReviewItem{{ID: id, Key: r.Key, Review: r, Status: store.ReviewPending, Created: created}},
			reviews(t, b.s, store.ReviewFilter{}))
	}},
	{"IdempotentByKeyUntilApplied", func(t *testing.T, b *bundle) {
		r := review("customers", "city", "Mumbai", "Delhi")
		id := b.record(t, r)
		again := r
		again.Conflict.Left = "Chennai" // the field conflicts again on the next run, with new values
		require.Equal(t, id, b.record(t, again), "pending: the same review")
		require.Equal(t, "Mumbai", only(t, b.s, id).Review.Conflict.Left, "the review keeps the conflict as first recorded")
		resolve(t, b.s, id)
		require.Equal(t, id, b.record(t, again), "resolved but not applied: the same review")
		apply(t, b.s, "customers", id)
		newID := b.record(t, again)
		require.NotEqual(t, id, newID, "applied: a new conflict is a new review")
		require.Equal(t, newID, b.record(t, r))
		other := b.record(t, review("customers", "street", "a", "b"))
		require.NotEqual(t, newID, other)
		require.Len(t, reviews(t, b.s, store.ReviewFilter{}), 3)
	}},
	{"CountByStatusAndPipeline", func(t *testing.T, b *bundle) {
		count := func(st store.ReviewStatus) map[string]int {
			t.Helper()
			n, err := b.s.CountReviews(t.Context(), st)
			require.NoError(t, err)
			return n
		}
		require.Empty(t, count(store.ReviewPending))
		a := b.record(t, review("customers", "city", "a", "b"))
		b.record(t, review("customers", "street", "a", "b"))
		b.record(t, review("products", "price", "1", "2"))
		require.Equal(t, map[string]int{"customers": 2, "products": 1}, count(store.ReviewPending))
		resolve(t, b.s, a)
		require.Equal(t, map[string]int{"customers": 1, "products": 1}, count(store.ReviewPending))
		require.Equal(t, map[string]int{"customers": 1}, count(store.ReviewResolved))
		apply(t, b.s, "customers", a)
		require.Empty(t, count(store.ReviewResolved))
		require.Equal(t, map[string]int{"customers": 1}, count(store.ReviewApplied))
	}},
	{"EmptyKeyRefused", func(t *testing.T, b *bundle) {
		r := review("customers", "city", "a", "b")
		r.Key = ""
		_, err := b.s.RecordReview(t.Context(), r)
		require.Error(t, err)
		require.Empty(t, reviews(t, b.s, store.ReviewFilter{}))
	}},
	{"ValuesRoundTripWithTheirTypes", func(t *testing.T, b *bundle) {
		when := time.Date(2025, 6, 1, 10, 11, 12, 123456789, time.UTC)
		values := map[string]any{
			"nil":         nil,
			"bool":        true,
			"string":      "Zylker \"Ltd\" ünïcödé",
			"json.Number": json.Number("1234.50"),
			"int":         42,
			"int64":       int64(math.MinInt64),
			"uint64":      uint64(math.MaxUint64),
			"int8":        int8(-8),
			"float64":     0.1,
			"float32":     float32(2.5),
			"NaN-free":    math.MaxFloat64,
			"time":        when,
			"list":        []any{"a", json.Number("1"), nil, []any{}, map[string]any{}},
			"map":         map[string]any{"street": "MG Road", "geo": map[string]any{"lat": json.Number("18.52")}, "n": 3},
		}
		ids := map[string]string{}
		for name, v := range values {
			ids[name] = b.record(t, review("p", name, v, map[string]any{"wrapped": v}))
		}
		for name, v := range values {
			got := only(t, b.s, ids[name]).Review.Conflict
			require.Equal(t, v, got.Left, name)
			require.Equal(t, map[string]any{"wrapped": v}, got.Right, name)
			require.Equal(t, "Pune", got.Base, name)
		}
		inf := b.record(t, review("p", "inf", math.Inf(1), math.NaN()))
		got := only(t, b.s, inf).Review.Conflict
		require.True(t, math.IsInf(got.Left.(float64), 1))
		require.True(t, math.IsNaN(got.Right.(float64)))
	}},
	{"UnsupportedValueRefused", func(t *testing.T, b *bundle) {
		type custom struct{ A int }
		for name, v := range map[string]any{"struct": custom{1}, "[]string": []string{"a"}, "map[string]string": map[string]string{"a": "b"}, "nested": []any{custom{}}} {
			_, err := b.s.RecordReview(t.Context(), review("p", name, v, "x"))
			require.Error(t, err, name)
		}
		require.Empty(t, reviews(t, b.s, store.ReviewFilter{}))
		id := b.record(t, review("p", "ok", "a", "b"))
		err := b.s.Resolve(t.Context(), conflict.Resolution{ReviewID: id, Action: conflict.UseValue, Value: custom{2}})
		require.Error(t, err)
		require.Equal(t, store.ReviewPending, only(t, b.s, id).Status)
	}},
	{"Filters", func(t *testing.T, b *bundle) {
		a1 := b.record(t, review("a", "f1", 1, 2))
		b1 := b.record(t, review("b", "f1", 1, 2))
		a2 := b.record(t, review("a", "f2", 1, 2))
		a3 := b.record(t, review("a", "f3", 1, 2))
		resolve(t, b.s, a2)
		resolve(t, b.s, a3)
		apply(t, b.s, "a", a3)
		require.Equal(t, []string{a1, b1, a2, a3}, reviewIDs(reviews(t, b.s, store.ReviewFilter{})))
		require.Equal(t, []string{a1, a2, a3}, reviewIDs(reviews(t, b.s, store.ReviewFilter{Pipeline: "a"})))
		require.Equal(t, []string{a1, b1}, reviewIDs(reviews(t, b.s, store.ReviewFilter{Status: []store.ReviewStatus{store.ReviewPending}})))
		require.Equal(t, []string{a2, a3}, reviewIDs(reviews(t, b.s, store.ReviewFilter{Pipeline: "a", Status: []store.ReviewStatus{store.ReviewResolved, store.ReviewApplied}})))
		require.Equal(t, []string{a1, b1}, reviewIDs(reviews(t, b.s, store.ReviewFilter{Limit: 2})))
		require.Empty(t, reviews(t, b.s, store.ReviewFilter{Pipeline: "c"}))
		_, err := b.s.Reviews(t.Context(), store.ReviewFilter{Status: []store.ReviewStatus{"decided"}})
		require.Error(t, err)
		_, err = b.s.Reviews(t.Context(), store.ReviewFilter{Limit: -1})
		require.Error(t, err)
	}},
	{"DefaultLimitIs100", func(t *testing.T, b *bundle) {
		for i := range 105 {
			b.record(t, review("p", string(rune('A'+i%26))+string(rune('a'+i/26)), 1, 2))
		}
		require.Len(t, reviews(t, b.s, store.ReviewFilter{}), 100)
	}},
	{"Resolve", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		id := b.record(t, review("p", "city", "Mumbai", "Delhi"))
		decided := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
		res := conflict.Resolution{ReviewID: id, Action: conflict.UseValue, Value: map[string]any{"city": "Navi Mumbai", "pin": json.Number("400703")},
			DecidedBy: "ops@example.com", DecidedAt: decided, Note: "checked with the customer"}
		require.NoError(t, b.s.Resolve(ctx, res))
		got := only(t, b.s, id)
		require.Equal(t, store.ReviewResolved, got.Status)
		require.Equal(t, &res, got.Resolution)
		require.True(t, got.Applied.IsZero())
		require.ErrorIs(t, b.s.Resolve(ctx, conflict.Resolution{ReviewID: id, Action: conflict.TakeRight}), store.ErrReviewNotPending)
		require.Equal(t, &res, only(t, b.s, id).Resolution, "the first decision stands")
	}},
	{"ResolveSetsDecidedAt", func(t *testing.T, b *bundle) {
		id := b.record(t, review("p", "city", "a", "b"))
		now := b.clock.Advance(time.Hour)
		resolve(t, b.s, id)
		require.Equal(t, now, only(t, b.s, id).Resolution.DecidedAt)
	}},
	{"ResolveErrors", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		for _, id := range []string{"no-such-review", "424242", "0", "-1", "1.0", " 1"} {
			require.ErrorIs(t, b.s.Resolve(ctx, conflict.Resolution{ReviewID: id, Action: conflict.TakeLeft}), store.ErrNotFound, id)
		}
		id := b.record(t, review("p", "city", "a", "b"))
		require.ErrorIs(t, b.s.Resolve(ctx, conflict.Resolution{ReviewID: id, Action: conflict.Hold}), conflict.ErrInvalidResolution)
		require.ErrorIs(t, b.s.Resolve(ctx, conflict.Resolution{Action: conflict.TakeLeft}), conflict.ErrInvalidResolution)
		require.Equal(t, store.ReviewPending, only(t, b.s, id).Status)
		resolve(t, b.s, id)
		apply(t, b.s, "p", id)
		require.ErrorIs(t, b.s.Resolve(ctx, conflict.Resolution{ReviewID: id, Action: conflict.TakeLeft}), store.ErrReviewNotPending)
	}},
	{"AppliedThroughCheckpoint", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		id := b.record(t, review("p", "city", "a", "b"))
		resolve(t, b.s, id)
		now := b.clock.Advance(time.Minute)
		require.NoError(t, b.s.Commit(ctx, store.Checkpoint{Pipeline: "p", AppliedReviews: []string{id, id},
			Links: []store.Link{{LeftID: "crm-1", RightID: "erp-1"}}}))
		got := only(t, b.s, id)
		require.Equal(t, store.ReviewApplied, got.Status)
		require.Equal(t, now, got.Applied)
		require.NotNil(t, got.Resolution)
		b.clock.Advance(time.Minute)
		apply(t, b.s, "p", id) // applying again changes nothing
		require.Equal(t, now, only(t, b.s, id).Applied)
	}},
	{"PendingCannotBeApplied", func(t *testing.T, b *bundle) {
		pending := b.record(t, review("p", "city", "a", "b"))
		resolved := b.record(t, review("p", "street", "a", "b"))
		resolve(t, b.s, resolved)
		err := b.s.Commit(t.Context(), store.Checkpoint{Pipeline: "p", AppliedReviews: []string{resolved, pending},
			Cursors: map[store.Side]string{store.Left: "c"}})
		require.ErrorIs(t, err, store.ErrReviewNotResolved)
		require.Equal(t, store.ReviewPending, only(t, b.s, pending).Status)
		require.Equal(t, store.ReviewResolved, only(t, b.s, resolved).Status)
		requireCursors(t, b.s, "p", "", "")
	}},
}
