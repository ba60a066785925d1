package conflict_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
)

// fixed is a resolver that always answers the same, naming itself.
func fixed(name string, a conflict.Action) conflict.Resolver {
	return conflict.ResolverFunc(func(context.Context, conflict.Conflict) (conflict.Decision, error) {
		return conflict.Decision{Action: a, Reason: name}, nil
	})
}

func TestPolicyPicksTheMostSpecificRule(t *testing.T) {
	t.Parallel()
	p, err := conflict.NewPolicy(&conflict.PolicyOptions{
		Rules: []conflict.PolicyRule{
			{DataType: "customers", Field: "delivery_city", Resolver: fixed("customers.delivery_city", conflict.Hold)},
			{Field: "delivery_city", Resolver: fixed("any delivery_city", conflict.TakeLeft)},
			{DataType: "customers", Resolver: fixed("customers", conflict.TakeRight)},
		},
		Default: fixed("default", conflict.TakeLeft),
	})
	require.NoError(t, err)

	for _, tt := range []struct{ dataType, field, want string }{
		{"customers", "delivery_city", "customers.delivery_city"},
		{"suppliers", "delivery_city", "any delivery_city"},
		{"customers", "email", "customers"},
		{"customers", "", "customers"},
		{"suppliers", "email", "default"},
		{"suppliers", "", "default"},
	} {
		d, err := p.Resolve(context.Background(), conflict.Conflict{DataType: tt.dataType, Field: tt.field})
		require.NoError(t, err)
		require.Equal(t, tt.want, d.Reason, "%s.%s", tt.dataType, tt.field)
	}
}

func TestPolicyWithoutDefaultAbstains(t *testing.T) {
	t.Parallel()
	p, err := conflict.NewPolicy(&conflict.PolicyOptions{
		Rules: []conflict.PolicyRule{{Field: "email", Resolver: fixed("email", conflict.TakeLeft)}},
	})
	require.NoError(t, err)
	d, err := p.Resolve(context.Background(), conflict.Conflict{DataType: "customers", Field: "phone"})
	require.NoError(t, err)
	require.Equal(t, conflict.Decision{Reason: "no policy for customers.phone"}, d)

	empty, err := conflict.NewPolicy(nil)
	require.NoError(t, err)
	d, err = empty.Resolve(context.Background(), conflict.Conflict{DataType: "customers"})
	require.NoError(t, err)
	require.Equal(t, conflict.Decision{Reason: "no policy for customers"}, d)
}

func TestPolicyPassesErrorsAndRejectsBadDecisions(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	p, err := conflict.NewPolicy(&conflict.PolicyOptions{
		Rules: []conflict.PolicyRule{
			{Field: "a", Resolver: conflict.ResolverFunc(func(context.Context, conflict.Conflict) (conflict.Decision, error) {
				return conflict.Decision{}, boom
			})},
			{Field: "b", Resolver: fixed("bad", conflict.Action(42))},
		},
	})
	require.NoError(t, err)
	_, err = p.Resolve(context.Background(), conflict.Conflict{DataType: "x", Field: "a"})
	require.ErrorIs(t, err, boom)
	_, err = p.Resolve(context.Background(), conflict.Conflict{DataType: "x", Field: "b"})
	require.ErrorIs(t, err, conflict.ErrInvalidDecision)
}

func TestNewPolicyReportsEveryBadRule(t *testing.T) {
	t.Parallel()
	ok := fixed("x", conflict.TakeLeft)
	_, err := conflict.NewPolicy(&conflict.PolicyOptions{Rules: []conflict.PolicyRule{
		{Field: "email", Resolver: ok},
		{DataType: "customers", Field: "email"},
		{Resolver: ok},
		{Field: "email", Resolver: ok},
		{DataType: "customers", Resolver: ok},
		{DataType: "customers", Resolver: ok},
	}})
	require.EqualError(t, err, `conflict: PolicyOptions.Rules[1] (field "email" of "customers"): Resolver is nil
conflict: PolicyOptions.Rules[2]: neither DataType nor Field is set (use Default)
conflict: PolicyOptions.Rules[3] (field "email"): duplicate of Rules[0]
conflict: PolicyOptions.Rules[5] (data type "customers"): duplicate of Rules[4]`)
}
