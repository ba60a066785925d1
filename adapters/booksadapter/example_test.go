package booksadapter_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/zohokit/zohokit/adapters/booksadapter"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// Books invoices as a sync data type: a create carries the engine's
// idempotency key in reference_number, so the same create written twice
// (an event delivered again, a retry after a crash) makes one invoice.
func Example() {
	ctx := context.Background()
	srv, err := zohotest.Start(nil) // a fake Zoho; use zoho.New with real credentials
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	customer, _ := srv.Books().PutContact(srv.Books().OrgID(), zohotest.Record{"contact_name": "Acme"})

	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := books.New(zc, srv.Books().OrgID())
	if err != nil {
		fmt.Println(err)
		return
	}
	invoices, err := booksadapter.New(client, map[string]booksadapter.Entity{
		"invoices": {Entity: booksadapter.Invoices}, // KeyField: reference_number
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	create := sync.Op{Kind: sync.OpCreate, Key: "zk1-deal-1001", Fields: map[string]any{
		"customer_id": customer["contact_id"],
		"line_items":  []any{map[string]any{"name": "Implementation", "rate": json.Number("4999.90"), "quantity": 1}},
	}}
	for range 2 {
		res, err := invoices.Write(ctx, "invoices", []sync.Op{create})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("written:", res[0].Err == nil)
	}
	for ch, err := range invoices.Changes(ctx, "invoices", "") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ch.Record.Fields["reference_number"], ch.Record.Fields["total"], ch.Record.Fields["status"])
	}
	// Output:
	// written: true
	// written: true
	// zk1-deal-1001 4999.90 draft
}
