// Custom-erp-adapter shows how to connect your own ERP to zohokit: write an
// adapter for its API, then use it in a pipeline like any ready adapter.
//
// The files:
//
//   - adapter.go: the adapter, the part to copy and adapt. It implements
//     sync.Source, sync.Sink (with idempotent creates by Op.Key) and
//     sync.Reader over the ERP's HTTP API.
//   - adapter_test.go: how to test it: against zohotest (a fake Zoho) and
//     with synctest (an in-memory system and assertions).
//   - erp.go: a small fake ERP API standing in for yours.
//   - main.go: a pull pipeline from Zoho CRM Contacts to the ERP's customers.
//
// Run it with
//
//	go run ./examples/custom-erp-adapter
//	go test ./examples/custom-erp-adapter
//
// It runs offline: zohotest stands in for Zoho CRM, the fake ERP listens on a
// local port, and the sync state is a SQLite file in a temporary directory.
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
// and give NewERPAdapter your ERP's URL (with its own authentication added to
// the *http.Client's transport).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-erp-adapter:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	srv, err := zohotest.Start(nil)
	if err != nil {
		return err
	}
	defer srv.Close()
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		return err
	}
	crmClient, err := crm.New(zc, nil)
	if err != nil {
		return err
	}
	erp := newFakeERP()
	erpURL, stopERP, err := serve(erp)
	if err != nil {
		return err
	}
	defer stopERP()

	dir, err := os.MkdirTemp("", "custom-erp-adapter")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "state.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()

	p, err := newPipeline(crmClient, NewERPAdapter(erpURL, nil), st)
	if err != nil {
		return err
	}

	ana, err := srv.CRM().Put("Contacts", zohotest.Record{"First_Name": "Ana", "Last_Name": "Silva", "Email": "ana@zylker.com", "Phone": "+55 11 5555 0101"})
	if err != nil {
		return err
	}
	if _, err := srv.CRM().Put("Contacts", zohotest.Record{"First_Name": "Ravi", "Last_Name": "Kumar", "Email": "ravi@zylker.com"}); err != nil {
		return err
	}

	// The first run copies every contact; the second finds nothing new.
	if err := runOnce(ctx, out, p, erp, "backfill"); err != nil {
		return err
	}
	if err := runOnce(ctx, out, p, erp, "nothing changed"); err != nil {
		return err
	}
	// Ana's phone changes in the CRM: one update of that one field.
	if _, err := srv.CRM().Update("Contacts", ana["id"].(string), zohotest.Record{"Phone": "+55 11 5555 0199"}); err != nil {
		return err
	}
	if err := runOnce(ctx, out, p, erp, "a phone changed"); err != nil {
		return err
	}

	customers, _ := erp.snapshot()
	for _, c := range customers {
		fmt.Fprintf(out, "ERP customer %s: %s <%s> %s\n", c.ID, c.Name, c.Email, c.Phone)
	}
	return nil
}

// newPipeline builds the pull pipeline CRM Contacts → ERP customers, with
// the ERP's adapter as the target like any other.
func newPipeline(crmClient *crm.Client, erp *ERPAdapter, st store.Store) (*sync.Pipeline, error) {
	contacts, err := crmadapter.New(crmClient, map[string]crmadapter.Module{
		"Contacts": {Fields: []string{"Full_Name", "Email", "Phone"}},
	}, nil)
	if err != nil {
		return nil, err
	}
	mapping, err := transform.New("crm-contact-to-erp-customer", []transform.Rule{
		transform.Field("Full_Name", "name"),
		transform.Field("Email", "email"),
		transform.Field("Phone", "phone"),
	}, nil)
	if err != nil {
		return nil, err
	}
	return sync.New(sync.Config{
		Name:     "crm-contacts-to-erp",
		DataType: "customers",
		Strategy: sync.Pull,
		Left:     sync.Side{System: "CRM", DataType: "Contacts", Source: contacts},
		Right:    sync.Side{System: "ERP", DataType: dataType, Sink: erp},
		Mapping:  mapping,
		Store:    st,
		Interval: 15 * time.Minute,
		// Each run re-reads the minute before its cursor, for clocks that
		// disagree and changes that land late; what it re-reads unchanged
		// is not written again.
		Lookback: time.Minute,
	})
}

// runOnce runs the pipeline and prints what it did and how many writes the
// ERP received.
func runOnce(ctx context.Context, out io.Writer, p *sync.Pipeline, erp *fakeERP, label string) error {
	_, before := erp.snapshot()
	rep, err := p.Run(ctx)
	if err != nil {
		return err
	}
	_, after := erp.snapshot()
	c := rep.Counts
	fmt.Fprintf(out, "run (%s): read %d, created %d, updated %d, unchanged %d; ERP writes %d\n",
		label, c.Read, c.Created, c.Updated, c.Unchanged, after-before)
	return nil
}

// serve serves the fake ERP on a free local port and returns its URL and a
// function that stops it.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "custom-erp-adapter: ERP server:", err)
		}
	}
	return "http://" + ln.Addr().String(), stop, nil
}
