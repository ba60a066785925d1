package zohotest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Invoices and customer payments of the fake's Books.

type finLine struct {
	id        string
	fields    map[string]any // the members as sent
	rate, qty *apd.Decimal
}

func (l *finLine) total() *apd.Decimal { return finMulMoney(l.rate, l.qty) }

// finMulMoney is rate × quantity rounded to cents.
func finMulMoney(rate, qty *apd.Decimal) *apd.Decimal {
	d, _, _ := apd.NewFromString(string(finMoney(finMul(rate, qty))))
	return d
}

type finInvoice struct {
	finMeta
	number, customerID string
	status             string // "draft", "sent" or "void"; the rest is derived
	date, due          string
	lines              []*finLine
	shipping, adjust   *apd.Decimal
	paid               *apd.Decimal
	fields             map[string]any // other members, as sent
}

// Members of an invoice the fake computes or holds apart from fields.
var finInvoiceOwn = []string{"invoice_id", "invoice_number", "status", "customer_id", "customer_name", "date",
	"due_date", "line_items", "shipping_charge", "adjustment", "sub_total", "tax_total", "total", "balance",
	"payment_made", "currency_code", "invoice_url", "created_time", "last_modified_time"}

func (inv *finInvoice) subTotal() *apd.Decimal {
	sum := finZero()
	for _, l := range inv.lines {
		sum = finAdd(sum, l.total())
	}
	return sum
}

func (inv *finInvoice) total() *apd.Decimal {
	return finAdd(finAdd(inv.subTotal(), inv.shipping), inv.adjust)
}

func (inv *finInvoice) balance() *apd.Decimal {
	if inv.status == "void" {
		return finZero()
	}
	return finSub(inv.total(), inv.paid)
}

// statusAt is the status Books reports at now.
func (o *finOrg) invoiceStatusAt(inv *finInvoice, now time.Time) string {
	switch {
	case inv.status == "void" || inv.status == "draft":
		return inv.status
	case inv.balance().Sign() <= 0:
		return "paid"
	case inv.paid.Sign() > 0:
		return "partially_paid"
	case inv.due != "" && inv.due < o.today(now):
		return "overdue"
	}
	return "sent"
}

// applyInvoice validates m and writes it into inv (a new invoice when
// create): customer, line items, amounts, dates.
func (o *finOrg) applyInvoice(inv *finInvoice, m map[string]any, create bool, now time.Time) *finAnswer {
	if v, ok := m["customer_id"]; ok || create {
		id := finString(v)
		if o.contacts.byID[id] == nil {
			a := finInvalid("customer_id")
			return &a
		}
		inv.customerID = id
	}
	if v, ok := m["line_items"]; ok || create {
		list, _ := v.([]any)
		if len(list) == 0 {
			a := finInvalid("line_items")
			return &a
		}
		old := map[string]*finLine{}
		for _, l := range inv.lines {
			old[l.id] = l
		}
		lines := make([]*finLine, 0, len(list))
		for i, e := range list {
			lm, _ := e.(map[string]any)
			l, bad := o.newLine(lm, old, i)
			if bad != nil {
				return bad
			}
			lines = append(lines, l)
		}
		inv.lines = lines
	}
	for _, f := range []struct {
		name string
		dst  **apd.Decimal
	}{{"shipping_charge", &inv.shipping}, {"adjustment", &inv.adjust}} {
		if v, ok := m[f.name]; ok || create {
			d, present, err := finDec(v)
			if err != nil {
				a := finInvalid(f.name)
				return &a
			}
			if !present {
				d = finZero()
			}
			*f.dst = d
		}
	}
	date, bad := finDate(m, "date")
	if bad != nil {
		return bad
	}
	if date != "" {
		inv.date = date
	} else if create {
		inv.date = o.today(now)
	}
	due, bad := finDate(m, "due_date")
	if bad != nil {
		return bad
	}
	switch {
	case due != "":
		inv.due = due
	case create:
		terms, _ := strconv.Atoi(finString(m["payment_terms"]))
		d, _ := time.Parse(finDateLayout, inv.date)
		inv.due = d.AddDate(0, 0, terms).Format(finDateLayout)
	}
	for k, v := range finCopy(m, finInvoiceOwn...) {
		inv.fields[k] = v
	}
	return nil
}

func (o *finOrg) newLine(lm map[string]any, old map[string]*finLine, i int) (*finLine, *finAnswer) {
	bad := func(name string) *finAnswer {
		a := finInvalid(fmt.Sprintf("line_items[%d].%s", i, name))
		return &a
	}
	if lm == nil {
		return nil, bad("line")
	}
	l := &finLine{fields: finCopy(lm, "line_item_id", "item_total")}
	if prev := old[finString(lm["line_item_id"])]; prev != nil {
		l.id = prev.id
	} else {
		l.id = o.newID()
	}
	var item *finItem
	if id := finString(lm["item_id"]); id != "" {
		if item = o.items.byID[id]; item == nil {
			return nil, bad("item_id")
		}
		if finString(l.fields["name"]) == "" {
			l.fields["name"] = item.fields["name"]
		}
	} else if finString(lm["name"]) == "" && finString(lm["description"]) == "" {
		return nil, bad("item_id")
	}
	rate, ok, err := finDec(lm["rate"])
	if !ok && item != nil {
		rate, ok, err = finDec(item.fields["rate"])
	}
	if !ok || err != nil {
		return nil, bad("rate")
	}
	qty, ok, err := finDec(lm["quantity"])
	if err != nil {
		return nil, bad("quantity")
	}
	if !ok {
		qty = apd.New(1, 0)
	}
	l.rate, l.qty = rate, qty
	return l, nil
}

