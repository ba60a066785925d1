package books_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/books"
)

func TestInvoiceLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	widget := b.item("Widget", "25.00")

	inv, resp, err := b.c.Invoices.Create(b.ctx(), books.Invoice{
		CustomerID:      cust,
		ReferenceNumber: "deal-42",
		Date:            books.NewDate(2026, 6, 9),
		LineItems:       []books.LineItem{{ItemID: widget, Quantity: amount(t, "4")}},
	}, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, "/api/v3/invoices/"+inv.InvoiceID, resp.Header.Get("Location"))
	require.Equal(t, books.InvoiceDraft, inv.Status)
	require.Equal(t, "Acme Corp", inv.CustomerName)
	require.Equal(t, "100.00", inv.Total.String(), "the item's rate × 4")
	require.Equal(t, "2026-06-09", inv.Date.String())
	require.False(t, inv.CreatedTime.IsZero())

	_, err = b.c.Invoices.MarkSent(b.ctx(), inv.InvoiceID)
	require.NoError(t, err)
	got, _, err := b.c.Invoices.Get(b.ctx(), inv.InvoiceID)
	require.NoError(t, err)
	require.Equal(t, books.InvoiceSent, got.Status)
	require.Len(t, got.LineItems, 1)
	require.Equal(t, "Widget", got.LineItems[0].Name)

	sent := collect(t, b.c.Invoices.List(b.ctx(), &books.InvoiceListOptions{Status: books.InvoiceSent}))
	require.Len(t, sent, 1)
	require.Empty(t, sent[0].LineItems, "lists are summaries")

	_, err = b.c.Invoices.Email(b.ctx(), inv.InvoiceID, &books.EmailOptions{ToMailIDs: []string{"ap@acme.example"}})
	require.NoError(t, err)

	_, err = b.c.Invoices.Void(b.ctx(), inv.InvoiceID)
	require.NoError(t, err)
	got, _, err = b.c.Invoices.Get(b.ctx(), inv.InvoiceID)
	require.NoError(t, err)
	require.Equal(t, books.InvoiceVoid, got.Status)
	require.Equal(t, 0, got.Balance.Sign())

	// Every call named the organisation.
	for _, c := range b.srv.CallLog() {
		if c.Path != "/oauth/v2/token" {
			require.Equal(t, b.org, c.Query.Get("organization_id"), "%s %s", c.Method, c.Path)
		}
	}
}

func TestInvoiceUpdateReplacesLinesAndKeepsOtherMembers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	inv, _, err := b.c.Invoices.Create(b.ctx(), books.Invoice{
		CustomerID:   cust,
		Notes:        "thanks",
		LineItems:    []books.LineItem{{Name: "Consulting", Rate: amount(t, "150"), Quantity: amount(t, "2")}},
		CustomFields: []books.CustomField{{APIName: "cf_deal_stage", Value: "won"}},
	}, nil)
	require.NoError(t, err)
	require.Equal(t, "300.00", inv.Total.String())

	inv.LineItems = []books.LineItem{{Name: "Consulting", Rate: amount(t, "150"), Quantity: amount(t, "3")}}
	up, _, err := b.c.Invoices.Update(b.ctx(), inv.InvoiceID, inv)
	require.NoError(t, err)
	require.Equal(t, "450.00", up.Total.String())
	require.Equal(t, "thanks", up.Notes)
	require.Len(t, up.CustomFields, 1)
	require.Equal(t, "won", up.CustomFields[0].Value)
	require.Equal(t, inv.InvoiceNumber, up.InvoiceNumber)
}

// Creating "the invoice for deal X" is idempotent with a reference number:
// look it up first, create only when it is not there.
func TestFindByReferenceMakesCreateIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	createFor := func(deal string) string {
		found, err := b.c.Invoices.FindByReference(b.ctx(), deal)
		require.NoError(t, err)
		if len(found) > 0 {
			return found[0].InvoiceID
		}
		inv, _, err := b.c.Invoices.Create(b.ctx(), books.Invoice{
			CustomerID: cust, ReferenceNumber: deal,
			LineItems: []books.LineItem{{Name: "Deal " + deal, Rate: amount(t, "10")}},
		}, nil)
		require.NoError(t, err)
		return inv.InvoiceID
	}
	first := createFor("deal-1")
	require.Equal(t, first, createFor("deal-1"), "the second delivery finds the first invoice")
	other := createFor("deal-10") // "deal-1" is a prefix of it: only exact matches count
	require.NotEqual(t, first, other)
	require.Len(t, b.srv.Books().Invoices(""), 2)

	found, err := b.c.Invoices.FindByReference(b.ctx(), "deal-1")
	require.NoError(t, err)
	require.Len(t, found, 1)
	q := b.queries("GET /books/v3/invoices")
	require.Equal(t, "deal-1", q[len(q)-1].Get("reference_number"), "the filter is sent to Zoho")
}

