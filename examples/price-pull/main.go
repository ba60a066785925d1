// Price-pull is a scheduled, incremental pull: every 15 minutes, the prices
// that changed in the ERP (a SQLite table) are written to Zoho CRM Products.
//
// It shows:
//
//   - the first run is a backfill: every ERP price becomes a CRM product (its
//     two Zoho calls are the OAuth token and one upsert of three products);
//   - a run with no ERP change makes no Zoho call at all;
//   - a changed price flows at the next run, exactly ("1199.00" stays so),
//     as one update of that one product.
//
// The ERP is read through the SQL adapter (adapters/sqladapter): any table
// with an id and an updated-at column will do. A fake clock stands in for
// the 15 minutes between runs, so the example finishes at once.
//
// Run it with
//
//	go run ./examples/price-pull
//
// It runs offline: zohotest stands in for Zoho CRM, and the ERP and the sync
// state are SQLite files in a temporary directory.
//
// To point it at your Zoho, build the client from your own credentials and
// data centre instead of the fake's (keep the secrets in the environment):
//
//	zc, err := zoho.New(zoho.Config{
//		ClientID:     os.Getenv("ZOHO_CLIENT_ID"),
//		ClientSecret: os.Getenv("ZOHO_CLIENT_SECRET"),
//		RefreshToken: os.Getenv("ZOHO_REFRESH_TOKEN"),
//		DataCenter:   zoho.EU.DataCenter(),
//	})
//
// and add to the Products module a single-line field "Zohokit Key" with "Do
// not allow duplicate values" (API name Zohokit_Key), which the CRM adapter
// uses to make creates idempotent. Open your ERP's database instead of the
// example's, and drop the fake clock: a sync.Scheduler runs the pipeline every
// Config.Interval on the real one.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "price-pull:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// One fake clock drives the engine, the fake Zoho's Modified_Times and
	// the ERP's updated_at, so that 15 minutes pass in no time.
	clock := synctest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))

	srv, err := zohotest.Start(&zohotest.Options{Clock: clock})
	if err != nil {
		return err
	}
	defer srv.Close()
	// The unique custom field that makes the adapter's creates idempotent.
	err = srv.CRM().AddFields("Products", zohotest.Field{APIName: "Zohokit_Key", Type: zohotest.FieldText, Unique: true})
	if err != nil {
		return err
	}
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		return err
	}
	crmClient, err := crm.New(zc, nil)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "price-pull")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	erp, err := openERP(ctx, filepath.Join(dir, "erp.db"))
	if err != nil {
		return err
	}
	defer erp.Close()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "state.db"), &sqlstore.Options{Now: clock.Now})
	if err != nil {
		return err
	}
	defer st.Close()

	p, err := newPipeline(erp, crmClient, st, clock)
	if err != nil {
		return err
	}

	// The ERP's price list, as its own code would write it.
	for _, row := range [][3]string{{"P-1", "Widget", "10.00"}, {"P-2", "Gadget", "1234.50"}, {"P-3", "Gizmo", "0.99"}} {
		if err := setPrice(ctx, erp, clock.Now(), row[0], row[1], row[2]); err != nil {
			return err
		}
	}

	// In a service a Scheduler runs the pipeline every Interval:
	//
	//	sched, err := sync.NewScheduler([]*sync.Pipeline{p}, nil)
	//	err = sched.Run(ctx) // until ctx ends
	//
	// Here each run is called by hand, with the clock moved between them.
	if err := runOnce(ctx, out, p, srv, clock, "backfill"); err != nil {
		return err
	}

	clock.Advance(15 * time.Minute)
	if err := runOnce(ctx, out, p, srv, clock, "no ERP change"); err != nil {
		return err
	}

	clock.Advance(5 * time.Minute)
	if err := setPrice(ctx, erp, clock.Now(), "P-2", "Gadget", "1199.00"); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s ERP: P-2 now costs 1199.00\n", clock.Now().Format("15:04"))
	clock.Advance(10 * time.Minute)
	if err := runOnce(ctx, out, p, srv, clock, "after the price change"); err != nil {
		return err
	}

	for _, r := range srv.CRM().List("Products") {
		fmt.Fprintf(out, "CRM product %s %s: %s\n", r["Product_Code"], r["Product_Name"], r["Unit_Price"])
	}
	return nil
}

// runOnce runs the pipeline once and prints what it did, and what it cost
// in Zoho calls.
func runOnce(ctx context.Context, out io.Writer, p *sync.Pipeline, srv *zohotest.Server, clock *synctest.Clock, label string) error {
	srv.ResetCalls()
	rep, err := p.Run(ctx)
	if err != nil {
		return err
	}
	c := rep.Counts
	fmt.Fprintf(out, "%s run (%s): read %d, created %d, updated %d, unchanged %d; Zoho calls %d (writes %d)\n",
		clock.Now().Format("15:04"), label, c.Read, c.Created, c.Updated, c.Unchanged, srv.TotalCalls(), zohoWrites(srv))
	return nil
}

// zohoWrites counts the CRM record writes the fake received since its call
// counts were last reset.
func zohoWrites(srv *zohotest.Server) int {
	return srv.Calls("POST /crm/v8/{module}") + srv.Calls("POST /crm/v8/{module}/upsert") +
		srv.Calls("PUT /crm/v8/{module}") + srv.Calls("DELETE /crm/v8/{module}")
}

// setPrice adds or changes a product in the ERP, stamping updated_at as
// the ERP's own code does on every change: that column is what the
// adapter reads changes by.
func setPrice(ctx context.Context, erp *sql.DB, now time.Time, sku, name, price string) error {
	_, err := erp.ExecContext(ctx, `INSERT INTO prices (sku, name, price, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price, updated_at = excluded.updated_at`,
		sku, name, price, now)
	return err
}
