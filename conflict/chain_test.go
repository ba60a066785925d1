package conflict_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
)

func TestChainFirstDecisionWins(t *testing.T) {
	t.Parallel()
	latest, err := conflict.NewLatest(&conflict.LatestOptions{Skew: 5 * time.Second})
	require.NoError(t, err)
	auth, err := conflict.NewAuthority(table(t))
	require.NoError(t, err)
	called := false
	never := conflict.ResolverFunc(func(context.Context, conflict.Conflict) (conflict.Decision, error) {
		called = true
		return conflict.Decision{Action: conflict.TakeLeft, Reason: "never"}, nil
	})
	ch, err := conflict.NewChain(latest, auth, never)
	require.NoError(t, err)

	c := conflict.Conflict{DataType: "customers", Field: "delivery_city", LeftSystem: "CRM", RightSystem: "ERP",
		LeftModified: time.Date(2025, 3, 1, 10, 0, 2, 0, time.UTC), RightModified: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	d, err := ch.Resolve(context.Background(), c)
	require.NoError(t, err)
	require.Equal(t, conflict.Decision{Action: conflict.TakeRight,
		Reason: "modified 2s apart, within skew 5s: no tie rule; ERP owns delivery_city of customers by field override"}, d)
	require.False(t, called)

	c.LeftModified = c.LeftModified.Add(time.Minute)
	d, err = ch.Resolve(context.Background(), c)
	require.NoError(t, err)
	require.Equal(t, conflict.Decision{Action: conflict.TakeLeft, Reason: "left (CRM) is newer by 1m2s"}, d)
}

func TestChainUndecided(t *testing.T) {
	t.Parallel()
	silent := conflict.ResolverFunc(func(context.Context, conflict.Conflict) (conflict.Decision, error) {
		return conflict.Decision{}, nil
	})
	auth, err := conflict.NewAuthority(table(t))
	require.NoError(t, err)
	inner, err := conflict.NewChain(auth, silent)
	require.NoError(t, err)

	c := conflict.Conflict{DataType: "tickets", Field: "status", LeftSystem: "CRM", RightSystem: "ERP"}
	d, err := inner.Resolve(context.Background(), c)
	require.ErrorIs(t, err, conflict.ErrUndecided)
	require.EqualError(t, err, `conflict: tickets.status (CRM - / ERP -): no resolver decided (no authority rule for data type "tickets"; resolver 2 abstained)`)
	require.False(t, d.Decided())

	// A nested chain nobody decided counts as abstaining in the outer one.
	outer, err := conflict.NewChain(inner, fixed("fallback", conflict.TakeLeft))
	require.NoError(t, err)
	d, err = outer.Resolve(context.Background(), c)
	require.NoError(t, err)
	require.Equal(t, conflict.Decision{Action: conflict.TakeLeft,
		Reason: `no authority rule for data type "tickets"; resolver 2 abstained; fallback`}, d)
}

func TestChainStopsAtAnError(t *testing.T) {
	t.Parallel()
	down := errors.New("store unavailable")
	failing := conflict.ResolverFunc(func(context.Context, conflict.Conflict) (conflict.Decision, error) {
		return conflict.Decision{}, down
	})
	ch, err := conflict.NewChain(failing, fixed("weaker", conflict.TakeLeft))
	require.NoError(t, err)
	_, err = ch.Resolve(context.Background(), sample())
	require.ErrorIs(t, err, down)
	require.EqualError(t, err, "conflict: customers.delivery_city (CRM 1001 / ERP C-7): resolver 1 of 2: store unavailable")

	bad, err := conflict.NewChain(fixed("bad", conflict.Action(9)))
	require.NoError(t, err)
	_, err = bad.Resolve(context.Background(), sample())
	require.ErrorIs(t, err, conflict.ErrInvalidDecision)
}

func TestNewChainValidates(t *testing.T) {
	t.Parallel()
	_, err := conflict.NewChain()
	require.EqualError(t, err, "conflict: NewChain: no resolvers")
	_, err = conflict.NewChain(fixed("a", conflict.TakeLeft), nil)
	require.EqualError(t, err, "conflict: NewChain: resolver 1 is nil")
}
