package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/sqlstore"
)

// sharedEnv is a store and a queue in one database, as a service runs them.
type sharedEnv struct {
	st *sqlstore.Store
	q  interface {
		queue.Queue
		queue.TxEnqueuer
	}
	sqlite bool
	pool   *pgxpool.Pool // PostgreSQL
}

// exec runs a statement written with $n placeholders on the shared database.
func (e *sharedEnv) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if e.sqlite {
		query = strings.ReplaceAll(query, "$", "?")
	}
	_, err := e.st.DB().ExecContext(t.Context(), query, args...)
	require.NoError(t, err)
}

func sharedEnvs(t *testing.T) map[string]func(t *testing.T) *sharedEnv {
	return map[string]func(t *testing.T) *sharedEnv{
		"sqlite": func(t *testing.T) *sharedEnv {
			st := newSQLite(t, filepath.Join(t.TempDir(), "service.db"), nil)
			q, err := sqlqueue.NewSQLite(t.Context(), st.DB(), nil)
			require.NoError(t, err)
			t.Cleanup(func() { q.Close() })
			return &sharedEnv{st: st, q: q, sqlite: true}
		},
		"postgres": func(t *testing.T) *sharedEnv {
			pool := newPool(t, pgtest.DSN(t))
			st := newPostgres(t, pool, nil)
			q, err := sqlqueue.NewPostgres(t.Context(), pool, nil)
			require.NoError(t, err)
			t.Cleanup(func() { q.Close() })
			return &sharedEnv{st: st, q: q, pool: pool}
		},
	}
}

func readyJobs(t *testing.T, q queue.Queue) int {
	t.Helper()
	s, err := q.Stats(t.Context())
	require.NoError(t, err)
	return s.Total().Ready
}

// TestCommitTxWithQueue commits a checkpoint and the jobs that follow from
// it in one transaction, and shows that they roll back together.
func TestCommitTxWithQueue(t *testing.T) {
	t.Parallel()
	for name, open := range sharedEnvs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			e := open(t)
			cp := func(left, right, cursor string) store.Checkpoint {
				return store.Checkpoint{Pipeline: "invoices", Links: []store.Link{{LeftID: left, RightID: right}},
					Cursors: map[store.Side]string{store.Left: cursor}}
			}
			enqueue := func(jobs ...queue.Job) func(ctx context.Context, tx *sql.Tx) error {
				return func(ctx context.Context, tx *sql.Tx) error {
					for _, j := range jobs {
						if _, err := e.q.EnqueueTx(ctx, tx, j); err != nil {
							return err
						}
					}
					return nil
				}
			}
			linked := func(left string) bool {
				t.Helper()
				m, err := e.st.Links(ctx, "invoices", store.Left, []string{left})
				require.NoError(t, err)
				return len(m) == 1
			}
			cursor := func() string {
				t.Helper()
				c, err := e.st.Cursor(ctx, "invoices", store.Left)
				require.NoError(t, err)
				return c
			}

			// Together: the checkpoint and the job.
			require.NoError(t, e.st.CommitTx(ctx, cp("INV-1", "B-1", "c1"), enqueue(queue.Job{Kind: "notify", Key: "INV-1"})))
			require.True(t, linked("INV-1"))
			require.Equal(t, "c1", cursor())
			require.Equal(t, 1, readyJobs(t, e.q))

			// The second enqueue fails: neither the checkpoint nor the first job is kept.
			err := e.st.CommitTx(ctx, cp("INV-2", "B-2", "c2"), enqueue(queue.Job{Kind: "notify", Key: "INV-2"}, queue.Job{Kind: ""}))
			require.ErrorIs(t, err, queue.ErrInvalidJob)
			require.False(t, linked("INV-2"))
			require.Equal(t, "c1", cursor())
			require.Equal(t, 1, readyJobs(t, e.q))

			// The checkpoint fails: within's writes are not kept either.
			called := false
			err = e.st.CommitTx(ctx, cp("INV-3", "B-1", "c3"), func(ctx context.Context, tx *sql.Tx) error {
				called = true
				return enqueue(queue.Job{Kind: "notify", Key: "INV-3"})(ctx, tx)
			})
			require.ErrorIs(t, err, store.ErrConflictingLink)
			require.False(t, called, "within ran after the checkpoint failed")
			require.Equal(t, 1, readyJobs(t, e.q))

			// A nil within is Commit.
			require.NoError(t, e.st.CommitTx(ctx, cp("INV-4", "B-4", "c4"), nil))
			require.True(t, linked("INV-4"))
		})
	}
}

// TestCommitTxRollsBackOwnWrites writes to an application table of its own
// in the checkpoint's transaction, and fails.
func TestCommitTxRollsBackOwnWrites(t *testing.T) {
	t.Parallel()
	for name, open := range sharedEnvs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			e := open(t)
			e.exec(t, `CREATE TABLE app_audit (id INTEGER PRIMARY KEY, note TEXT NOT NULL)`)
			insert := `INSERT INTO app_audit (id, note) VALUES (1, 'synced')`
			cp := store.Checkpoint{Pipeline: "p", Links: []store.Link{{LeftID: "L", RightID: "R"}}}

			boom := errors.New("boom")
			err := e.st.CommitTx(ctx, cp, func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, insert); err != nil {
					return err
				}
				return boom
			})
			require.ErrorIs(t, err, boom)
			requireCount(t, e.st.DB(), `SELECT count(*) FROM app_audit`, 0)
			requireCount(t, e.st.DB(), `SELECT count(*) FROM zohokit_links`, 0)

			// within's own unique violation is its error, not a link conflict.
			e.exec(t, insert)
			err = e.st.CommitTx(ctx, cp, func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, insert)
				return err
			})
			require.Error(t, err)
			require.NotErrorIs(t, err, store.ErrConflictingLink)
			requireCount(t, e.st.DB(), `SELECT count(*) FROM zohokit_links`, 0)
		})
	}
}

func requireCount(t *testing.T, db *sql.DB, query string, want int) {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), query).Scan(&n))
	require.Equal(t, want, n, query)
}

// TestMigrationsShareOneTable opens the store, the queue and the token
// store on one database, the store twice: each component is recorded in
// zohokit_migrations, and opening again changes nothing.
func TestMigrationsShareOneTable(t *testing.T) {
	t.Parallel()
	for name, open := range sharedEnvs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := open(t)
			var err error
			if e.sqlite {
				_, err = sqlstore.NewSQLiteTokenStore(t.Context(), e.st.DB(), nil)
				require.NoError(t, err)
				_, err = sqlstore.NewSQLite(t.Context(), e.st.DB(), nil)
				require.NoError(t, err)
			} else {
				_, err = sqlstore.NewPostgresTokenStore(t.Context(), e.pool, nil)
				require.NoError(t, err)
				_, err = sqlstore.NewPostgres(t.Context(), e.pool, nil)
				require.NoError(t, err)
			}
			rows, err := e.st.DB().QueryContext(t.Context(), `SELECT component, version FROM zohokit_migrations
	WHERE component IN ('store', 'tokens') ORDER BY component, version`)
			require.NoError(t, err)
			defer rows.Close()
			var got []string
			for rows.Next() {
				var c string
				var v int
				require.NoError(t, rows.Scan(&c, &v))
				got = append(got, fmt.Sprintf("%s/%d", c, v))
			}
			require.NoError(t, rows.Err())
			require.Equal(t, []string{"store/1", "tokens/1"}, got)
			requireCount(t, e.st.DB(), `SELECT count(DISTINCT component) FROM zohokit_migrations WHERE component = 'queue'`, 1)
		})
	}
}
