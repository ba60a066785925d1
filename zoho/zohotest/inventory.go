package zohotest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Inventory is the fake's Zoho Inventory v1 (/inventory/v1). It shares the
// finance suite with Books, as Zoho does: the same organisations, the same
// items (here with their stock), the same envelope, organization_id checks,
// limits (100 a minute per organisation, counted apart from Books'; daily
// quota SetDailyLimit) and timestamp format (see Books). It adds:
//
//   - items with stock_on_hand, available_stock and, in GET /items/{id},
//     the warehouses with their stock; opening stock from initial_stock or
//     warehouses[].initial_stock on creation;
//   - GET /settings/warehouses (every organisation starts with a primary
//     warehouse; AddWarehouse adds more);
//   - inventory adjustments by quantity (POST, list, get), which change the
//     items' stock per warehouse.
//
// Get it with Server.Inventory. Helpers take an organisation id; "" means
// the default organisation.
type Inventory struct{ f *finState }

// Inventory returns the fake's Zoho Inventory.
func (s *Server) Inventory() *Inventory { return &Inventory{f: s.fin} }

func (s *Server) inventoryRoutes() []route {
	f := s.fin
	const p = finInventory
	return []route{
		f.route(p, "GET /inventory/v1/organizations", false, f.listOrgs),
		f.route(p, "GET /inventory/v1/organizations/{id}", false, f.getOrg),
		f.route(p, "GET /inventory/v1/items", true, f.listItems(p)),
		f.route(p, "POST /inventory/v1/items", true, f.createItem(p)),
		f.route(p, "GET /inventory/v1/items/{id}", true, f.getItem(p)),
		f.route(p, "PUT /inventory/v1/items/{id}", true, f.updateItem(p)),
		f.route(p, "GET /inventory/v1/settings/warehouses", true, f.listWarehouses),
		f.route(p, "GET /inventory/v1/inventoryadjustments", true, f.listAdjustments),
		f.route(p, "POST /inventory/v1/inventoryadjustments", true, f.createAdjustment),
		f.route(p, "GET /inventory/v1/inventoryadjustments/{id}", true, f.getAdjustment),
	}
}

type finWarehouse struct {
	id, name string
	primary  bool
}

func (o *finOrg) primaryWarehouse() *finWarehouse {
	for _, w := range o.warehouses {
		if w.primary {
			return w
		}
	}
	return o.warehouses[0]
}

func (o *finOrg) warehouse(id string) *finWarehouse {
	for _, w := range o.warehouses {
		if w.id == id {
			return w
		}
	}
	return nil
}

func (w *finWarehouse) render() map[string]any {
	return map[string]any{"warehouse_id": w.id, "warehouse_name": w.name, "is_primary": w.primary, "status": "active"}
}

func (f *finState) listWarehouses(_ *exchange, org *finOrg, _ time.Time) finAnswer {
	list := make([]any, 0, len(org.warehouses))
	for _, w := range org.warehouses {
		list = append(list, w.render())
	}
	return finOK(0, "success", map[string]any{"warehouses": list})
}

type finAdjLine struct {
	id, itemID, warehouseID string
	qty                     *apd.Decimal
}

type finAdjustment struct {
	finMeta
	date, reason, kind string
	lines              []finAdjLine
	fields             map[string]any
}

var finAdjustmentOwn = []string{"inventory_adjustment_id", "date", "reason", "adjustment_type", "line_items", "created_time", "last_modified_time"}

