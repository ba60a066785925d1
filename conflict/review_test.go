package conflict_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
)

func TestManualReviewHoldsAndRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reviews := conflict.NewMemoryReviews()
	m, err := conflict.NewManualReview(reviews)
	require.NoError(t, err)

	c := sample()
	d, err := m.Resolve(ctx, c)
	require.NoError(t, err)
	require.Equal(t, conflict.Decision{Action: conflict.Hold, ReviewID: "review-1", Reason: "held for review review-1"}, d)
	_, writes := d.Apply(c)
	require.False(t, writes, "a held field is written nowhere")

	// The next run meets the same conflict, possibly from the other side and
	// with newer values: still the same review.
	again := c.Swap()
	again.Left = "Toulon"
	d2, err := m.Resolve(ctx, again)
	require.NoError(t, err)
	require.Equal(t, d, d2)

	// Another field is another review.
	other := c
	other.Field = "email"
	d3, err := m.Resolve(ctx, other)
	require.NoError(t, err)
	require.Equal(t, "review-2", d3.ReviewID)

	pending := reviews.Pending()
	require.Len(t, pending, 2)
	require.Equal(t, "review-1", pending[0].ID)
	require.Equal(t, c, pending[0].Conflict, "the review keeps the conflict as first recorded")
	require.Equal(t, conflict.ReviewKey(c), pending[0].Key)
	require.Equal(t, "held for a person to decide", pending[0].Reason)
	require.Nil(t, pending[0].Resolution)

	// A person decides; the engine applies the resolution to the review's conflict.
	decidedAt := time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
	res := conflict.Resolution{ReviewID: "review-1", Action: conflict.TakeRight, DecidedBy: "ana", DecidedAt: decidedAt, Note: "the warehouse called"}
	require.NoError(t, reviews.Decide(ctx, res))
	got, ok := reviews.Get("review-1")
	require.True(t, ok)
	require.Equal(t, &res, got.Resolution)
	dec := got.Resolution.Decision()
	require.Equal(t, conflict.Decision{Action: conflict.TakeRight, Reason: "review review-1 decided by ana: the warehouse called"}, dec)
	v, writes := dec.Apply(got.Conflict)
	require.True(t, writes)
	require.Equal(t, "Marseille", v)

	require.Len(t, reviews.Pending(), 1)
	err = reviews.Decide(ctx, res)
	require.ErrorIs(t, err, conflict.ErrReviewNotFound)
	require.EqualError(t, err, "conflict: decide review-1: review not found (already decided)")
	require.ErrorIs(t, reviews.Decide(ctx, conflict.Resolution{ReviewID: "review-9", Action: conflict.TakeLeft}), conflict.ErrReviewNotFound)

	// Once decided, the conflict arising again is a new review.
	d4, err := m.Resolve(ctx, c)
	require.NoError(t, err)
	require.Equal(t, "review-3", d4.ReviewID)
}

func TestReviewKey(t *testing.T) {
	t.Parallel()
	c := sample()
	require.Equal(t, `"customers" "customers" "delivery_city" "CRM" "1001" "ERP" "C-7"`, conflict.ReviewKey(c))
	require.Equal(t, conflict.ReviewKey(c), conflict.ReviewKey(c.Swap()))

	changed := c
	changed.Left, changed.LeftModified = "Nice", time.Time{}
	require.Equal(t, conflict.ReviewKey(c), conflict.ReviewKey(changed), "values and times are not part of the identity")

	for _, differ := range []func(*conflict.Conflict){
		func(c *conflict.Conflict) { c.Pipeline = "other" },
		func(c *conflict.Conflict) { c.DataType = "contacts" },
		func(c *conflict.Conflict) { c.Field = "email" },
		func(c *conflict.Conflict) { c.RightID = "C-8" },
		func(c *conflict.Conflict) { c.LeftSystem = "Books" },
		func(c *conflict.Conflict) { c.Field, c.LeftSystem = `delivery_city" "CRM`, "" }, // no ambiguity by quoting
	} {
		d := c
		differ(&d)
		require.NotEqual(t, conflict.ReviewKey(c), conflict.ReviewKey(d))
	}
}

func TestManualReviewErrors(t *testing.T) {
	t.Parallel()
	_, err := conflict.NewManualReview(nil)
	require.EqualError(t, err, "conflict: NewManualReview: recorder is nil")

	down := errors.New("store unavailable")
	m, err := conflict.NewManualReview(recorderFunc(func(context.Context, conflict.Review) (string, error) { return "", down }))
	require.NoError(t, err)
	_, err = m.Resolve(context.Background(), sample())
	require.ErrorIs(t, err, down)
	require.EqualError(t, err, "conflict: customers.delivery_city (CRM 1001 / ERP C-7): record review: store unavailable")

	m, err = conflict.NewManualReview(recorderFunc(func(context.Context, conflict.Review) (string, error) { return "", nil }))
	require.NoError(t, err)
	_, err = m.Resolve(context.Background(), sample())
	require.ErrorContains(t, err, "the recorder returned an empty review ID")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, err = conflict.NewManualReview(conflict.NewMemoryReviews())
	require.NoError(t, err)
	_, err = m.Resolve(ctx, sample())
	require.ErrorIs(t, err, context.Canceled)
}

func TestResolutionValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, conflict.Resolution{ReviewID: "r", Action: conflict.UseValue, Value: nil}.Validate())
	for _, bad := range []conflict.Resolution{
		{Action: conflict.TakeLeft},
		{ReviewID: "r", Action: conflict.Hold},
		{ReviewID: "r"},
	} {
		err := bad.Validate()
		require.ErrorIs(t, err, conflict.ErrInvalidResolution)
		require.ErrorIs(t, conflict.NewMemoryReviews().Decide(context.Background(), bad), conflict.ErrInvalidResolution)
	}
	d := conflict.Resolution{ReviewID: "r", Action: conflict.UseValue, Value: "Nice"}.Decision()
	require.Equal(t, conflict.Decision{Action: conflict.UseValue, Value: "Nice", Reason: "review r decided"}, d)
	d = conflict.Resolution{ReviewID: "r", Action: conflict.TakeLeft, Value: "ignored"}.Decision()
	require.Nil(t, d.Value, "a value is carried for use-value only")
}

type recorderFunc func(context.Context, conflict.Review) (string, error)

func (f recorderFunc) RecordReview(ctx context.Context, r conflict.Review) (string, error) {
	return f(ctx, r)
}
