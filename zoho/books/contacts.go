package books

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Contact is a customer or vendor. Lists return a summary (no addresses or
// contact persons); Get returns the whole contact. Members not declared here
// are kept in Extra and sent back on writes.
type Contact struct {
	ContactID       string `json:"contact_id,omitzero"`
	ContactName     string `json:"contact_name,omitzero"`
	CompanyName     string `json:"company_name,omitzero"`
	ContactType     string `json:"contact_type,omitzero"`      // "customer" or "vendor"
	CustomerSubType string `json:"customer_sub_type,omitzero"` // "business" or "individual"
	Status          string `json:"status,omitzero"`            // "active" or "inactive"
	FirstName       string `json:"first_name,omitzero"`
	LastName        string `json:"last_name,omitzero"`
	Email           string `json:"email,omitzero"`
	Phone           string `json:"phone,omitzero"`
	Mobile          string `json:"mobile,omitzero"`
	Website         string `json:"website,omitzero"`
	CurrencyID      string `json:"currency_id,omitzero"`
	CurrencyCode    string `json:"currency_code,omitzero"`
	PaymentTerms    int    `json:"payment_terms,omitzero"`
	Notes           string `json:"notes,omitzero"`

	BillingAddress  *Address        `json:"billing_address,omitzero"`
	ShippingAddress *Address        `json:"shipping_address,omitzero"`
	ContactPersons  []ContactPerson `json:"contact_persons,omitzero"`
	CustomFields    []CustomField   `json:"custom_fields,omitzero"`

	OutstandingReceivableAmount Amount `json:"outstanding_receivable_amount,omitzero"`
	CreatedTime                 Time   `json:"created_time,omitzero"`
	LastModifiedTime            Time   `json:"last_modified_time,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type contactFields Contact

var contactCodec = finance.NewCodec[contactFields]()

// contactReadOnly are the members Books computes; writes leave them out.
var contactReadOnly = []string{"contact_id", "status", "currency_code", "outstanding_receivable_amount", "created_time", "last_modified_time"}

// UnmarshalJSON decodes a contact, keeping undeclared members in Extra.
func (c *Contact) UnmarshalJSON(b []byte) error {
	return contactCodec.Decode(b, (*contactFields)(c), &c.Extra)
}

// MarshalJSON encodes a contact with its Extra members.
func (c Contact) MarshalJSON() ([]byte, error) {
	return contactCodec.Encode((*contactFields)(&c), c.Extra)
}

// writeBody encodes the contact for a create or update.
func (c Contact) writeBody() (json.RawMessage, error) {
	return contactCodec.Encode((*contactFields)(&c), c.Extra, contactReadOnly...)
}

// ContactPerson is a person of a contact. Members not declared here are kept
// in Extra.
type ContactPerson struct {
	ContactPersonID  string `json:"contact_person_id,omitzero"`
	Salutation       string `json:"salutation,omitzero"`
	FirstName        string `json:"first_name,omitzero"`
	LastName         string `json:"last_name,omitzero"`
	Email            string `json:"email,omitzero"`
	Phone            string `json:"phone,omitzero"`
	Mobile           string `json:"mobile,omitzero"`
	IsPrimaryContact bool   `json:"is_primary_contact,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type contactPersonFields ContactPerson

var contactPersonCodec = finance.NewCodec[contactPersonFields]()

// UnmarshalJSON decodes a contact person, keeping undeclared members in Extra.
func (p *ContactPerson) UnmarshalJSON(b []byte) error {
	return contactPersonCodec.Decode(b, (*contactPersonFields)(p), &p.Extra)
}

// MarshalJSON encodes a contact person with its Extra members.
func (p ContactPerson) MarshalJSON() ([]byte, error) {
	return contactPersonCodec.Encode((*contactPersonFields)(&p), p.Extra)
}

// ContactListOptions filter a contact list.
type ContactListOptions struct {
	ListOptions
	ContactName string // exact contact_name
	CompanyName string // exact company_name
	Email       string // exact email
}

// ContactsService lists, reads, creates, updates and deletes contacts.
type ContactsService struct{ r finance.Resource[Contact] }

func newContactsService(fc *finance.Client) *ContactsService {
	return &ContactsService{r: finance.Resource[Contact]{C: fc, Path: "/contacts", One: "contact", Name: "contact",
		Write: Contact.writeBody, Stamp: func(c Contact) (string, time.Time) { return c.ContactID, c.LastModifiedTime.Time }}}
}

// List yields the contacts (summaries) matching opts, lazily, 200 a page;
// opts may be nil. With opts.ModifiedSince it is an incremental read (see
// ListOptions).
func (s *ContactsService) List(ctx context.Context, opts *ContactListOptions) iter.Seq2[Contact, error] {
	if opts == nil {
		opts = &ContactListOptions{}
	}
	return s.r.List(ctx, "contacts", opts.params(), "contact_name", opts.ContactName, "company_name", opts.CompanyName, "email", opts.Email)
}

// Get returns the whole contact.
func (s *ContactsService) Get(ctx context.Context, id string) (Contact, *zoho.Response, error) {
	return s.r.Get(ctx, id)
}

// Create creates a contact (ContactName is required by Books) and returns
// it as Books stored it. The members Books computes (contact_id, status,
// amounts, times) are not sent; Extra is.
func (s *ContactsService) Create(ctx context.Context, c Contact) (Contact, *zoho.Response, error) {
	return s.r.Create(ctx, c, nil)
}

// Update replaces the contact's sent members (what c sets, and Extra) and
// returns the contact as Books stored it.
func (s *ContactsService) Update(ctx context.Context, id string, c Contact) (Contact, *zoho.Response, error) {
	return s.r.Update(ctx, id, c)
}

// Delete deletes a contact.
func (s *ContactsService) Delete(ctx context.Context, id string) (*zoho.Response, error) {
	return s.r.Delete(ctx, id)
}
