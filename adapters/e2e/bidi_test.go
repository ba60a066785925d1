package e2e_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// address is a customer's delivery address and phone as one side holds it.
type address struct{ Street, City, Phone string }

// customers is a bidirectional pipeline of CRM Accounts and ERP customers
// with one account synced (and linked) already.
type customers struct {
	w     *world
	p     *sync.Pipeline
	crmID string
	erpID string
}

// customersConfig is the bidirectional pipeline of CRM Accounts and ERP
// customers over w, without a resolver.
func customersConfig(t *testing.T, w *world) sync.Config {
	t.Helper()
	m, err := transform.New("crm-account-to-erp-customer", []transform.Rule{
		transform.Field("Account_Name", "name"),
		transform.Field("Shipping_Street", "ship_street"),
		transform.Field("Shipping_City", "ship_city"),
		transform.Field("Phone", "phone"),
	}, nil)
	require.NoError(t, err)
	return sync.Config{
		Name: "customers", DataType: "customers", Strategy: sync.Bidirectional,
		Left:    sync.Side{System: "CRM", DataType: "Accounts", Source: w.crmSide, Sink: w.crmSide, Reader: w.crmSide},
		Right:   sync.Side{System: "ERP", DataType: "customers", Source: w.erp, Sink: w.erp, Reader: w.erp},
		Mapping: m, Store: w.store, Clock: w.clock,
	}
}

func newCustomers(t *testing.T, resolver conflict.Resolver, manual bool) *customers {
	t.Helper()
	w := newWorld(t, worldOptions{})
	cfg := customersConfig(t, w)
	if manual {
		cfg.NewResolver = func(rec conflict.ReviewRecorder) (conflict.Resolver, error) { return conflict.NewManualReview(rec) }
	} else {
		cfg.Resolver = resolver
	}
	p, err := sync.New(cfg)
	require.NoError(t, err)
	c := &customers{w: w, p: p}

	acc, err := w.srv.CRM().Put("Accounts", zohotest.Record{"Account_Name": "Zylker", "Shipping_Street": "1 Anna Salai", "Shipping_City": "Chennai", "Phone": "044 1234"})
	require.NoError(t, err)
	c.crmID = acc["id"].(string)
	rep := c.run(t)
	require.Equal(t, 1, rep.Counts.Created, rep.String())
	links, err := w.store.Links(context.Background(), "customers", store.Left, []string{c.crmID})
	require.NoError(t, err)
	c.erpID = links[c.crmID].RightID
	require.NotEmpty(t, c.erpID)
	require.Equal(t, address{"1 Anna Salai", "Chennai", "044 1234"}, c.erp(t))
	c.quiet(t)
	return c
}

func (c *customers) run(t *testing.T) sync.Report {
	t.Helper()
	rep, err := c.p.Run(context.Background())
	require.NoError(t, err)
	return rep
}

// quiet checks that a run writes nothing to either side: no echo.
func (c *customers) quiet(t *testing.T) {
	t.Helper()
	before := c.w.crmWrites()
	var erpBefore string
	require.NoError(t, c.w.erpDB.QueryRow("SELECT coalesce(max(updated_at), '') FROM customers").Scan(&erpBefore))
	rep := c.run(t)
	require.Zero(t, rep.Counts.Created+rep.Counts.Updated+rep.Counts.Deleted, "the run after a run writes nothing: %s", rep)
	require.Equal(t, before, c.w.crmWrites(), "no CRM write")
	var erpAfter string
	require.NoError(t, c.w.erpDB.QueryRow("SELECT coalesce(max(updated_at), '') FROM customers").Scan(&erpAfter))
	require.Equal(t, erpBefore, erpAfter, "no ERP write")
}

func (c *customers) crm(t *testing.T) address {
	t.Helper()
	r, ok := c.w.srv.CRM().Get("Accounts", c.crmID)
	require.True(t, ok)
	s := func(k string) string { v, _ := r[k].(string); return v }
	return address{s("Shipping_Street"), s("Shipping_City"), s("Phone")}
}

func (c *customers) erp(t *testing.T) address {
	t.Helper()
	var street, city, phone sql.NullString
	require.NoError(t, c.w.erpDB.QueryRow("SELECT ship_street, ship_city, phone FROM customers WHERE id = ?", c.erpID).Scan(&street, &city, &phone))
	return address{street.String, city.String, phone.String}
}

// editCRM changes the account in the CRM now.
func (c *customers) editCRM(t *testing.T, fields zohotest.Record) {
	t.Helper()
	_, err := c.w.srv.CRM().Update("Accounts", c.crmID, fields)
	require.NoError(t, err)
}

// editERP changes the customer in the ERP now, as the ERP's code would.
func (c *customers) editERP(t *testing.T, column, value string) {
	t.Helper()
	_, err := c.w.erpDB.Exec("UPDATE customers SET "+column+" = ?, updated_at = ? WHERE id = ?", value, c.w.clock.Now().UTC(), c.erpID)
	require.NoError(t, err)
}

