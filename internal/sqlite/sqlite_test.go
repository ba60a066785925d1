package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/sqlite"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a b.db") // a space must survive the DSN
	db, err := sqlite.Open(ctx, path, &sqlite.Options{BusyTimeout: 2 * time.Second, Synchronous: "normal"})
	require.NoError(t, err)
	defer db.Close()

	var mode string
	var busy, syncMode, fk int
	require.NoError(t, db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode))
	require.NoError(t, db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy))
	require.NoError(t, db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&syncMode))
	require.NoError(t, db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk))
	require.Equal(t, "wal", mode)
	require.Equal(t, 2000, busy)
	require.Equal(t, 1, syncMode, "NORMAL")
	require.Equal(t, 1, fk)
	require.FileExists(t, path)

	// Transactions take the write lock when they begin: a second one waits
	// for the first instead of failing later on a lock upgrade.
	tx1, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = db.BeginTx(short, nil)
	require.Error(t, err, "the second BEGIN IMMEDIATE must wait for the first transaction")
	require.NoError(t, tx1.Rollback())
	tx2, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, tx2.Rollback())
}

func TestOpenDefaults(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), nil)
	require.NoError(t, err)
	defer db.Close()
	var busy, syncMode int
	require.NoError(t, db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy))
	require.NoError(t, db.QueryRow(`PRAGMA synchronous`).Scan(&syncMode))
	require.Equal(t, 10000, busy)
	require.Equal(t, 2, syncMode, "FULL")
}

func TestDSNRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		opts       *sqlite.Options
		wantErr    string
	}{
		{"empty path", "", nil, "path is empty"},
		{"memory", ":memory:", nil, "give a plain file path"},
		{"uri", "file:x.db", nil, "give a plain file path"},
		{"query in path", "x.db?mode=ro", nil, "contains '?' or '#'"},
		{"negative busy timeout", "x.db", &sqlite.Options{BusyTimeout: -1}, "Options.BusyTimeout is negative"},
		{"negative conns", "x.db", &sqlite.Options{MaxOpenConns: -1}, "Options.MaxOpenConns is negative"},
		{"bad synchronous", "x.db", &sqlite.Options{Synchronous: "OFF"}, `Options.Synchronous "OFF"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := sqlite.DSN(tt.path, tt.opts)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
