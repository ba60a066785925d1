package books

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Item is a good or service that invoices sell. Members not declared here
// are kept in Extra and sent back on writes.
type Item struct {
	ItemID      string `json:"item_id,omitzero"`
	Name        string `json:"name,omitzero"`
	Status      string `json:"status,omitzero"` // "active" or "inactive"
	Description string `json:"description,omitzero"`
	SKU         string `json:"sku,omitzero"`
	Unit        string `json:"unit,omitzero"`
	Rate        Amount `json:"rate,omitzero"`
	// ProductType is "goods" or "service".
	ProductType   string        `json:"product_type,omitzero"`
	ItemType      string        `json:"item_type,omitzero"` // "sales", "purchases", "sales_and_purchases", "inventory"
	TaxID         string        `json:"tax_id,omitzero"`
	TaxName       string        `json:"tax_name,omitzero"`
	TaxPercentage Amount        `json:"tax_percentage,omitzero"`
	PurchaseRate  Amount        `json:"purchase_rate,omitzero"`
	CustomFields  []CustomField `json:"custom_fields,omitzero"`

	CreatedTime      Time `json:"created_time,omitzero"`
	LastModifiedTime Time `json:"last_modified_time,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type itemFields Item

var itemCodec = finance.NewCodec[itemFields]()

// itemReadOnly are the members of an item that Books computes;
// writes leave them out.
var itemReadOnly = []string{"item_id", "status", "tax_name", "tax_percentage", "created_time", "last_modified_time"}

// UnmarshalJSON decodes an item, keeping undeclared members in Extra.
func (it *Item) UnmarshalJSON(b []byte) error {
	return itemCodec.Decode(b, (*itemFields)(it), &it.Extra)
}

// MarshalJSON encodes an item with its Extra members.
func (it Item) MarshalJSON() ([]byte, error) {
	return itemCodec.Encode((*itemFields)(&it), it.Extra)
}

func (it Item) writeBody() (json.RawMessage, error) {
	return itemCodec.Encode((*itemFields)(&it), it.Extra, itemReadOnly...)
}

// ItemListOptions filter an item list.
type ItemListOptions struct {
	ListOptions
	Name string // exact name
	SKU  string // exact sku
}

// ItemsService lists, reads, creates and updates items.
type ItemsService struct{ r finance.Resource[Item] }

func newItemsService(fc *finance.Client) *ItemsService {
	return &ItemsService{r: finance.Resource[Item]{C: fc, Path: "/items", One: "item", Name: "item",
		Write: Item.writeBody, Stamp: func(it Item) (string, time.Time) { return it.ItemID, it.LastModifiedTime.Time }}}
}

// List yields the items matching opts, lazily, 200 a page; opts may be nil.
// With opts.ModifiedSince it is an incremental read (see ListOptions).
func (s *ItemsService) List(ctx context.Context, opts *ItemListOptions) iter.Seq2[Item, error] {
	if opts == nil {
		opts = &ItemListOptions{}
	}
	return s.r.List(ctx, "items", opts.params(), "name", opts.Name, "sku", opts.SKU)
}

// Get returns an item.
func (s *ItemsService) Get(ctx context.Context, id string) (Item, *zoho.Response, error) {
	return s.r.Get(ctx, id)
}

// Create creates an item (Name and Rate are required by Books) and returns
// it as Books stored it.
func (s *ItemsService) Create(ctx context.Context, it Item) (Item, *zoho.Response, error) {
	return s.r.Create(ctx, it, nil)
}

// Update changes an item (what it sets, and Extra) and returns it as Books
// stored it.
func (s *ItemsService) Update(ctx context.Context, id string, it Item) (Item, *zoho.Response, error) {
	return s.r.Update(ctx, id, it)
}
