package conflict_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
)

// Resolve by latest modification time. Times in different zones are
// compared as instants; within the skew tolerance the tie rule decides.
func ExampleLatest() {
	latest, err := conflict.NewLatest(&conflict.LatestOptions{Skew: 2 * time.Second, TieSystem: "CRM"})
	if err != nil {
		fmt.Println(err)
		return
	}
	berlin := time.FixedZone("CEST", 2*3600)
	c := conflict.Conflict{
		DataType: "customers", Field: "phone",
		LeftSystem: "CRM", RightSystem: "ERP",
		Left: "+49 30 1234", Right: "+49 30 5678",
		LeftModified:  time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC),
		RightModified: time.Date(2025, 6, 2, 11, 3, 12, 0, berlin), // 09:03:12 UTC
	}
	d, _ := latest.Resolve(context.Background(), c)
	v, _ := d.Apply(c)
	fmt.Println(d.Action, v, "-", d.Reason)

	c.RightModified = c.LeftModified.Add(1500 * time.Millisecond)
	d, _ = latest.Resolve(context.Background(), c)
	v, _ = d.Apply(c)
	fmt.Println(d.Action, v, "-", d.Reason)
	// Output:
	// take-right +49 30 5678 - right (ERP) is newer by 3m12s
	// take-left +49 30 1234 - modified 1.5s apart, within skew 2s: tie goes to CRM
}

// Chain resolvers: latest timestamp first; within the skew, the authority
// table; where it has no say, a person decides.
func ExampleChain() {
	table, err := authority.New(authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}},
		Rules: []authority.Rule{{
			DataType: "customers", System: "CRM",
			Overrides: []authority.Override{{System: "ERP", Fields: []string{"delivery_city"}}},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	latest, _ := conflict.NewLatest(&conflict.LatestOptions{Skew: 5 * time.Second})
	byAuthority, _ := conflict.NewAuthority(table)
	reviews := conflict.NewMemoryReviews()
	byPerson, _ := conflict.NewManualReview(reviews)
	chain, err := conflict.NewChain(latest, byAuthority, byPerson)
	if err != nil {
		fmt.Println(err)
		return
	}

	t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []conflict.Conflict{
		{DataType: "customers", Field: "delivery_city", LeftSystem: "CRM", RightSystem: "ERP",
			LeftModified: t0.Add(2 * time.Second), RightModified: t0},
		{DataType: "customers", Field: "email", LeftSystem: "CRM", RightSystem: "ERP",
			LeftModified: t0, RightModified: t0.Add(time.Hour)},
		{DataType: "suppliers", Field: "iban", LeftID: "S-1", RightID: "88", LeftSystem: "ERP", RightSystem: "Books",
			LeftModified: t0, RightModified: t0},
	} {
		d, err := chain.Resolve(context.Background(), c)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %s (%s)\n", c.Field, d.Action, d.Reason)
	}

	// Later, a person decides the held review on the dashboard.
	held := reviews.Pending()[0]
	_ = reviews.Decide(context.Background(), conflict.Resolution{ReviewID: held.ID, Action: conflict.TakeLeft, DecidedBy: "ana"})
	decided, _ := reviews.Get(held.ID)
	fmt.Println(held.Conflict.Field+":", decided.Resolution.Decision().Reason)
	// Output:
	// delivery_city: take-right (modified 2s apart, within skew 5s: no tie rule; ERP owns delivery_city of customers by field override)
	// email: take-right (right (ERP) is newer by 1h0m0s)
	// iban: hold (modified at the same instant: no tie rule; no authority rule for data type "suppliers"; held for review review-1)
	// iban: review review-1 decided by ana
}

// A per-field policy: people decide bank details, the authority table
// decides invoices, latest timestamp decides the rest.
func ExamplePolicy() {
	table := authority.Default()
	byAuthority, _ := conflict.NewAuthority(table)
	latest, _ := conflict.NewLatest(nil)
	byPerson, _ := conflict.NewManualReview(conflict.NewMemoryReviews())
	policy, err := conflict.NewPolicy(&conflict.PolicyOptions{
		Rules: []conflict.PolicyRule{
			{Field: "iban", Resolver: byPerson},
			{DataType: "invoices", Resolver: byAuthority},
		},
		Default: latest,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []conflict.Conflict{
		{DataType: "invoices", Field: "due_date", LeftSystem: "Books", RightSystem: "CRM", LeftModified: t0, RightModified: t0.Add(time.Minute)},
		{DataType: "contacts", Field: "iban", LeftSystem: "CRM", RightSystem: "ERP"},
		{DataType: "contacts", Field: "phone", LeftSystem: "CRM", RightSystem: "ERP", LeftModified: t0, RightModified: t0.Add(time.Minute)},
	} {
		d, err := policy.Resolve(context.Background(), c)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s.%s: %s (%s)\n", c.DataType, c.Field, d.Action, d.Reason)
	}
	// Output:
	// invoices.due_date: take-left (Books owns due_date of invoices as the type's authority)
	// contacts.iban: hold (held for review review-1)
	// contacts.phone: take-right (right (ERP) is newer by 1m0s)
}
