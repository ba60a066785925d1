package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// simulator makes realistic edits on both sides: new deals, stage
// changes, price changes in the ERP, address edits (now and then the same
// field on both sides, which the bidirectional pipeline holds for review).
type simulator struct {
	*world
	store    store.Store
	print    *printer
	interval time.Duration
	rng      *rand.Rand
	deals    []string // open deal ids
	n        int
}

func (s *simulator) say(format string, args ...any) {
	s.print.printf("  [simulator] "+format+"\n", args...)
}

func (s *simulator) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// waitFirstRun waits until the pipeline's first run succeeded.
func (s *simulator) waitFirstRun(ctx context.Context, pipeline string) bool {
	for {
		if t, err := s.store.LastSuccess(ctx, pipeline); err == nil && !t.IsZero() {
			return true
		}
		if !s.wait(ctx, 200*time.Millisecond) {
			return false
		}
	}
}

// waitChannel waits until the service has subscribed its CRM
// notification channel, so that the first deals are notified.
func (s *simulator) waitChannel(ctx context.Context) bool {
	for len(s.fake.CRM().Channels()) == 0 {
		if !s.wait(ctx, 100*time.Millisecond) {
			return false
		}
	}
	return true
}

func (s *simulator) run(ctx context.Context) {
	if s.interval <= 0 {
		s.interval = 3 * time.Second
	}
	s.rng = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	// The ERP's customers reach CRM as Accounts in the first
	// bidirectional run; deals are made on those accounts.
	if !s.waitFirstRun(ctx, "delivery-addresses") || !s.waitChannel(ctx) {
		return
	}
	s.scripted(ctx)
	for s.wait(ctx, s.interval) {
		s.randomEdit(ctx)
	}
}

// scripted is the opening: every flow gets work within seconds.
func (s *simulator) scripted(ctx context.Context) {
	accounts := s.fake.CRM().List("Accounts")
	if len(accounts) == 0 {
		return
	}
	for i := range 2 {
		s.newDeal(accounts[i%len(accounts)])
	}
	if !s.wait(ctx, time.Second) {
		return
	}
	s.win(ctx)
	s.priceChange(ctx)
	if !s.wait(ctx, time.Second) {
		return
	}
	s.bothSidesEdit(ctx, accounts[0])
}

func (s *simulator) randomEdit(ctx context.Context) {
	s.n++
	accounts := s.fake.CRM().List("Accounts")
	if len(accounts) == 0 {
		return
	}
	acct := accounts[s.rng.IntN(len(accounts))]
	switch {
	case s.n%7 == 0:
		s.bothSidesEdit(ctx, acct)
	case s.n%3 == 0:
		s.priceChange(ctx)
	case s.n%4 == 0:
		s.win(ctx)
	case s.n%5 == 0:
		s.oneSideEdit(ctx, acct)
	default:
		s.newDeal(acct)
	}
}

func (s *simulator) newDeal(acct zohotest.Record) {
	name := fmt.Sprintf("%s - order %d", acct["Account_Name"], 1000+s.rng.IntN(9000))
	amount := cents(int64(50000 + 10*s.rng.IntN(20000)))
	rec, err := s.fake.CRM().Put("Deals", zohotest.Record{
		"Deal_Name": name, "Stage": "Qualification", "Amount": amount,
		"Account_Name": map[string]any{"id": acct["id"]},
		"Closing_Date": time.Now().AddDate(0, 0, 30).Format("2006-01-02"),
	})
	if err != nil {
		s.say("CRM: could not create a deal: %v", err)
		return
	}
	s.deals = append(s.deals, fmt.Sprint(rec["id"]))
	s.say("CRM: sales created deal %q (%s)", name, amount)
}

func (s *simulator) win(context.Context) {
	if len(s.deals) == 0 {
		return
	}
	id := s.deals[0]
	s.deals = s.deals[1:]
	rec, err := s.fake.CRM().Update("Deals", id, zohotest.Record{"Stage": "Closed Won"})
	if err != nil {
		s.say("CRM: could not close deal %s: %v", id, err)
		return
	}
	s.say("CRM: deal %q reached Closed Won: expect one Books invoice", rec["Deal_Name"])
}

func (s *simulator) priceChange(ctx context.Context) {
	p := seedProducts[s.rng.IntN(len(seedProducts))]
	var price string
	if err := s.erp.QueryRowContext(ctx, `SELECT price FROM products WHERE sku = ?`, p.sku).Scan(&price); err != nil {
		return
	}
	var whole, frac int64
	if _, err := fmt.Sscanf(price, "%d.%d", &whole, &frac); err != nil {
		return
	}
	old := whole*100 + frac
	next := old * int64(95+s.rng.IntN(11)) / 100
	if next == old {
		next = old + 100
	}
	if _, err := s.erp.ExecContext(ctx, `UPDATE products SET price = ?, updated_at = ? WHERE sku = ?`,
		cents(next), time.Now().UTC().Format(erpTime), p.sku); err != nil {
		return
	}
	s.say("ERP: price of %s changed %s -> %s: expect it in CRM Products at the next pull", p.sku, price, cents(next))
}

var streets = []string{"Harbour Road", "Station Approach", "Quay Side", "Market Street", "Foundry Lane"}

func (s *simulator) street() string {
	return fmt.Sprintf("%d %s", 1+s.rng.IntN(120), streets[s.rng.IntN(len(streets))])
}

// bothSidesEdit changes the delivery street of one customer in CRM and in
// the ERP to different values: a conflict the pipeline holds for review.
func (s *simulator) bothSidesEdit(ctx context.Context, acct zohotest.Record) {
	name := fmt.Sprint(acct["Account_Name"])
	crmStreet, erpStreet := s.street(), s.street()
	for erpStreet == crmStreet {
		erpStreet = s.street()
	}
	if _, err := s.fake.CRM().Update("Accounts", fmt.Sprint(acct["id"]), zohotest.Record{"Shipping_Street": crmStreet}); err != nil {
		return
	}
	if _, err := s.erp.ExecContext(ctx, `UPDATE customers SET delivery_street = ?, updated_at = ? WHERE name = ?`,
		erpStreet, time.Now().UTC().Format(erpTime), name); err != nil {
		return
	}
	s.say("CRM and ERP: %s's delivery street edited on both sides (%q / %q): expect a review", name, crmStreet, erpStreet)
}

// oneSideEdit changes an address on one side: it flows to the other.
func (s *simulator) oneSideEdit(ctx context.Context, acct zohotest.Record) {
	name := fmt.Sprint(acct["Account_Name"])
	code := fmt.Sprintf("%c%c%d %d%c%c", 'A'+rune(s.rng.IntN(26)), 'A'+rune(s.rng.IntN(26)), 1+s.rng.IntN(9),
		1+s.rng.IntN(9), 'A'+rune(s.rng.IntN(26)), 'A'+rune(s.rng.IntN(26)))
	if s.rng.IntN(2) == 0 {
		if _, err := s.fake.CRM().Update("Accounts", fmt.Sprint(acct["id"]), zohotest.Record{"Shipping_Code": code}); err == nil {
			s.say("CRM: %s's delivery postcode set to %s: expect it in the ERP", name, code)
		}
		return
	}
	if _, err := s.erp.ExecContext(ctx, `UPDATE customers SET delivery_postcode = ?, updated_at = ? WHERE name = ?`,
		code, time.Now().UTC().Format(erpTime), name); err == nil {
		s.say("ERP: %s's delivery postcode set to %s: expect it in CRM", name, code)
	}
}

// cents formats an amount in cents as decimal text ("1249.00").
func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }
