package crmadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const (
	listRoute    = "GET /crm/v8/{module}"
	deletedRoute = "GET /crm/v8/{module}/deleted"
	upsertRoute  = "POST /crm/v8/{module}/upsert"
	updateRoute  = "PUT /crm/v8/{module}"
	deleteRoute  = "DELETE /crm/v8/{module}"
)

type bundle struct {
	srv   *zohotest.Server
	clock *zohotest.FakeClock
	crm   *zohotest.CRM
	a     *crmadapter.Adapter
}

// setup starts a validating fake with a Zohokit_Key field on Products, and
// an adapter of "products" (Products) and "contacts" (Contacts, matched by
// Email).
func setup(t *testing.T, opts *crmadapter.Options, mod func(map[string]crmadapter.Module)) *bundle {
	t.Helper()
	zohotest.RequireOAS(t)
	clock := zohotest.NewFakeClock(t0)
	srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock})
	require.NoError(t, srv.CRM().AddFields("Products", zohotest.Field{APIName: "Zohokit_Key", Type: zohotest.FieldText, Unique: true}))
	zc := zohotest.NewClient(t, srv, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
	c, err := crm.New(zc, nil)
	require.NoError(t, err)
	modules := map[string]crmadapter.Module{
		"products": {Module: "Products", Fields: []string{"Product_Name", "Product_Code", "Unit_Price"}, KeyField: "Zohokit_Key"},
		"contacts": {Module: "Contacts", Fields: []string{"Last_Name", "Email", "Mailing_City"}, MatchFields: []string{"Email"}},
	}
	if mod != nil {
		mod(modules)
	}
	a, err := crmadapter.New(c, modules, opts)
	require.NoError(t, err)
	return &bundle{srv: srv, clock: clock, crm: srv.CRM(), a: a}
}

// put seeds a product modified at the given time and returns its id.
func (b *bundle) put(t *testing.T, name string, modified time.Time) string {
	t.Helper()
	rec, err := b.crm.Put("Products", zohotest.Record{"Product_Name": name, "Unit_Price": json.Number("10.50"), "Modified_Time": modified.Format(time.RFC3339)})
	require.NoError(t, err)
	return rec["id"].(string)
}

func (b *bundle) changes(t *testing.T, dataType string, since sync.Cursor) []sync.Change {
	t.Helper()
	var out []sync.Change
	for ch, err := range b.a.Changes(context.Background(), dataType, since) {
		require.NoError(t, err)
		out = append(out, ch)
	}
	return out
}

func ids(chs []sync.Change) []string {
	out := make([]string, len(chs))
	for i, ch := range chs {
		out[i] = ch.Record.ID
		if ch.Record.Deleted {
			out[i] += " (deleted)"
		}
	}
	return out
}

func TestChangesBackfillAndSameSecondTiebreak(t *testing.T) {
	t.Parallel()
	b := setup(t, &crmadapter.Options{PageSize: 2}, nil)
	late := b.put(t, "Late", t0.Add(2*time.Minute))
	a1 := b.put(t, "A1", t0.Add(time.Minute))
	a2 := b.put(t, "A2", t0.Add(time.Minute))
	a3 := b.put(t, "A3", t0.Add(time.Minute))
	first := b.put(t, "First", t0)
	b.srv.ResetCalls()

	all := b.changes(t, "products", "")
	require.Equal(t, []string{first, a1, a2, a3, late}, ids(all))
	require.Equal(t, 3, b.srv.Calls(listRoute), "pages of 2")
	require.Equal(t, 1, b.srv.Calls(deletedRoute), "the backfill notes where the deleted list stands")
	rec := all[1].Record
	require.True(t, rec.Modified.Equal(t0.Add(time.Minute)), "Modified is Modified_Time: %v", rec.Modified)
	require.Equal(t, time.UTC, rec.Modified.Location())
	require.Equal(t, "A1", rec.Fields["Product_Name"])
	require.Equal(t, json.Number("10.50"), rec.Fields["Unit_Price"], "currency stays exact")
	require.NotContains(t, rec.Fields, "Modified_Time", "only the configured fields")

	// Resuming after A2 (which shares its second with A1 and A3) yields A3
	// and what follows, and nothing before.
	rest := b.changes(t, "products", all[2].Cursor)
	require.Equal(t, []string{a3, late}, ids(rest))

	// The engine's lookback (Rewind) re-reads the window inclusively.
	back := b.a.Rewind(all[4].Cursor, 90*time.Second)
	require.Equal(t, []string{a1, a2, a3, late}, ids(b.changes(t, "products", back)))
	require.Equal(t, []string{first, a1, a2, a3, late}, ids(b.changes(t, "products", sync.TimeCursor(t0, ""))), "a plain time cursor is inclusive")
}

