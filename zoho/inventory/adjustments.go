package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Warehouse is a place stock is kept.
type Warehouse struct {
	WarehouseID   string `json:"warehouse_id"`
	WarehouseName string `json:"warehouse_name"`
	IsPrimary     bool   `json:"is_primary,omitzero"`
	Status        string `json:"status,omitzero"`
	Email         string `json:"email,omitzero"`
	Phone         string `json:"phone,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type warehouseFields Warehouse

var warehouseCodec = finance.NewCodec[warehouseFields]()

// UnmarshalJSON decodes a warehouse, keeping undeclared members in Extra.
func (w *Warehouse) UnmarshalJSON(b []byte) error {
	return warehouseCodec.Decode(b, (*warehouseFields)(w), &w.Extra)
}

// MarshalJSON encodes a warehouse with its Extra members.
func (w Warehouse) MarshalJSON() ([]byte, error) {
	return warehouseCodec.Encode((*warehouseFields)(&w), w.Extra)
}

// WarehousesService lists warehouses.
type WarehousesService struct{ c *Client }

// List returns the organisation's warehouses (GET /settings/warehouses).
func (s *WarehousesService) List(ctx context.Context) ([]Warehouse, *zoho.Response, error) {
	var env struct {
		Warehouses []Warehouse `json:"warehouses"`
	}
	resp, err := s.c.fc.Send(ctx, finance.Call{Method: "GET", Path: "/settings/warehouses"}, &env)
	if err != nil {
		return nil, resp, fmt.Errorf("inventory: list warehouses: %w", err)
	}
	return env.Warehouses, resp, nil
}

// Adjustment types.
const (
	AdjustQuantity = "quantity" // the stock on hand changes
	AdjustValue    = "value"    // the stock's value changes, not its quantity
)

// Adjustment is an inventory adjustment: stock added or removed (lost,
// damaged, counted) in warehouses, with a reason. Members not declared here
// are kept in Extra.
type Adjustment struct {
	InventoryAdjustmentID string           `json:"inventory_adjustment_id,omitzero"`
	Date                  Date             `json:"date,omitzero"`
	Reason                string           `json:"reason,omitzero"`
	Description           string           `json:"description,omitzero"`
	ReferenceNumber       string           `json:"reference_number,omitzero"`
	AdjustmentType        string           `json:"adjustment_type,omitzero"` // AdjustQuantity (default) or AdjustValue
	LineItems             []AdjustmentLine `json:"line_items,omitzero"`
	CreatedTime           Time             `json:"created_time,omitzero"`
	LastModifiedTime      Time             `json:"last_modified_time,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type adjustmentFields Adjustment

var adjustmentCodec = finance.NewCodec[adjustmentFields]()

// UnmarshalJSON decodes an adjustment, keeping undeclared members in Extra.
func (a *Adjustment) UnmarshalJSON(b []byte) error {
	return adjustmentCodec.Decode(b, (*adjustmentFields)(a), &a.Extra)
}

// MarshalJSON encodes an adjustment with its Extra members.
func (a Adjustment) MarshalJSON() ([]byte, error) {
	return adjustmentCodec.Encode((*adjustmentFields)(&a), a.Extra)
}

// AdjustmentLine is one item's change: QuantityAdjusted is added to the
// stock (negative to remove) of WarehouseID (empty: the primary warehouse).
type AdjustmentLine struct {
	LineItemID       string `json:"line_item_id,omitzero"`
	ItemID           string `json:"item_id"`
	Name             string `json:"name,omitzero"`
	QuantityAdjusted Amount `json:"quantity_adjusted"`
	WarehouseID      string `json:"warehouse_id,omitzero"`
	WarehouseName    string `json:"warehouse_name,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type adjustmentLineFields AdjustmentLine

var adjustmentLineCodec = finance.NewCodec[adjustmentLineFields]()

// UnmarshalJSON decodes an adjustment line, keeping undeclared members in
// Extra.
func (l *AdjustmentLine) UnmarshalJSON(b []byte) error {
	return adjustmentLineCodec.Decode(b, (*adjustmentLineFields)(l), &l.Extra)
}

// MarshalJSON encodes an adjustment line with its Extra members.
func (l AdjustmentLine) MarshalJSON() ([]byte, error) {
	return adjustmentLineCodec.Encode((*adjustmentLineFields)(&l), l.Extra)
}

// AdjustmentListOptions filter an adjustment list.
type AdjustmentListOptions struct {
	ListOptions
	ReferenceNumber string
}

// AdjustmentsService records and reads inventory adjustments.
type AdjustmentsService struct{ r finance.Resource[Adjustment] }

func newAdjustmentsService(fc *finance.Client) *AdjustmentsService {
	return &AdjustmentsService{r: finance.Resource[Adjustment]{C: fc, Path: "/inventoryadjustments", One: "inventory_adjustment", Name: "adjustment",
		Write: func(a Adjustment) (json.RawMessage, error) {
			return adjustmentCodec.Encode((*adjustmentFields)(&a), a.Extra, "inventory_adjustment_id", "created_time", "last_modified_time")
		},
		Stamp: func(a Adjustment) (string, time.Time) { return a.InventoryAdjustmentID, a.LastModifiedTime.Time }}}
}

// Create records an adjustment (Reason and LineItems are required; Date
// defaults to the organisation's today) and returns it as Zoho stored it.
// The items' stock changes at once. It is not retried after a 5xx or a
// network error: give it a ReferenceNumber and look for it before trying
// again.
func (s *AdjustmentsService) Create(ctx context.Context, a Adjustment) (Adjustment, *zoho.Response, error) {
	return s.r.Create(ctx, a, nil)
}

// Get returns an adjustment with its lines.
func (s *AdjustmentsService) Get(ctx context.Context, id string) (Adjustment, *zoho.Response, error) {
	return s.r.Get(ctx, id)
}

// List yields the adjustments (without lines) matching opts, lazily, 200 a
// page; opts may be nil. With opts.ModifiedSince it is an incremental read.
func (s *AdjustmentsService) List(ctx context.Context, opts *AdjustmentListOptions) iter.Seq2[Adjustment, error] {
	if opts == nil {
		opts = &AdjustmentListOptions{}
	}
	return s.r.List(ctx, "inventory_adjustments", params(&opts.ListOptions), "reference_number", opts.ReferenceNumber)
}
