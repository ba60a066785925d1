package books_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// Create an invoice, mark it sent and list the sent invoices, against the
// fake Zoho (offline). With a real account, build the zoho.Client from your
// OAuth client, refresh token and data centre instead.
func Example() {
	srv, err := zohotest.Start(&zohotest.Options{DisableOAS: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ctx := context.Background()
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}

	// Choose the organisation: the only one, or fail listing them.
	org, err := books.ResolveOrganization(ctx, zc)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := books.New(zc, org.OrganizationID)
	if err != nil {
		fmt.Println(err)
		return
	}

	cust, _, err := c.Contacts.Create(ctx, books.Contact{ContactName: "Acme Corp"})
	if err != nil {
		fmt.Println(err)
		return
	}
	inv, _, err := c.Invoices.Create(ctx, books.Invoice{
		CustomerID:      cust.ContactID,
		ReferenceNumber: "deal-42", // the CRM deal it is for: FindByReference finds it again
		LineItems: []books.LineItem{
			{Name: "Consulting", Rate: books.NewAmount(150000, -2), Quantity: books.NewAmount(3, 0)},
			{Name: "Travel", Rate: books.NewAmount(1999, -2)},
		},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created:", inv.InvoiceNumber, inv.Status, inv.Total)

	if _, err := c.Invoices.MarkSent(ctx, inv.InvoiceID); err != nil {
		fmt.Println(err)
		return
	}
	for inv, err := range c.Invoices.List(ctx, &books.InvoiceListOptions{Status: books.InvoiceSent}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("sent:", inv.InvoiceNumber, inv.ReferenceNumber, inv.CustomerName, inv.Balance)
	}
	// Output:
	// created: INV-000001 draft 4519.99
	// sent: INV-000001 deal-42 Acme Corp 4519.99
}

// A scheduled pull reads what changed since its last checkpoint, oldest
// change first, and keeps the latest modification time as the next one.
func ExampleInvoicesService_List_incremental() {
	srv, err := zohotest.Start(&zohotest.Options{DisableOAS: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ctx := context.Background()
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := books.New(zc, srv.Books().OrgID())
	if err != nil {
		fmt.Println(err)
		return
	}
	cust, _ := srv.Books().PutContact("", zohotest.Record{"contact_name": "Acme Corp"})
	for _, ref := range []string{"deal-1", "deal-2"} {
		_, _ = srv.Books().PutInvoice("", zohotest.Record{"customer_id": cust["contact_id"], "reference_number": ref,
			"line_items": []any{map[string]any{"name": "Service", "rate": 100}}})
	}

	checkpoint := time.Unix(0, 0) // the first run reads everything
	for inv, err := range c.Invoices.List(ctx, &books.InvoiceListOptions{ListOptions: books.ListOptions{ModifiedSince: checkpoint}}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(inv.ReferenceNumber, inv.Total)
		checkpoint = inv.LastModifiedTime.Time // store it once the change is written elsewhere
	}
	fmt.Println("checkpoint set:", !checkpoint.Equal(time.Unix(0, 0)))
	// Output:
	// deal-1 100.00
	// deal-2 100.00
	// checkpoint set: true
}