func (o *finOrg) renderInvoice(inv *finInvoice, now time.Time) map[string]any {
	out := finCopy(inv.fields)
	lines := make([]any, 0, len(inv.lines))
	for i, l := range inv.lines {
		lm := finCopy(l.fields)
		lm["line_item_id"] = l.id
		lm["rate"] = finNum(l.rate)
		lm["quantity"] = finNum(l.qty)
		lm["item_order"] = i + 1
		lm["item_total"] = finMoney(l.total())
		lines = append(lines, lm)
	}
	customer := ""
	if c := o.contacts.byID[inv.customerID]; c != nil {
		customer = finString(c.fields["contact_name"])
	}
	out["invoice_id"] = inv.id
	out["invoice_number"] = inv.number
	out["status"] = o.invoiceStatusAt(inv, now)
	out["customer_id"] = inv.customerID
	out["customer_name"] = customer
	out["date"] = inv.date
	out["due_date"] = inv.due
	out["currency_code"] = o.CurrencyCode
	out["line_items"] = lines
	out["shipping_charge"] = finMoney(inv.shipping)
	out["adjustment"] = finMoney(inv.adjust)
	out["sub_total"] = finMoney(inv.subTotal())
	out["tax_total"] = finMoney(finZero())
	out["total"] = finMoney(inv.total())
	out["payment_made"] = finMoney(inv.paid)
	out["balance"] = finMoney(inv.balance())
	out["invoice_url"] = "https://books.zoho.com/portal/zylker/secure?CInvoiceID=" + inv.id
	out["created_time"] = o.formatTime(inv.created)
	out["last_modified_time"] = o.formatTime(inv.modified)
	return out
}

// invoiceSummary is an invoice as lists show it: no line items.
func (o *finOrg) invoiceSummary(inv *finInvoice, now time.Time) map[string]any {
	full := o.renderInvoice(inv, now)
	out := map[string]any{}
	for _, k := range []string{"invoice_id", "customer_name", "customer_id", "status", "invoice_number",
		"reference_number", "date", "due_date", "currency_code", "total", "balance", "created_time",
		"last_modified_time", "custom_fields"} {
		if v, ok := full[k]; ok {
			out[k] = v
		}
	}
	return out
}

func (o *finOrg) newInvoice(now time.Time, m map[string]any, q url.Values) (*finInvoice, finAnswer) {
	inv := &finInvoice{finMeta: finMeta{id: o.newID(), created: now, modified: now}, status: "draft", paid: finZero(), fields: map[string]any{}}
	if bad := o.applyInvoice(inv, m, true, now); bad != nil {
		return nil, *bad
	}
	if q.Get("ignore_auto_number_generation") == "true" {
		inv.number = finString(m["invoice_number"])
		if inv.number == "" {
			return nil, finInvalid("invoice_number")
		}
	} else {
		o.invoiceSeq++
		inv.number = fmt.Sprintf("INV-%06d", o.invoiceSeq)
	}
	if q.Get("send") == "true" {
		inv.status = "sent"
	}
	o.invoices.add(inv)
	a := finOK(http.StatusCreated, "The invoice has been created.", nil)
	a.header = http.Header{"Location": {"/api/v3/invoices/" + inv.id}}
	return inv, a
}

func (f *finState) listInvoices(ex *exchange, org *finOrg, now time.Time) finAnswer {
	text := func(name string) func(*finInvoice) string {
		return func(inv *finInvoice) string { return finString(inv.fields[name]) }
	}
	return finList(ex, finListSpec[*finInvoice]{
		key: "invoices", report: "Invoices", records: org.invoices.order,
		summary: func(inv *finInvoice) map[string]any { return org.invoiceSummary(inv, now) },
		text: map[string]func(*finInvoice) string{
			"reference_number": text("reference_number"),
			"invoice_number":   func(inv *finInvoice) string { return inv.number },
			"customer_id":      func(inv *finInvoice) string { return inv.customerID },
		},
		keep: func(q url.Values) (func(*finInvoice) bool, *finAnswer) {
			st := q.Get("status")
			if fb := q.Get("filter_by"); strings.HasPrefix(fb, "Status.") && st == "" {
				st = strings.ToLower(strings.TrimPrefix(fb, "Status."))
			}
			switch st {
			case "", "all":
				return nil, nil
			case "draft", "sent", "overdue", "paid", "void", "partially_paid", "viewed":
				return func(inv *finInvoice) bool { return org.invoiceStatusAt(inv, now) == st }, nil
			case "unpaid":
				return func(inv *finInvoice) bool {
					s := org.invoiceStatusAt(inv, now)
					return s == "sent" || s == "overdue" || s == "partially_paid"
				}, nil
			}
			a := finInvalid("status")
			return nil, &a
		},
		sorts: map[string]func(a, b *finInvoice) int{
			"date":           func(a, b *finInvoice) int { return strings.Compare(a.date, b.date) },
			"due_date":       func(a, b *finInvoice) int { return strings.Compare(a.due, b.due) },
			"invoice_number": func(a, b *finInvoice) int { return strings.Compare(a.number, b.number) },
			"total":          func(a, b *finInvoice) int { return a.total().Cmp(b.total()) },
		},
	})
}

