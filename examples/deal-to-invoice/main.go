// Deal-to-invoice is a one-way push from Zoho CRM to Zoho Books: when a deal
// reaches Closed Won, one Books invoice is created for it.
//
// It shows:
//
//   - a push pipeline, CRM Deals → Books invoices, with a filter on Stage;
//   - a mapping that keeps the amount exact and looks the Books customer up
//     by the deal's account;
//   - idempotency: the same event delivered three times makes one invoice;
//   - a Books 500 parked in the retry queue and retried by a queue worker.
//
// Run it with
//
//	go run ./examples/deal-to-invoice
//
// It runs offline: zohotest stands in for Zoho CRM and Books, and the sync
// state and the retry queue share one SQLite file in a temporary directory.
//
// To point it at your Zoho, build the client from your own credentials and
// data centre instead of the fake's (keep the secrets in the environment),
// and use your Books organisation's id:
//
//	zc, err := zoho.New(zoho.Config{
//		ClientID:     os.Getenv("ZOHO_CLIENT_ID"),
//		ClientSecret: os.Getenv("ZOHO_CLIENT_SECRET"),
//		RefreshToken: os.Getenv("ZOHO_REFRESH_TOKEN"),
//		DataCenter:   zoho.EU.DataCenter(),
//	})
//	org, err := books.ResolveOrganization(ctx, zc)
//
// In a service the events come from Zoho's notifications through a webhook
// receiver (see examples/webhook-receiver) rather than direct Push calls.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/zohokit/zohokit/queue/sqlqueue"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deal-to-invoice:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// A fake Zoho with one Books customer and one CRM account of the same
	// name: the mapping finds the customer by that name.
	srv, err := zohotest.Start(nil)
	if err != nil {
		return err
	}
	defer srv.Close()
	org := srv.Books().OrgID()
	if _, err := srv.Books().PutContact(org, zohotest.Record{"contact_name": "Zylker Corp"}); err != nil {
		return err
	}
	account, err := srv.CRM().Put("Accounts", zohotest.Record{"Account_Name": "Zylker Corp"})
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
	booksClient, err := books.New(zc, org)
	if err != nil {
		return err
	}

	// The sync state (links, runs) and the retry queue in one SQLite file,
	// so that a record parked for retry and its checkpoint commit together.
	dir, err := os.MkdirTemp("", "deal-to-invoice")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "state.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := sqlqueue.NewSQLite(ctx, st.DB(), nil)
	if err != nil {
		return err
	}
	defer q.Close()

	p, err := newPipeline(crmClient, booksClient, st, q)
	if err != nil {
		return err
	}

	// 1. A deal in negotiation: its event is filtered out.
	deal, err := srv.CRM().Put("Deals", zohotest.Record{
		"Deal_Name": "Zylker rollout", "Stage": "Negotiation",
		"Amount": json.Number("4999.90"), "Account_Name": account["id"],
	})
	if err != nil {
		return err
	}
	dealID := deal["id"].(string)
	rep, err := p.Push(ctx, sync.Event{ID: dealID})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deal in Negotiation: skipped %d, invoices %d\n", rep.Skipped, len(srv.Books().Invoices(org)))

	// 2. The deal is won, and its event is delivered three times (Zoho and
	// webhook queues deliver at least once): one invoice.
	if _, err := srv.CRM().Update("Deals", dealID, zohotest.Record{"Stage": "Closed Won"}); err != nil {
		return err
	}
	for i := 1; i <= 3; i++ {
		rep, err := p.Push(ctx, sync.Event{ID: dealID})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "delivery %d: created %d, unchanged %d\n", i, rep.Counts.Created, rep.Counts.Unchanged)
	}
	invoices := srv.Books().Invoices(org)
	if len(invoices) != 1 {
		return fmt.Errorf("books holds %d invoices, want 1", len(invoices))
	}
	// Its reference_number is the engine's idempotency key for this deal
	// (sync.IdempotencyKey): how a create repeated after a crash is found.
	inv := invoices[0]
	fmt.Fprintf(out, "invoices: 1; %s for %s, total %s, reference %s\n",
		inv["invoice_number"], inv["customer_name"], inv["total"], inv["reference_number"])

	// 3. A second deal is won while Books is failing: the first write and
	// the first retry answer 500. The push parks the record in the queue,
	// and a worker retries it until it is written.
	deal2, err := srv.CRM().Put("Deals", zohotest.Record{
		"Deal_Name": "Zylker support plan", "Stage": "Closed Won",
		"Amount": json.Number("1200.00"), "Account_Name": account["id"],
	})
	if err != nil {
		return err
	}
	if err := srv.Script("POST /books/v3/invoices", zohotest.ServerError(500), zohotest.ServerError(500)); err != nil {
		return err
	}
	rep, err = p.Push(ctx, sync.Event{ID: deal2["id"].(string)})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "second deal: failed %d, parked %d for retry\n", rep.Counts.Failed, rep.Parked)
	if err := retryParked(ctx, out, q, p); err != nil {
		return err
	}
	fmt.Fprintf(out, "invoices: %d; Books answered 500 %d times and created %d\n",
		len(srv.Books().Invoices(org)),
		srv.CallsWithStatus("POST /books/v3/invoices", 500), srv.CallsWithStatus("POST /books/v3/invoices", 201))
	return nil
}
