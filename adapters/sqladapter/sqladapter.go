package sqladapter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// Dialect is the SQL dialect of the database.
type Dialect string

// The dialects the adapter speaks.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors the adapter reports, matched with errors.Is.
var (
	// ErrUnknownDataType: no table is configured for the data type.
	ErrUnknownDataType = errors.New("sqladapter: unknown data type")
	// ErrUnknownColumn: a configured column, or a field of an operation, is
	// not a column of the table.
	ErrUnknownColumn = errors.New("sqladapter: unknown column")
	// ErrNoKeyColumn: a create on a table without Table.KeyColumn, which
	// could not be made idempotent.
	ErrNoKeyColumn = errors.New("sqladapter: creates need Table.KeyColumn")
	// ErrNotFound: an update named a row that does not exist.
	ErrNotFound = errors.New("sqladapter: no such row")
	// ErrBadValue: a value that cannot be written or read as configured.
	ErrBadValue = errors.New("sqladapter: bad value")
)

// Table describes the table of one data type. Only Name may be needed: the
// other fields have defaults.
type Table struct {
	// Name is the table's name, optionally qualified by its schema
	// ("erp.customers"); empty means the data type.
	Name string
	// IDColumn holds the record's ID; empty means "id".
	IDColumn string
	// UpdatedAtColumn holds the time the row last changed; empty means
	// "updated_at". The system must set it on every change (a trigger or
	// its own code); the adapter sets it on its own writes.
	UpdatedAtColumn string
	// SoftDeleteColumn, when set, marks deleted rows: a timestamp (NULL
	// while the row is live) or a boolean. Deletes set it instead of
	// removing the row, and Changes yields such rows as tombstones.
	SoftDeleteColumn string
	// KeyColumn, when set, holds the idempotency key of the create that made
	// the row (Op.Key); it must have a unique index. Creates upsert on it,
	// and Changes and Get read it into Record.Key (NULL for rows the system
	// made itself); without it creates are refused (ErrNoKeyColumn).
	KeyColumn string
	// Columns are the columns read into Record.Fields; empty means every
	// column but the id, updated-at, soft-delete and key columns.
	Columns []string
	// TimeFormat says how UpdatedAtColumn (and a timestamp
	// SoftDeleteColumn) stores time: "" for the driver's time type, "unix",
	// "unix_ms", "unix_us", or a Go time layout for text in UTC (see the
	// package documentation).
	TimeFormat string
}

// Options configures an Adapter. The zero value works.
type Options struct {
	// Dialect is the database's dialect; empty means detected from the
	// driver (modernc.org/sqlite, mattn/go-sqlite3, pgx's stdlib, lib/pq).
	Dialect Dialect
	// Now is the time written to the updated-at column; nil means
	// time.Now.
	Now func() time.Time
	// NewID, when set, gives the id of each row a create inserts; nil
	// leaves it to the database (identity, serial or INTEGER PRIMARY KEY).
	NewID func() string
	// PageSize is the rows read per query by Changes; zero means 500.
	PageSize int
}

// DefaultPageSize is the page size of Options whose PageSize is zero.
const DefaultPageSize = 500

// maxGetIDs is how many IDs one Get query names.
const maxGetIDs = 500

// Adapter syncs the configured tables of one database. It is a sync.Source,
// sync.Sink and sync.Reader, safe for concurrent use.
type Adapter struct {
	db       *sql.DB
	dialect  Dialect
	now      func() time.Time
	newID    func() string
	pageSize int
	tables   map[string]*table
}

var (
	_ sync.Source = (*Adapter)(nil)
	_ sync.Sink   = (*Adapter)(nil)
	_ sync.Reader = (*Adapter)(nil)
)

// table is a configured table with its defaults applied.
type table struct {
	dataType string
	cfg      Table
	qname    string // quoted name
	tf       timeFormat

	mu   gosync.Mutex
	desc *description // read from the database on first use
}

// New returns an adapter of db's tables, by data type. It checks the
// configuration (names, formats, dialect) at once; the tables' columns are
// checked on first use, or by Check.
func New(db *sql.DB, tables map[string]Table, opts *Options) (*Adapter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if db == nil {
		bad("db is nil")
	}
	a := &Adapter{db: db, dialect: o.Dialect, now: o.Now, newID: o.NewID, pageSize: o.PageSize, tables: map[string]*table{}}
	switch {
	case o.Dialect == SQLite || o.Dialect == Postgres:
	case o.Dialect != "":
		bad("Options.Dialect %q: want %q or %q", o.Dialect, SQLite, Postgres)
	case db != nil:
		if a.dialect = detectDialect(db); a.dialect == "" {
			bad("Options.Dialect: cannot tell the dialect of driver %T; set it to %q or %q", db.Driver(), SQLite, Postgres)
		}
	}
	if o.PageSize < 0 {
		bad("Options.PageSize %d is negative", o.PageSize)
	}
	if a.pageSize == 0 {
		a.pageSize = DefaultPageSize
	}
	if a.now == nil {
		a.now = time.Now
	}
	if len(tables) == 0 {
		bad("no tables configured")
	}
	names := make([]string, 0, len(tables))
	for dt := range tables {
		names = append(names, dt)
	}
	sort.Strings(names)
	for _, dt := range names {
		t, err := newTable(dt, tables[dt])
		if err != nil {
			bad("tables[%q]: %v", dt, err)
			continue
		}
		a.tables[dt] = t
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("sqladapter: New: %s", strings.Join(problems, "; "))
	}
	return a, nil
}

