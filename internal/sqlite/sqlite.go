// Package sqlite opens SQLite databases the way zohokit's SQL stores expect
// them: modernc.org/sqlite (no cgo, driver name "sqlite"), one file in WAL
// mode, a busy timeout so that writers from several connections or processes
// wait for each other instead of failing, and transactions that take the
// write lock when they begin (BEGIN IMMEDIATE), so that a transaction that
// reads before it writes can never fail to upgrade its lock.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

// DriverName is the database/sql driver name of modernc.org/sqlite.
const DriverName = "sqlite"

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// BusyTimeout is how long a connection waits for another one's write
	// lock before failing with SQLITE_BUSY; zero means 10 seconds.
	BusyTimeout time.Duration
	// Synchronous is SQLite's synchronous setting: "FULL" (the default when
	// empty: a committed transaction survives a power loss) or "NORMAL" (in
	// WAL mode the last transactions may roll back after a power loss, never
	// corrupting the file; commits are faster).
	Synchronous string
	// MaxOpenConns bounds the connections of the returned *sql.DB; zero
	// means 4. Reads run concurrently on them; SQLite runs one writer at a
	// time whatever this is.
	MaxOpenConns int
}

// Open opens (creating it if needed) the SQLite database file at path and
// checks that it answers. path must name a file: ":memory:" is refused,
// because every connection of the pool would get a database of its own.
func Open(ctx context.Context, path string, opts *Options) (*sql.DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	dsn, err := DSN(path, &o)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(DriverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	maxConns := o.MaxOpenConns
	if maxConns == 0 {
		maxConns = 4
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// DSN returns the modernc.org/sqlite data source name that Open uses for
// path, for callers that open the *sql.DB themselves.
func DSN(path string, opts *Options) (string, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	switch {
	case path == "":
		return "", errors.New("sqlite: path is empty")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return "", fmt.Errorf("sqlite: path %q: give a plain file path", path)
	case strings.ContainsAny(path, "?#"):
		return "", fmt.Errorf("sqlite: path %q contains '?' or '#'", path)
	}
	if o.BusyTimeout < 0 {
		return "", fmt.Errorf("sqlite: Options.BusyTimeout is negative (%v)", o.BusyTimeout)
	}
	if o.MaxOpenConns < 0 {
		return "", fmt.Errorf("sqlite: Options.MaxOpenConns is negative (%d)", o.MaxOpenConns)
	}
	busy := o.BusyTimeout
	if busy == 0 {
		busy = 10 * time.Second
	}
	syncMode := strings.ToUpper(o.Synchronous)
	switch syncMode {
	case "":
		syncMode = "FULL"
	case "FULL", "NORMAL":
	default:
		return "", fmt.Errorf("sqlite: Options.Synchronous %q: want FULL or NORMAL", o.Synchronous)
	}
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+syncMode+")")
	q.Add("_pragma", "foreign_keys(ON)")
	return path + "?" + q.Encode(), nil
}
