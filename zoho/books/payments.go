package books

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// CustomerPayment is a payment received from a customer, applied to some of
// its invoices. Members not declared here are kept in Extra.
type CustomerPayment struct {
	PaymentID       string `json:"payment_id,omitzero"`
	PaymentNumber   string `json:"payment_number,omitzero"`
	CustomerID      string `json:"customer_id,omitzero"`
	CustomerName    string `json:"customer_name,omitzero"`
	PaymentMode     string `json:"payment_mode,omitzero"` // "cash", "check", "banktransfer", ...
	Date            Date   `json:"date,omitzero"`
	Amount          Amount `json:"amount,omitzero"`
	UnusedAmount    Amount `json:"unused_amount,omitzero"`
	BankCharges     Amount `json:"bank_charges,omitzero"`
	ReferenceNumber string `json:"reference_number,omitzero"`
	Description     string `json:"description,omitzero"`
	AccountID       string `json:"account_id,omitzero"`
	// Invoices are the invoices the payment is applied to, with the amount
	// applied to each.
	Invoices     []AppliedInvoice `json:"invoices,omitzero"`
	CustomFields []CustomField    `json:"custom_fields,omitzero"`

	CreatedTime      Time `json:"created_time,omitzero"`
	LastModifiedTime Time `json:"last_modified_time,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type customerPaymentFields CustomerPayment

var customerPaymentCodec = finance.NewCodec[customerPaymentFields]()

var customerPaymentReadOnly = []string{"payment_id", "payment_number", "customer_name", "unused_amount", "created_time", "last_modified_time"}

// UnmarshalJSON decodes a payment, keeping undeclared members in Extra.
func (p *CustomerPayment) UnmarshalJSON(b []byte) error {
	return customerPaymentCodec.Decode(b, (*customerPaymentFields)(p), &p.Extra)
}

// MarshalJSON encodes a payment with its Extra members.
func (p CustomerPayment) MarshalJSON() ([]byte, error) {
	return customerPaymentCodec.Encode((*customerPaymentFields)(&p), p.Extra)
}

// AppliedInvoice is the part of a payment applied to one invoice.
type AppliedInvoice struct {
	InvoiceID     string `json:"invoice_id"`
	InvoiceNumber string `json:"invoice_number,omitzero"`
	AmountApplied Amount `json:"amount_applied"`
	// Total and BalanceAmount are the invoice's, as Books reports them.
	Total         Amount `json:"total,omitzero"`
	BalanceAmount Amount `json:"balance_amount,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type appliedInvoiceFields AppliedInvoice

var appliedInvoiceCodec = finance.NewCodec[appliedInvoiceFields]()

// UnmarshalJSON decodes an applied invoice, keeping undeclared members in
// Extra.
func (a *AppliedInvoice) UnmarshalJSON(b []byte) error {
	return appliedInvoiceCodec.Decode(b, (*appliedInvoiceFields)(a), &a.Extra)
}

// MarshalJSON encodes an applied invoice with its Extra members.
func (a AppliedInvoice) MarshalJSON() ([]byte, error) {
	return appliedInvoiceCodec.Encode((*appliedInvoiceFields)(&a), a.Extra)
}

// PaymentListOptions filter a payment list.
type PaymentListOptions struct {
	ListOptions
	CustomerID      string
	ReferenceNumber string
}

// CustomerPaymentsService lists, reads, records and deletes customer
// payments.
type CustomerPaymentsService struct {
	r finance.Resource[CustomerPayment]
}

func newCustomerPaymentsService(fc *finance.Client) *CustomerPaymentsService {
	return &CustomerPaymentsService{r: finance.Resource[CustomerPayment]{C: fc, Path: "/customerpayments", One: "payment", Name: "customer payment",
		Write: func(p CustomerPayment) (json.RawMessage, error) {
			return customerPaymentCodec.Encode((*customerPaymentFields)(&p), p.Extra, customerPaymentReadOnly...)
		},
		Stamp: func(p CustomerPayment) (string, time.Time) { return p.PaymentID, p.LastModifiedTime.Time }}}
}

// List yields the payments matching opts, lazily, 200 a page; opts may be
// nil. With opts.ModifiedSince it is an incremental read (see ListOptions).
func (s *CustomerPaymentsService) List(ctx context.Context, opts *PaymentListOptions) iter.Seq2[CustomerPayment, error] {
	if opts == nil {
		opts = &PaymentListOptions{}
	}
	return s.r.List(ctx, "customerpayments", opts.params(), "customer_id", opts.CustomerID, "reference_number", opts.ReferenceNumber)
}

// Get returns a payment with the invoices it is applied to.
func (s *CustomerPaymentsService) Get(ctx context.Context, id string) (CustomerPayment, *zoho.Response, error) {
	return s.r.Get(ctx, id)
}

// Create records a payment (CustomerID, PaymentMode, Amount and Date are
// required by Books), applied to the invoices listed in p.Invoices, and
// returns it as Books stored it. Like invoice creation it is not retried
// after a 5xx or a network error.
func (s *CustomerPaymentsService) Create(ctx context.Context, p CustomerPayment) (CustomerPayment, *zoho.Response, error) {
	return s.r.Create(ctx, p, nil)
}

// Delete deletes a payment, which restores the balance of the invoices it
// paid.
func (s *CustomerPaymentsService) Delete(ctx context.Context, id string) (*zoho.Response, error) {
	return s.r.Delete(ctx, id)
}
