package crm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Record is a record of any module, open to every field: field API names
// ("Last_Name", "Account_Name", "My_Custom_Field__c") to their JSON values
// as Zoho sends them. Records that this package decodes hold numbers as
// json.Number (so a currency value never passes through a float64),
// lookups as map[string]any ({"name","id"}), multi-select picklists as
// []any and date-times as strings; the accessors below read them.
//
// To write, set values as Zoho expects them: strings, numbers
// (json.Number, int, float64), bools, Time and Date values, Lookup{ID: id}
// (or map[string]any{"id": id}) for lookups, and nil to clear a field.
type Record map[string]any

// ID returns the record id ("" when absent).
func (r Record) ID() string { return idString(r["id"]) }

// String returns a text field's value, "" when absent, null or not a
// string.
func (r Record) String(field string) string {
	s, _ := r[field].(string)
	return s
}

// Bool returns a boolean field's value; ok is false when absent, null or not
// a boolean.
func (r Record) Bool(field string) (v, ok bool) {
	v, ok = r[field].(bool)
	return v, ok
}

// Number returns a numeric field's value exactly as Zoho wrote it
// ("1500.50"); ok is false when absent, null or not a number. Records
// decoded with plain encoding/json hold float64, which is converted.
func (r Record) Number(field string) (json.Number, bool) {
	switch v := r[field].(type) {
	case json.Number:
		return v, true
	case float64:
		return json.Number(strconv.FormatFloat(v, 'f', -1, 64)), true
	case int:
		return json.Number(strconv.Itoa(v)), true
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), true
	}
	return "", false
}

// Time returns a date-time field's value; ok is false when absent, null or
// not a CRM date-time.
func (r Record) Time(field string) (Time, bool) {
	switch v := r[field].(type) {
	case Time:
		return v, !v.IsZero()
	case time.Time:
		return Time{v}, !v.IsZero()
	case string:
		t, err := ParseTime(v)
		return t, err == nil && !t.IsZero()
	}
	return Time{}, false
}

// Date returns a date field's value; ok is false when absent, null or not a
// "yyyy-MM-dd" date.
func (r Record) Date(field string) (Date, bool) {
	switch v := r[field].(type) {
	case Date:
		return v, !v.IsZero()
	case string:
		d, err := ParseDate(v)
		return d, err == nil && !d.IsZero()
	}
	return Date{}, false
}

// Lookup returns a lookup (or user) field's value ({"name","id"}); ok is
// false when absent, null or not a lookup.
func (r Record) Lookup(field string) (Lookup, bool) {
	switch v := r[field].(type) {
	case Lookup:
		return v, v.ID != ""
	case *Lookup:
		if v != nil {
			return *v, v.ID != ""
		}
	case UserLookup:
		return Lookup{ID: v.ID, Name: v.Name}, v.ID != ""
	case map[string]any:
		l := Lookup{ID: idString(v["id"])}
		l.Name, _ = v["name"].(string)
		return l, l.ID != ""
	}
	return Lookup{}, false
}

// Owner returns the record owner ({"name","id","email"}); ok is false when
// the record has none.
func (r Record) Owner() (UserLookup, bool) {
	switch v := r["Owner"].(type) {
	case UserLookup:
		return v, v.ID != ""
	case map[string]any:
		u := UserLookup{ID: idString(v["id"])}
		u.Name, _ = v["name"].(string)
		u.Email, _ = v["email"].(string)
		return u, u.ID != ""
	}
	return UserLookup{}, false
}

// CreatedTime returns Created_Time (the zero Time when absent).
func (r Record) CreatedTime() Time { t, _ := r.Time("Created_Time"); return t }

// ModifiedTime returns Modified_Time (the zero Time when absent).
func (r Record) ModifiedTime() Time { t, _ := r.Time("Modified_Time"); return t }

// Decode converts the record into a typed value (a *Contact, or any struct
// pointer with the API names as JSON tags) through its JSON encoding.
func (r Record) Decode(v any) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("crm: record %s: %w", r.ID(), err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("crm: record %s: %w", r.ID(), err)
	}
	return nil
}

