package demo

import (
	"context"
	"database/sql"
	"fmt"
	stdsync "sync"
	"time"

	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// erpTime is how the demo ERP stores times: fixed-width UTC text, which
// sorts in time order.
const erpTime = "2006-01-02T15:04:05.000000Z"

// world is the demo's two sides: the fake Zoho and the ERP database.
type world struct {
	fake *zohotest.Server
	erp  *sql.DB
	now  func() time.Time

	mu    stdsync.Mutex
	books map[string]string // Books contact id by customer name
}

var seedProducts = []struct {
	sku, name, price string
}{
	{"PUMP-100", "Centrifugal pump 100", "1249.00"},
	{"VALV-20", "Ball valve DN20", "38.50"},
	{"HOSE-5", "Pressure hose 5 m", "72.90"},
	{"SEAL-KIT", "Seal kit", "19.90"},
}

var seedCustomers = []struct {
	name, street, city, postcode string
}{
	{"Zylker Industries", "4 Mill Lane", "Leeds", "LS1 4AP"},
	{"Acme Pumps", "77 Dock Street", "Hull", "HU1 3AA"},
	{"Globex Fittings", "12 Canal Walk", "Manchester", "M1 2JX"},
}

// seed creates the ERP's tables and data, a key field in the fake CRM for
// idempotent creates, and the Books customers that invoices are made for.
func (w *world) seed(ctx context.Context) error {
	crm := w.fake.CRM()
	for _, mod := range []string{"Accounts", "Products"} {
		if err := crm.AddFields(mod, zohotest.Field{APIName: "Zohokit_Key", Type: zohotest.FieldText, Unique: true}); err != nil {
			return err
		}
	}
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS products (
			id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL, price TEXT NOT NULL,
			updated_at TEXT NOT NULL, zohokit_key TEXT UNIQUE)`,
		`CREATE TABLE IF NOT EXISTS customers (
			id INTEGER PRIMARY KEY, name TEXT NOT NULL, delivery_street TEXT, delivery_city TEXT,
			delivery_postcode TEXT, updated_at TEXT NOT NULL, zohokit_key TEXT UNIQUE)`,
		`DELETE FROM products`,
		`DELETE FROM customers`,
	}
	for _, s := range stmts {
		if _, err := w.erp.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	now := w.now().UTC().Format(erpTime)
	for _, p := range seedProducts {
		if _, err := w.erp.ExecContext(ctx, `INSERT INTO products (sku, name, price, updated_at) VALUES (?, ?, ?, ?)`,
			p.sku, p.name, p.price, now); err != nil {
			return err
		}
	}
	for _, c := range seedCustomers {
		if _, err := w.erp.ExecContext(ctx, `INSERT INTO customers (name, delivery_street, delivery_city, delivery_postcode, updated_at) VALUES (?, ?, ?, ?, ?)`,
			c.name, c.street, c.city, c.postcode, now); err != nil {
			return err
		}
		rec, err := w.fake.Books().PutContact("", zohotest.Record{"contact_name": c.name, "contact_type": "customer"})
		if err != nil {
			return err
		}
		w.books[c.name] = fmt.Sprint(rec["contact_id"])
	}
	return nil
}

// booksCustomer is the look-up the deal-to-invoice mapping names: the
// Books customer of a CRM account, matched by name. A real service would
// read the account through the CRM API, or keep the pairs in a link table.
func (w *world) booksCustomer(_ context.Context, accountID string) (string, error) {
	rec, ok := w.fake.CRM().Get("Accounts", accountID)
	if !ok {
		return "", fmt.Errorf("CRM account %s: %w", accountID, transform.ErrNotFound)
	}
	name, _ := rec["Account_Name"].(string)
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.books[name]
	if !ok {
		return "", fmt.Errorf("no Books customer named %q: %w", name, transform.ErrNotFound)
	}
	return id, nil
}
