package authority

import (
	_ "embed" // for DefaultYAML
)

// DefaultYAML is the default table as a YAML file for users to copy and
// edit: the same table as Default, with comments. It parses with Parse.
//
//go:embed default.yaml
var DefaultYAML string

// Default returns the usual assignment for a business running Zoho next to
// an ERP: contacts and accounts in Zoho CRM, invoices and payments in Zoho
// Books, products, prices and stock in the ERP (Zoho Inventory is the
// alternative for stock, and is among the systems), project status in Zoho
// Projects, employees and payroll in Zoho People. It is a starting point:
// take Config(), edit it, and build your own with New.
func Default() *Table {
	t, err := New(DefaultConfig())
	if err != nil {
		// DefaultConfig is a constant; its validity is tested.
		panic("authority: the built-in default table is invalid: " + err.Error())
	}
	return t
}

// DefaultConfig returns the configuration of Default, for editing.
func DefaultConfig() Config {
	return Config{
		Systems: []System{
			{Name: "CRM", Kind: "zoho-crm", Description: "Zoho CRM (sales and support)"},
			{Name: "Books", Kind: "zoho-books", Description: "Zoho Books (invoicing and accounting)"},
			{Name: "Inventory", Kind: "zoho-inventory", Description: "Zoho Inventory (stock, when no ERP warehouse is used)"},
			{Name: "Projects", Kind: "zoho-projects", Description: "Zoho Projects (project delivery)"},
			{Name: "People", Kind: "zoho-people", Description: "Zoho People (HR)"},
			{Name: "ERP", Kind: "erp", Description: "The client's ERP (item master, pricing, warehouse)"},
		},
		Rules: []Rule{
			{DataType: "contacts", System: "CRM",
				Rationale: "Sales and support create and maintain people in Zoho CRM; other systems receive contacts from it."},
			{DataType: "accounts", System: "CRM",
				Rationale: "The sales team qualifies and maintains companies in Zoho CRM before anyone invoices them."},
			{DataType: "invoices", System: "Books",
				Rationale: "Zoho Books is the ledger; invoices are numbered, taxed and posted there and are not edited elsewhere."},
			{DataType: "payments", System: "Books",
				Rationale: "Customer payments are recorded against invoices in Zoho Books, where they reconcile with the bank."},
			{DataType: "products", System: "ERP",
				Rationale: "The ERP holds the item master (codes, units, descriptions) that purchasing and production use."},
			{DataType: "prices", System: "ERP",
				Rationale: "Price lists are set in the ERP next to costing; CRM quotes and Books invoices read them."},
			{DataType: "stock", System: "ERP",
				Rationale: "Stock levels move with the ERP's goods receipts, production and shipments. " +
					"Zoho Inventory is the alternative authority where the client keeps its warehouse there instead."},
			{DataType: "project_status", System: "Projects",
				Rationale: "Project managers update status, milestones and tasks in Zoho Projects."},
			{DataType: "employees", System: "People",
				Rationale: "HR keeps employee records (hires, roles, departures) in Zoho People."},
			{DataType: "payroll", System: "People",
				Rationale: "Pay-relevant data (salaries, leave, attendance) is maintained in Zoho People and feeds payroll from there."},
		},
	}
}
