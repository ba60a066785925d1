//go:build unix

package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// The environment of the crashing child process.
const (
	envCrashDir     = "ZOHOKIT_E2E_CRASH_DIR"
	envCrashURL     = "ZOHOKIT_E2E_CRASH_URL"
	envCrashClient  = "ZOHOKIT_E2E_CRASH_CLIENT"
	envCrashSecret  = "ZOHOKIT_E2E_CRASH_SECRET"
	envCrashRefresh = "ZOHOKIT_E2E_CRASH_REFRESH"
)

// A process pulling ERP products into the CRM is killed (SIGKILL) after its
// first batch was written to the CRM and before that batch's checkpoint.
// Rerun, the pipeline converges: every product once in the CRM, none
// twice, and the run after writes nothing.
func TestKilledBetweenWriteAndCheckpointConverges(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	for i := range 250 {
		w.erpProduct(t, fmt.Sprintf("P-%03d", i), fmt.Sprintf("Product %d", i), fmt.Sprintf("%d.50", i))
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envCrashDir+"="+w.dir, envCrashURL+"="+w.srv.URL(), envCrashClient+"="+w.srv.ClientID(),
		envCrashSecret+"="+w.srv.ClientSecret(), envCrashRefresh+"="+w.srv.RefreshToken())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "the child must die, not finish: %v\n%s", err, out)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "killed by SIGKILL: %v\n%s", err, out)

	// The first batch reached the CRM; its checkpoint did not.
	require.Equal(t, 100, w.srv.CRM().Count("Products"))
	cursor, err := w.store.Cursor(context.Background(), "erp-prices", store.Left)
	require.NoError(t, err)
	require.Empty(t, cursor, "no checkpoint was committed")

	// The rerun (its store's clock past the dead process's lease) writes
	// the first batch again, by the same keys, and goes on.
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(w.dir, "state.db"), &sqlstore.Options{
		Now: func() time.Time { return time.Now().Add(time.Hour) },
	})
	require.NoError(t, err)
	defer st.Close()
	p := pricesPipeline(t, st, w.erp, w.crmSide, w.clock)
	rep, err := p.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, 250, rep.Counts.Created, rep.String())

	products := w.srv.CRM().List("Products")
	require.Len(t, products, 250, "no duplicate")
	keys := map[any]bool{}
	for _, r := range products {
		keys[r["Zohokit_Key"]] = true
	}
	require.Len(t, keys, 250)

	w.srv.ResetCalls()
	rep, err = p.Run(context.Background())
	require.NoError(t, err)
	require.Zero(t, rep.Counts.Created+rep.Counts.Updated, rep.String())
	require.Zero(t, w.crmWrites())
}

// killingStore dies at the first checkpoint that links records: after the
// batch's writes, before they are recorded.
type killingStore struct{ store.Store }

func (s killingStore) Commit(ctx context.Context, cp store.Checkpoint) error {
	if len(cp.Links) > 0 {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
	return s.Store.Commit(ctx, cp)
}

// TestCrashHelperProcess is the child of
// TestKilledBetweenWriteAndCheckpointConverges; it does nothing unless that
// test started it.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		return
	}
	ctx := context.Background()
	url := os.Getenv(envCrashURL)
	zc, err := zoho.New(zoho.Config{
		ClientID: os.Getenv(envCrashClient), ClientSecret: os.Getenv(envCrashSecret), RefreshToken: os.Getenv(envCrashRefresh),
		DataCenter: zoho.DataCenter{Location: zohotest.Location, Accounts: url, API: url, Content: url, Projects: url, People: url},
		HTTPClient: &http.Client{Timeout: time.Minute},
	})
	require.NoError(t, err)
	c, err := crm.New(zc, nil)
	require.NoError(t, err)
	crmSide, err := crmadapter.New(c, crmModules(), nil)
	require.NoError(t, err)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "erp.db"), nil)
	require.NoError(t, err)
	erp, err := newERP(db, time.Now)
	require.NoError(t, err)
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "state.db"), nil)
	require.NoError(t, err)

	p := pricesPipeline(t, killingStore{st}, erp, crmSide, sync.SystemClock())
	_, err = p.Run(ctx)
	t.Fatalf("the run returned (%v) instead of dying at its checkpoint", err)
}
