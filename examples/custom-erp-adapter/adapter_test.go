package main

// How to test an adapter of your own: check it against the sync contract
// with synctest.RunAdapter (the conformance suite every zohokit adapter
// passes), run your pipeline against zohotest (a fake Zoho), and test what
// is particular to your system (paging, its errors) by hand.

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// newTestERP starts the fake ERP for one test and returns it with an
// adapter of it. With a real ERP, point the adapter at a test instance.
func newTestERP(t *testing.T) (*fakeERP, *ERPAdapter) {
	t.Helper()
	erp := newFakeERP()
	srv := httptest.NewServer(erp)
	t.Cleanup(srv.Close)
	return erp, NewERPAdapter(srv.URL, srv.Client())
}

// create is the Op the engine sends to create a customer.
func create(key, name, email string) sync.Op {
	return sync.Op{Kind: sync.OpCreate, Key: key, Fields: map[string]any{"name": name, "email": email}}
}

// The pipeline, end to end against the fake Zoho: contacts become customers,
// a quiet run writes nothing, and a change in the CRM is one update.
func TestPipelineAgainstZohotest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fakeZoho := zohotest.NewServer(t, nil)
	crmClient, err := crm.New(zohotest.NewClient(t, fakeZoho), nil)
	require.NoError(t, err)
	erp, adapter := newTestERP(t)
	p, err := newPipeline(crmClient, adapter, store.NewMemory(nil))
	require.NoError(t, err)

	ana, err := fakeZoho.CRM().Put("Contacts", zohotest.Record{"First_Name": "Ana", "Last_Name": "Silva", "Email": "ana@zylker.com"})
	require.NoError(t, err)
	rep, err := p.Run(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Counts.Created, rep.String())
	customers, writes := erp.snapshot()
	require.Len(t, customers, 1)
	require.Equal(t, "Ana Silva", customers[0].Name)
	require.Equal(t, "ana@zylker.com", customers[0].Email)

	rep, err = p.Run(ctx)
	require.NoError(t, err)
	_, after := erp.snapshot()
	require.Equal(t, writes, after, "a run without CRM changes writes nothing: %s", rep)

	_, err = fakeZoho.CRM().Update("Contacts", ana["id"].(string), zohotest.Record{"Email": "ana.silva@zylker.com"})
	require.NoError(t, err)
	rep, err = p.Run(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Counts.Updated, rep.String())
	customers, _ = erp.snapshot()
	require.Equal(t, "ana.silva@zylker.com", customers[0].Email)
}

// The Source: a pull from the ERP into an in-memory system backfills
// everything, then reads only what changed since its cursor, deletes
// included.
func TestChangesSinceTheCursor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, adapter := newTestERP(t)
	res, err := adapter.Write(ctx, dataType, []sync.Op{
		create("k1", "Ana Silva", "ana@zylker.com"),
		create("k2", "Ravi Kumar", "ravi@zylker.com"),
		create("k3", "Mei Chen", "mei@zylker.com"),
	})
	require.NoError(t, err)

	mirror := synctest.NewAdapter(nil)
	identity, err := transform.New("erp-to-mirror", []transform.Rule{
		transform.Field("name", "name"), transform.Field("email", "email"), transform.Field("phone", "phone"),
	}, nil)
	require.NoError(t, err)
	p, err := sync.New(sync.Config{
		Name: "erp-to-mirror", DataType: dataType, Strategy: sync.Pull,
		Left:    sync.Side{System: "ERP", Source: adapter},
		Right:   mirror.Side("Mirror"),
		Mapping: identity,
		Deletes: sync.DeletePolicy{Mode: sync.DeletePropagate},
		Store:   store.NewMemory(nil),
	})
	require.NoError(t, err)

	rep, err := p.Run(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, rep.Counts.Read, rep.String())
	synctest.AssertRecords(t, mirror, dataType, []map[string]any{
		{"name": "Ana Silva", "email": "ana@zylker.com", "phone": ""},
		{"name": "Ravi Kumar", "email": "ravi@zylker.com", "phone": ""},
		{"name": "Mei Chen", "email": "mei@zylker.com", "phone": ""},
	})

	_, err = adapter.Write(ctx, dataType, []sync.Op{
		{Kind: sync.OpUpdate, ID: res[1].ID, Fields: map[string]any{"phone": "+91 80 5555 0102"}},
		{Kind: sync.OpDelete, ID: res[2].ID},
	})
	require.NoError(t, err)
	rep, err = p.Run(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Counts.Read, "only the two changes are read: %s", rep)
	synctest.AssertRecords(t, mirror, dataType, []map[string]any{
		{"name": "Ana Silva", "email": "ana@zylker.com", "phone": ""},
		{"name": "Ravi Kumar", "email": "ravi@zylker.com", "phone": "+91 80 5555 0102"},
	})
}

