package inventory_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/inventory"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

var testStart = time.Date(2026, 6, 9, 13, 0, 0, 0, time.UTC)

type bundle struct {
	t     *testing.T
	srv   *zohotest.Server
	clock *fakeclock.Clock
	zc    *zoho.Client
	c     *inventory.Client
}

func setup(t *testing.T, configure ...func(*zoho.Config)) *bundle {
	t.Helper()
	clock := fakeclock.NewAuto(testStart)
	srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock, DisableOAS: true})
	zc := zohotest.NewClient(t, srv, append([]func(*zoho.Config){func(c *zoho.Config) { c.Clock = clock }}, configure...)...)
	c, err := inventory.New(zc, srv.Inventory().OrgID())
	require.NoError(t, err)
	return &bundle{t: t, srv: srv, clock: clock, zc: zc, c: c}
}

func qty(t *testing.T, s string) inventory.Amount {
	t.Helper()
	a, err := books.ParseAmount(s)
	require.NoError(t, err)
	return a
}

func TestItemsCarryTheirStockPerWarehouse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	east, err := b.srv.Inventory().AddWarehouse("", "East")
	require.NoError(t, err)

	it, resp, err := b.c.Items.Create(ctx, inventory.Item{Name: "Bolt M6", SKU: "B-M6", Rate: qty(t, "0.15"), InitialStock: qty(t, "1000")})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, "1000", it.StockOnHand.String())

	whs, _, err := b.c.Warehouses.List(ctx)
	require.NoError(t, err)
	require.Len(t, whs, 2)
	require.True(t, whs[0].IsPrimary)

	adj, _, err := b.c.Adjustments.Create(ctx, inventory.Adjustment{
		Reason: "Stocktake", ReferenceNumber: "count-7", Date: books.NewDate(2026, 6, 9),
		LineItems: []inventory.AdjustmentLine{
			{ItemID: it.ItemID, QuantityAdjusted: qty(t, "-2.5")},
			{ItemID: it.ItemID, QuantityAdjusted: qty(t, "40"), WarehouseID: east},
		},
	})
	require.NoError(t, err)
	require.Equal(t, inventory.AdjustQuantity, adj.AdjustmentType)
	require.Len(t, adj.LineItems, 2)
	require.Equal(t, "East", adj.LineItems[1].WarehouseName)

	got, _, err := b.c.Items.Get(ctx, it.ItemID)
	require.NoError(t, err)
	require.Equal(t, "1037.5", got.StockOnHand.String(), "exact: 1000 - 2.5 + 40")
	require.True(t, got.AvailableStock.Equal(got.StockOnHand))
	per := map[string]string{}
	for _, w := range got.Warehouses {
		per[w.WarehouseName] = w.StockOnHand.String()
	}
	require.Equal(t, map[string]string{"Primary Warehouse": "997.5", "East": "40"}, per)

	stock, ok := b.srv.Inventory().Stock("", it.ItemID)
	require.True(t, ok)
	require.Equal(t, "40", stock[east])

	listed := collect(t, b.c.Adjustments.List(ctx, &inventory.AdjustmentListOptions{ReferenceNumber: "count-7"}))
	require.Len(t, listed, 1)
	again, _, err := b.c.Adjustments.Get(ctx, adj.InventoryAdjustmentID)
	require.NoError(t, err)
	require.Equal(t, "-2.5", again.LineItems[0].QuantityAdjusted.String())
}

// A scheduled pull of stock levels reads only the items whose stock moved.
func TestIncrementalStockPull(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	var ids []string
	for _, name := range []string{"A", "B", "C", "D"} {
		rec, err := b.srv.Inventory().PutItem("", zohotest.Record{"name": name, "rate": 1, "initial_stock": 10})
		require.NoError(t, err)
		ids = append(ids, rec["item_id"].(string))
	}
	b.clock.Advance(time.Hour)
	checkpoint := b.clock.Now()
	b.clock.Advance(time.Minute)
	require.NoError(t, b.srv.Inventory().SetStock("", ids[2], "", "7"))
	b.clock.Advance(time.Second)
	_, _, err := b.c.Adjustments.Create(ctx, inventory.Adjustment{Reason: "Damaged",
		LineItems: []inventory.AdjustmentLine{{ItemID: ids[0], QuantityAdjusted: qty(t, "-1")}}})
	require.NoError(t, err)

	changed := collect(t, b.c.Items.List(ctx, &inventory.ItemListOptions{ListOptions: inventory.ListOptions{ModifiedSince: checkpoint}}))
	require.Len(t, changed, 2)
	require.Equal(t, ids[2], changed[0].ItemID)
	require.Equal(t, "7", changed[0].StockOnHand.String())
	require.Equal(t, ids[0], changed[1].ItemID)
	require.Equal(t, "9", changed[1].StockOnHand.String())
}

// Inventory shares Books' organisations, envelope and errors.
func TestSharesTheFinanceProtocol(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
	ctx := t.Context()
	org, err := inventory.ResolveOrganization(ctx, b.zc)
	require.NoError(t, err)
	require.Equal(t, b.c.OrgID(), org.OrganizationID)
	_, err = b.srv.Books().AddOrganization(zohotest.FinanceOrganization{Name: "Second"})
	require.NoError(t, err)
	_, err = inventory.ResolveOrganization(ctx, b.zc)
	require.ErrorIs(t, err, books.ErrOrganizationChoice)
	require.ErrorContains(t, err, "inventory: the account has 2 organizations")
	orgs, _, err := b.c.Organizations(ctx)
	require.NoError(t, err)
	require.Len(t, orgs, 2)

	_, _, err = b.c.Items.Get(ctx, "123")
	require.ErrorIs(t, err, zoho.ErrNotFound)
	require.NoError(t, b.srv.Script("GET /inventory/v1/items/{id}", zohotest.Respond(200, `{"code":1002,"message":"Item does not exist."}`)))
	_, _, err = b.c.Items.Get(ctx, "123")
	require.ErrorIs(t, err, zoho.ErrNotFound, "code 1002 with HTTP 200")
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, zoho.Inventory, ze.Product)

	_, err = inventory.New(b.zc, "")
	require.Error(t, err)
	for _, c := range b.srv.CallLog() {
		if c.Path == "/inventory/v1/items/123" {
			require.Equal(t, b.c.OrgID(), c.Query.Get("organization_id"))
		}
	}
}

// Inventory's limiter is its own (the fake counts Books and Inventory
// apart): 150 calls stay under 100 a minute.
func TestInventoryCallsAreRateLimited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	start := b.clock.Now()
	for range 150 {
		_, _, err := b.c.Warehouses.List(ctx)
		require.NoError(t, err)
	}
	require.Zero(t, b.srv.CallsWithStatus("", http.StatusTooManyRequests))
	require.GreaterOrEqual(t, b.clock.Now().Sub(start), time.Minute)
}

func collect[T any](t *testing.T, seq func(yield func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}
