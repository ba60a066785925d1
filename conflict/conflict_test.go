package conflict_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
)

func sample() conflict.Conflict {
	return conflict.Conflict{
		Pipeline: "customers", DataType: "customers", Field: "delivery_city",
		LeftID: "1001", RightID: "C-7", LeftSystem: "CRM", RightSystem: "ERP",
		Base: "Lyon", Left: "Paris", Right: "Marseille",
		LeftModified:  time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC),
		RightModified: time.Date(2025, 3, 1, 10, 3, 12, 0, time.UTC),
	}
}

func TestSwap(t *testing.T) {
	t.Parallel()
	c := sample()
	s := c.Swap()
	require.Equal(t, conflict.Conflict{
		Pipeline: "customers", DataType: "customers", Field: "delivery_city",
		LeftID: "C-7", RightID: "1001", LeftSystem: "ERP", RightSystem: "CRM",
		Base: "Lyon", Left: "Marseille", Right: "Paris",
		LeftModified: c.RightModified, RightModified: c.LeftModified,
	}, s)
	require.Equal(t, c, s.Swap())
}

func TestConflictStringHidesValues(t *testing.T) {
	t.Parallel()
	require.Equal(t, "customers.delivery_city (CRM 1001 / ERP C-7)", sample().String())
	require.Equal(t, "customers (- - / - -)", conflict.Conflict{DataType: "customers"}.String())
}

func TestMirror(t *testing.T) {
	t.Parallel()
	for action, want := range map[conflict.Action]conflict.Action{
		conflict.Abstain: conflict.Abstain, conflict.TakeLeft: conflict.TakeRight, conflict.TakeRight: conflict.TakeLeft,
		conflict.UseValue: conflict.UseValue, conflict.Hold: conflict.Hold,
	} {
		d := conflict.Decision{Action: action, Value: map[string]any{"a": 1}, ReviewID: "r", Reason: "why"}
		m := d.Mirror()
		require.Equal(t, want, m.Action)
		require.Equal(t, d.Value, m.Value)
		require.Equal(t, "r", m.ReviewID)
		require.Equal(t, "why", m.Reason)
		require.Equal(t, d, m.Mirror())
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	c := sample()
	tests := []struct {
		d      conflict.Decision
		want   any
		writes bool
	}{
		{conflict.Decision{Action: conflict.TakeLeft}, "Paris", true},
		{conflict.Decision{Action: conflict.TakeRight}, "Marseille", true},
		{conflict.Decision{Action: conflict.UseValue, Value: "Nice"}, "Nice", true},
		{conflict.Decision{Action: conflict.UseValue}, nil, true}, // clearing the field is a value too
		{conflict.Decision{Action: conflict.Hold, ReviewID: "r"}, nil, false},
		{conflict.Decision{}, nil, false},
	}
	for _, tt := range tests {
		got, ok := tt.d.Apply(c)
		require.Equal(t, tt.writes, ok, tt.d.Action.String())
		require.Equal(t, tt.want, got, tt.d.Action.String())
	}
	require.False(t, conflict.Decision{}.Decided(), "the zero decision abstains")
}

func TestActionText(t *testing.T) {
	t.Parallel()
	for a := conflict.Abstain; a <= conflict.Hold; a++ {
		b, err := json.Marshal(a)
		require.NoError(t, err)
		var back conflict.Action
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, a, back)
	}
	b, err := json.Marshal(conflict.Decision{Action: conflict.TakeRight}.Action)
	require.NoError(t, err)
	require.JSONEq(t, `"take-right"`, string(b))

	var a conflict.Action
	require.EqualError(t, a.UnmarshalText([]byte("take-both")),
		`conflict: unknown action "take-both" (want abstain, take-left, take-right, use-value or hold)`)
	_, err = conflict.Action(9).MarshalText()
	require.Error(t, err)
	require.Equal(t, "Action(9)", conflict.Action(9).String())
	require.Equal(t, "left", conflict.Left.String())
	require.Equal(t, "none", conflict.NoSide.String())
}

func TestResolverFunc(t *testing.T) {
	t.Parallel()
	var r conflict.Resolver = conflict.ResolverFunc(func(_ context.Context, c conflict.Conflict) (conflict.Decision, error) {
		return conflict.Decision{Action: conflict.UseValue, Value: c.Base, Reason: "revert"}, nil
	})
	d, err := r.Resolve(context.Background(), sample())
	require.NoError(t, err)
	require.Equal(t, conflict.Decision{Action: conflict.UseValue, Value: "Lyon", Reason: "revert"}, d)
}
