// Package inventory is the Zoho Inventory v1 client: items with their stock
// (stock on hand, available stock, per warehouse), warehouses, and
// inventory adjustments, for one organisation at a time.
//
// Inventory belongs to Zoho's finance suite with Books and speaks the same
// wire protocol, which both packages get from one shared implementation:
// organization_id on every call (New requires the organisation;
// ResolveOrganization returns the only one or an error listing them), the
// {"code":0,"message":...} envelope checked whatever the HTTP status (1002
// matches zoho.ErrNotFound), 100 requests a minute per organisation
// enforced by the core client's limiter (zoho.RateLimits.Inventory), lists
// as lazy iterators with incremental reads by last_modified_time
// (ListOptions.ModifiedSince), and Books' value types: Amount (an exact
// decimal: stock and rates), Time and Date. Members of Zoho's objects that
// the structs do not declare are kept in Extra.
package inventory
