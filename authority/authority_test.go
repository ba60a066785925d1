package authority_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
)

// customers is a small table with a field override, used across the tests.
func customers(t *testing.T) *authority.Table {
	t.Helper()
	tbl, err := authority.New(authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}, {Name: "Books"}},
		Rules: []authority.Rule{
			{
				DataType: "customers", System: "CRM", Rationale: "Sales owns the customer.",
				Overrides: []authority.Override{{
					System: "ERP", Fields: []string{"delivery_street", "delivery_city"},
					Rationale: "The warehouse confirms addresses.",
				}},
			},
			{DataType: "invoices", System: "Books", Rationale: "Books is the ledger."},
		},
	})
	require.NoError(t, err)
	return tbl
}

func TestOwner(t *testing.T) {
	t.Parallel()
	tbl := customers(t)

	tests := []struct {
		name, dataType, field string
		want                  authority.Owner
	}{
		{"type", "customers", "", authority.Owner{DataType: "customers", System: "CRM", Rationale: "Sales owns the customer."}},
		{"field of the type's authority", "customers", "email",
			authority.Owner{DataType: "customers", Field: "email", System: "CRM", Rationale: "Sales owns the customer."}},
		{"overridden field", "customers", "delivery_city",
			authority.Owner{DataType: "customers", Field: "delivery_city", System: "ERP", Rationale: "The warehouse confirms addresses.", ByOverride: true}},
		{"field names are exact", "customers", "Delivery_City",
			authority.Owner{DataType: "customers", Field: "Delivery_City", System: "CRM", Rationale: "Sales owns the customer."}},
		{"other type", "invoices", "total", authority.Owner{DataType: "invoices", Field: "total", System: "Books", Rationale: "Books is the ledger."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tbl.FieldOwner(tt.dataType, tt.field)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}

	got, err := tbl.Owner("customers")
	require.NoError(t, err)
	require.Equal(t, "CRM owns customers", got.String())
}

func TestOwnerString(t *testing.T) {
	t.Parallel()
	tbl := customers(t)
	for field, want := range map[string]string{
		"":              "CRM owns customers",
		"email":         "CRM owns email of customers as the type's authority",
		"delivery_city": "ERP owns delivery_city of customers by field override",
	} {
		o, err := tbl.FieldOwner("customers", field)
		require.NoError(t, err)
		require.Equal(t, want, o.String())
	}
}

func TestOwnerUnknownDataType(t *testing.T) {
	t.Parallel()
	tbl := customers(t)

	_, err := tbl.Owner("tickets")
	require.ErrorIs(t, err, authority.ErrNoRule)
	require.EqualError(t, err, `authority: no authority rule for data type "tickets"`)

	_, err = tbl.FieldOwner("Customers", "email") // data types are exact too
	require.ErrorIs(t, err, authority.ErrNoRule)

	_, ok := tbl.Rule("tickets")
	require.False(t, ok)
}

func TestTableIsIsolatedFromItsConfig(t *testing.T) {
	t.Parallel()
	cfg := authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}},
		Rules: []authority.Rule{{DataType: "customers", System: "CRM",
			Overrides: []authority.Override{{System: "ERP", Fields: []string{"delivery_city"}}}}},
	}
	tbl, err := authority.New(cfg)
	require.NoError(t, err)

	// Changing the caller's config, or what the table handed out, changes nothing.
	cfg.Rules[0].System = "ERP"
	cfg.Rules[0].Overrides[0].Fields[0] = "email"
	got := tbl.Rules()
	got[0].Overrides[0].System = "CRM"
	r, ok := tbl.Rule("customers")
	require.True(t, ok)
	r.Overrides[0].Fields[0] = "name"

	o, err := tbl.FieldOwner("customers", "delivery_city")
	require.NoError(t, err)
	require.Equal(t, "ERP", o.System)
	require.Equal(t, []string{"delivery_city"}, tbl.Config().Rules[0].Overrides[0].Fields)
	require.Equal(t, "CRM", tbl.Config().Rules[0].System)
}

func TestSystemsAndRulesKeepOrder(t *testing.T) {
	t.Parallel()
	tbl := authority.Default()
	var names []string
	for _, s := range tbl.Systems() {
		names = append(names, s.Name)
	}
	require.Equal(t, []string{"CRM", "Books", "Inventory", "Projects", "People", "ERP"}, names)
	var types []string
	for _, r := range tbl.Rules() {
		types = append(types, r.DataType)
	}
	require.Equal(t, []string{"contacts", "accounts", "invoices", "payments", "products", "prices",
		"stock", "project_status", "employees", "payroll"}, types)

	s, ok := tbl.System("Inventory")
	require.True(t, ok)
	require.Equal(t, "zoho-inventory", s.Kind)
	_, ok = tbl.System("inventory")
	require.False(t, ok)
}

func TestDefaultAssignments(t *testing.T) {
	t.Parallel()
	tbl := authority.Default()
	for dataType, want := range map[string]string{
		"contacts": "CRM", "accounts": "CRM", "invoices": "Books", "payments": "Books",
		"products": "ERP", "prices": "ERP", "stock": "ERP", "project_status": "Projects",
		"employees": "People", "payroll": "People",
	} {
		o, err := tbl.Owner(dataType)
		require.NoError(t, err)
		require.Equal(t, want, o.System, dataType)
		require.NotEmpty(t, o.Rationale, dataType)
	}
	stock, _ := tbl.Rule("stock")
	require.Contains(t, stock.Rationale, "Zoho Inventory is the alternative")
}

func TestEmptyTable(t *testing.T) {
	t.Parallel()
	tbl, err := authority.New(authority.Config{})
	require.NoError(t, err)
	_, err = tbl.Owner("contacts")
	require.ErrorIs(t, err, authority.ErrNoRule)
	require.Equal(t, "| Data type | Authoritative system | Rationale |\n| --- | --- | --- |\n", tbl.Markdown())
}
