package sync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
)

func printRecords(a *synctest.Adapter, dataType string) {
	for _, r := range a.Records(dataType) {
		b, _ := json.Marshal(r.Fields)
		fmt.Printf("  %s %s\n", r.ID, b)
	}
}

// A scheduled pull from the CRM (the authority for contacts) to the ERP:
// the first run is a backfill, later runs write only what changed.
func Example_pull() {
	ctx := context.Background()
	clock := synctest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	crm := synctest.NewAdapter(&synctest.Options{Now: clock.Now, IDPrefix: "crm-"})
	erp := synctest.NewAdapter(&synctest.Options{Now: clock.Now, IDPrefix: "erp-"})
	crm.Put("Contacts", "", map[string]any{"Full_Name": "Ana Lima", "Email": "ana@example.com"})
	crm.Put("Contacts", "", map[string]any{"Full_Name": "Bo Berg", "Email": "bo@example.com"})

	mapping, err := transform.New("crm-to-erp", []transform.Rule{
		transform.Field("Full_Name", "name"),
		transform.Field("Email", "email"),
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := sync.New(sync.Config{
		Name: "contacts-to-erp", DataType: "contacts", Strategy: sync.Pull,
		Left:    sync.Side{System: "CRM", DataType: "Contacts", Source: crm, Reader: crm},
		Right:   sync.Side{System: "ERP", DataType: "customers", Sink: erp},
		Mapping: mapping, Store: store.NewMemory(nil), Clock: clock,
		Interval: 15 * time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	rep, _ := p.Run(ctx)
	fmt.Println(rep)

	clock.Advance(time.Minute)
	_, _ = crm.Update("Contacts", "crm-2", map[string]any{"Email": "bo.berg@example.com"})
	rep, _ = p.Run(ctx)
	fmt.Println(rep)
	printRecords(erp, "customers")
	// Output:
	// pull contacts-to-erp: succeeded: read 2, created 2, updated 0, deleted 0, unchanged 0 (echoes 0), skipped 0, conflicts 0, failed 0 (parked 0)
	// pull contacts-to-erp: succeeded: read 2, created 0, updated 1, deleted 0, unchanged 1 (echoes 0), skipped 0, conflicts 0, failed 0 (parked 0)
	//   erp-1 {"email":"ana@example.com","name":"Ana Lima"}
	//   erp-2 {"email":"bo.berg@example.com","name":"Bo Berg"}
}

// A bidirectional sync of customers between the CRM and the ERP: each
// side's edits flow to the other, field by field; when both edit the same
// field, the later edit wins (within a minute, the CRM's).
func Example_bidirectional() {
	ctx := context.Background()
	clock := synctest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	crm := synctest.NewAdapter(&synctest.Options{Now: clock.Now, IDPrefix: "crm-"})
	erp := synctest.NewAdapter(&synctest.Options{Now: clock.Now, IDPrefix: "erp-"})
	crm.Put("Accounts", "", map[string]any{"Account_Name": "Zylker", "Billing_City": "Chennai", "Phone": "044 1234"})

	mapping, err := transform.New("crm-account-to-erp-customer", []transform.Rule{
		transform.Field("Account_Name", "name", transform.Trim()),
		transform.Field("Billing_City", "address.city"),
		transform.Field("Phone", "phone"),
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	latest, err := conflict.NewLatest(&conflict.LatestOptions{Skew: time.Minute, TieSystem: "CRM"})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := sync.New(sync.Config{
		Name: "customers", DataType: "customers", Strategy: sync.Bidirectional,
		Left:    sync.Side{System: "CRM", DataType: "Accounts", Source: crm, Sink: crm, Reader: crm},
		Right:   erp.Side("ERP"),
		Mapping: mapping, Resolver: latest, Store: store.NewMemory(nil), Clock: clock,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := p.Run(ctx); err != nil { // links crm-1 to a new erp-1
		fmt.Println(err)
		return
	}

	// Sales fixes the phone in the CRM; an hour later the warehouse moves
	// the customer in the ERP and, with an old printout, sets the phone too.
	clock.Advance(time.Minute)
	_, _ = crm.Update("Accounts", "crm-1", map[string]any{"Phone": "044 5678"})
	clock.Advance(time.Hour)
	_, _ = erp.Update("customers", "erp-1", map[string]any{"address": map[string]any{"city": "Madurai"}, "phone": "044 0000"})

	plan, _ := p.Plan(ctx)
	fmt.Print(plan)
	rep, _ := p.Run(ctx)
	fmt.Println(rep)
	printRecords(crm, "Accounts")
	printRecords(erp, "customers")
	// Output:
	// plan for customers (bidirectional): read 2; create 0, update 1, delete 0; unchanged 0; conflicts 1; failures 0
	//   update left crm-1 (from erp-1): Billing_City, Phone
	//   conflict customers.Phone (CRM crm-1 / ERP erp-1): take-right (right (ERP) is newer by 1h0m0s)
	// bidirectional customers: succeeded: read 2, created 0, updated 1, deleted 0, unchanged 1 (echoes 1), skipped 0, conflicts 1, failed 0 (parked 0)
	//   crm-1 {"Account_Name":"Zylker","Billing_City":"Madurai","Phone":"044 0000"}
	//   erp-1 {"address":{"city":"Madurai"},"name":"Zylker","phone":"044 0000"}
}
