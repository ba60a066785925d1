package zohotest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// FieldType is a CRM field's data type as Zoho names it (data_type in the
// fields API).
type FieldType string

// The field types the fake understands. Values are checked on write the way
// Zoho checks them; a value of the wrong type is a per-record INVALID_DATA.
const (
	FieldText        FieldType = "text"
	FieldTextArea    FieldType = "textarea"
	FieldEmail       FieldType = "email"
	FieldPhone       FieldType = "phone"
	FieldWebsite     FieldType = "website"
	FieldPicklist    FieldType = "picklist"
	FieldMultiSelect FieldType = "multiselectpicklist"
	FieldInteger     FieldType = "integer"
	FieldBigInt      FieldType = "bigint"
	FieldDouble      FieldType = "double"
	FieldCurrency    FieldType = "currency"
	FieldBoolean     FieldType = "boolean"
	FieldDate        FieldType = "date"     // "2006-01-02"
	FieldDateTime    FieldType = "datetime" // RFC 3339 with offset; answered in the user's offset
	FieldLookup      FieldType = "lookup"   // {"id"} in, {"name","id"} out
	FieldOwner       FieldType = "ownerlookup"
)

// Field describes a field of a module.
type Field struct {
	APIName string // e.g. "Last_Name"; required
	Label   string // default: the API name with spaces for underscores
	Type    FieldType
	// Mandatory fields must have a value on insert and cannot be emptied on
	// update (Zoho's system_mandatory): MANDATORY_NOT_FOUND otherwise.
	Mandatory bool
	// Unique is Zoho's "do not allow duplicate values": an insert or update
	// that repeats another record's value fails with DUPLICATE_DATA.
	// Case-insensitive, like Zoho's check.
	Unique bool
	// LookupModule is the module a FieldLookup points into; required for
	// lookups.
	LookupModule string
	// ReadOnly fields are computed by the fake (Full_Name); values written to
	// them are ignored, as Zoho ignores them.
	ReadOnly bool
	// MaxLength caps text values (0: Zoho's defaults, 255 for single-line
	// text, 32,000 for text areas, 100 for emails).
	MaxLength int
}

// Module describes a CRM module.
type Module struct {
	APIName       string // e.g. "Contacts", "Invoices_Custom"; required
	SingularLabel string // default: APIName
	PluralLabel   string // default: APIName
	Fields        []Field
	// DuplicateCheckFields are the system-defined unique fields upsert checks
	// first, in order (Leads and Contacts: Email; Accounts: Account_Name).
	// Fields marked Unique are checked after them.
	DuplicateCheckFields []string
	// DisplayField names a record in lookups and in the deleted-records list
	// (default: the first mandatory text field).
	DisplayField string
}

func text(name string) Field { return Field{APIName: name, Type: FieldText} }

func typed(name string, t FieldType) Field { return Field{APIName: name, Type: t} }

func mandatory(f Field) Field { f.Mandatory = true; return f }

func lookup(name, module string) Field {
	return Field{APIName: name, Type: FieldLookup, LookupModule: module}
}

