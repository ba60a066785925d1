// Address-sync is a bidirectional sync of customers between Zoho CRM
// Accounts and an ERP's customers table (SQLite): sales edit accounts in the
// CRM, the warehouse edits delivery addresses in the ERP.
//
// It shows:
//
//   - the authority table: the CRM owns customers, but the ERP owns the
//     delivery address by field override;
//   - the plan (a dry run) printed before the first run;
//   - a resolver chain: a conflict on the delivery address is decided by the
//     authority table (the ERP wins), any other conflict is held for a person;
//   - the held conflict resolved in code (store.Resolve; the ops dashboard
//     does the same from a form), and the next run applying the decision to
//     both sides;
//   - the run after that writing nothing: the engine's own writes are not
//     taken for changes.
//
// Run it with
//
//	go run ./examples/address-sync
//
// It runs offline: zohotest stands in for Zoho CRM, the ERP and the sync state
// are SQLite files in a temporary directory, and a fake clock moves time
// between the edits and the runs.
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
// open your ERP's database instead of the example's, and drop the fake clock.
// Before a bidirectional sync, ask whether a one-way sync from the authority
// would do: it cannot conflict (Pipeline.Advice says when it would).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "address-sync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	w, err := newWorld(ctx)
	if err != nil {
		return err
	}
	defer w.close()
	table, err := authorityTable()
	if err != nil {
		return err
	}
	p, err := newPipeline(table, w.crm, w.erp, w.store, w.clock)
	if err != nil {
		return err
	}
	fmt.Fprint(out, "Who owns what:\n", table.Markdown())
	for _, a := range p.Advice() {
		fmt.Fprintln(out, "advice:", a)
	}

	// Before any sync: one account in the CRM, another customer in the ERP.
	account, err := w.srv.CRM().Put("Accounts", zohotest.Record{
		"Account_Name": "Zylker Corp", "Shipping_Street": "1 Anna Salai", "Shipping_City": "Chennai", "Phone": "044 1234",
	})
	if err != nil {
		return err
	}
	accountID := account["id"].(string)
	if err := w.erpExec(ctx, `INSERT INTO customers (name, ship_street, ship_city, phone, updated_at)
		VALUES ('Globex', '7 Park Street', 'Kolkata', '033 5555', ?)`); err != nil {
		return err
	}

	// A dry run first: what the first run would write, and where.
	plan, err := p.Plan(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(out, plan)
	if err := runOnce(ctx, out, w, p); err != nil {
		return err
	}

	// Sales move Zylker to Pune and change its phone in the CRM; a few
	// minutes later the warehouse, told otherwise, sets Mumbai and another
	// phone in the ERP. Both fields now conflict.
	w.clock.Advance(10 * time.Minute)
	if _, err := w.srv.CRM().Update("Accounts", accountID, zohotest.Record{"Shipping_City": "Pune", "Phone": "044 5555"}); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s CRM edit: Zylker Corp ships to Pune, phone 044 5555\n", w.clock.Now().Format("15:04"))
	w.clock.Advance(5 * time.Minute)
	if err := w.erpExec(ctx, `UPDATE customers SET ship_city = 'Mumbai', phone = '044 7777', updated_at = ?
		WHERE name = 'Zylker Corp'`); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s ERP edit: Zylker Corp ships to Mumbai, phone 044 7777\n", w.clock.Now().Format("15:04"))
	if err := runOnce(ctx, out, w, p); err != nil {
		return err
	}
	if err := w.show(ctx, out, accountID); err != nil {
		return err
	}

	// A person decides the held conflict. Here it is code; on the ops
	// dashboard it is a form that calls the same Store.Resolve.
	pending, err := w.store.Reviews(ctx, store.ReviewFilter{Pipeline: p.Name(), Status: []store.ReviewStatus{store.ReviewPending}})
	if err != nil {
		return err
	}
	for _, r := range pending {
		c := r.Review.Conflict
		fmt.Fprintf(out, "review pending: %s: %s says %v, %s says %v\n", c.Field, c.LeftSystem, c.Left, c.RightSystem, c.Right)
		err := w.store.Resolve(ctx, conflict.Resolution{
			ReviewID: r.ID, Action: conflict.TakeLeft, // the CRM's value (the Conflict's left side)
			DecidedBy: "ops@example.com", Note: "confirmed with the customer",
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "review resolved: take %s's %s\n", c.LeftSystem, c.Field)
	}

	// The next run writes the decision to both sides; the one after has
	// nothing to do.
	for range 2 {
		if err := runOnce(ctx, out, w, p); err != nil {
			return err
		}
	}
	return w.show(ctx, out, accountID)
}

// runOnce moves the clock to the next quarter hour, runs the pipeline and
// prints what it did.
func runOnce(ctx context.Context, out io.Writer, w *world, p *sync.Pipeline) error {
	w.clock.Set(w.clock.Now().Truncate(15 * time.Minute).Add(15 * time.Minute))
	rep, err := p.Run(ctx)
	if err != nil {
		return err
	}
	c := rep.Counts
	fmt.Fprintf(out, "%s run: created %d, updated %d, conflicts %d\n", w.clock.Now().Format("15:04"), c.Created, c.Updated, c.Conflicted)
	for _, cr := range rep.Conflicts {
		fmt.Fprintf(out, "  conflict %s: %s (%s)\n", cr.Conflict.Field, cr.Decision.Action, cr.Decision.Reason)
	}
	return nil
}
