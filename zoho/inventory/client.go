package inventory

import (
	"context"
	"net/http"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Amount, Time and Date are Books' exact decimal, date-time and date: the
// finance suite writes them the same way, and sharing the types lets a
// value move between the two clients without conversion.
type (
	// Amount is an exact decimal (stock, rates); see books.Amount.
	Amount = books.Amount
	// Time is a date-time in the organisation's offset; see books.Time.
	Time = books.Time
	// Date is a calendar date; see books.Date.
	Date = books.Date
	// Organization is an organisation of the finance suite; Books and
	// Inventory share them.
	Organization = books.Organization
	// CustomField is a custom field's value; see books.CustomField.
	CustomField = books.CustomField
	// ListOptions are the options of every list, incremental reads
	// included; see books.ListOptions.
	ListOptions = books.ListOptions
)

// Client is the Zoho Inventory v1 client for one organisation: items with
// their stock, warehouses and inventory adjustments. It is safe for
// concurrent use.
//
// It shares Books' wire protocol (zoho/internal/finance): organization_id
// on every call, the {"code":0,...} envelope checked whatever the HTTP
// status, page_context paging and incremental reads, and the core client's
// limiter for the organisation (zoho.RateLimits.Inventory, 100 requests a
// minute by default).
type Client struct {
	fc *finance.Client

	// Items lists, reads, creates and updates items with their stock.
	Items *ItemsService
	// Warehouses lists the organisation's warehouses.
	Warehouses *WarehousesService
	// Adjustments records and reads inventory adjustments.
	Adjustments *AdjustmentsService
}

// New returns an Inventory client for the organisation orgID, which is
// required (see ResolveOrganization).
func New(zc *zoho.Client, orgID string) (*Client, error) {
	fc, err := finance.New(zc, zoho.Inventory, orgID)
	if err != nil {
		return nil, err
	}
	c := &Client{fc: fc}
	c.Items = newItemsService(fc)
	c.Warehouses = &WarehousesService{c: c}
	c.Adjustments = newAdjustmentsService(fc)
	return c, nil
}

// OrgID returns the organisation the client works in.
func (c *Client) OrgID() string { return c.fc.OrgID() }

// Zoho returns the core client, for endpoints this package does not model
// (use zoho.Inventory, add organization_id, and set Request.Check to
// books.CheckResponse).
func (c *Client) Zoho() *zoho.Client { return c.fc.Zoho() }

// CheckResponse is the zoho.CheckFunc of Inventory answers, the same as
// Books' (books.CheckResponse).
func CheckResponse(resp *http.Response, body []byte) error { return finance.Check(resp, body) }

// ResolveOrganization returns the account's only Inventory organisation, or
// a *books.OrganizationChoiceError listing them (it matches
// books.ErrOrganizationChoice) when there are several or none.
func ResolveOrganization(ctx context.Context, zc *zoho.Client) (Organization, error) {
	return books.ResolveOrganizationFor(ctx, zc, zoho.Inventory)
}

// Organizations lists the organisations the token can see in Inventory.
func (c *Client) Organizations(ctx context.Context) ([]Organization, *zoho.Response, error) {
	return finance.Organizations[Organization](ctx, c.fc.Zoho(), zoho.Inventory)
}

// params returns the options as the finance package takes them.
func params(o *ListOptions) finance.ListParams {
	if o == nil {
		return finance.ListParams{}
	}
	return finance.ListParams{ModifiedSince: o.ModifiedSince, PerPage: o.PerPage, SortColumn: o.SortColumn, SortOrder: o.SortOrder, Query: o.Query}
}