func TestNoChangeIsOneCallPerList(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, func(m map[string]crmadapter.Module) {
		p := m["products"]
		p.SkipDeletes = true
		m["products"] = p
	})
	b.put(t, "P", t0)
	all := b.changes(t, "products", "")
	require.Len(t, all, 1)

	b.clock.Advance(15 * time.Minute)
	b.srv.ResetCalls()
	require.Empty(t, b.changes(t, "products", all[0].Cursor))
	require.Equal(t, 1, b.srv.TotalCalls(), "one list call, no deleted-records call")

	// With tombstones: the list and the deleted list, both unchanged.
	b.srv.ResetCalls()
	require.Empty(t, b.changes(t, "contacts", sync.TimeCursor(t0, "")))
	require.Equal(t, 1, b.srv.Calls(listRoute))
	require.Equal(t, 1, b.srv.Calls(deletedRoute))
	require.Equal(t, 1, b.srv.CallsWithStatus(deletedRoute, 304)+b.srv.CallsWithStatus(deletedRoute, 204))
}

func TestTombstonesMergeInTimeOrder(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	gone := b.put(t, "Deleted before the backfill", t0)
	require.NoError(t, b.crm.Delete("Products", gone))
	b.clock.Advance(time.Minute)
	x := b.put(t, "X", t0.Add(time.Minute))
	y := b.put(t, "Y", t0.Add(time.Minute))
	z := b.put(t, "Z", t0.Add(time.Minute))

	all := b.changes(t, "products", "")
	require.Equal(t, []string{x, y, z}, ids(all), "no tombstone for what was deleted before the backfill")

	// Y changes at +4m, X is deleted at +5m, Z changes at +6m.
	b.clock.Set(t0.Add(4 * time.Minute))
	_, err := b.crm.Update("Products", y, zohotest.Record{"Product_Code": "Y-2"})
	require.NoError(t, err)
	b.clock.Set(t0.Add(5 * time.Minute))
	require.NoError(t, b.crm.Delete("Products", x))
	b.clock.Set(t0.Add(6 * time.Minute))
	_, err = b.crm.Update("Products", z, zohotest.Record{"Product_Code": "Z-2"})
	require.NoError(t, err)

	chs := b.changes(t, "products", all[2].Cursor)
	require.Equal(t, []string{y, x + " (deleted)", z}, ids(chs))
	tomb := chs[1].Record
	require.True(t, tomb.Modified.Equal(t0.Add(5*time.Minute)), "a tombstone's time is the deletion's")
	require.Empty(t, tomb.Fields)

	// Resuming after the tombstone yields Z only; after Z, nothing.
	require.Equal(t, []string{z}, ids(b.changes(t, "products", chs[1].Cursor)))
	require.Empty(t, b.changes(t, "products", chs[2].Cursor))
	// Resuming after Y (before the tombstone) yields both again.
	require.Equal(t, []string{x + " (deleted)", z}, ids(b.changes(t, "products", chs[0].Cursor)))
}

func TestCreateIsIdempotentByKey(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ctx := context.Background()
	op := sync.Op{Kind: sync.OpCreate, Key: "zk1-abcdef", Fields: map[string]any{"Product_Name": "Widget", "Unit_Price": json.Number("1234.50")}}
	r1, err := b.a.Write(ctx, "products", []sync.Op{op})
	require.NoError(t, err)
	require.NoError(t, r1[0].Err)
	require.NotEmpty(t, r1[0].ID)
	require.True(t, r1[0].Modified.Equal(t0), "Modified from Zoho's answer: %v", r1[0].Modified)

	// Written again (a crash before the checkpoint): one record.
	op.Fields["Unit_Price"] = json.Number("1300.00")
	r2, err := b.a.Write(ctx, "products", []sync.Op{op})
	require.NoError(t, err)
	require.NoError(t, r2[0].Err)
	require.Equal(t, r1[0].ID, r2[0].ID)
	require.Equal(t, 1, b.crm.Count("Products"))
	rec, _ := b.crm.Get("Products", r1[0].ID)
	require.Equal(t, "zk1-abcdef", rec["Zohokit_Key"])
	// Read back as the record's Key, not as one of its Fields.
	got, err := b.a.Get(ctx, "products", []string{r1[0].ID})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "zk1-abcdef", got[0].Key)
	require.NotContains(t, got[0].Fields, "Zohokit_Key")

	// Sync writes run no automation.
	for _, w := range b.crm.Writes() {
		require.True(t, w.TriggerSpecified, "%s sent a trigger list", w.Operation)
		require.Empty(t, w.Triggers, "%s ran no automation", w.Operation)
	}

	// A create that sets the key field itself is refused.
	op.Fields["Zohokit_Key"] = "something else"
	r3, err := b.a.Write(ctx, "products", []sync.Op{op})
	require.NoError(t, err)
	require.ErrorIs(t, r3[0].Err, crmadapter.ErrNotIdempotent)
}