// standardModules are the modules every fake starts with, with the
// system-defined duplicate-check and mandatory fields Zoho documents.
func standardModules() []Module {
	owner := typed("Owner", FieldOwner)
	person := func(extra ...Field) []Field {
		f := []Field{owner, text("First_Name"), mandatory(text("Last_Name")),
			{APIName: "Full_Name", Type: FieldText, ReadOnly: true},
			typed("Email", FieldEmail), typed("Secondary_Email", FieldEmail),
			typed("Phone", FieldPhone), typed("Mobile", FieldPhone), typed("Fax", FieldPhone),
			typed("Lead_Source", FieldPicklist), text("Designation"),
			typed("Email_Opt_Out", FieldBoolean), typed("Description", FieldTextArea)}
		return append(f, extra...)
	}
	return []Module{
		{
			APIName: "Leads", SingularLabel: "Lead", PluralLabel: "Leads",
			Fields: person(text("Company"), typed("Lead_Status", FieldPicklist), typed("Industry", FieldPicklist),
				typed("Annual_Revenue", FieldCurrency), typed("No_of_Employees", FieldInteger), typed("Website", FieldWebsite),
				typed("Rating", FieldPicklist), text("Street"), text("City"), text("State"), text("Zip_Code"), text("Country")),
			DuplicateCheckFields: []string{"Email"},
			DisplayField:         "Full_Name",
		},
		{
			APIName: "Contacts", SingularLabel: "Contact", PluralLabel: "Contacts",
			Fields: person(lookup("Account_Name", "Accounts"), text("Title"), text("Department"),
				typed("Date_of_Birth", FieldDate), text("Mailing_Street"), text("Mailing_City"),
				text("Mailing_State"), text("Mailing_Zip"), text("Mailing_Country")),
			DuplicateCheckFields: []string{"Email"},
			DisplayField:         "Full_Name",
		},
		{
			APIName: "Accounts", SingularLabel: "Account", PluralLabel: "Accounts",
			Fields: []Field{owner, mandatory(text("Account_Name")), text("Account_Number"),
				typed("Account_Type", FieldPicklist), typed("Industry", FieldPicklist),
				typed("Annual_Revenue", FieldCurrency), typed("Employees", FieldInteger),
				typed("Phone", FieldPhone), typed("Fax", FieldPhone), typed("Website", FieldWebsite),
				lookup("Parent_Account", "Accounts"), text("Billing_Street"), text("Billing_City"),
				text("Billing_State"), text("Billing_Code"), text("Billing_Country"), text("Shipping_Street"),
				text("Shipping_City"), text("Shipping_State"), text("Shipping_Code"), text("Shipping_Country"),
				typed("Description", FieldTextArea)},
			DuplicateCheckFields: []string{"Account_Name"},
			DisplayField:         "Account_Name",
		},
		{
			APIName: "Deals", SingularLabel: "Deal", PluralLabel: "Deals",
			Fields: []Field{owner, mandatory(text("Deal_Name")), mandatory(typed("Stage", FieldPicklist)),
				typed("Amount", FieldCurrency), typed("Closing_Date", FieldDate),
				lookup("Account_Name", "Accounts"), lookup("Contact_Name", "Contacts"),
				typed("Probability", FieldInteger), typed("Type", FieldPicklist), typed("Lead_Source", FieldPicklist),
				text("Next_Step"), typed("Description", FieldTextArea)},
			DuplicateCheckFields: []string{"Deal_Name"},
			DisplayField:         "Deal_Name",
		},
		{
			APIName: "Products", SingularLabel: "Product", PluralLabel: "Products",
			Fields: []Field{owner, mandatory(text("Product_Name")), text("Product_Code"),
				typed("Product_Active", FieldBoolean), typed("Product_Category", FieldPicklist),
				text("Manufacturer"), typed("Unit_Price", FieldCurrency), typed("Qty_in_Stock", FieldDouble),
				typed("Qty_Ordered", FieldDouble), typed("Reorder_Level", FieldDouble),
				typed("Description", FieldTextArea)},
			DuplicateCheckFields: []string{"Product_Name"},
			DisplayField:         "Product_Name",
		},
	}
}

// systemField reports whether name is a field the server sets itself.
func systemField(name string) bool {
	switch name {
	case "id", "Created_Time", "Modified_Time", "Created_By", "Modified_By":
		return true
	}
	return false
}

func checkField(f *Field) error {
	switch {
	case f.APIName == "":
		return errors.New("a field has no APIName")
	case systemField(f.APIName):
		return fmt.Errorf("field %s is a system field", f.APIName)
	case strings.ContainsAny(f.APIName, " ,()\\.'\""):
		return fmt.Errorf("field %q: API names have no spaces, commas, dots, quotes or parentheses", f.APIName)
	}
	if f.Type == "" {
		f.Type = FieldText
	}
	switch f.Type {
	case FieldText, FieldTextArea, FieldEmail, FieldPhone, FieldWebsite, FieldPicklist, FieldMultiSelect,
		FieldInteger, FieldBigInt, FieldDouble, FieldCurrency, FieldBoolean, FieldDate, FieldDateTime, FieldOwner:
	case FieldLookup:
		if f.LookupModule == "" {
			return fmt.Errorf("lookup field %s has no LookupModule", f.APIName)
		}
	default:
		return fmt.Errorf("field %s: unknown Type %q", f.APIName, f.Type)
	}
	if f.MaxLength < 0 {
		return fmt.Errorf("field %s: negative MaxLength", f.APIName)
	}
	if f.Label == "" {
		f.Label = strings.ReplaceAll(f.APIName, "_", " ")
	}
	return nil
}

// DefineModule adds a custom module (Zoho's generated_type "custom").
// Lookup fields may point to any module defined by the time they are used.
func (c *CRM) DefineModule(m Module) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.defineLocked(m, true); err != nil {
		return fmt.Errorf("zohotest: DefineModule %s: %w", m.APIName, err)
	}
	return nil
}