// newTable validates a table's configuration and applies its defaults.
func newTable(dataType string, cfg Table) (*table, error) {
	if dataType == "" {
		return nil, errors.New("the data type is empty")
	}
	if cfg.Name == "" {
		cfg.Name = dataType
	}
	if cfg.IDColumn == "" {
		cfg.IDColumn = "id"
	}
	if cfg.UpdatedAtColumn == "" {
		cfg.UpdatedAtColumn = "updated_at"
	}
	var errs []string
	parts := strings.Split(cfg.Name, ".")
	if len(parts) > 2 {
		errs = append(errs, fmt.Sprintf("Name %q: at most schema.table", cfg.Name))
	}
	for _, p := range parts {
		if !validName(p) {
			errs = append(errs, fmt.Sprintf("Name %q is not a valid table name (letters, digits, '_' and '$', not starting with a digit, at most 63 characters)", cfg.Name))
			break
		}
	}
	check := func(field, name string) {
		if name != "" && !validName(name) {
			errs = append(errs, fmt.Sprintf("%s %q is not a valid column name", field, name))
		}
	}
	check("IDColumn", cfg.IDColumn)
	check("UpdatedAtColumn", cfg.UpdatedAtColumn)
	check("SoftDeleteColumn", cfg.SoftDeleteColumn)
	check("KeyColumn", cfg.KeyColumn)
	seen := map[string]string{cfg.IDColumn: "IDColumn"}
	for field, name := range map[string]string{"UpdatedAtColumn": cfg.UpdatedAtColumn, "SoftDeleteColumn": cfg.SoftDeleteColumn, "KeyColumn": cfg.KeyColumn} {
		if name == "" {
			continue
		}
		if other, dup := seen[name]; dup {
			errs = append(errs, fmt.Sprintf("%s and %s are both %q", other, field, name))
		}
		seen[name] = field
	}
	for i, c := range cfg.Columns {
		check(fmt.Sprintf("Columns[%d]", i), c)
	}
	tf, err := parseTimeFormat(cfg.TimeFormat)
	if err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, errors.New(strings.Join(errs, "; "))
	}
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = quote(p)
	}
	return &table{dataType: dataType, cfg: cfg, qname: strings.Join(quoted, "."), tf: tf}, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)

func validName(s string) bool { return nameRE.MatchString(s) }

// quote quotes a validated identifier (it holds no quote character).
func quote(name string) string { return `"` + name + `"` }

// detectDialect tells the dialect from the driver's package.
func detectDialect(db *sql.DB) Dialect {
	t := reflect.TypeOf(db.Driver())
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return ""
	}
	pkg := strings.ToLower(t.PkgPath())
	switch {
	case strings.Contains(pkg, "sqlite"):
		return SQLite
	case strings.Contains(pkg, "jackc/pgx"), strings.Contains(pkg, "lib/pq"):
		return Postgres
	}
	return ""
}

// Dialect returns the dialect the adapter speaks.
func (a *Adapter) Dialect() Dialect { return a.dialect }

// Check reads the columns of every configured table and reports every
// misconfiguration at once (a missing table or column), so a program can
// fail at start-up rather than at its first sync.
func (a *Adapter) Check(ctx context.Context) error {
	names := make([]string, 0, len(a.tables))
	for dt := range a.tables {
		names = append(names, dt)
	}
	sort.Strings(names)
	var errs []error
	for _, dt := range names {
		if _, err := a.tables[dt].describe(ctx, a.db); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// table returns the table of dataType.
func (a *Adapter) table(dataType string) (*table, error) {
	t, ok := a.tables[dataType]
	if !ok {
		return nil, fmt.Errorf("%w %q (configured: %s)", ErrUnknownDataType, dataType, strings.Join(a.dataTypes(), ", "))
	}
	return t, nil
}

func (a *Adapter) dataTypes() []string {
	out := make([]string, 0, len(a.tables))
	for dt := range a.tables {
		out = append(out, dt)
	}
	sort.Strings(out)
	return out
}

// ph returns the n-th (1-based) parameter placeholder.
func (a *Adapter) ph(n int) string {
	if a.dialect == Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// args collects the parameters of a statement and writes their
// placeholders.
type args struct {
	a    *Adapter
	vals []any
}

// add appends a value and returns its placeholder.
func (p *args) add(v any) string {
	p.vals = append(p.vals, v)
	return p.a.ph(len(p.vals))
}
