package inventory_test

import (
	"context"
	"fmt"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/inventory"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// Record a stock count and read the item's stock per warehouse, against
// the fake Zoho (offline).
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
	org, err := inventory.ResolveOrganization(ctx, zc)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := inventory.New(zc, org.OrganizationID)
	if err != nil {
		fmt.Println(err)
		return
	}

	item, _, err := c.Items.Create(ctx, inventory.Item{Name: "Bolt M6", Rate: books.NewAmount(15, -2), InitialStock: books.NewAmount(100, 0)})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _, err = c.Adjustments.Create(ctx, inventory.Adjustment{
		Reason:    "Stocktake",
		LineItems: []inventory.AdjustmentLine{{ItemID: item.ItemID, QuantityAdjusted: books.NewAmount(-35, -1)}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, _, err := c.Items.Get(ctx, item.ItemID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Name, "on hand:", got.StockOnHand)
	for _, w := range got.Warehouses {
		fmt.Println(w.WarehouseName, w.StockOnHand)
	}
	// Output:
	// Bolt M6 on hand: 96.5
	// Primary Warehouse 96.5
}