// The Source pages through long change lists without losing or repeating
// a record.
func TestChangesReadsEveryPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, adapter := newTestERP(t)
	const n = 2*pageSize + 7
	for i := range n {
		res, err := adapter.Write(ctx, dataType, []sync.Op{create(fmt.Sprint("k", i), fmt.Sprint("Customer ", i), "")})
		require.NoError(t, err)
		require.NoError(t, res[0].Err)
	}
	seen := map[string]bool{}
	for ch, err := range adapter.Changes(ctx, dataType, "") {
		require.NoError(t, err)
		require.False(t, seen[ch.Record.ID], "read twice: %s", ch.Record.ID)
		seen[ch.Record.ID] = true
	}
	require.Len(t, seen, n)
}

// The Sink refuses a create without a key: it could not be made idempotent.
func TestCreateWithoutKeyIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	erp, adapter := newTestERP(t)
	res, err := adapter.Write(ctx, dataType, []sync.Op{create("", "Ravi Kumar", "ravi@zylker.com")})
	require.NoError(t, err)
	require.Error(t, res[0].Err, "a create without a key is refused")
	customers, _ := erp.snapshot()
	require.Empty(t, customers)
}

// The Sink's errors tell the engine what to do: an update of no customer
// fails alone and is not retried; an ERP that is down fails the whole batch,
// to be retried later.
func TestWriteErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("an update of no customer fails alone", func(t *testing.T) {
		t.Parallel()
		_, adapter := newTestERP(t)
		res, err := adapter.Write(ctx, dataType, []sync.Op{
			{Kind: sync.OpUpdate, ID: "C-9999", Fields: map[string]any{"phone": "1"}},
			create("k2", "Ravi Kumar", "ravi@zylker.com"),
		})
		require.NoError(t, err)
		require.Error(t, res[0].Err)
		require.False(t, sync.IsRetryable(res[0].Err))
		require.NoError(t, res[1].Err)
	})

	t.Run("an ERP that is down fails the batch, retryably", func(t *testing.T) {
		t.Parallel()
		erp, adapter := newTestERP(t)
		erp.failRequests(1)
		_, err := adapter.Write(ctx, dataType, []sync.Op{create("k1", "Ana Silva", ""), create("k2", "Ravi Kumar", "")})
		require.Error(t, err)
		require.True(t, sync.IsRetryable(err))
		customers, _ := erp.snapshot()
		require.Empty(t, customers, "nothing after the failure was sent")
	})
}

// The adapter keeps the whole sync contract: synctest's conformance suite
// checks its Source, Sink and Reader rule by rule (idempotent creates,
// one Result per op in order, repeatable deletes, cursors that resume
// exactly, tombstones, Get leaving out missing IDs, ...). Run it on your
// adapter first: a failure names the rule broken.
func TestAdapterContract(t *testing.T) {
	t.Parallel()
	synctest.RunAdapter(t, synctest.AdapterHarness{
		New: func(t *testing.T) *synctest.AdapterSystem {
			erp, adapter := newTestERP(t)
			return &synctest.AdapterSystem{
				Source: adapter, Sink: adapter, Reader: adapter, DataType: dataType,
				// The ERP's own users change customers behind the adapter's
				// back. With a real ERP, call its API here.
				Edit: func(_ context.Context, id string, fields map[string]any) error {
					return erp.edit(id, func(c *erpCustomer) {
						for k, v := range fields {
							s, _ := v.(string)
							switch k {
							case "name":
								c.Name = s
							case "email":
								c.Email = s
							case "phone":
								c.Phone = s
							}
						}
					})
				},
				Delete: func(_ context.Context, id string) error {
					return erp.edit(id, func(c *erpCustomer) { c.Deleted = true })
				},
				// No Advance: the ERP stamps changes with the real clock.
			}
		},
		NewFields: func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprint("Customer ", i), "email": fmt.Sprintf("c%d@zylker.com", i), "phone": fmt.Sprintf("+1 555 %04d", i)}
		},
		// The ERP requires a name.
		BadFields:   func(i int) map[string]any { return map[string]any{"email": fmt.Sprintf("no-name-%d@zylker.com", i)} },
		Tombstones:  true, // deleted customers come from Changes as tombstones
		SoftDeletes: true, // and from Get
		ExactTimes:  true, // updated_at has nanoseconds
		KeepsKeys:   true, // a create's Op.Key comes back as Record.Key
	})
}

// edit changes a live customer in the ERP's own store, stamping updated_at
// as the ERP does.
func (e *fakeERP) edit(id string, change func(c *erpCustomer)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.customers[id]
	if !ok || c.Deleted {
		return fmt.Errorf("erp: no customer %s", id)
	}
	change(c)
	e.touch(c)
	return nil
}
