package books

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Invoice statuses as Books reports them.
const (
	InvoiceDraft         = "draft"
	InvoiceSent          = "sent"
	InvoiceViewed        = "viewed"
	InvoiceOverdue       = "overdue"
	InvoicePartiallyPaid = "partially_paid"
	InvoicePaid          = "paid"
	InvoiceVoid          = "void"
	InvoiceUnpaid        = "unpaid" // a list filter: sent, viewed, overdue or partially paid
)

// Invoice is a Books invoice. Lists return a summary (no line items,
// addresses or notes); Get returns the whole invoice. Amounts are exact
// (see Amount). Members not declared here, custom ones included, are kept in
// Extra and sent back on writes.
type Invoice struct {
	InvoiceID     string `json:"invoice_id,omitzero"`
	InvoiceNumber string `json:"invoice_number,omitzero"`
	// ReferenceNumber is free text; an integration can store the id of the
	// record the invoice was made for (a CRM deal) and find it again with
	// FindByReference, which makes "create the invoice for deal X"
	// idempotent.
	ReferenceNumber string `json:"reference_number,omitzero"`
	Status          string `json:"status,omitzero"`
	CustomerID      string `json:"customer_id,omitzero"`
	CustomerName    string `json:"customer_name,omitzero"`
	Date            Date   `json:"date,omitzero"`
	DueDate         Date   `json:"due_date,omitzero"`
	PaymentTerms    int    `json:"payment_terms,omitzero"`
	CurrencyID      string `json:"currency_id,omitzero"`
	CurrencyCode    string `json:"currency_code,omitzero"`
	ExchangeRate    Amount `json:"exchange_rate,omitzero"`

	LineItems             []LineItem `json:"line_items,omitzero"`
	ShippingCharge        Amount     `json:"shipping_charge,omitzero"`
	Adjustment            Amount     `json:"adjustment,omitzero"`
	AdjustmentDescription string     `json:"adjustment_description,omitzero"`
	SubTotal              Amount     `json:"sub_total,omitzero"`
	TaxTotal              Amount     `json:"tax_total,omitzero"`
	Total                 Amount     `json:"total,omitzero"`
	Balance               Amount     `json:"balance,omitzero"`

	Notes           string        `json:"notes,omitzero"`
	Terms           string        `json:"terms,omitzero"`
	BillingAddress  *Address      `json:"billing_address,omitzero"`
	ShippingAddress *Address      `json:"shipping_address,omitzero"`
	CustomFields    []CustomField `json:"custom_fields,omitzero"`

	InvoiceURL       string `json:"invoice_url,omitzero"`
	CreatedTime      Time   `json:"created_time,omitzero"`
	LastModifiedTime Time   `json:"last_modified_time,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type invoiceFields Invoice

var invoiceCodec = finance.NewCodec[invoiceFields]()

// invoiceReadOnly are the members Books computes; writes leave them out.
var invoiceReadOnly = []string{"invoice_id", "status", "customer_name", "currency_code", "sub_total", "tax_total",
	"total", "balance", "invoice_url", "created_time", "last_modified_time"}

// UnmarshalJSON decodes an invoice, keeping undeclared members in Extra.
func (inv *Invoice) UnmarshalJSON(b []byte) error {
	return invoiceCodec.Decode(b, (*invoiceFields)(inv), &inv.Extra)
}

// MarshalJSON encodes an invoice with its Extra members.
func (inv Invoice) MarshalJSON() ([]byte, error) {
	return invoiceCodec.Encode((*invoiceFields)(&inv), inv.Extra)
}

func (inv Invoice) writeBody() (json.RawMessage, error) {
	return invoiceCodec.Encode((*invoiceFields)(&inv), inv.Extra, invoiceReadOnly...)
}

// LineItem is a line of an invoice: an item (ItemID) or free text (Name),
// Rate × Quantity. Members not declared here are kept in Extra.
type LineItem struct {
	LineItemID    string `json:"line_item_id,omitzero"`
	ItemID        string `json:"item_id,omitzero"`
	Name          string `json:"name,omitzero"`
	Description   string `json:"description,omitzero"`
	SKU           string `json:"sku,omitzero"`
	ItemOrder     int    `json:"item_order,omitzero"`
	Rate          Amount `json:"rate,omitzero"`
	Quantity      Amount `json:"quantity,omitzero"`
	Unit          string `json:"unit,omitzero"`
	TaxID         string `json:"tax_id,omitzero"`
	TaxName       string `json:"tax_name,omitzero"`
	TaxPercentage Amount `json:"tax_percentage,omitzero"`
	// ItemTotal is computed by Books.
	ItemTotal    Amount        `json:"item_total,omitzero"`
	CustomFields []CustomField `json:"item_custom_fields,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type lineItemFields LineItem

var lineItemCodec = finance.NewCodec[lineItemFields]()

// UnmarshalJSON decodes a line item, keeping undeclared members in Extra.
func (li *LineItem) UnmarshalJSON(b []byte) error {
	return lineItemCodec.Decode(b, (*lineItemFields)(li), &li.Extra)
}

// MarshalJSON encodes a line item with its Extra members.
func (li LineItem) MarshalJSON() ([]byte, error) {
	return lineItemCodec.Encode((*lineItemFields)(&li), li.Extra)
}

// InvoiceListOptions filter an invoice list.
type InvoiceListOptions struct {
	ListOptions
	// Status is one of the Invoice* status constants (InvoiceUnpaid
	// included).
	Status          string
	CustomerID      string
	ReferenceNumber string // reference_number
	InvoiceNumber   string // invoice_number
}

// CreateInvoiceOptions adjust an invoice's creation.
type CreateInvoiceOptions struct {
	// Send emails the invoice to the customer's contact persons once
	// created (status sent).
	Send bool
	// IgnoreAutoNumberGeneration uses the Invoice's InvoiceNumber instead of
	// the organisation's automatic numbering.
	IgnoreAutoNumberGeneration bool
}

// EmailOptions say to whom and how an invoice is emailed. Empty fields use
// Books' defaults (the customer's contact persons, the organisation's
// template).
type EmailOptions struct {
	ToMailIDs []string `json:"to_mail_ids,omitzero"`
	CCMailIDs []string `json:"cc_mail_ids,omitzero"`
	Subject   string   `json:"subject,omitzero"`
	Body      string   `json:"body,omitzero"`
}

// InvoicesService lists, reads, creates, updates, sends and voids invoices.
type InvoicesService struct{ r finance.Resource[Invoice] }

func newInvoicesService(fc *finance.Client) *InvoicesService {
	return &InvoicesService{r: finance.Resource[Invoice]{C: fc, Path: "/invoices", One: "invoice", Name: "invoice",
		Write: Invoice.writeBody, Stamp: func(inv Invoice) (string, time.Time) { return inv.InvoiceID, inv.LastModifiedTime.Time }}}
}

// List yields the invoices (summaries, without line items) matching opts,
// lazily, 200 a page; opts may be nil. With opts.ModifiedSince it is an
// incremental read (see ListOptions).
func (s *InvoicesService) List(ctx context.Context, opts *InvoiceListOptions) iter.Seq2[Invoice, error] {
	if opts == nil {
		opts = &InvoiceListOptions{}
	}
	return s.r.List(ctx, "invoices", opts.params(), "status", opts.Status, "customer_id", opts.CustomerID,
		"reference_number", opts.ReferenceNumber, "invoice_number", opts.InvoiceNumber)
}

// FindByReference returns the invoices (summaries) whose reference number
// is exactly ref, oldest first: with the record id of the source system as
// the reference, "create the invoice for deal X unless it exists" is a
// FindByReference and a Create. It lists with the reference_number filter
// and keeps exact matches only (Zoho's filter may match more loosely).
func (s *InvoicesService) FindByReference(ctx context.Context, ref string) ([]Invoice, error) {
	if ref == "" {
		return nil, errors.New("books: find invoices by reference: the reference is empty")
	}
	opts := &InvoiceListOptions{ReferenceNumber: ref, ListOptions: ListOptions{SortColumn: "created_time", SortOrder: "A"}}
	var out []Invoice
	for inv, err := range s.List(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if inv.ReferenceNumber == ref {
			out = append(out, inv)
		}
	}
	return out, nil
}

// Get returns the whole invoice, line items included.
func (s *InvoicesService) Get(ctx context.Context, id string) (Invoice, *zoho.Response, error) {
	return s.r.Get(ctx, id)
}

// Create creates an invoice (CustomerID and LineItems are required by
// Books) and returns it as Books stored it: numbered, totalled, status
// draft (or sent with opts.Send). The members Books computes are not sent;
// Extra is. opts may be nil.
//
// Creating is not idempotent: a retry after a lost answer could create a
// second invoice, so Create is never retried after a 5xx or a network
// error (only after a 429, which Zoho did not act on). Give the invoice a
// ReferenceNumber and check FindByReference before creating again.
func (s *InvoicesService) Create(ctx context.Context, inv Invoice, opts *CreateInvoiceOptions) (Invoice, *zoho.Response, error) {
	q := url.Values{}
	if opts != nil && opts.Send {
		q.Set("send", "true")
	}
	if opts != nil && opts.IgnoreAutoNumberGeneration {
		q.Set("ignore_auto_number_generation", "true")
	}
	return s.r.Create(ctx, inv, q)
}

// Update changes an invoice (what inv sets, line items replaced when given,
// and Extra) and returns it as Books stored it.
func (s *InvoicesService) Update(ctx context.Context, id string, inv Invoice) (Invoice, *zoho.Response, error) {
	return s.r.Update(ctx, id, inv)
}

// MarkSent marks a draft invoice as sent without emailing it. It is safe
// to repeat.
func (s *InvoicesService) MarkSent(ctx context.Context, id string) (*zoho.Response, error) {
	return s.r.Action(ctx, id, "mark sent", true, nil, "status", "sent")
}

// Void voids an invoice (status void; it no longer counts as receivable).
// It is safe to repeat.
func (s *InvoicesService) Void(ctx context.Context, id string) (*zoho.Response, error) {
	return s.r.Action(ctx, id, "void", true, nil, "status", "void")
}

// Email emails the invoice; opts may be nil for Books' defaults. It is not
// retried after a 5xx or a network error (the customer could get it twice).
func (s *InvoicesService) Email(ctx context.Context, id string, opts *EmailOptions) (*zoho.Response, error) {
	var body any = struct{}{}
	if opts != nil {
		body = opts
	}
	return s.r.Action(ctx, id, "email", false, body, "email")
}

// Delete deletes an invoice.
func (s *InvoicesService) Delete(ctx context.Context, id string) (*zoho.Response, error) {
	return s.r.Delete(ctx, id)
}
