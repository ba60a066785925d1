package migrate_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/migrate"
	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/internal/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// engine opens a new empty database of one dialect; open may be called
// several times to get several connections pools on the same database, as
// several processes would have.
type engine struct {
	dialect migrate.Dialect
	newDB   func(t *testing.T) (open func() *sql.DB)
}

func engines() []engine {
	return []engine{
		{migrate.SQLite, func(t *testing.T) func() *sql.DB {
			path := filepath.Join(t.TempDir(), "m.db")
			return func() *sql.DB {
				db, err := sqlite.Open(context.Background(), path, nil)
				require.NoError(t, err)
				t.Cleanup(func() { db.Close() })
				return db
			}
		}},
		{migrate.Postgres, func(t *testing.T) func() *sql.DB {
			dsn := pgtest.DSN(t)
			return func() *sql.DB {
				db, err := sql.Open("pgx", dsn)
				require.NoError(t, err)
				t.Cleanup(func() { db.Close() })
				return db
			}
		}},
	}
}

// counted returns migrations that create table name_v<i> and count their own
// runs in name_runs, so that a test sees each run.
func counted(name string, n int) []migrate.Migration {
	ms := []migrate.Migration{{
		Version: 1, Name: "001_init.sql",
		SQL: fmt.Sprintf(`CREATE TABLE %[1]s_runs (version INTEGER NOT NULL);
CREATE TABLE %[1]s_v1 (id INTEGER PRIMARY KEY);
INSERT INTO %[1]s_runs (version) VALUES (1);`, name),
	}}
	for v := 2; v <= n; v++ {
		ms = append(ms, migrate.Migration{
			Version: v, Name: fmt.Sprintf("%03d_more.sql", v),
			SQL: fmt.Sprintf(`CREATE TABLE %[1]s_v%[2]d (id INTEGER PRIMARY KEY);
INSERT INTO %[1]s_runs (version) VALUES (%[2]d);`, name, v),
		})
	}
	return ms
}

func runs(t *testing.T, db *sql.DB, name string) []int {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf(`SELECT version FROM %s_runs ORDER BY version`, name))
	require.NoError(t, err)
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		require.NoError(t, rows.Scan(&v))
		out = append(out, v)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestApply(t *testing.T) {
	t.Parallel()
	for _, e := range engines() {
		t.Run(string(e.dialect), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			t.Run("fresh database then upgrade", func(t *testing.T) {
				t.Parallel()
				db := e.newDB(t)()
				at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
				opts := &migrate.Options{Now: func() time.Time { return at }}

				v, err := migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 2), opts)
				require.NoError(t, err)
				require.Equal(t, 2, v)
				require.Equal(t, []int{1, 2}, runs(t, db, "q"))

				// Applying again changes nothing.
				v, err = migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 2), opts)
				require.NoError(t, err)
				require.Equal(t, 2, v)
				require.Equal(t, []int{1, 2}, runs(t, db, "q"))

				// A newer release adds version 3: only it runs.
				v, err = migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 3), opts)
				require.NoError(t, err)
				require.Equal(t, 3, v)
				require.Equal(t, []int{1, 2, 3}, runs(t, db, "q"))

				got, err := migrate.Version(ctx, db, e.dialect, "queue")
				require.NoError(t, err)
				require.Equal(t, 3, got)

				var n int
				require.NoError(t, db.QueryRow(`SELECT count(*) FROM zohokit_migrations WHERE component = 'queue'`).Scan(&n))
				require.Equal(t, 3, n)
			})
			t.Run("components are independent", func(t *testing.T) {
				t.Parallel()
				db := e.newDB(t)()
				_, err := migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 2), nil)
				require.NoError(t, err)
				v, err := migrate.Version(ctx, db, e.dialect, "store")
				require.NoError(t, err)
				require.Zero(t, v)
				v, err = migrate.Apply(ctx, db, e.dialect, "store", counted("s", 1), nil)
				require.NoError(t, err)
				require.Equal(t, 1, v)
				require.Equal(t, []int{1}, runs(t, db, "s"))
				require.Equal(t, []int{1, 2}, runs(t, db, "q"))
			})
			t.Run("version of an unmigrated database is zero", func(t *testing.T) {
				t.Parallel()
				db := e.newDB(t)()
				v, err := migrate.Version(ctx, db, e.dialect, "queue")
				require.NoError(t, err)
				require.Zero(t, v)
			})
			t.Run("a failing migration applies nothing", func(t *testing.T) {
				t.Parallel()
				db := e.newDB(t)()
				_, err := migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 1), nil)
				require.NoError(t, err)

				ms := counted("q", 2)
				ms = append(ms, migrate.Migration{Version: 3, Name: "003_broken.sql", SQL: `CREATE TABLE q_v2 (id INTEGER)`})
				_, err = migrate.Apply(ctx, db, e.dialect, "queue", ms, nil)
				require.ErrorContains(t, err, "003_broken.sql")

				v, err := migrate.Version(ctx, db, e.dialect, "queue")
				require.NoError(t, err)
				require.Equal(t, 1, v, "version 2 ran in the failed transaction and must be rolled back")
				require.Equal(t, []int{1}, runs(t, db, "q"))

				// The database is usable afterwards, and the fixed release applies.
				v, err = migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 2), nil)
				require.NoError(t, err)
				require.Equal(t, 2, v)
			})
			t.Run("a database newer than the code is refused", func(t *testing.T) {
				t.Parallel()
				db := e.newDB(t)()
				_, err := migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 3), nil)
				require.NoError(t, err)
				_, err = migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 2), nil)
				require.ErrorIs(t, err, migrate.ErrDatabaseNewer)
				require.ErrorContains(t, err, "version 3")
			})
			t.Run("processes starting at once apply each migration once", func(t *testing.T) {
				t.Parallel()
				open := e.newDB(t)
				const procs = 6
				dbs := make([]*sql.DB, procs)
				for i := range dbs {
					dbs[i] = open()
				}
				var wg sync.WaitGroup
				errs := make([]error, procs)
				start := make(chan struct{})
				for i, db := range dbs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, errs[i] = migrate.Apply(ctx, db, e.dialect, "queue", counted("q", 4), nil)
					}()
				}
				close(start)
				wg.Wait()
				for i, err := range errs {
					require.NoError(t, err, "process %d", i)
				}
				require.Equal(t, []int{1, 2, 3, 4}, runs(t, dbs[0], "q"))
			})
		})
	}
}

