package zohotest

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Contacts and items of the fake's finance suite (items are shared with
// Inventory, which adds their stock).

// finContact is a contact: the members as sent, minus the computed ones.
type finContact struct {
	finMeta
	fields map[string]any
}

var finContactComputed = []string{"contact_id", "created_time", "last_modified_time", "outstanding_receivable_amount", "currency_code"}

func (o *finOrg) newContact(now time.Time, m map[string]any) (*finContact, finAnswer) {
	if strings.TrimSpace(finString(m["contact_name"])) == "" {
		return nil, finInvalid("contact_name")
	}
	c := &finContact{finMeta: finMeta{id: o.newID(), created: now, modified: now}, fields: finCopy(m, finContactComputed...)}
	if finString(c.fields["contact_type"]) == "" {
		c.fields["contact_type"] = "customer"
	}
	if finString(c.fields["status"]) == "" {
		c.fields["status"] = "active"
	}
	o.contacts.add(c)
	return c, finOK(http.StatusCreated, "The contact has been added.", nil)
}

func (o *finOrg) renderContact(c *finContact) map[string]any {
	out := finCopy(c.fields)
	out["contact_id"] = c.id
	out["currency_code"] = o.CurrencyCode
	out["outstanding_receivable_amount"] = finMoney(o.receivable(c.id))
	out["created_time"] = o.formatTime(c.created)
	out["last_modified_time"] = o.formatTime(c.modified)
	return out
}

// contactSummary is a contact as lists show it.
func (o *finOrg) contactSummary(c *finContact) map[string]any {
	full := o.renderContact(c)
	out := map[string]any{}
	for _, k := range []string{"contact_id", "contact_name", "company_name", "contact_type", "status", "first_name",
		"last_name", "email", "phone", "mobile", "currency_code", "outstanding_receivable_amount",
		"created_time", "last_modified_time", "custom_fields"} {
		if v, ok := full[k]; ok {
			out[k] = v
		}
	}
	return out
}

// receivable is what a customer owes on its open invoices.
func (o *finOrg) receivable(contactID string) *apd.Decimal {
	sum := finZero()
	for _, inv := range o.invoices.order {
		if inv.customerID == contactID && inv.status != "void" && inv.status != "draft" {
			sum = finAdd(sum, inv.balance())
		}
	}
	return sum
}

func (f *finState) listContacts(ex *exchange, org *finOrg, _ time.Time) finAnswer {
	return finList(ex, finListSpec[*finContact]{
		key: "contacts", report: "Contacts", records: org.contacts.order,
		summary: org.contactSummary,
		text: map[string]func(*finContact) string{
			"contact_name": func(c *finContact) string { return finString(c.fields["contact_name"]) },
			"company_name": func(c *finContact) string { return finString(c.fields["company_name"]) },
			"email":        func(c *finContact) string { return finString(c.fields["email"]) },
			"phone":        func(c *finContact) string { return finString(c.fields["phone"]) },
		},
		sorts: map[string]func(a, b *finContact) int{
			"contact_name": func(a, b *finContact) int {
				return strings.Compare(finString(a.fields["contact_name"]), finString(b.fields["contact_name"]))
			},
		},
	})
}

func (f *finState) createContact(ex *exchange, org *finOrg, now time.Time) finAnswer {
	m, bad := finBody(ex)
	if bad != nil {
		return *bad
	}
	c, a := org.newContact(now, m)
	if a.failed() {
		return a
	}
	a.body = map[string]any{"contact": org.renderContact(c)}
	return a
}

func (f *finState) getContact(ex *exchange, org *finOrg, _ time.Time) finAnswer {
	c := org.contacts.byID[ex.param("id")]
	if c == nil {
		return finNotFound("Contact")
	}
	return finOK(0, "success", map[string]any{"contact": org.renderContact(c)})
}

func (f *finState) updateContact(ex *exchange, org *finOrg, now time.Time) finAnswer {
	c := org.contacts.byID[ex.param("id")]
	if c == nil {
		return finNotFound("Contact")
	}
	m, bad := finBody(ex)
	if bad != nil {
		return *bad
	}
	if v, ok := m["contact_name"]; ok && strings.TrimSpace(finString(v)) == "" {
		return finInvalid("contact_name")
	}
	for k, v := range finCopy(m, finContactComputed...) {
		c.fields[k] = v
	}
	c.modified = now
	return finOK(0, "Contact information has been saved.", map[string]any{"contact": org.renderContact(c)})
}

func (f *finState) deleteContact(ex *exchange, org *finOrg, _ time.Time) finAnswer {
	id := ex.param("id")
	if org.contacts.byID[id] == nil {
		return finNotFound("Contact")
	}
	org.contacts.remove(id)
	return finOK(0, "The contact has been deleted.", nil)
}

// finItem is an item: the members as sent, and its stock per warehouse.
type finItem struct {
	finMeta
	fields map[string]any
	stock  map[string]*apd.Decimal // warehouse id → stock on hand
}

var finItemComputed = []string{"item_id", "created_time", "last_modified_time", "stock_on_hand", "available_stock",
	"actual_available_stock", "warehouses", "initial_stock", "initial_stock_rate"}