func (o *finOrg) newAdjustment(now time.Time, m map[string]any) (*finAdjustment, finAnswer) {
	a := &finAdjustment{finMeta: finMeta{id: o.newID(), created: now, modified: now}, fields: finCopy(m, finAdjustmentOwn...)}
	if a.reason = strings.TrimSpace(finString(m["reason"])); a.reason == "" {
		return nil, finInvalid("reason")
	}
	switch a.kind = finString(m["adjustment_type"]); a.kind {
	case "":
		a.kind = "quantity"
	case "quantity":
	default:
		return nil, finInvalid("adjustment_type") // the fake adjusts quantities only
	}
	date, bad := finDate(m, "date")
	if bad != nil {
		return nil, *bad
	}
	if date == "" {
		date = o.today(now)
	}
	a.date = date
	list, _ := m["line_items"].([]any)
	if len(list) == 0 {
		return nil, finInvalid("line_items")
	}
	for i, e := range list {
		em, _ := e.(map[string]any)
		it := o.items.byID[finString(em["item_id"])]
		if it == nil {
			return nil, finInvalid(fmt.Sprintf("line_items[%d].item_id", i))
		}
		wh := o.primaryWarehouse()
		if id := finString(em["warehouse_id"]); id != "" {
			if wh = o.warehouse(id); wh == nil {
				return nil, finInvalid(fmt.Sprintf("line_items[%d].warehouse_id", i))
			}
		}
		q, ok, err := finDec(em["quantity_adjusted"])
		if !ok || err != nil || q.Sign() == 0 {
			return nil, finInvalid(fmt.Sprintf("line_items[%d].quantity_adjusted", i))
		}
		a.lines = append(a.lines, finAdjLine{id: o.newID(), itemID: it.id, warehouseID: wh.id, qty: q})
	}
	for _, l := range a.lines {
		it := o.items.byID[l.itemID]
		cur := it.stock[l.warehouseID]
		if cur == nil {
			cur = finZero()
		}
		it.stock[l.warehouseID] = finAdd(cur, l.qty)
		it.modified = now
	}
	o.adjustments.add(a)
	return a, finOK(http.StatusCreated, "Inventory Adjustment has been added.", nil)
}

func (o *finOrg) renderAdjustment(a *finAdjustment, full bool) map[string]any {
	out := finCopy(a.fields)
	out["inventory_adjustment_id"] = a.id
	out["date"] = a.date
	out["reason"] = a.reason
	out["adjustment_type"] = a.kind
	out["created_time"] = o.formatTime(a.created)
	out["last_modified_time"] = o.formatTime(a.modified)
	if full {
		lines := make([]any, 0, len(a.lines))
		for _, l := range a.lines {
			lm := map[string]any{"line_item_id": l.id, "item_id": l.itemID, "quantity_adjusted": finNum(l.qty), "warehouse_id": l.warehouseID}
			if it := o.items.byID[l.itemID]; it != nil {
				lm["name"] = it.fields["name"]
			}
			if w := o.warehouse(l.warehouseID); w != nil {
				lm["warehouse_name"] = w.name
			}
			lines = append(lines, lm)
		}
		out["line_items"] = lines
	}
	return out
}

func (f *finState) listAdjustments(ex *exchange, org *finOrg, _ time.Time) finAnswer {
	return finList(ex, finListSpec[*finAdjustment]{
		key: "inventory_adjustments", report: "Inventory Adjustments", records: org.adjustments.order,
		summary: func(a *finAdjustment) map[string]any { return org.renderAdjustment(a, false) },
		text: map[string]func(*finAdjustment) string{
			"reference_number": func(a *finAdjustment) string { return finString(a.fields["reference_number"]) },
			"reason":           func(a *finAdjustment) string { return a.reason },
		},
		sorts: map[string]func(a, b *finAdjustment) int{
			"date": func(a, b *finAdjustment) int { return strings.Compare(a.date, b.date) },
		},
	})
}

func (f *finState) createAdjustment(ex *exchange, org *finOrg, now time.Time) finAnswer {
	m, bad := finBody(ex)
	if bad != nil {
		return *bad
	}
	adj, a := org.newAdjustment(now, m)
	if a.failed() {
		return a
	}
	a.body = map[string]any{"inventory_adjustment": org.renderAdjustment(adj, true)}
	return a
}