func TestCreateByMatchFields(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ctx := context.Background()
	op := sync.Op{Kind: sync.OpCreate, Key: "zk1-c", Fields: map[string]any{"Last_Name": "Lovelace", "Email": "ada@example.com"}}
	for range 2 {
		res, err := b.a.Write(ctx, "contacts", []sync.Op{op})
		require.NoError(t, err)
		require.NoError(t, res[0].Err)
	}
	require.Equal(t, 1, b.crm.Count("Contacts"))

	res, err := b.a.Write(ctx, "contacts", []sync.Op{{Kind: sync.OpCreate, Key: "zk1-d", Fields: map[string]any{"Last_Name": "Hopper"}}})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, crmadapter.ErrNotIdempotent)
	require.ErrorContains(t, res[0].Err, "MatchFields")
	require.Equal(t, 1, b.crm.Count("Contacts"), "the create was not sent")
}

func TestPerOpResultsKeepZohoCodes(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ctx := context.Background()
	existing := b.put(t, "Existing", t0)

	// A create missing its mandatory field, a record Zoho fails internally,
	// a good create, an update of a record that does not exist, a good
	// update.
	require.NoError(t, b.srv.Script(upsertRoute, zohotest.FailRecord(zohotest.RecordFailure{Index: 1})))
	res, err := b.a.Write(ctx, "products", []sync.Op{
		{Kind: sync.OpCreate, Key: "k1", Fields: map[string]any{"Product_Code": "no name"}},
		{Kind: sync.OpCreate, Key: "k2", Fields: map[string]any{"Product_Name": "Fails inside Zoho"}},
		{Kind: sync.OpCreate, Key: "k3", Fields: map[string]any{"Product_Name": "Fine"}},
		{Kind: sync.OpUpdate, ID: "5725767000000999999", Fields: map[string]any{"Product_Code": "x"}},
		{Kind: sync.OpUpdate, ID: existing, Fields: map[string]any{"Product_Code": "E-1"}},
	})
	require.NoError(t, err)
	require.Len(t, res, 5)

	var re *crm.RecordError
	require.ErrorAs(t, res[0].Err, &re)
	require.Equal(t, "MANDATORY_NOT_FOUND", re.Code)
	require.Equal(t, "Product_Name", re.APIName)
	require.False(t, sync.IsRetryable(res[0].Err))

	require.ErrorAs(t, res[1].Err, &re)
	require.Equal(t, "INTERNAL_ERROR", re.Code)
	require.True(t, sync.IsRetryable(res[1].Err))

	require.NoError(t, res[2].Err)
	require.Error(t, res[3].Err)
	require.False(t, sync.IsRetryable(res[3].Err))
	require.NoError(t, res[4].Err)
	require.Equal(t, existing, res[4].ID)
	rec, _ := b.crm.Get("Products", existing)
	require.Equal(t, "E-1", rec["Product_Code"])
	require.Equal(t, "Existing", rec["Product_Name"], "an update changes only the given fields")
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ctx := context.Background()
	existing := b.put(t, "Existing", t0)

	// Every op's call failed: the whole batch fails, retryably.
	require.NoError(t, b.srv.Script(upsertRoute, zohotest.ServerError(500)))
	_, err := b.a.Write(ctx, "products", []sync.Op{{Kind: sync.OpCreate, Key: "k", Fields: map[string]any{"Product_Name": "P"}}})
	require.Error(t, err)
	require.True(t, sync.IsRetryable(err), "a 500 is worth retrying: %v", err)
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, 500, ze.StatusCode)

	// Only the updates' call failed: per-op results.
	require.NoError(t, b.srv.Script(updateRoute, zohotest.ServerError(503)))
	res, err := b.a.Write(ctx, "products", []sync.Op{
		{Kind: sync.OpCreate, Key: "k", Fields: map[string]any{"Product_Name": "P"}},
		{Kind: sync.OpUpdate, ID: existing, Fields: map[string]any{"Product_Code": "x"}},
	})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.True(t, sync.IsRetryable(res[1].Err))
	require.ErrorAs(t, res[1].Err, &ze)
	require.Equal(t, 503, ze.StatusCode)
}

