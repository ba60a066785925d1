package sqlstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zohokit/zohokit/store"
)

// dialect holds what differs between SQLite and PostgreSQL. Queries are
// written once with PostgreSQL's $n placeholders; rebind turns them into
// SQLite's ?n.
type dialect struct {
	name     string
	postgres bool
}

var (
	sqliteDialect   = &dialect{name: "sqlite"}
	postgresDialect = &dialect{name: "postgres", postgres: true}
)

// rebind returns query with $n placeholders as the dialect writes them.
func (d *dialect) rebind(query string) string {
	if d.postgres {
		return query
	}
	return strings.ReplaceAll(query, "$", "?")
}

// in returns a condition that col is one of the values of the list
// parameter $n, of SQL type typ (text or bigint), whose argument listArg
// makes. It serves the rare statements; look-ups by ID use lookup.
func (d *dialect) in(col string, n int, typ string) string {
	if d.postgres {
		return fmt.Sprintf("%s IN (SELECT unnest($%d::%s[]))", col, n, typ)
	}
	return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", col, n)
}

// lookup returns a query of cols of the links of pipeline $1 whose keyCol
// is one of the text list parameter $2: one index probe per ID.
//
// On PostgreSQL a plain "keyCol = ANY($2)" or "IN (SELECT unnest($2))" is
// at the mercy of the generic plan that a statement prepared by pgx gets
// after five executions: planned while the table was small, it can be a
// hash join over the whole pipeline, which was measured growing from 4 ms
// to 70 ms per 100-ID look-up as a sync wrote 100,000 links. A LATERAL
// subquery with LIMIT 1 cannot be flattened into such a join, so every plan
// probes the unique index once per ID (keyCol is unique in a pipeline, so
// LIMIT 1 changes no answer).
func (d *dialect) lookup(cols, keyCol string) string {
	if d.postgres {
		return fmt.Sprintf(`SELECT l.* FROM unnest($2::text[]) AS u(id)
	CROSS JOIN LATERAL (SELECT %s FROM zohokit_links WHERE pipeline = $1 AND %s = u.id LIMIT 1) AS l`, cols, keyCol)
	}
	return fmt.Sprintf(`SELECT %s FROM zohokit_links WHERE pipeline = $1 AND %s IN (SELECT value FROM json_each($2))`, cols, keyCol)
}

// listArg is the argument of a list parameter (see in): the slice itself
// for PostgreSQL (an array), JSON text for SQLite.
func (d *dialect) listArg(list any) (any, error) {
	if d.postgres {
		return list, nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// timeArg is the argument for a time: NULL for the zero time; Unix
// microseconds on SQLite; a UTC time.Time on PostgreSQL.
func (d *dialect) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if d.postgres {
		return store.Timestamp(t)
	}
	return t.UnixMicro()
}

// dbTime scans a time stored by timeArg, from either engine; NULL is the
// zero time.
type dbTime struct{ t *time.Time }

func (s dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case int64:
		*s.t = time.UnixMicro(v).UTC()
	case time.Time:
		*s.t = store.Timestamp(v)
	default:
		return fmt.Errorf("sqlstore: cannot read %T as a time", src)
	}
	return nil
}

// linkConflict reports whether err is a violation of the unique index on
// the right IDs of zohokit_links (and not of a unique index elsewhere, such
// as in a table that CommitTx's callback writes).
func linkConflict(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505" && pgErr.ConstraintName == "zohokit_links_right"
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		// SQLITE_CONSTRAINT_UNIQUE, naming the columns.
		return coded.Code() == 2067 && strings.Contains(err.Error(), "zohokit_links.right_id")
	}
	return false
}

// retryable reports whether a transaction failed only because of another
// one (a deadlock or a serialisation failure on PostgreSQL), so that running
// it again may succeed.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// reviewID parses a review ID; ok is false for an ID the store cannot have
// given.
func reviewID(id string) (int64, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != id {
		return 0, false
	}
	return n, true
}
