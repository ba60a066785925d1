package main

import (
	"context"
	"database/sql"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/adapters/sqladapter"
	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/crm"
)

// authorityTable says who owns customers: the CRM, except the delivery
// address, which the warehouse keeps in the ERP. Conflicts name fields as
// the pipeline's left side (the CRM) does, so the override lists CRM field
// names.
func authorityTable() (*authority.Table, error) {
	return authority.New(authority.Config{
		Systems: []authority.System{
			{Name: "CRM", Kind: "zoho-crm", Description: "Zoho CRM, used by sales"},
			{Name: "ERP", Kind: "erp", Description: "the ERP, used by the warehouse"},
		},
		Rules: []authority.Rule{{
			DataType: "customers", System: "CRM", Rationale: "Sales owns the customer relationship.",
			Overrides: []authority.Override{{
				System: "ERP", Fields: []string{"Shipping_Street", "Shipping_City"},
				Rationale: "The warehouse confirms delivery addresses.",
			}},
		}},
	})
}

// newResolver decides conflicts: the authority table decides the delivery
// address (the ERP wins it), and anything else that both sides changed is
// held for a person. reviews is where held conflicts are recorded: the
// store for runs, a recorder that keeps nothing for plans.
func newResolver(table *authority.Table, reviews conflict.ReviewRecorder) (conflict.Resolver, error) {
	byAuthority, err := conflict.NewAuthority(table)
	if err != nil {
		return nil, err
	}
	// The policy gives the address fields to the authority resolver and
	// abstains on the others, so that the chain goes on to manual review.
	address, err := conflict.NewPolicy(&conflict.PolicyOptions{Rules: []conflict.PolicyRule{
		{DataType: "customers", Field: "Shipping_Street", Resolver: byAuthority},
		{DataType: "customers", Field: "Shipping_City", Resolver: byAuthority},
	}})
	if err != nil {
		return nil, err
	}
	manual, err := conflict.NewManualReview(reviews)
	if err != nil {
		return nil, err
	}
	return conflict.NewChain(address, manual)
}

// openERP opens the example's ERP database and creates its customers
// table. zohokit_key (unique) holds the sync's idempotency key of the rows
// it creates.
func openERP(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE customers (
		id          INTEGER PRIMARY KEY,
		name        TEXT NOT NULL,
		ship_street TEXT,
		ship_city   TEXT,
		phone       TEXT,
		updated_at  TIMESTAMP NOT NULL,
		zohokit_key TEXT UNIQUE)`)
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// newPipeline builds the bidirectional pipeline CRM Accounts ⇄ ERP
// customers.
func newPipeline(table *authority.Table, crmClient *crm.Client, erp *sql.DB, st store.Store, clock sync.Clock) (*sync.Pipeline, error) {
	// Accounts created from ERP customers upsert on Account_Name, the
	// module's own duplicate check, so a repeated create finds the first.
	accounts, err := crmadapter.New(crmClient, map[string]crmadapter.Module{
		"Accounts": {
			Fields:      []string{"Account_Name", "Shipping_Street", "Shipping_City", "Phone"},
			MatchFields: []string{"Account_Name"},
		},
	}, nil)
	if err != nil {
		return nil, err
	}
	customers, err := sqladapter.New(erp, map[string]sqladapter.Table{
		"customers": {KeyColumn: "zohokit_key"},
	}, &sqladapter.Options{Now: clock.Now})
	if err != nil {
		return nil, err
	}
	// Renames only, so the mapping inverts exactly: the engine maps ERP
	// changes back to the CRM through its inverse.
	mapping, err := transform.New("crm-account-to-erp-customer", []transform.Rule{
		transform.Field("Account_Name", "name"),
		transform.Field("Shipping_Street", "ship_street"),
		transform.Field("Shipping_City", "ship_city"),
		transform.Field("Phone", "phone"),
	}, nil)
	if err != nil {
		return nil, err
	}
	return sync.New(sync.Config{
		Name:     "customers",
		DataType: "customers",
		Strategy: sync.Bidirectional,
		Left:     sync.Side{System: "CRM", DataType: "Accounts", Source: accounts, Sink: accounts, Reader: accounts},
		Right:    sync.Side{System: "ERP", DataType: "customers", Source: customers, Sink: customers, Reader: customers},
		Mapping:  mapping,
		// NewResolver rather than Resolver, because manual review records
		// reviews: the engine passes the store for runs and a recorder
		// that keeps nothing for plans.
		NewResolver: func(reviews conflict.ReviewRecorder) (conflict.Resolver, error) {
			return newResolver(table, reviews)
		},
		Authority: table, // checked at construction: see Pipeline.Advice
		Store:     st,
		Clock:     clock,
		Interval:  15 * time.Minute,
	})
}