// conflictingEdits: sales moves the delivery city in the CRM, and ten
// minutes later the warehouse sets another in the ERP.
func (c *customers) conflictingEdits(t *testing.T, crmFirst bool) {
	t.Helper()
	first, second := func() { c.editCRM(t, zohotest.Record{"Shipping_City": "Pune"}) }, func() { c.editERP(t, "ship_city", "Mumbai") }
	if !crmFirst {
		first, second = second, first
	}
	c.w.advance(10 * time.Minute)
	first()
	c.w.advance(10 * time.Minute)
	second()
}

func TestDeliveryAddressLatestTimestampWins(t *testing.T) {
	t.Parallel()
	latest, err := conflict.NewLatest(&conflict.LatestOptions{Skew: time.Minute})
	require.NoError(t, err)
	c := newCustomers(t, latest, false)
	c.conflictingEdits(t, true) // the ERP's edit is newer
	rep := c.run(t)
	require.Equal(t, 1, rep.Counts.Conflicted, rep.String())
	require.Equal(t, "Mumbai", c.crm(t).City)
	require.Equal(t, "Mumbai", c.erp(t).City)
	c.quiet(t)

	c.conflictingEdits(t, false) // now the CRM's edit is newer
	c.run(t)
	require.Equal(t, "Pune", c.crm(t).City)
	require.Equal(t, "Pune", c.erp(t).City)
	c.quiet(t)
}

func TestDeliveryAddressAuthorityMakesTheERPWin(t *testing.T) {
	t.Parallel()
	table, err := authority.New(authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}},
		Rules:   []authority.Rule{{DataType: "customers", System: "ERP", Rationale: "the warehouse ships"}},
	})
	require.NoError(t, err)
	auth, err := conflict.NewAuthority(table)
	require.NoError(t, err)
	c := newCustomers(t, auth, false)
	c.conflictingEdits(t, false) // the CRM's edit is newer, and still loses
	rep := c.run(t)
	require.Equal(t, 1, rep.Counts.Conflicted, rep.String())
	require.Equal(t, "Mumbai", c.crm(t).City)
	require.Equal(t, "Mumbai", c.erp(t).City)
	c.quiet(t)
}

func TestDeliveryAddressManualReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCustomers(t, nil, true)
	c.conflictingEdits(t, true)
	c.editCRM(t, zohotest.Record{"Phone": "044 9999"}) // a one-sided edit in the same record flows

	rep := c.run(t)
	require.Equal(t, 1, rep.Counts.Conflicted, rep.String())
	require.Equal(t, address{"1 Anna Salai", "Pune", "044 9999"}, c.crm(t), "the held field is left as it is")
	require.Equal(t, address{"1 Anna Salai", "Mumbai", "044 9999"}, c.erp(t))
	pending, err := c.w.store.Reviews(ctx, store.ReviewFilter{Pipeline: "customers", Status: []store.ReviewStatus{store.ReviewPending}})
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.Equal(t, "Shipping_City", pending[0].Review.Conflict.Field)

	// Until a person decides, runs change nothing and record no second
	// review.
	c.quiet(t)
	pending, err = c.w.store.Reviews(ctx, store.ReviewFilter{Pipeline: "customers", Status: []store.ReviewStatus{store.ReviewPending}})
	require.NoError(t, err)
	require.Len(t, pending, 1)

	// The person decides: neither, but Bengaluru.
	require.NoError(t, c.w.store.Resolve(ctx, conflict.Resolution{ReviewID: pending[0].ID, Action: conflict.UseValue, Value: "Bengaluru", DecidedBy: "ops@example.com"}))
	c.w.advance(time.Minute)
	c.run(t)
	require.Equal(t, "Bengaluru", c.crm(t).City)
	require.Equal(t, "Bengaluru", c.erp(t).City)
	applied, err := c.w.store.Reviews(ctx, store.ReviewFilter{Pipeline: "customers", Status: []store.ReviewStatus{store.ReviewApplied}})
	require.NoError(t, err)
	require.Len(t, applied, 1)
	c.quiet(t)
}

func TestDeliveryAddressOneSidedEditsMerge(t *testing.T) {
	t.Parallel()
	latest, err := conflict.NewLatest(nil)
	require.NoError(t, err)
	c := newCustomers(t, latest, false)
	c.w.advance(10 * time.Minute)
	c.editCRM(t, zohotest.Record{"Phone": "044 5678"})
	c.w.advance(10 * time.Minute)
	c.editERP(t, "ship_street", "12 Mount Road")

	rep := c.run(t)
	require.Zero(t, rep.Counts.Conflicted, rep.String())
	want := address{"12 Mount Road", "Chennai", "044 5678"}
	require.Equal(t, want, c.crm(t))
	require.Equal(t, want, c.erp(t))
	c.quiet(t)

	// A record new on the ERP side is created in the CRM, then quiet.
	_, err = c.w.erpDB.Exec("INSERT INTO customers (name, ship_city, updated_at) VALUES ('Acme', 'Kochi', ?)", c.w.clock.Now().UTC())
	require.NoError(t, err)
	rep = c.run(t)
	require.Equal(t, 1, rep.Counts.Created, rep.String())
	require.Equal(t, 2, c.w.srv.CRM().Count("Accounts"))
	c.quiet(t)
}