func TestDeletesAndGetsAreChunked(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ctx := context.Background()
	var recs []zohotest.Record
	for i := range 150 {
		recs = append(recs, zohotest.Record{"Product_Name": fmt.Sprintf("P%03d", i)})
	}
	stored, err := b.crm.PutMany("Products", recs)
	require.NoError(t, err)
	var all []string
	for _, r := range stored {
		all = append(all, r["id"].(string))
	}
	b.srv.ResetCalls()

	got, err := b.a.Get(ctx, "products", append(append([]string{}, all...), "5725767000000999999", "not-an-id"))
	require.NoError(t, err)
	require.Len(t, got, 150, "unknown ids are left out")
	require.Equal(t, 2, b.srv.Calls(listRoute), "ids go 100 a call")

	ops := []sync.Op{{Kind: sync.OpDelete, ID: "5725767000000999999"}} // gone already: a success
	for _, id := range all {
		ops = append(ops, sync.Op{Kind: sync.OpDelete, ID: id})
	}
	res, err := b.a.Write(ctx, "products", ops)
	require.NoError(t, err)
	for i, r := range res {
		require.NoError(t, r.Err, "op %d", i)
	}
	require.Equal(t, 2, b.srv.Calls(deleteRoute))
	require.Equal(t, 0, b.crm.Count("Products"))
	for _, w := range b.crm.Writes() {
		require.Empty(t, w.Triggers, "deletes run no workflow (wf_trigger=false)")
	}
}

func TestTriggersWhenAsked(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, func(m map[string]crmadapter.Module) {
		p := m["products"]
		p.Triggers = []string{crm.TriggerWorkflow}
		m["products"] = p
	})
	res, err := b.a.Write(context.Background(), "products", []sync.Op{{Kind: sync.OpCreate, Key: "k", Fields: map[string]any{"Product_Name": "P"}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	w := b.crm.Writes()
	require.Equal(t, []string{"workflow"}, w[len(w)-1].Triggers)
}

func TestTimeValuesAreWrittenInZohoForm(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, func(m map[string]crmadapter.Module) {
		m["leads"] = crmadapter.Module{Module: "Leads", Fields: []string{"Last_Name"}, MatchFields: []string{"Email"}}
	})
	require.NoError(t, b.srv.CRM().AddFields("Leads", zohotest.Field{APIName: "Met_At", Type: zohotest.FieldDateTime}))
	met := time.Date(2026, 3, 1, 10, 30, 0, 0, time.FixedZone("EST", -5*3600))
	res, err := b.a.Write(context.Background(), "leads", []sync.Op{{Kind: sync.OpCreate, Key: "k", Fields: map[string]any{
		"Last_Name": "Lovelace", "Email": "ada@example.com", "Met_At": met,
	}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	rec, _ := b.crm.Get("Leads", res[0].ID)
	got, err := crm.ParseTime(rec["Met_At"].(string))
	require.NoError(t, err)
	require.True(t, got.Equal(met))
}

func TestNewNamesTheMisconfiguration(t *testing.T) {
	t.Parallel()
	zc := zohotest.NewClient(t, zohotest.NewServer(t, &zohotest.Options{DisableOAS: true}))
	c, err := crm.New(zc, nil)
	require.NoError(t, err)
	many := make([]string, 50)
	for i := range many {
		many[i] = fmt.Sprintf("F%d", i)
	}
	_, err = crmadapter.New(c, map[string]crmadapter.Module{
		"a": {},
		"b": {Module: "Bad/Module", Fields: []string{"Name", "bad field"}},
		"c": {Fields: many},
		"d": {Fields: []string{"X"}, KeyField: "K", MatchFields: []string{"Email"}, Triggers: []string{"emails"}},
		"e": {Fields: many[:49], KeyField: "Zohokit_Key"}, // the key is read too
	}, &crmadapter.Options{PageSize: 500})
	require.Error(t, err)
	for _, want := range []string{
		`modules["a"].Fields: required`,
		`modules["b"].Module "Bad/Module"`,
		`modules["b"].Fields[1] "bad field"`,
		`modules["c"].Fields: 50 fields with Modified_Time exceed`,
		`modules["e"].Fields: 49 fields with Modified_Time and KeyField exceed`,
		`modules["d"].KeyField and MatchFields`,
		`modules["d"].Triggers[0] "emails"`,
		"Options.PageSize 500",
	} {
		require.Contains(t, err.Error(), want)
	}

	a, err := crmadapter.New(c, map[string]crmadapter.Module{"deals": {Module: "Deals", Fields: []string{"Deal_Name"}}}, nil)
	require.NoError(t, err)
	res, err := a.Write(context.Background(), "deals", []sync.Op{{Kind: sync.OpCreate, Key: "k", Fields: map[string]any{"Deal_Name": "D"}}})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, crmadapter.ErrNotIdempotent)
	require.ErrorContains(t, res[0].Err, "Module.KeyField or Module.MatchFields")
	_, err = a.Write(context.Background(), "accounts", nil)
	require.True(t, errors.Is(err, crmadapter.ErrUnknownDataType))
	for _, err := range a.Changes(context.Background(), "deals", "garbage") {
		require.ErrorIs(t, err, crmadapter.ErrBadCursor)
	}
}