// idString reads an id that Zoho (or a caller) wrote as a string or a
// number: ids are 18-19 digits, beyond float64's exact integers, so they
// are strings on the wire, but tolerate json.Number too.
func idString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// Lookup is the value of a lookup field, such as a contact's Account_Name:
// {"name","id"}. To write one, the ID is enough.
type Lookup struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// UserLookup is the value of a user field (Owner, Created_By, Modified_By):
// {"name","id","email"}. To assign an owner, the ID is enough.
type UserLookup struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// RecordInfo holds the fields every record has. The typed module structs
// embed it. On writes, Zoho ignores the system fields (everything but ID
// and Owner), so a record read can be written back as is.
type RecordInfo struct {
	ID           string      `json:"id,omitempty"`
	Owner        *UserLookup `json:"Owner,omitempty"`
	CreatedTime  Time        `json:"Created_Time,omitzero"`
	ModifiedTime Time        `json:"Modified_Time,omitzero"`
	CreatedBy    *UserLookup `json:"Created_By,omitempty"`
	ModifiedBy   *UserLookup `json:"Modified_By,omitempty"`
}

// Contact is a record of the Contacts module with its common fields. Fields
// it does not declare (custom fields, fields of a newer API) are kept in
// Extra when read and written back, so nothing is lost on a round trip.
//
// Zero-valued fields are left out when writing, so an update changes only
// what is set. To clear a field, put its API name in Extra with a nil value
// (Extra wins over the declared field of the same name).
type Contact struct {
	RecordInfo
	FirstName      string  `json:"First_Name,omitempty"`
	LastName       string  `json:"Last_Name,omitempty"` // mandatory
	FullName       string  `json:"Full_Name,omitempty"` // read-only, computed by Zoho
	Email          string  `json:"Email,omitempty"`
	SecondaryEmail string  `json:"Secondary_Email,omitempty"`
	Phone          string  `json:"Phone,omitempty"`
	Mobile         string  `json:"Mobile,omitempty"`
	Fax            string  `json:"Fax,omitempty"`
	Title          string  `json:"Title,omitempty"`
	Department     string  `json:"Department,omitempty"`
	LeadSource     string  `json:"Lead_Source,omitempty"`
	AccountName    *Lookup `json:"Account_Name,omitempty"`
	DateOfBirth    Date    `json:"Date_of_Birth,omitzero"`
	EmailOptOut    *bool   `json:"Email_Opt_Out,omitempty"`
	MailingStreet  string  `json:"Mailing_Street,omitempty"`
	MailingCity    string  `json:"Mailing_City,omitempty"`
	MailingState   string  `json:"Mailing_State,omitempty"`
	MailingZip     string  `json:"Mailing_Zip,omitempty"`
	MailingCountry string  `json:"Mailing_Country,omitempty"`
	OtherStreet    string  `json:"Other_Street,omitempty"`
	OtherCity      string  `json:"Other_City,omitempty"`
	OtherState     string  `json:"Other_State,omitempty"`
	OtherZip       string  `json:"Other_Zip,omitempty"`
	OtherCountry   string  `json:"Other_Country,omitempty"`
	Description    string  `json:"Description,omitempty"`

	// Extra holds the fields the struct does not declare, by API name.
	Extra map[string]any `json:"-"`
}

// Account is a record of the Accounts module with its common fields; see
// Contact for Extra and how zero values are written.
type Account struct {
	RecordInfo
	AccountName     string      `json:"Account_Name,omitempty"` // mandatory
	AccountNumber   string      `json:"Account_Number,omitempty"`
	AccountType     string      `json:"Account_Type,omitempty"`
	Industry        string      `json:"Industry,omitempty"`
	AnnualRevenue   json.Number `json:"Annual_Revenue,omitempty"`
	Employees       *int64      `json:"Employees,omitempty"`
	Phone           string      `json:"Phone,omitempty"`
	Fax             string      `json:"Fax,omitempty"`
	Website         string      `json:"Website,omitempty"`
	ParentAccount   *Lookup     `json:"Parent_Account,omitempty"`
	BillingStreet   string      `json:"Billing_Street,omitempty"`
	BillingCity     string      `json:"Billing_City,omitempty"`
	BillingState    string      `json:"Billing_State,omitempty"`
	BillingCode     string      `json:"Billing_Code,omitempty"`
	BillingCountry  string      `json:"Billing_Country,omitempty"`
	ShippingStreet  string      `json:"Shipping_Street,omitempty"`
	ShippingCity    string      `json:"Shipping_City,omitempty"`
	ShippingState   string      `json:"Shipping_State,omitempty"`
	ShippingCode    string      `json:"Shipping_Code,omitempty"`
	ShippingCountry string      `json:"Shipping_Country,omitempty"`
	Description     string      `json:"Description,omitempty"`

	// Extra holds the fields the struct does not declare, by API name.
	Extra map[string]any `json:"-"`
}

