package e2e_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/adapters/sqladapter"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Routes of the fake's call accounting.
const (
	crmList    = "GET /crm/v8/{module}"
	crmDeleted = "GET /crm/v8/{module}/deleted"
	crmUpsert  = "POST /crm/v8/{module}/upsert"
	crmInsert  = "POST /crm/v8/{module}"
	crmUpdate  = "PUT /crm/v8/{module}"
	crmDelete  = "DELETE /crm/v8/{module}"
)

// erpSchema is the ERP's database: its products (with prices) and its
// customers (with delivery addresses). zohokit_key holds the sync's
// idempotency keys of the rows it creates.
const erpSchema = `
CREATE TABLE products (
	id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL, price TEXT NOT NULL,
	updated_at TEXT, zohokit_key TEXT UNIQUE);
CREATE TABLE customers (
	id INTEGER PRIMARY KEY, name TEXT NOT NULL, ship_street TEXT, ship_city TEXT, phone TEXT,
	updated_at TEXT, deleted_at TEXT, zohokit_key TEXT UNIQUE);
`

// world is one test's systems: the fake Zoho, the ERP database, the sync
// store, and two clocks kept in step (the fake's and the engine's).
type world struct {
	srv     *zohotest.Server
	zclock  *zohotest.FakeClock
	clock   *synctest.Clock
	zc      *zoho.Client
	crm     *crm.Client
	erpDB   *sql.DB
	erp     *sqladapter.Adapter
	store   *sqlstore.Store
	dir     string
	crmSide *crmadapter.Adapter
}

type worldOptions struct {
	noOAS bool
}

func newWorld(t testing.TB, o worldOptions) *world {
	t.Helper()
	if !o.noOAS {
		zohotest.RequireOAS(t)
	}
	ctx := context.Background()
	w := &world{dir: t.TempDir(), zclock: zohotest.NewFakeClock(t0), clock: synctest.NewClock(t0)}
	w.srv = zohotest.NewServer(t, &zohotest.Options{Clock: w.zclock, AccessTokenLifetime: 240 * time.Hour, DisableOAS: o.noOAS})
	for _, module := range []string{"Products", "Accounts", "Deals"} {
		require.NoError(t, w.srv.CRM().AddFields(module, zohotest.Field{APIName: "Zohokit_Key", Type: zohotest.FieldText, Unique: true}))
	}
	w.zc = zohotest.NewClient(t, w.srv, func(c *zoho.Config) {
		c.Retry.InitialInterval = time.Millisecond
		c.Retry.MaxInterval = time.Millisecond
	})
	var err error
	w.crm, err = crm.New(w.zc, nil)
	require.NoError(t, err)
	w.crmSide, err = crmadapter.New(w.crm, crmModules(), nil)
	require.NoError(t, err)

	w.erpDB, err = sqlite.Open(ctx, filepath.Join(w.dir, "erp.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { w.erpDB.Close() })
	_, err = w.erpDB.Exec(erpSchema)
	require.NoError(t, err)
	w.erp, err = newERP(w.erpDB, w.clock.Now)
	require.NoError(t, err)

	w.store, err = sqlstore.OpenSQLite(ctx, filepath.Join(w.dir, "state.db"), &sqlstore.Options{Now: w.clock.Now})
	require.NoError(t, err)
	t.Cleanup(func() { w.store.Close() })
	return w
}

// crmModules are the CRM modules the tests sync.
func crmModules() map[string]crmadapter.Module {
	return map[string]crmadapter.Module{
		"Products": {Fields: []string{"Product_Name", "Product_Code", "Unit_Price"}, KeyField: "Zohokit_Key"},
		"Accounts": {Fields: []string{"Account_Name", "Shipping_Street", "Shipping_City", "Phone"}, KeyField: "Zohokit_Key"},
		"Deals":    {Fields: []string{"Deal_Name", "Stage", "Amount"}, KeyField: "Zohokit_Key"},
	}
}

// newERP is the SQL adapter of the ERP's tables.
func newERP(db *sql.DB, now func() time.Time) (*sqladapter.Adapter, error) {
	return sqladapter.New(db, map[string]sqladapter.Table{
		"products":  {KeyColumn: "zohokit_key"},
		"customers": {KeyColumn: "zohokit_key", SoftDeleteColumn: "deleted_at"},
	}, &sqladapter.Options{Now: now})
}

// advance moves both clocks.
func (w *world) advance(d time.Duration) {
	w.clock.Advance(d)
	w.zclock.Set(w.clock.Now())
}

// crmWrites counts the CRM write calls so far.
func (w *world) crmWrites() int {
	n := 0
	for _, r := range []string{crmUpsert, crmInsert, crmUpdate, crmDelete} {
		n += w.srv.Calls(r)
	}
	return n
}

// crmReads counts the CRM read calls so far.
func (w *world) crmReads() int { return w.srv.Calls(crmList) + w.srv.Calls(crmDeleted) }

// erpProduct adds (or, with an id, changes) an ERP product as the ERP's own
// code would, stamping updated_at with the engine's clock.
func (w *world) erpProduct(t testing.TB, sku, name, price string) {
	t.Helper()
	_, err := w.erpDB.Exec(`INSERT INTO products (sku, name, price, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price, updated_at = excluded.updated_at`,
		sku, name, price, w.clock.Now().UTC())
	require.NoError(t, err)
}

// pricesPipeline pulls ERP products into CRM Products.
func pricesPipeline(t testing.TB, st store.Store, erp *sqladapter.Adapter, crmSide *crmadapter.Adapter, clock sync.Clock) *sync.Pipeline {
	t.Helper()
	m, err := transform.New("erp-product-to-crm", []transform.Rule{
		transform.Field("sku", "Product_Code"),
		transform.Field("name", "Product_Name"),
		transform.Field("price", "Unit_Price", transform.Decimal()),
	}, nil)
	require.NoError(t, err)
	p, err := sync.New(sync.Config{
		Name: "erp-prices", DataType: "products", Strategy: sync.Pull,
		Left:     sync.Side{System: "ERP", DataType: "products", Source: erp, Reader: erp},
		Right:    sync.Side{System: "CRM", DataType: "Products", Sink: crmSide, Reader: crmSide},
		Mapping:  m,
		Store:    st,
		Clock:    clock,
		Interval: 15 * time.Minute,
		Lookback: 5 * time.Minute,
	})
	require.NoError(t, err)
	return p
}

// productsInCRM returns the CRM's products by Product_Code.
func (w *world) productsInCRM() map[string]zohotest.Record {
	out := map[string]zohotest.Record{}
	for _, r := range w.srv.CRM().List("Products") {
		out[fmt.Sprint(r["Product_Code"])] = r
	}
	return out
}
