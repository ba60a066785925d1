package zohotest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Customer payments of the fake's Books: recording one applies it to
// invoices (their balance and status follow), deleting it gives the
// balance back.

type finApplied struct {
	invoiceID string
	amount    *apd.Decimal
}

type finPayment struct {
	finMeta
	number, customerID, mode, date string
	amount                         *apd.Decimal
	applied                        []finApplied
	fields                         map[string]any // other members, as sent
}

var finPaymentOwn = []string{"payment_id", "payment_number", "customer_id", "customer_name", "payment_mode", "date",
	"amount", "unused_amount", "invoices", "created_time", "last_modified_time"}

func (o *finOrg) newPayment(now time.Time, m map[string]any) (*finPayment, finAnswer) {
	p := &finPayment{finMeta: finMeta{id: o.newID(), created: now, modified: now}, fields: finCopy(m, finPaymentOwn...)}
	p.customerID = finString(m["customer_id"])
	if o.contacts.byID[p.customerID] == nil {
		return nil, finInvalid("customer_id")
	}
	if p.mode = finString(m["payment_mode"]); p.mode == "" {
		return nil, finInvalid("payment_mode")
	}
	amount, ok, err := finDec(m["amount"])
	if !ok || err != nil || amount.Sign() <= 0 {
		return nil, finInvalid("amount")
	}
	p.amount = amount
	date, bad := finDate(m, "date")
	if bad != nil {
		return nil, *bad
	}
	if date == "" {
		date = o.today(now)
	}
	p.date = date
	list, _ := m["invoices"].([]any)
	total := finZero()
	seen := map[string]bool{}
	for i, e := range list {
		em, _ := e.(map[string]any)
		inv := o.invoices.byID[finString(em["invoice_id"])]
		if inv == nil || inv.customerID != p.customerID || inv.status == "void" || seen[inv.id] {
			return nil, finInvalid(fmt.Sprintf("invoices[%d].invoice_id", i))
		}
		seen[inv.id] = true
		d, ok, err := finDec(em["amount_applied"])
		if !ok || err != nil || d.Sign() <= 0 || d.Cmp(inv.balance()) > 0 {
			return nil, finInvalid(fmt.Sprintf("invoices[%d].amount_applied", i))
		}
		total = finAdd(total, d)
		p.applied = append(p.applied, finApplied{invoiceID: inv.id, amount: d})
	}
	if total.Cmp(amount) > 0 {
		return nil, finInvalid("amount")
	}
	for _, ap := range p.applied {
		inv := o.invoices.byID[ap.invoiceID]
		inv.paid = finAdd(inv.paid, ap.amount)
		if inv.status == "draft" {
			inv.status = "sent"
		}
		inv.modified = now
	}
	o.paymentSeq++
	p.number = fmt.Sprint(o.paymentSeq)
	o.payments.add(p)
	return p, finOK(http.StatusCreated, "The payment has been created.", nil)
}

func (o *finOrg) renderPayment(p *finPayment) map[string]any {
	out := finCopy(p.fields)
	used := finZero()
	invs := make([]any, 0, len(p.applied))
	for _, ap := range p.applied {
		used = finAdd(used, ap.amount)
		e := map[string]any{"invoice_id": ap.invoiceID, "amount_applied": finNum(ap.amount)}
		if inv := o.invoices.byID[ap.invoiceID]; inv != nil {
			e["invoice_number"] = inv.number
			e["total"] = finMoney(inv.total())
			e["balance_amount"] = finMoney(inv.balance())
		}
		invs = append(invs, e)
	}
	customer := ""
	if c := o.contacts.byID[p.customerID]; c != nil {
		customer = finString(c.fields["contact_name"])
	}
	out["payment_id"] = p.id
	out["payment_number"] = p.number
	out["customer_id"] = p.customerID
	out["customer_name"] = customer
	out["payment_mode"] = p.mode
	out["date"] = p.date
	out["amount"] = finNum(p.amount)
	out["unused_amount"] = finMoney(finSub(p.amount, used))
	out["invoices"] = invs
	out["created_time"] = o.formatTime(p.created)
	out["last_modified_time"] = o.formatTime(p.modified)
	return out
}

func (f *finState) listPayments(ex *exchange, org *finOrg, _ time.Time) finAnswer {
	return finList(ex, finListSpec[*finPayment]{
		key: "customerpayments", report: "Customer Payments", records: org.payments.order,
		summary: func(p *finPayment) map[string]any {
			full := org.renderPayment(p)
			delete(full, "invoices")
			return full
		},
		text: map[string]func(*finPayment) string{
			"customer_id":      func(p *finPayment) string { return p.customerID },
			"reference_number": func(p *finPayment) string { return finString(p.fields["reference_number"]) },
			"payment_mode":     func(p *finPayment) string { return p.mode },
		},
		sorts: map[string]func(a, b *finPayment) int{
			"date": func(a, b *finPayment) int { return strings.Compare(a.date, b.date) },
		},
	})
}

func (f *finState) createPayment(ex *exchange, org *finOrg, now time.Time) finAnswer {
	m, bad := finBody(ex)
	if bad != nil {
		return *bad
	}
	p, a := org.newPayment(now, m)
	if a.failed() {
		return a
	}
	a.body = map[string]any{"payment": org.renderPayment(p)}
	return a
}

func (f *finState) getPayment(ex *exchange, org *finOrg, _ time.Time) finAnswer {
	p := org.payments.byID[ex.param("id")]
	if p == nil {
		return finNotFound("Payment")
	}
	return finOK(0, "success", map[string]any{"payment": org.renderPayment(p)})
}

func (f *finState) deletePayment(ex *exchange, org *finOrg, now time.Time) finAnswer {
	p := org.payments.byID[ex.param("id")]
	if p == nil {
		return finNotFound("Payment")
	}
	for _, ap := range p.applied {
		if inv := org.invoices.byID[ap.invoiceID]; inv != nil {
			inv.paid = finSub(inv.paid, ap.amount)
			inv.modified = now
		}
	}
	org.payments.remove(p.id)
	return finOK(0, "The payment has been deleted.", nil)
}

// PutPayment records a payment as POST /customerpayments would (applied to
// the invoices it lists) and returns it as GET shows it.
func (b *Books) PutPayment(orgID string, rec Record) (Record, error) {
	return b.f.helperCreate(orgID, "PutPayment", rec, func(org *finOrg, now time.Time, m map[string]any) (map[string]any, finAnswer) {
		p, a := org.newPayment(now, m)
		if a.failed() {
			return nil, a
		}
		return org.renderPayment(p), a
	})
}

// Payments returns every payment of the organisation, oldest first, as GET
// shows them.
func (b *Books) Payments(orgID string) []Record {
	var out []Record
	_ = b.f.withOrg(orgID, func(org *finOrg, _ time.Time) error {
		for _, p := range org.payments.order {
			out = append(out, org.renderPayment(p))
		}
		return nil
	})
	return out
}