func (f *finState) createInvoice(ex *exchange, org *finOrg, now time.Time) finAnswer {
	m, bad := finBody(ex)
	if bad != nil {
		return *bad
	}
	inv, a := org.newInvoice(now, m, ex.r.URL.Query())
	if a.failed() {
		return a
	}
	a.body = map[string]any{"invoice": org.renderInvoice(inv, now)}
	return a
}

func (f *finState) getInvoice(ex *exchange, org *finOrg, now time.Time) finAnswer {
	inv := org.invoices.byID[ex.param("id")]
	if inv == nil {
		return finNotFound("Invoice")
	}
	return finOK(0, "success", map[string]any{"invoice": org.renderInvoice(inv, now)})
}

func (f *finState) updateInvoice(ex *exchange, org *finOrg, now time.Time) finAnswer {
	inv := org.invoices.byID[ex.param("id")]
	if inv == nil {
		return finNotFound("Invoice")
	}
	m, bad := finBody(ex)
	if bad != nil {
		return *bad
	}
	if v, ok := m["invoice_number"]; ok && finString(v) != "" {
		inv.number = finString(v)
	}
	if bad := org.applyInvoice(inv, m, false, now); bad != nil {
		return *bad
	}
	inv.modified = now
	return finOK(0, "Invoice information has been updated.", map[string]any{"invoice": org.renderInvoice(inv, now)})
}

func (f *finState) deleteInvoice(ex *exchange, org *finOrg, _ time.Time) finAnswer {
	inv := org.invoices.byID[ex.param("id")]
	if inv == nil {
		return finNotFound("Invoice")
	}
	if inv.paid.Sign() > 0 {
		return finInvalid("invoice_id") // Books refuses to delete an invoice with payments
	}
	org.invoices.remove(inv.id)
	return finOK(0, "The invoice has been deleted.", nil)
}

// invoiceStatus serves POST /invoices/{id}/status/sent and /status/void.
func (f *finState) invoiceStatus(to string) finHandler {
	return func(ex *exchange, org *finOrg, now time.Time) finAnswer {
		inv := org.invoices.byID[ex.param("id")]
		if inv == nil {
			return finNotFound("Invoice")
		}
		switch to {
		case "sent":
			if inv.status == "draft" {
				inv.status, inv.modified = "sent", now
			}
			return finOK(0, "Invoice status has been changed to Sent.", nil)
		default:
			if inv.status != "void" {
				inv.status, inv.modified = "void", now
			}
			return finOK(0, "Invoice status has been changed to Void.", nil)
		}
	}
}

func (f *finState) emailInvoice(ex *exchange, org *finOrg, now time.Time) finAnswer {
	inv := org.invoices.byID[ex.param("id")]
	if inv == nil {
		return finNotFound("Invoice")
	}
	if len(strings.TrimSpace(string(ex.body))) > 0 {
		if _, bad := finBody(ex); bad != nil {
			return *bad
		}
	}
	if inv.status == "void" {
		return finInvalid("invoice_id")
	}
	if inv.status == "draft" {
		inv.status, inv.modified = "sent", now
	}
	return finOK(0, "Your invoice has been sent.", nil)
}

// PutInvoice creates an invoice as POST /invoices would ("customer_id" and
// "line_items" are required) and returns it as GET shows it.
func (b *Books) PutInvoice(orgID string, rec Record) (Record, error) {
	return b.f.helperCreate(orgID, "PutInvoice", rec, func(org *finOrg, now time.Time, m map[string]any) (map[string]any, finAnswer) {
		inv, a := org.newInvoice(now, m, url.Values{})
		if a.failed() {
			return nil, a
		}
		return org.renderInvoice(inv, now), a
	})
}

// Invoice returns an invoice as GET shows it (line items included).
func (b *Books) Invoice(orgID, id string) (Record, bool) {
	var now time.Time
	return b.f.helperGet(orgID, func(org *finOrg) map[string]any {
		now = b.f.s.clock.Now()
		if inv := org.invoices.byID[id]; inv != nil {
			return org.renderInvoice(inv, now)
		}
		return nil
	})
}

// Invoices returns every invoice of the organisation, oldest first, as GET
// shows them.
func (b *Books) Invoices(orgID string) []Record {
	var out []Record
	_ = b.f.withOrg(orgID, func(org *finOrg, now time.Time) error {
		for _, inv := range org.invoices.order {
			out = append(out, org.renderInvoice(inv, now))
		}
		return nil
	})
	return out
}
