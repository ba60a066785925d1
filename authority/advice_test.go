package authority_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
)

func TestAdvise(t *testing.T) {
	t.Parallel()
	tbl := customers(t) // customers: CRM, delivery_street and delivery_city: ERP; invoices: Books

	tests := []struct {
		name    string
		flow    authority.Flow
		kind    authority.AdviceKind // empty: no advice
		message string
	}{
		{
			name: "bidirectional over a single authority",
			flow: authority.Flow{Pipeline: "inv", DataType: "invoices", Strategy: authority.Bidirectional, Source: "CRM", Target: "Books"},
			kind: authority.OneWayWouldDo,
			message: "Books is the only owner of invoices in this flow (no field override gives CRM ownership): " +
				"a one-way flow Books → CRM would do, with no conflicts to resolve",
		},
		{
			name: "bidirectional where each side owns fields",
			flow: authority.Flow{Pipeline: "cust", DataType: "customers", Strategy: authority.Bidirectional, Source: "ERP", Target: "CRM"},
		},
		{
			name: "bidirectional limited to fields one side owns",
			flow: authority.Flow{Pipeline: "cust-names", DataType: "customers", Strategy: authority.Bidirectional,
				Source: "CRM", Target: "ERP", Fields: []string{"name", "email"}},
			kind: authority.OneWayWouldDo,
			message: "CRM is the only owner of customers in this flow (no field override gives ERP ownership): " +
				"a one-way flow CRM → ERP would do, with no conflicts to resolve",
		},
		{
			name: "bidirectional limited to fields both sides own",
			flow: authority.Flow{Pipeline: "cust", DataType: "customers", Strategy: authority.Bidirectional,
				Source: "CRM", Target: "ERP", Fields: []string{"name", "delivery_city"}},
		},
		{
			name: "bidirectional between two non-authorities",
			flow: authority.Flow{Pipeline: "inv", DataType: "invoices", Strategy: authority.Bidirectional, Source: "CRM", Target: "ERP"},
			kind: authority.NoAuthorityInFlow,
			message: "neither CRM nor ERP owns invoices (Books does): syncing two copies both ways has no system of record; " +
				"feed both one-way from Books",
		},
		{
			name: "one-way from the authority",
			flow: authority.Flow{Pipeline: "inv", DataType: "invoices", Strategy: authority.Push, Source: "Books", Target: "CRM"},
		},
		{
			name: "one-way between two non-authorities",
			flow: authority.Flow{Pipeline: "inv", DataType: "invoices", Strategy: authority.Pull, Source: "CRM", Target: "ERP"},
		},
		{
			name: "push into the authority",
			flow: authority.Flow{Pipeline: "inv-back", DataType: "invoices", Strategy: authority.Push, Source: "CRM", Target: "Books"},
			kind: authority.WritesIntoAuthority,
			message: "push flow CRM → Books writes invoices into Books, which owns it: it overwrites the system of record; " +
				"reverse it (Books → CRM) or drop it",
		},
		{
			name: "pull into the authority from a system owning some fields",
			flow: authority.Flow{Pipeline: "addr", DataType: "customers", Strategy: authority.Pull, Source: "ERP", Target: "CRM"},
			kind: authority.WritesIntoAuthority,
			message: "pull flow ERP → CRM writes customers into CRM, which owns it: it overwrites the system of record; " +
				"only the fields delivery_street, delivery_city of customers, which ERP owns, should flow this way: list them as the flow's fields",
		},
		{
			name: "pull into the authority limited to the source's fields",
			flow: authority.Flow{Pipeline: "addr", DataType: "customers", Strategy: authority.Pull, Source: "ERP", Target: "CRM",
				Fields: []string{"delivery_city", "delivery_street"}},
		},
		{
			name: "push carrying fields the target owns by override",
			flow: authority.Flow{Pipeline: "cust", DataType: "customers", Strategy: authority.Push, Source: "CRM", Target: "ERP"},
			kind: authority.WritesIntoAuthority,
			message: "push flow CRM → ERP writes the fields delivery_street, delivery_city of customers into ERP, which owns them: " +
				"it overwrites the system of record; leave those fields out of the flow",
		},
		{
			name: "push with listed fields, some owned by the target",
			flow: authority.Flow{Pipeline: "cust", DataType: "customers", Strategy: authority.Push, Source: "ERP", Target: "CRM",
				Fields: []string{"delivery_city", "email", "name"}},
			kind: authority.WritesIntoAuthority,
			message: "push flow ERP → CRM writes the fields email, name of customers into CRM, which owns them: " +
				"it overwrites the system of record; leave those fields out of the flow",
		},
		{
			name:    "data type without a rule",
			flow:    authority.Flow{Pipeline: "tickets", DataType: "tickets", Strategy: authority.Bidirectional, Source: "CRM", Target: "ERP"},
			kind:    authority.NoRule,
			message: `no authority rule for data type "tickets": add one so that its flows can be checked and its conflicts decided by authority`,
		},
		{
			name:    "unknown system",
			flow:    authority.Flow{Pipeline: "inv", DataType: "invoices", Strategy: authority.Push, Source: "books", Target: "CRM"},
			kind:    authority.UnknownSystem,
			message: `unknown system "books" (did you mean "Books"? known systems: CRM, ERP, Books)`,
		},
		{
			name:    "unknown strategy",
			flow:    authority.Flow{Pipeline: "inv", DataType: "invoices", Strategy: "sync", Source: "Books", Target: "CRM"},
			kind:    authority.InvalidFlow,
			message: `unknown strategy "sync" (want push, pull or bidirectional)`,
		},
		{
			name:    "same system on both ends",
			flow:    authority.Flow{Pipeline: "loop", DataType: "invoices", Strategy: authority.Push, Source: "Books", Target: "Books"},
			kind:    authority.InvalidFlow,
			message: "source and target are both Books",
		},
		{
			name:    "missing data type",
			flow:    authority.Flow{Pipeline: "x", Strategy: authority.Push, Source: "Books", Target: "CRM"},
			kind:    authority.InvalidFlow,
			message: "the data type is empty",
		},
		{
			name:    "missing system",
			flow:    authority.Flow{Pipeline: "x", DataType: "invoices", Strategy: authority.Push, Source: "Books"},
			kind:    authority.InvalidFlow,
			message: "the source or target system is empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tbl.Advise([]authority.Flow{tt.flow})
			if tt.kind == "" {
				require.Empty(t, got)
				require.Empty(t, got.String())
				return
			}
			require.Equal(t, authority.Advice{{Pipeline: tt.flow.Pipeline, DataType: tt.flow.DataType, Kind: tt.kind, Message: tt.message}}, got)
		})
	}
}

