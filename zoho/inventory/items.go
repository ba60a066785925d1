package inventory

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Item is an Inventory item with its stock. Lists give the stock totals;
// Get adds the stock per warehouse. Members not declared here are kept in
// Extra and sent back on writes.
type Item struct {
	ItemID       string `json:"item_id,omitzero"`
	Name         string `json:"name,omitzero"`
	Status       string `json:"status,omitzero"` // "active" or "inactive"
	SKU          string `json:"sku,omitzero"`
	Unit         string `json:"unit,omitzero"`
	Description  string `json:"description,omitzero"`
	Rate         Amount `json:"rate,omitzero"`
	PurchaseRate Amount `json:"purchase_rate,omitzero"`
	ProductType  string `json:"product_type,omitzero"` // "goods" or "service"
	ItemType     string `json:"item_type,omitzero"`    // "inventory", "sales", ...
	ReorderLevel Amount `json:"reorder_level,omitzero"`

	// StockOnHand is the physical stock over every warehouse;
	// AvailableStock what is left once committed orders are taken out.
	// Both are computed by Zoho and never sent.
	StockOnHand          Amount           `json:"stock_on_hand,omitzero"`
	AvailableStock       Amount           `json:"available_stock,omitzero"`
	ActualAvailableStock Amount           `json:"actual_available_stock,omitzero"`
	Warehouses           []WarehouseStock `json:"warehouses,omitzero"`

	// InitialStock and InitialStockRate set the opening stock (in the
	// primary warehouse) when an item is created.
	InitialStock     Amount `json:"initial_stock,omitzero"`
	InitialStockRate Amount `json:"initial_stock_rate,omitzero"`

	CustomFields     []CustomField `json:"custom_fields,omitzero"`
	CreatedTime      Time          `json:"created_time,omitzero"`
	LastModifiedTime Time          `json:"last_modified_time,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type itemFields Item

var itemCodec = finance.NewCodec[itemFields]()

var itemReadOnly = []string{"item_id", "status", "stock_on_hand", "available_stock", "actual_available_stock",
	"warehouses", "created_time", "last_modified_time"}

// UnmarshalJSON decodes an item, keeping undeclared members in Extra.
func (it *Item) UnmarshalJSON(b []byte) error {
	return itemCodec.Decode(b, (*itemFields)(it), &it.Extra)
}

// MarshalJSON encodes an item with its Extra members.
func (it Item) MarshalJSON() ([]byte, error) {
	return itemCodec.Encode((*itemFields)(&it), it.Extra)
}

// WarehouseStock is an item's stock in one warehouse.
type WarehouseStock struct {
	WarehouseID          string `json:"warehouse_id"`
	WarehouseName        string `json:"warehouse_name,omitzero"`
	IsPrimary            bool   `json:"is_primary,omitzero"`
	StockOnHand          Amount `json:"warehouse_stock_on_hand,omitzero"`
	AvailableStock       Amount `json:"warehouse_available_stock,omitzero"`
	ActualAvailableStock Amount `json:"warehouse_actual_available_stock,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type warehouseStockFields WarehouseStock

var warehouseStockCodec = finance.NewCodec[warehouseStockFields]()

// UnmarshalJSON decodes a warehouse's stock, keeping undeclared members in
// Extra.
func (w *WarehouseStock) UnmarshalJSON(b []byte) error {
	return warehouseStockCodec.Decode(b, (*warehouseStockFields)(w), &w.Extra)
}

// MarshalJSON encodes a warehouse's stock with its Extra members.
func (w WarehouseStock) MarshalJSON() ([]byte, error) {
	return warehouseStockCodec.Encode((*warehouseStockFields)(&w), w.Extra)
}

// ItemListOptions filter an item list.
type ItemListOptions struct {
	ListOptions
	Name string // exact name
	SKU  string // exact sku
	// FilterBy is Zoho's filter_by, e.g. "Status.Active".
	FilterBy string
}

// ItemsService lists, reads, creates and updates items.
type ItemsService struct{ r, update finance.Resource[Item] }

func newItemsService(fc *finance.Client) *ItemsService {
	r := finance.Resource[Item]{C: fc, Path: "/items", One: "item", Name: "item",
		Write: func(it Item) (json.RawMessage, error) {
			return itemCodec.Encode((*itemFields)(&it), it.Extra, itemReadOnly...)
		},
		Stamp: func(it Item) (string, time.Time) { return it.ItemID, it.LastModifiedTime.Time }}
	update := r
	update.Write = func(it Item) (json.RawMessage, error) {
		return itemCodec.Encode((*itemFields)(&it), it.Extra, append(itemReadOnly, "initial_stock", "initial_stock_rate")...)
	}
	return &ItemsService{r: r, update: update}
}

// List yields the items matching opts with their stock totals, lazily, 200
// a page; opts may be nil. With opts.ModifiedSince it is an incremental
// read: a stock change moves an item's last_modified_time, so a scheduled
// pull of stock levels reads only the items whose stock changed.
func (s *ItemsService) List(ctx context.Context, opts *ItemListOptions) iter.Seq2[Item, error] {
	if opts == nil {
		opts = &ItemListOptions{}
	}
	return s.r.List(ctx, "items", params(&opts.ListOptions), "name", opts.Name, "sku", opts.SKU, "filter_by", opts.FilterBy)
}

// Get returns an item with its stock per warehouse.
func (s *ItemsService) Get(ctx context.Context, id string) (Item, *zoho.Response, error) {
	return s.r.Get(ctx, id)
}

// Create creates an item (Name and Rate are required), with its opening
// stock when InitialStock is set, and returns it as Zoho stored it.
func (s *ItemsService) Create(ctx context.Context, it Item) (Item, *zoho.Response, error) {
	return s.r.Create(ctx, it, nil)
}

// Update changes an item (what it sets, and Extra; stock changes go through
// Adjustments) and returns it as Zoho stored it.
func (s *ItemsService) Update(ctx context.Context, id string, it Item) (Item, *zoho.Response, error) {
	return s.update.Update(ctx, id, it)
}
