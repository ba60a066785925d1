package crmadapter_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// The CRM's Products module as a sync data type: creates upsert on a unique
// custom field that holds the engine's idempotency key, and no workflow
// runs for the adapter's writes.
func Example() {
	ctx := context.Background()
	srv, err := zohotest.Start(nil) // a fake Zoho; use zoho.New with real credentials
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	_ = srv.CRM().AddFields("Products", zohotest.Field{APIName: "Zohokit_Key", Type: zohotest.FieldText, Unique: true})

	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := crm.New(zc, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	products, err := crmadapter.New(client, map[string]crmadapter.Module{
		"products": {
			Module:   "Products",
			Fields:   []string{"Product_Name", "Product_Code", "Unit_Price"},
			KeyField: "Zohokit_Key",
		},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	create := sync.Op{Kind: sync.OpCreate, Key: "zk1-example", Fields: map[string]any{
		"Product_Name": "Widget", "Product_Code": "W-1", "Unit_Price": json.Number("19.90"),
	}}
	for range 2 { // the second write of the same create updates the first record
		res, err := products.Write(ctx, "products", []sync.Op{create})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("written:", res[0].Err == nil, len(res[0].ID))
	}
	for ch, err := range products.Changes(ctx, "products", "") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ch.Record.Fields["Product_Name"], ch.Record.Fields["Unit_Price"])
	}
	fmt.Println("records:", srv.CRM().Count("Products"))
	// Output:
	// written: true 19
	// written: true 19
	// Widget 19.90
	// records: 1
}
