// Package migrate applies zohokit's versioned schema migrations to SQLite and
// PostgreSQL databases.
//
// Each component (the queue, the sync-state store) keeps its own ordered list
// of migrations, one SQL file per version and dialect, embedded in its
// package:
//
//	migrations/postgres/001_init.sql
//	migrations/postgres/002_add_index.sql
//	migrations/sqlite/001_init.sql
//	...
//
// Apply runs the versions a database lacks in one transaction and records
// each in the zohokit_migrations(component, version, applied_at) table that
// all components share. It is safe when several processes start at once: on
// PostgreSQL the transaction holds an advisory lock, on SQLite it begins with
// BEGIN IMMEDIATE, so the second process waits and then finds nothing left
// to do. A database whose component is at a version this code does not know
// is refused with ErrDatabaseNewer, so an old binary never runs against a
// schema it does not understand.
package migrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Dialect names a SQL engine.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Migration is one version of a component's schema.
type Migration struct {
	Version int    // 1, 2, ...: the number the file name starts with
	Name    string // the file name, for error messages
	SQL     string // one or more statements
}

// ErrDatabaseNewer means the database holds a version of a component that
// this code does not know: it was migrated by a newer release.
var ErrDatabaseNewer = errors.New("migrate: database is newer than this code")

// advisoryLockKey is the PostgreSQL advisory lock that serialises migrations
// of every component: the bytes of "zk-migr" as a number.
const advisoryLockKey int64 = 0x7a6b2d6d69677221

var fileName = regexp.MustCompile(`^([0-9]+)_[A-Za-z0-9_.-]+\.sql$`)

// Load reads the migrations in directory dir of fsys: every file named like
// 001_init.sql, numbered from 1 without gaps. Files not ending in .sql are
// ignored; a .sql file that does not follow the pattern is an error.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", dir, err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrate: %s: file name must look like 001_name.sql", path.Join(dir, e.Name()))
		}
		v, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("migrate: %s: version: %w", path.Join(dir, e.Name()), err)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if err := check(out); err != nil {
		return nil, fmt.Errorf("migrate: %s: %w", dir, err)
	}
	return out, nil
}

// check verifies that migrations are numbered 1, 2, ... in order.
func check(ms []Migration) error {
	for i, m := range ms {
		if m.Version != i+1 {
			return fmt.Errorf("migration %q has version %d, want %d (versions start at 1 and have no gaps or repeats)", m.Name, m.Version, i+1)
		}
		if strings.TrimSpace(m.SQL) == "" {
			return fmt.Errorf("migration %q is empty", m.Name)
		}
	}
	return nil
}

// Options tunes Apply. The zero value is ready to use.
type Options struct {
	// Now gives the time recorded as applied_at; nil means time.Now.
	Now func() time.Time
}

// Apply brings component to the last of migrations (as returned by Load, or
// built in order by hand) and returns the version the database is at.
// Pending migrations run in one transaction: all of them are applied, or on
// error none. db must be a *sql.DB of the dialect: modernc.org/sqlite for
// SQLite (a busy timeout set, as internal/sqlite.Open does, so that a second
// process waits), or pgx's stdlib for PostgreSQL.
func Apply(ctx context.Context, db *sql.DB, d Dialect, component string, migrations []Migration, opts *Options) (int, error) {
	if err := d.valid(); err != nil {
		return 0, err
	}
	if component == "" {
		return 0, errors.New("migrate: component is empty")
	}
	if err := check(migrations); err != nil {
		return 0, fmt.Errorf("migrate: %s: %w", component, err)
	}
	now := time.Now
	if opts != nil && opts.Now != nil {
		now = opts.Now
	}
	var version int
	err := inTx(ctx, db, d, func(ex execer) error {
		if err := createTable(ctx, ex, d); err != nil {
			return err
		}
		v, err := currentVersion(ctx, ex, d, component)
		if err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("%w: %s is at version %d, this code knows versions up to %d", ErrDatabaseNewer, component, v, len(migrations))
		}
		for _, m := range migrations[v:] {
			if _, err := ex.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migrate: %s: apply %s: %w", component, m.Name, err)
			}
			if err := record(ctx, ex, d, component, m.Version, now()); err != nil {
				return err
			}
		}
		version = len(migrations)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// Version returns the version component is at in db, 0 when it has none.
func Version(ctx context.Context, db *sql.DB, d Dialect, component string) (int, error) {
	if err := d.valid(); err != nil {
		return 0, err
	}
	var exists bool
	var q string
	switch d {
	case SQLite:
		q = `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'zohokit_migrations'`
	case Postgres:
		q = `SELECT to_regclass('zohokit_migrations') IS NOT NULL`
	}
	if err := db.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return 0, fmt.Errorf("migrate: %s: version: %w", component, err)
	}
	if !exists {
		return 0, nil
	}
	return currentVersion(ctx, db, d, component)
}

