package main

import (
	"context"
	"database/sql"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/adapters/sqladapter"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/crm"
)

// openERP opens the example's ERP database and creates its price list.
// Prices are TEXT: SQLite's REAL is a binary float, and money must stay
// exact.
func openERP(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE prices (
		id         INTEGER PRIMARY KEY,
		sku        TEXT NOT NULL UNIQUE,
		name       TEXT NOT NULL,
		price      TEXT NOT NULL,
		updated_at TIMESTAMP NOT NULL)`)
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// newPipeline builds the pull pipeline ERP prices → CRM Products.
func newPipeline(erp *sql.DB, crmClient *crm.Client, st store.Store, clock sync.Clock) (*sync.Pipeline, error) {
	// The ERP side is read: rows changed since the cursor, by updated_at.
	prices, err := sqladapter.New(erp, map[string]sqladapter.Table{
		"prices": {Columns: []string{"sku", "name", "price"}},
	}, nil)
	if err != nil {
		return nil, err
	}
	// The CRM side is written. Creates upsert on Zohokit_Key, so a create
	// repeated after a crash updates the product the first one made.
	products, err := crmadapter.New(crmClient, map[string]crmadapter.Module{
		"Products": {Fields: []string{"Product_Code", "Product_Name", "Unit_Price"}, KeyField: "Zohokit_Key"},
	}, nil)
	if err != nil {
		return nil, err
	}
	mapping, err := transform.New("erp-price-to-crm-product", []transform.Rule{
		transform.Field("sku", "Product_Code"),
		transform.Field("name", "Product_Name"),
		transform.Field("price", "Unit_Price", transform.Decimal()), // exact, never a float
	}, nil)
	if err != nil {
		return nil, err
	}
	return sync.New(sync.Config{
		Name:     "erp-prices",
		DataType: "products",
		Strategy: sync.Pull,
		Left:     sync.Side{System: "ERP", DataType: "prices", Source: prices},
		Right:    sync.Side{System: "CRM", DataType: "Products", Sink: products},
		Mapping:  mapping,
		Store:    st,
		Clock:    clock,
		Interval: 15 * time.Minute,
		// Each run re-reads the 5 minutes before its cursor, for ERP
		// transactions that commit late; rows re-read unchanged are not
		// written again.
		Lookback: 5 * time.Minute,
	})
}
