package conflict_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
)

// table: customers owned by CRM, delivery fields by ERP; invoices by Books.
func table(t testing.TB) *authority.Table {
	t.Helper()
	tbl, err := authority.New(authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}, {Name: "Books"}},
		Rules: []authority.Rule{
			{DataType: "customers", System: "CRM", Overrides: []authority.Override{
				{System: "ERP", Fields: []string{"delivery_address", "delivery_city"}},
			}},
			{DataType: "invoices", System: "Books"},
		},
	})
	require.NoError(t, err)
	return tbl
}

func TestAuthorityResolver(t *testing.T) {
	t.Parallel()
	r, err := conflict.NewAuthority(table(t))
	require.NoError(t, err)

	conflictOf := func(dataType, field, left, right string) conflict.Conflict {
		return conflict.Conflict{DataType: dataType, Field: field, LeftSystem: left, RightSystem: right, Left: "a", Right: "b"}
	}
	tests := []struct {
		name   string
		c      conflict.Conflict
		action conflict.Action
		reason string
	}{
		{"the type's authority", conflictOf("customers", "email", "CRM", "ERP"),
			conflict.TakeLeft, "CRM owns email of customers as the type's authority"},
		{"a field override", conflictOf("customers", "delivery_address", "CRM", "ERP"),
			conflict.TakeRight, "ERP owns delivery_address of customers by field override"},
		{"a record-level conflict", conflictOf("customers", "", "ERP", "CRM"),
			conflict.TakeRight, "CRM owns customers"},
		{"owner on neither side", conflictOf("invoices", "total", "CRM", "ERP"),
			conflict.Abstain, "Books owns total of invoices as the type's authority, which is neither side (CRM, ERP)"},
		{"owner on both sides", conflictOf("invoices", "total", "Books", "Books"),
			conflict.Abstain, "Books owns total of invoices as the type's authority, and both sides are Books"},
		{"no rule", conflictOf("tickets", "status", "CRM", "ERP"),
			conflict.Abstain, `no authority rule for data type "tickets"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := r.Resolve(context.Background(), tt.c)
			require.NoError(t, err)
			require.Equal(t, conflict.Decision{Action: tt.action, Reason: tt.reason}, d)
		})
	}
}

func TestAuthorityWithoutRuleEndsInAnErrorNamingTheDataType(t *testing.T) {
	t.Parallel()
	r, err := conflict.NewAuthority(table(t))
	require.NoError(t, err)
	ch, err := conflict.NewChain(r)
	require.NoError(t, err)
	_, err = ch.Resolve(context.Background(), conflict.Conflict{DataType: "tickets", Field: "status", LeftSystem: "CRM", RightSystem: "ERP"})
	require.ErrorIs(t, err, conflict.ErrUndecided)
	require.EqualError(t, err, `conflict: tickets.status (CRM - / ERP -): no resolver decided (no authority rule for data type "tickets")`)
}

func TestNewAuthorityNeedsATable(t *testing.T) {
	t.Parallel()
	_, err := conflict.NewAuthority(nil)
	require.EqualError(t, err, "conflict: NewAuthority: table is nil")
}