func (o *finOrg) newItem(now time.Time, m map[string]any) (*finItem, finAnswer) {
	if strings.TrimSpace(finString(m["name"])) == "" {
		return nil, finInvalid("name")
	}
	if _, ok, err := finDec(m["rate"]); !ok || err != nil {
		return nil, finInvalid("rate")
	}
	it := &finItem{finMeta: finMeta{id: o.newID(), created: now, modified: now}, fields: finCopy(m, finItemComputed...), stock: map[string]*apd.Decimal{}}
	if finString(it.fields["status"]) == "" {
		it.fields["status"] = "active"
	}
	// Inventory's opening stock: initial_stock (primary warehouse) or per
	// warehouse.
	if d, ok, err := finDec(m["initial_stock"]); ok {
		if err != nil {
			return nil, finInvalid("initial_stock")
		}
		it.stock[o.primaryWarehouse().id] = d
	}
	if ws, ok := m["warehouses"].([]any); ok {
		for _, w := range ws {
			wm, _ := w.(map[string]any)
			wh := o.warehouse(finString(wm["warehouse_id"]))
			d, ok, err := finDec(wm["initial_stock"])
			if wh == nil || err != nil {
				return nil, finInvalid("warehouses")
			}
			if ok {
				it.stock[wh.id] = d
			}
		}
	}
	o.items.add(it)
	return it, finOK(http.StatusCreated, "The item has been added.", nil)
}

// stockOnHand is the item's stock over every warehouse.
func (it *finItem) stockOnHand() *apd.Decimal {
	sum := finZero()
	for _, d := range it.stock {
		sum = finAdd(sum, d)
	}
	return sum
}

// renderItem shows an item as product does: Inventory adds the stock, and
// full (GET) adds the warehouses.
func (o *finOrg) renderItem(it *finItem, p finProduct, full bool) map[string]any {
	out := finCopy(it.fields)
	out["item_id"] = it.id
	out["created_time"] = o.formatTime(it.created)
	out["last_modified_time"] = o.formatTime(it.modified)
	if p == finInventory {
		soh := finNum(it.stockOnHand())
		out["stock_on_hand"] = soh
		out["available_stock"] = soh
		out["actual_available_stock"] = soh
		if full {
			ws := make([]any, 0, len(o.warehouses))
			for _, w := range o.warehouses {
				st := finZero()
				if d := it.stock[w.id]; d != nil {
					st = d
				}
				ws = append(ws, map[string]any{
					"warehouse_id":                     w.id,
					"warehouse_name":                   w.name,
					"is_primary":                       w.primary,
					"status":                           "active",
					"warehouse_stock_on_hand":          finNum(st),
					"warehouse_available_stock":        finNum(st),
					"warehouse_actual_available_stock": finNum(st),
				})
			}
			out["warehouses"] = ws
		}
	}
	if !full {
		for _, k := range []string{"custom_fields_details", "item_tax_preferences"} {
			delete(out, k)
		}
	}
	return out
}

func (f *finState) listItems(p finProduct) finHandler {
	return func(ex *exchange, org *finOrg, _ time.Time) finAnswer {
		return finList(ex, finListSpec[*finItem]{
			key: "items", report: "Items", records: org.items.order,
			summary: func(it *finItem) map[string]any { return org.renderItem(it, p, false) },
			text: map[string]func(*finItem) string{
				"name": func(it *finItem) string { return finString(it.fields["name"]) },
				"sku":  func(it *finItem) string { return finString(it.fields["sku"]) },
			},
			keep: func(q url.Values) (func(*finItem) bool, *finAnswer) {
				switch fb := q.Get("filter_by"); fb {
				case "", "Status.All":
					return nil, nil
				case "Status.Active", "Status.Inactive":
					want := strings.ToLower(strings.TrimPrefix(fb, "Status."))
					return func(it *finItem) bool { return finString(it.fields["status"]) == want }, nil
				default:
					a := finInvalid("filter_by")
					return nil, &a
				}
			},
			sorts: map[string]func(a, b *finItem) int{
				"name": func(a, b *finItem) int {
					return strings.Compare(finString(a.fields["name"]), finString(b.fields["name"]))
				},
			},
		})
	}
}

func (f *finState) createItem(p finProduct) finHandler {
	return func(ex *exchange, org *finOrg, now time.Time) finAnswer {
		m, bad := finBody(ex)
		if bad != nil {
			return *bad
		}
		it, a := org.newItem(now, m)
		if a.failed() {
			return a
		}
		a.body = map[string]any{"item": org.renderItem(it, p, true)}
		return a
	}
}

func (f *finState) getItem(p finProduct) finHandler {
	return func(ex *exchange, org *finOrg, _ time.Time) finAnswer {
		it := org.items.byID[ex.param("id")]
		if it == nil {
			return finNotFound("Item")
		}
		return finOK(0, "success", map[string]any{"item": org.renderItem(it, p, true)})
	}
}

func (f *finState) updateItem(p finProduct) finHandler {
	return func(ex *exchange, org *finOrg, now time.Time) finAnswer {
		it := org.items.byID[ex.param("id")]
		if it == nil {
			return finNotFound("Item")
		}
		m, bad := finBody(ex)
		if bad != nil {
			return *bad
		}
		if v, ok := m["name"]; ok && strings.TrimSpace(finString(v)) == "" {
			return finInvalid("name")
		}
		if v, ok := m["rate"]; ok {
			if _, ok, err := finDec(v); !ok || err != nil {
				return finInvalid("rate")
			}
		}
		for k, v := range finCopy(m, finItemComputed...) {
			it.fields[k] = v
		}
		it.modified = now
		return finOK(0, "The item details have been updated.", map[string]any{"item": org.renderItem(it, p, true)})
	}
}

// newID returns a new record id: digits, increasing, as Zoho's.
func (o *finOrg) newID() string { return o.ids.newID() }