func (d Dialect) valid() error {
	switch d {
	case SQLite, Postgres:
		return nil
	}
	return fmt.Errorf("migrate: unknown dialect %q", string(d))
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction that excludes every other migrating process
// from its start: an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite.
func inTx(ctx context.Context, db *sql.DB, d Dialect, fn func(execer) error) error {
	switch d {
	case Postgres:
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate: begin: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, advisoryLockKey); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate: commit: %w", err)
		}
		return nil
	case SQLite:
		// database/sql's BeginTx would issue a plain (deferred) BEGIN unless
		// the DSN asks otherwise; the connection is the caller's, so issue
		// BEGIN IMMEDIATE on a connection of our own.
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			return fmt.Errorf("migrate: begin: %w", err)
		}
		if err := fn(conn); err != nil {
			rollback(conn)
			return err
		}
		if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
			rollback(conn)
			return fmt.Errorf("migrate: commit: %w", err)
		}
		return nil
	}
	return d.valid()
}

// rollback ends the SQLite transaction on conn even when the caller's
// context is done. If that fails the connection is discarded rather than
// returned to the pool inside a transaction.
func rollback(conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

func createTable(ctx context.Context, ex execer, d Dialect) error {
	q := `CREATE TABLE IF NOT EXISTS zohokit_migrations (
	component  TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	applied_at TEXT    NOT NULL,
	PRIMARY KEY (component, version)
)`
	if d == Postgres {
		q = `CREATE TABLE IF NOT EXISTS zohokit_migrations (
	component  text        NOT NULL,
	version    integer     NOT NULL,
	applied_at timestamptz NOT NULL,
	PRIMARY KEY (component, version)
)`
	}
	if _, err := ex.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("migrate: create zohokit_migrations: %w", err)
	}
	return nil
}

func currentVersion(ctx context.Context, ex execer, d Dialect, component string) (int, error) {
	q := `SELECT coalesce(max(version), 0) FROM zohokit_migrations WHERE component = ?`
	if d == Postgres {
		q = `SELECT coalesce(max(version), 0) FROM zohokit_migrations WHERE component = $1`
	}
	var v int
	if err := ex.QueryRowContext(ctx, q, component).Scan(&v); err != nil {
		return 0, fmt.Errorf("migrate: %s: read version: %w", component, err)
	}
	return v, nil
}

func record(ctx context.Context, ex execer, d Dialect, component string, version int, at time.Time) error {
	var err error
	if d == Postgres {
		_, err = ex.ExecContext(ctx, `INSERT INTO zohokit_migrations (component, version, applied_at) VALUES ($1, $2, $3)`, component, version, at)
	} else {
		_, err = ex.ExecContext(ctx, `INSERT INTO zohokit_migrations (component, version, applied_at) VALUES (?, ?, ?)`,
			component, version, at.UTC().Format(time.RFC3339Nano))
	}
	if err != nil {
		return fmt.Errorf("migrate: %s: record version %d: %w", component, version, err)
	}
	return nil
}