// Deal is a record of the Deals module with its common fields; see Contact
// for Extra and how zero values are written. Amount is a json.Number, the
// exact decimal Zoho sent.
type Deal struct {
	RecordInfo
	DealName        string      `json:"Deal_Name,omitempty"` // mandatory
	Stage           string      `json:"Stage,omitempty"`     // mandatory
	Amount          json.Number `json:"Amount,omitempty"`
	ClosingDate     Date        `json:"Closing_Date,omitzero"`
	AccountName     *Lookup     `json:"Account_Name,omitempty"`
	ContactName     *Lookup     `json:"Contact_Name,omitempty"`
	Probability     *int64      `json:"Probability,omitempty"`
	ExpectedRevenue json.Number `json:"Expected_Revenue,omitempty"` // read-only, computed by Zoho
	Type            string      `json:"Type,omitempty"`
	LeadSource      string      `json:"Lead_Source,omitempty"`
	NextStep        string      `json:"Next_Step,omitempty"`
	Pipeline        string      `json:"Pipeline,omitempty"`
	Description     string      `json:"Description,omitempty"`

	// Extra holds the fields the struct does not declare, by API name.
	Extra map[string]any `json:"-"`
}

// Product is a record of the Products module with its common fields; see
// Contact for Extra and how zero values are written. Prices and quantities
// are json.Number, the exact decimals Zoho sent.
type Product struct {
	RecordInfo
	ProductName     string      `json:"Product_Name,omitempty"` // mandatory
	ProductCode     string      `json:"Product_Code,omitempty"`
	ProductActive   *bool       `json:"Product_Active,omitempty"`
	ProductCategory string      `json:"Product_Category,omitempty"`
	Manufacturer    string      `json:"Manufacturer,omitempty"`
	VendorName      *Lookup     `json:"Vendor_Name,omitempty"`
	UnitPrice       json.Number `json:"Unit_Price,omitempty"`
	QtyInStock      json.Number `json:"Qty_in_Stock,omitempty"`
	QtyOrdered      json.Number `json:"Qty_Ordered,omitempty"`
	ReorderLevel    json.Number `json:"Reorder_Level,omitempty"`
	Taxable         *bool       `json:"Taxable,omitempty"`
	Description     string      `json:"Description,omitempty"`

	// Extra holds the fields the struct does not declare, by API name.
	Extra map[string]any `json:"-"`
}

// The plain twins have the same fields without the JSON methods, so the
// methods can encode the declared fields with encoding/json.
type (
	contactJSON Contact
	accountJSON Account
	dealJSON    Deal
	productJSON Product
)

// The declared field names of each type, computed once. They are never
// modified after package initialisation.
var (
	contactFields = fieldsOf[contactJSON]()
	accountFields = fieldsOf[accountJSON]()
	dealFields    = fieldsOf[dealJSON]()
	productFields = fieldsOf[productJSON]()
)

// MarshalJSON encodes the declared fields that are set, merged with Extra.
func (c Contact) MarshalJSON() ([]byte, error) { return marshalWithExtra(contactJSON(c), c.Extra) }

// UnmarshalJSON decodes the declared fields and keeps the others in Extra.
func (c *Contact) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*contactJSON)(c), contactFields, &c.Extra)
}

// MarshalJSON encodes the declared fields that are set, merged with Extra.
func (a Account) MarshalJSON() ([]byte, error) { return marshalWithExtra(accountJSON(a), a.Extra) }

// UnmarshalJSON decodes the declared fields and keeps the others in Extra.
func (a *Account) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*accountJSON)(a), accountFields, &a.Extra)
}

// MarshalJSON encodes the declared fields that are set, merged with Extra.
func (d Deal) MarshalJSON() ([]byte, error) { return marshalWithExtra(dealJSON(d), d.Extra) }

// UnmarshalJSON decodes the declared fields and keeps the others in Extra.
func (d *Deal) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*dealJSON)(d), dealFields, &d.Extra)
}

// MarshalJSON encodes the declared fields that are set, merged with Extra.
func (p Product) MarshalJSON() ([]byte, error) { return marshalWithExtra(productJSON(p), p.Extra) }

// UnmarshalJSON decodes the declared fields and keeps the others in Extra.
func (p *Product) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*productJSON)(p), productFields, &p.Extra)
}
