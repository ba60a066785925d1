package sync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// openSQLite returns a SQLite store and a SQLite queue in one file.
func openSQLite(t testing.TB, b *bundle) (*sqlstore.Store, *sqlqueue.SQLite) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "zohokit.db"), &sqlstore.Options{Now: b.clock.Now})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	q, err := sqlqueue.NewSQLite(ctx, st.DB(), &sqlqueue.Options{Now: b.clock.Now})
	require.NoError(t, err)
	return st, q
}

func TestSQLiteParksFailuresInTheCheckpointTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	st, q := openSQLite(t, b)
	for i := range 12 {
		b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo"))
		b.tick()
	}
	b.right.Inject(synctest.Fault{Err: synctest.Rejected("no such city"), Match: func(op sync.Op) bool { return op.Fields["email"] == "4@example.com" }})
	cfg := b.config(sync.Pull)
	cfg.Store, cfg.Queue, cfg.SameDatabase = st, q, true
	p := b.pipeline(t, cfg)

	rep := run(t, p)
	require.Equal(t, 11, rep.Counts.Created)
	require.Equal(t, 1, rep.Parked)
	require.NotZero(t, rep.Failures[0].JobID)
	cur, err := st.Cursor(ctx, p.Name(), store.Left)
	require.NoError(t, err)
	require.Equal(t, string(rep.Cursors[store.Left]), cur)

	b.right.ClearFaults()
	drain(t, q, b.clock.Now, p)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
}

func TestSQLiteCrashBetweenWriteAndCheckpoint(t *testing.T) {
	t.Parallel()
	b := setup(t)
	st, _ := openSQLite(t, b)
	for i := range 25 {
		b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo"))
		b.tick()
	}
	crashing := &failingCommit{Store: st, fails: 1}
	cfg := b.config(sync.Bidirectional)
	cfg.Resolver = mustLatest(t)
	cfg.Store = crashing
	p := b.pipeline(t, cfg)
	_, err := p.Run(context.Background())
	require.ErrorContains(t, err, "injected")

	run(t, p)
	require.Equal(t, 25, b.right.Len(dt))
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	b.requireQuiet(t, p)
}

var _ queue.Queue = (*sqlqueue.SQLite)(nil)
