package authority_test

import (
	"fmt"

	"github.com/zohokit/zohokit/authority"
)

// Build a table in code, with a field override, and ask who owns what.
func ExampleNew() {
	tbl, err := authority.New(authority.Config{
		Systems: []authority.System{
			{Name: "CRM", Kind: "zoho-crm"},
			{Name: "ERP", Kind: "erp"},
		},
		Rules: []authority.Rule{{
			DataType:  "customers",
			System:    "CRM",
			Rationale: "Sales owns the customer relationship.",
			Overrides: []authority.Override{{
				System:    "ERP",
				Fields:    []string{"delivery_street", "delivery_city"},
				Rationale: "The warehouse confirms delivery addresses.",
			}},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, field := range []string{"email", "delivery_city"} {
		owner, err := tbl.FieldOwner("customers", field)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(owner)
	}
	_, err = tbl.Owner("tickets")
	fmt.Println(err)
	// Output:
	// CRM owns email of customers as the type's authority
	// ERP owns delivery_city of customers by field override
	// authority: no authority rule for data type "tickets"
}

// Load the authority section of a service configuration. Validation reports
// every problem at once, with its line.
func ExampleParse() {
	doc := `
pipelines: []   # read by another package
authority:
  systems:
    - name: CRM
    - name: Books
  rules:
    - data_type: invoices
      system: Books
      rationale: Books is the ledger.
    - data_type: contacts
      system: Zoho CRM
    - data_type: invoices
      system: CRM
`
	_, err := authority.Parse([]byte(doc))
	fmt.Println(err)

	tbl, err := authority.Parse([]byte(authority.DefaultYAML))
	if err != nil {
		fmt.Println(err)
		return
	}
	owner, _ := tbl.Owner("invoices")
	fmt.Println(owner.System, "-", owner.Rationale)
	// Output:
	// authority: line 11: rule "contacts" (rules[1]): unknown system "Zoho CRM" (known systems: CRM, Books)
	// authority: line 13: rule "invoices" (rules[2]): duplicate data type "invoices" (first at rules[0], line 8)
	// Books - Zoho Books is the ledger; invoices are numbered, taxed and posted there and are not edited elsewhere.
}

// Render the table integrators hand to their clients.
func ExampleTable_Markdown() {
	tbl, err := authority.New(authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}},
		Rules: []authority.Rule{
			{DataType: "customers", System: "CRM", Rationale: "Sales owns the customer.",
				Overrides: []authority.Override{{System: "ERP", Fields: []string{"delivery_address"}, Rationale: "The warehouse confirms it."}}},
			{DataType: "stock", System: "ERP", Rationale: "Goods receipts and shipments | the warehouse."},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(tbl.Markdown())
	// Output:
	// | Data type | Authoritative system | Rationale |
	// | --- | --- | --- |
	// | customers | CRM | Sales owns the customer. |
	// | customers: delivery_address | ERP | The warehouse confirms it. |
	// | stock | ERP | Goods receipts and shipments \| the warehouse. |
}

// Check configured flows against the table.
func ExampleTable_Advise() {
	advice := authority.Default().Advise([]authority.Flow{
		{Pipeline: "contacts", DataType: "contacts", Strategy: authority.Bidirectional, Source: "CRM", Target: "ERP"},
		{Pipeline: "stock", DataType: "stock", Strategy: authority.Pull, Source: "ERP", Target: "Inventory"},
	})
	fmt.Print(advice)
	// Output:
	// pipeline "contacts" (contacts): one-way-would-do: CRM is the only owner of contacts in this flow (no field override gives ERP ownership): a one-way flow CRM → ERP would do, with no conflicts to resolve
}