func (c *CRM) defineLocked(m Module, custom bool) error {
	if m.APIName == "" || strings.ContainsAny(m.APIName, "/ ?#") {
		return fmt.Errorf("bad module API name %q", m.APIName)
	}
	switch strings.ToLower(m.APIName) {
	case "settings", "coql", "users", "org", "actions", "__apis":
		return fmt.Errorf("module API name %q is taken by another CRM endpoint", m.APIName)
	}
	if c.module(m.APIName) != nil {
		return errors.New("module already defined")
	}
	m.Fields = slices.Clone(m.Fields)
	m.DuplicateCheckFields = slices.Clone(m.DuplicateCheckFields)
	if m.SingularLabel == "" {
		m.SingularLabel = m.APIName
	}
	if m.PluralLabel == "" {
		m.PluralLabel = m.APIName
	}
	ms := &moduleState{id: c.s.ids.newID(), custom: custom, fields: map[string]*Field{},
		byID: map[string]*storedRecord{}, index: map[string]map[string][]string{}, views: map[viewKey]*view{}}
	for i := range m.Fields {
		f := &m.Fields[i]
		if err := checkField(f); err != nil {
			return err
		}
		if _, dup := ms.fields[f.APIName]; dup {
			return fmt.Errorf("field %s defined twice", f.APIName)
		}
		ms.fields[f.APIName] = f
	}
	for _, name := range m.DuplicateCheckFields {
		if _, ok := ms.fields[name]; !ok {
			return fmt.Errorf("duplicate-check field %s is not a field of the module", name)
		}
	}
	if m.DisplayField == "" {
		for _, f := range m.Fields {
			if f.Mandatory && f.Type == FieldText {
				m.DisplayField = f.APIName
				break
			}
		}
	} else if _, ok := ms.fields[m.DisplayField]; !ok {
		return fmt.Errorf("display field %s is not a field of the module", m.DisplayField)
	}
	ms.def = m
	ms.reindexFields()
	c.modules[strings.ToLower(m.APIName)] = ms
	c.order = append(c.order, ms)
	return nil
}

// reindexFields rebuilds the indexes of unique and duplicate-check fields.
func (m *moduleState) reindexFields() {
	m.index = map[string]map[string][]string{}
	for _, f := range m.def.Fields {
		if f.Unique || slices.Contains(m.def.DuplicateCheckFields, f.APIName) {
			m.index[f.APIName] = map[string][]string{}
		}
	}
	for _, r := range m.records {
		m.indexAdd(r)
	}
}

// AddFields adds custom fields to a module (standard or custom). A new
// Unique field must not already hold duplicate values.
func (c *CRM) AddFields(module string, fields ...Field) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.module(module)
	if m == nil {
		return fmt.Errorf("zohotest: AddFields: no module %q", module)
	}
	def := m.def
	def.Fields = slices.Clone(def.Fields)
	seen := map[string]bool{}
	for _, f := range def.Fields {
		seen[f.APIName] = true
	}
	for _, f := range fields {
		if err := checkField(&f); err != nil {
			return fmt.Errorf("zohotest: AddFields %s: %w", m.def.APIName, err)
		}
		if seen[f.APIName] {
			return fmt.Errorf("zohotest: AddFields %s: field %s already exists", m.def.APIName, f.APIName)
		}
		seen[f.APIName] = true
		if f.Unique {
			keys := map[string]bool{}
			for _, r := range m.records {
				if k, ok := matchKey(r.values[f.APIName]); ok && keys[k] {
					return fmt.Errorf("zohotest: AddFields %s: records already repeat values of %s", m.def.APIName, f.APIName)
				} else if ok {
					keys[k] = true
				}
			}
		}
		def.Fields = append(def.Fields, f)
	}
	m.def = def
	if m.added == nil {
		m.added = map[string]bool{}
	}
	for _, f := range fields {
		m.added[f.APIName] = true // user-added: custom_field true, also on standard modules
	}
	m.fields = make(map[string]*Field, len(def.Fields))
	for i := range m.def.Fields {
		m.fields[m.def.Fields[i].APIName] = &m.def.Fields[i]
	}
	m.reindexFields()
	m.version++
	clear(m.views)
	return nil
}

// Module returns the definition of a module (API names are matched
// case-insensitively, as Zoho does in URLs).
func (c *CRM) Module(name string) (Module, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.module(name)
	if m == nil {
		return Module{}, false
	}
	def := m.def
	def.Fields = slices.Clone(def.Fields)
	def.DuplicateCheckFields = slices.Clone(def.DuplicateCheckFields)
	return def, true
}