func TestApplyRejectsBadInput(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), nil)
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()

	_, err = migrate.Apply(ctx, db, migrate.SQLite, "", counted("q", 1), nil)
	require.ErrorContains(t, err, "component is empty")
	_, err = migrate.Apply(ctx, db, "mysql", "queue", counted("q", 1), nil)
	require.ErrorContains(t, err, `unknown dialect "mysql"`)
	gap := counted("q", 3)
	gap = append(gap[:1], gap[2])
	_, err = migrate.Apply(ctx, db, migrate.SQLite, "queue", gap, nil)
	require.ErrorContains(t, err, "want 2")
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{
			name: "ordered by number, other files ignored",
			files: fstest.MapFS{
				"m/002_second.sql": {Data: []byte("SELECT 2")},
				"m/001_init.sql":   {Data: []byte("SELECT 1")},
				"m/README.md":      {Data: []byte("notes")},
				"m/010_x.sql.orig": {Data: []byte("ignored: not .sql")},
			},
			want: []int{1, 2},
		},
		{
			name:    "gap",
			files:   fstest.MapFS{"m/001_a.sql": {Data: []byte("SELECT 1")}, "m/003_c.sql": {Data: []byte("SELECT 3")}},
			wantErr: `"003_c.sql" has version 3, want 2`,
		},
		{
			name:    "repeat",
			files:   fstest.MapFS{"m/001_a.sql": {Data: []byte("SELECT 1")}, "m/1_b.sql": {Data: []byte("SELECT 1")}},
			wantErr: "want 2",
		},
		{
			name:    "bad name",
			files:   fstest.MapFS{"m/init.sql": {Data: []byte("SELECT 1")}},
			wantErr: "m/init.sql: file name must look like 001_name.sql",
		},
		{
			name:    "empty file",
			files:   fstest.MapFS{"m/001_a.sql": {Data: []byte(" \n")}},
			wantErr: `"001_a.sql" is empty`,
		},
		{
			name:    "missing directory",
			files:   fstest.MapFS{},
			wantErr: "read m",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms, err := migrate.Load(tt.files, "m")
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			require.Equal(t, tt.want, got)
		})
	}
}