func TestPaymentsAreAppliedToInvoices(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	inv, _, err := b.c.Invoices.Create(b.ctx(), books.Invoice{
		CustomerID: cust,
		LineItems:  []books.LineItem{{Name: "Service", Rate: amount(t, "1234.56")}},
	}, &books.CreateInvoiceOptions{Send: true})
	require.NoError(t, err)
	require.Equal(t, books.InvoiceSent, inv.Status)

	p, _, err := b.c.CustomerPayments.Create(b.ctx(), books.CustomerPayment{
		CustomerID: cust, PaymentMode: "banktransfer", Date: books.NewDate(2026, 6, 10), Amount: amount(t, "1000.00"),
		Invoices: []books.AppliedInvoice{{InvoiceID: inv.InvoiceID, AmountApplied: amount(t, "1000.00")}},
	})
	require.NoError(t, err)
	require.Len(t, p.Invoices, 1)
	require.Equal(t, "234.56", p.Invoices[0].BalanceAmount.String())

	got, _, err := b.c.Invoices.Get(b.ctx(), inv.InvoiceID)
	require.NoError(t, err)
	require.Equal(t, books.InvoicePartiallyPaid, got.Status)
	require.Equal(t, "234.56", got.Balance.String())

	payments := collect(t, b.c.CustomerPayments.List(b.ctx(), &books.PaymentListOptions{CustomerID: cust}))
	require.Len(t, payments, 1)
	require.True(t, payments[0].Amount.Equal(amount(t, "1000")))

	_, err = b.c.CustomerPayments.Delete(b.ctx(), p.PaymentID)
	require.NoError(t, err)
	got, _, err = b.c.Invoices.Get(b.ctx(), inv.InvoiceID)
	require.NoError(t, err)
	require.Equal(t, "1234.56", got.Balance.String(), "deleting the payment restores the balance")
}

func TestContactsAndItems(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, _, err := b.c.Contacts.Create(b.ctx(), books.Contact{
		ContactName:    "Globex",
		BillingAddress: &books.Address{City: "Springfield", Country: "USA"},
	})
	require.NoError(t, err)
	require.Equal(t, "customer", c.ContactType)
	require.Equal(t, "Springfield", c.BillingAddress.City)

	c.ShippingAddress = &books.Address{City: "Shelbyville"}
	up, _, err := b.c.Contacts.Update(b.ctx(), c.ContactID, c)
	require.NoError(t, err)
	require.Equal(t, "Shelbyville", up.ShippingAddress.City)
	require.Equal(t, "Springfield", up.BillingAddress.City)

	found := collect(t, b.c.Contacts.List(b.ctx(), &books.ContactListOptions{ContactName: "globex"}))
	require.Len(t, found, 1, "Books' name filter ignores case")

	it, _, err := b.c.Items.Create(b.ctx(), books.Item{Name: "Gizmo", Rate: amount(t, "9.99"), SKU: "GZ-1"})
	require.NoError(t, err)
	it.Rate = amount(t, "10.49")
	it, _, err = b.c.Items.Update(b.ctx(), it.ItemID, it)
	require.NoError(t, err)
	require.Equal(t, "10.49", it.Rate.String())
	items := collect(t, b.c.Items.List(b.ctx(), &books.ItemListOptions{SKU: "GZ-1"}))
	require.Len(t, items, 1)

	_, err = b.c.Contacts.Delete(b.ctx(), c.ContactID)
	require.NoError(t, err)
	_, _, err = b.c.Contacts.Get(b.ctx(), c.ContactID)
	require.Error(t, err)
}
