package e2e_test

import (
	"context"
	"errors"
	"strconv"
	gosync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// commitFailsOnce is a store whose first checkpoint that links records
// fails: a process that died after a batch's writes and before their
// checkpoint.
type commitFailsOnce struct {
	store.Store
	mu     gosync.Mutex
	failed bool
}

func (s *commitFailsOnce) Commit(ctx context.Context, cp store.Checkpoint) error {
	s.mu.Lock()
	fail := !s.failed && len(cp.Links) > 0
	s.failed = s.failed || fail
	s.mu.Unlock()
	if fail {
		return errors.New("injected: the process died before the checkpoint")
	}
	return s.Store.Commit(ctx, cp)
}

// newERPCustomer adds a customer in the ERP as its own code would, and
// returns its id.
func (w *world) newERPCustomer(t *testing.T, name, city string) string {
	t.Helper()
	res, err := w.erpDB.Exec("INSERT INTO customers (name, ship_city, updated_at) VALUES (?, ?, ?)", name, city, w.clock.Now().UTC())
	require.NoError(t, err)
	id, err := res.LastInsertId()
	require.NoError(t, err)
	return strconv.FormatInt(id, 10)
}

// requireOneLinkedCustomer requires one CRM account and one ERP customer,
// linked, and returns the account.
func (w *world) requireOneLinkedCustomer(t *testing.T, erpID string) zohotest.Record {
	t.Helper()
	accounts := w.srv.CRM().List("Accounts")
	require.Len(t, accounts, 1, "one CRM account")
	var n int
	require.NoError(t, w.erpDB.QueryRow("SELECT count(*) FROM customers").Scan(&n))
	require.Equal(t, 1, n, "one ERP customer")
	accID := accounts[0]["id"].(string)
	links, err := w.store.Links(context.Background(), "customers", store.Left, []string{accID})
	require.NoError(t, err)
	require.Contains(t, links, accID, "linked")
	require.Equal(t, erpID, links[accID].RightID)
	return accounts[0]
}

// A run creates a new ERP customer's account in the CRM and dies before
// the checkpoint that links them. The rerun's CRM pass reads the new
// account, unlinked, and recognises by its Zohokit_Key that this pipeline
// made it from the ERP: it creates no second customer in the ERP. The ERP
// pass reads the customer again; its upsert on Zohokit_Key finds the
// account, and the two are linked.
func TestBidiCrashAfterCreatingInTheCRMConverges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, worldOptions{})
	erpID := w.newERPCustomer(t, "Acme", "Kochi")
	latest, err := conflict.NewLatest(nil)
	require.NoError(t, err)
	cfg := customersConfig(t, w)
	cfg.Resolver = latest
	cfg.Store = &commitFailsOnce{Store: w.store}
	p, err := sync.New(cfg)
	require.NoError(t, err)

	_, err = p.Run(ctx)
	require.ErrorContains(t, err, "injected")
	accounts := w.srv.CRM().List("Accounts")
	require.Len(t, accounts, 1, "the create reached the CRM")
	key := sync.IdempotencyKey("customers", store.Right, erpID)
	require.Equal(t, key, accounts[0]["Zohokit_Key"])
	links, err := w.store.Links(ctx, "customers", store.Right, []string{erpID})
	require.NoError(t, err)
	require.Empty(t, links, "its link was not checkpointed")

	w.advance(time.Minute)
	rep, err := p.Run(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Counts.Failed, rep.String())
	require.Equal(t, 1, rep.Skipped, "the CRM account, created by the pipeline and not linked yet")
	require.Empty(t, rep.Warnings)
	acc := w.requireOneLinkedCustomer(t, erpID)
	require.Equal(t, accounts[0]["id"], acc["id"])
	require.Equal(t, "Acme", acc["Account_Name"])
	require.Equal(t, "Kochi", acc["Shipping_City"])

	// The run after writes nothing.
	w.advance(time.Minute)
	before := w.crmWrites()
	rep, err = p.Run(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Counts.Created+rep.Counts.Updated+rep.Counts.Deleted, rep.String())
	require.Equal(t, before, w.crmWrites())
	w.requireOneLinkedCustomer(t, erpID)
}

// webhookCRM is the CRM's "account created" webhook delivered as a Push as
// soon as the sync creates the account, before the run's checkpoint.
type webhookCRM struct {
	sync.Sink
	p      **sync.Pipeline
	pushes []sync.Report
}

func (s *webhookCRM) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	res, err := s.Sink.Write(ctx, dataType, ops)
	for i, op := range ops {
		if err == nil && op.Kind == sync.OpCreate && res[i].Err == nil {
			rep, err := (*s.p).Push(ctx, sync.Event{Side: store.Left, ID: res[i].ID})
			if err != nil {
				return nil, err
			}
			s.pushes = append(s.pushes, rep)
		}
	}
	return res, err
}

// The CRM's webhook for an account the run has just created arrives before
// the run's checkpoint: the push reads the account, recognises its key and
// creates nothing in the ERP; the run links the two.
func TestBidiWebhookRacingARunsCreateInTheCRMDoesNotDuplicate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, worldOptions{})
	erpID := w.newERPCustomer(t, "Acme", "Kochi")
	latest, err := conflict.NewLatest(nil)
	require.NoError(t, err)
	cfg := customersConfig(t, w)
	cfg.Resolver = latest
	var p *sync.Pipeline
	hook := &webhookCRM{Sink: w.crmSide, p: &p}
	cfg.Left.Sink = hook
	p, err = sync.New(cfg)
	require.NoError(t, err)

	rep, err := p.Run(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Counts.Failed, rep.String())
	require.Len(t, hook.pushes, 1)
	require.Equal(t, 1, hook.pushes[0].Skipped, hook.pushes[0].String())
	require.Zero(t, hook.pushes[0].Counts.Created)
	w.requireOneLinkedCustomer(t, erpID)
}
