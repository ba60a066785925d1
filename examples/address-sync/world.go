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
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// world is the example's systems: the fake Zoho, the ERP database and the
// sync state, on one fake clock.
type world struct {
	clock *synctest.Clock
	srv   *zohotest.Server
	crm   *crm.Client
	dir   string
	erp   *sql.DB
	store *sqlstore.Store
}

func newWorld(ctx context.Context) (w *world, err error) {
	w = &world{clock: synctest.NewClock(time.Date(2026, 3, 2, 8, 50, 0, 0, time.UTC))}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	if w.srv, err = zohotest.Start(&zohotest.Options{Clock: w.clock}); err != nil {
		return nil, err
	}
	zc, err := zoho.New(w.srv.ClientConfig())
	if err != nil {
		return nil, err
	}
	if w.crm, err = crm.New(zc, nil); err != nil {
		return nil, err
	}
	if w.dir, err = os.MkdirTemp("", "address-sync"); err != nil {
		return nil, err
	}
	if w.erp, err = openERP(ctx, filepath.Join(w.dir, "erp.db")); err != nil {
		return nil, err
	}
	w.store, err = sqlstore.OpenSQLite(ctx, filepath.Join(w.dir, "state.db"), &sqlstore.Options{Now: w.clock.Now})
	return w, err
}

func (w *world) close() {
	if w.store != nil {
		w.store.Close()
	}
	if w.erp != nil {
		w.erp.Close()
	}
	if w.dir != "" {
		os.RemoveAll(w.dir)
	}
	if w.srv != nil {
		w.srv.Close()
	}
}

// erpExec changes the ERP as its own code would, stamping updated_at (the
// query's one parameter) with the current time.
func (w *world) erpExec(ctx context.Context, query string) error {
	_, err := w.erp.ExecContext(ctx, query, w.clock.Now())
	return err
}

// show prints Zylker's delivery city and phone on both sides.
func (w *world) show(ctx context.Context, out io.Writer, accountID string) error {
	acc, _ := w.srv.CRM().Get("Accounts", accountID)
	var city, phone string
	err := w.erp.QueryRowContext(ctx, `SELECT ship_city, phone FROM customers WHERE name = 'Zylker Corp'`).Scan(&city, &phone)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  CRM: %s, %s | ERP: %s, %s\n", acc["Shipping_City"], acc["Phone"], city, phone)
	return nil
}