func (f *finState) getAdjustment(ex *exchange, org *finOrg, _ time.Time) finAnswer {
	a := org.adjustments.byID[ex.param("id")]
	if a == nil {
		return finNotFound("Inventory Adjustment")
	}
	return finOK(0, "success", map[string]any{"inventory_adjustment": org.renderAdjustment(a, true)})
}

// OrgID returns the default organisation's id (the same as Books').
func (v *Inventory) OrgID() string { return (&Books{f: v.f}).OrgID() }

// SetDailyLimit sets Inventory's daily quota per organisation (0: none);
// the default is 10,000.
func (v *Inventory) SetDailyLimit(n int) { v.f.setDailyLimit(finInventory, n) }

// AddWarehouse adds a warehouse to an organisation and returns its id.
func (v *Inventory) AddWarehouse(orgID, name string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", fmt.Errorf("zohotest: AddWarehouse: the name is empty")
	}
	var id string
	err := v.f.withOrg(orgID, func(org *finOrg, _ time.Time) error {
		w := &finWarehouse{id: org.newID(), name: name}
		org.warehouses = append(org.warehouses, w)
		id = w.id
		return nil
	})
	return id, err
}

// PutItem creates an item as Inventory's POST /items would (opening stock
// from "initial_stock", into the primary warehouse) and returns it as
// Inventory's GET shows it.
func (v *Inventory) PutItem(orgID string, rec Record) (Record, error) {
	return v.f.helperCreate(orgID, "PutItem", rec, func(org *finOrg, now time.Time, m map[string]any) (map[string]any, finAnswer) {
		it, a := org.newItem(now, m)
		if a.failed() {
			return nil, a
		}
		return org.renderItem(it, finInventory, true), a
	})
}

// Item returns an item as Inventory's GET shows it (stock and warehouses).
func (v *Inventory) Item(orgID, id string) (Record, bool) {
	return v.f.helperGet(orgID, func(org *finOrg) map[string]any {
		if it := org.items.byID[id]; it != nil {
			return org.renderItem(it, finInventory, true)
		}
		return nil
	})
}

// SetStock sets an item's stock on hand in a warehouse ("" for the primary
// one), as a change made in Zoho's web interface would: the item's
// last_modified_time moves.
func (v *Inventory) SetStock(orgID, itemID, warehouseID, quantity string) error {
	q, ok, err := finDec(quantity)
	if !ok || err != nil {
		return fmt.Errorf("zohotest: SetStock: quantity %q is not a number", quantity)
	}
	return v.f.withOrg(orgID, func(org *finOrg, now time.Time) error {
		it := org.items.byID[itemID]
		if it == nil {
			return fmt.Errorf("zohotest: SetStock: no item %q", itemID)
		}
		wh := org.primaryWarehouse()
		if warehouseID != "" {
			if wh = org.warehouse(warehouseID); wh == nil {
				return fmt.Errorf("zohotest: SetStock: no warehouse %q", warehouseID)
			}
		}
		it.stock[wh.id] = q
		it.modified = now
		return nil
	})
}

// Stock returns an item's stock on hand per warehouse id, as decimal text.
func (v *Inventory) Stock(orgID, itemID string) (map[string]string, bool) {
	var out map[string]string
	_ = v.f.withOrg(orgID, func(org *finOrg, _ time.Time) error {
		it := org.items.byID[itemID]
		if it == nil {
			return nil
		}
		out = map[string]string{}
		for _, w := range org.warehouses {
			d := it.stock[w.id]
			if d == nil {
				d = finZero()
			}
			out[w.id] = d.Text('f')
		}
		return nil
	})
	return out, out != nil
}

// Adjustments returns the organisation's inventory adjustments, oldest
// first, as GET shows them.
func (v *Inventory) Adjustments(orgID string) []Record {
	var out []Record
	_ = v.f.withOrg(orgID, func(org *finOrg, _ time.Time) error {
		for _, a := range org.adjustments.order {
			out = append(out, org.renderAdjustment(a, true))
		}
		return nil
	})
	return out
}