func TestAdviceString(t *testing.T) {
	t.Parallel()
	flows := []authority.Flow{
		{Pipeline: "contacts-both-ways", DataType: "contacts", Strategy: authority.Bidirectional, Source: "CRM", Target: "ERP"},
		{Pipeline: "invoices-to-books", DataType: "invoices", Strategy: authority.Push, Source: "ERP", Target: "Books"},
		{Pipeline: "invoices-from-books", DataType: "invoices", Strategy: authority.Pull, Source: "Books", Target: "CRM"},
		{Pipeline: "tickets", DataType: "tickets", Strategy: authority.Push, Source: "CRM", Target: "ERP"},
	}
	advice := authority.Default().Advise(flows)
	require.Len(t, advice, 3, "in flow order, nothing for the good flow")
	require.Equal(t, []authority.AdviceKind{authority.OneWayWouldDo, authority.WritesIntoAuthority, authority.NoRule},
		[]authority.AdviceKind{advice[0].Kind, advice[1].Kind, advice[2].Kind})
	require.Equal(t,
		`pipeline "contacts-both-ways" (contacts): one-way-would-do: CRM is the only owner of contacts in this flow (no field override gives ERP ownership): a one-way flow CRM → ERP would do, with no conflicts to resolve`+"\n"+
			`pipeline "invoices-to-books" (invoices): writes-into-authority: push flow ERP → Books writes invoices into Books, which owns it: it overwrites the system of record; reverse it (Books → ERP) or drop it`+"\n"+
			`pipeline "tickets" (tickets): no-rule: no authority rule for data type "tickets": add one so that its flows can be checked and its conflicts decided by authority`+"\n",
		advice.String())
}
