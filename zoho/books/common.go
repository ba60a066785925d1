package books

import (
	"encoding/json"
	"net/url"
	"time"

	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Address is a billing or shipping address. Members Books sends that are
// not declared here are kept in Extra.
type Address struct {
	Attention string `json:"attention,omitzero"`
	Address   string `json:"address,omitzero"`
	Street2   string `json:"street2,omitzero"`
	City      string `json:"city,omitzero"`
	State     string `json:"state,omitzero"`
	Zip       string `json:"zip,omitzero"`
	Country   string `json:"country,omitzero"`
	Phone     string `json:"phone,omitzero"`
	Fax       string `json:"fax,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type addressFields Address

var addressCodec = finance.NewCodec[addressFields]()

// UnmarshalJSON decodes an address, keeping undeclared members in Extra.
func (a *Address) UnmarshalJSON(b []byte) error {
	return addressCodec.Decode(b, (*addressFields)(a), &a.Extra)
}

// MarshalJSON encodes an address with its Extra members.
func (a Address) MarshalJSON() ([]byte, error) {
	return addressCodec.Encode((*addressFields)(&a), a.Extra)
}

// CustomField is the value of a custom field of a record ("custom_fields").
// Value is a string, a json.Number, a bool or nil as Zoho sent it (numbers
// are never turned into floats). Write by APIName (or CustomFieldID) and
// Value.
type CustomField struct {
	CustomFieldID string `json:"customfield_id,omitzero"`
	APIName       string `json:"api_name,omitzero"`
	Label         string `json:"label,omitzero"`
	DataType      string `json:"data_type,omitzero"`
	Value         any    `json:"value"`

	Extra map[string]json.RawMessage `json:"-"`
}

type customFieldFields CustomField

var customFieldCodec = finance.NewCodec[customFieldFields]()

// UnmarshalJSON decodes a custom field, keeping undeclared members in Extra.
func (f *CustomField) UnmarshalJSON(b []byte) error {
	return customFieldCodec.Decode(b, (*customFieldFields)(f), &f.Extra)
}

// MarshalJSON encodes a custom field with its Extra members.
func (f CustomField) MarshalJSON() ([]byte, error) {
	return customFieldCodec.Encode((*customFieldFields)(&f), f.Extra)
}

// ListOptions are the options of every list. The zero value lists
// everything, 200 records a page, in Zoho's default order.
type ListOptions struct {
	// ModifiedSince makes the list an incremental read, for scheduled pulls:
	// only records whose last_modified_time is at or after ModifiedSince
	// (inclusive, to the second: fractions are dropped) are yielded, oldest
	// change first. The list asks Zoho with last_modified_time from one
	// second earlier and sort_column=last_modified_time, sort_order=A (so it
	// is right whether or not Zoho's filter includes its bound), drops what
	// is older, and pages by modification time so that a record changed
	// while the list is read is not skipped (it comes again, changed).
	// Keep the latest last_modified_time seen as the next checkpoint; a
	// record at exactly the checkpoint comes once more next time.
	//
	// Lists that report no last_modified_time for a record yield it
	// regardless. For a first, full pull in modification order pass a time
	// before the organisation existed, e.g. time.Unix(0, 0).
	ModifiedSince time.Time
	// PerPage is the page size, 1..200; zero means 200 (Zoho's maximum).
	PerPage int
	// SortColumn ("created_time", "last_modified_time", ...) and SortOrder
	// ("A" ascending, "D" descending) order a list that is not incremental.
	SortColumn string
	SortOrder  string
	// Query holds further filters, sent as they are: "filter_by"
	// ("Status.Active"), "search_text", "<field>_startswith", ...
	Query url.Values
}

// params returns the options as the finance package takes them.
func (o *ListOptions) params() finance.ListParams {
	if o == nil {
		return finance.ListParams{}
	}
	return finance.ListParams{ModifiedSince: o.ModifiedSince, PerPage: o.PerPage, SortColumn: o.SortColumn, SortOrder: o.SortOrder, Query: o.Query}
}
