package sqladapter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// execer is what Write runs statements on: a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Write applies ops to dataType's table in one transaction, each under a
// savepoint: a failed op is reported in its Result and leaves the others
// standing. The error is non-nil only when nothing was written (the table
// is unknown, the transaction could not begin or commit, the context
// ended).
func (a *Adapter) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	t, err := a.table(dataType)
	if err != nil {
		return nil, err
	}
	d, err := t.describe(ctx, a.db)
	if err != nil {
		return nil, classify(err)
	}
	results := make([]sync.Result, len(ops))
	if len(ops) == 0 {
		return results, nil
	}
	fail := func(err error) ([]sync.Result, error) {
		return nil, fmt.Errorf("sqladapter: write %q: %w", dataType, classify(err))
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	now := a.now()
	for i, op := range ops {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT zohokit_op"); err != nil {
			return fail(err)
		}
		res := a.apply(ctx, tx, t, d, op, now)
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		if res.Err != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT zohokit_op"); err != nil {
				return fail(err)
			}
			res.Err = fmt.Errorf("sqladapter: %s %s %s: %w", op.Kind, t.cfg.Name, opName(op), res.Err)
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT zohokit_op"); err != nil {
			return fail(err)
		}
		results[i] = res
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return results, nil
}

func opName(op sync.Op) string {
	if op.ID != "" {
		return op.ID
	}
	return "key " + op.Key
}

// apply performs one op.
func (a *Adapter) apply(ctx context.Context, tx execer, t *table, d *description, op sync.Op, now time.Time) sync.Result {
	switch op.Kind {
	case sync.OpCreate:
		return a.create(ctx, tx, t, d, op, now)
	case sync.OpUpdate:
		return a.update(ctx, tx, t, d, op, now)
	case sync.OpDelete:
		return a.remove(ctx, tx, t, d, op, now)
	}
	return sync.Result{Err: fmt.Errorf("%w: unknown op kind %q", ErrBadValue, op.Kind)}
}

// columns validates op's fields against the table and returns them sorted
// with their parameters.
func (t *table) columns(d *description, op sync.Op) (cols []string, vals []any, err error) {
	for name := range op.Fields {
		cols = append(cols, name)
	}
	slices.Sort(cols)
	managed := map[string]string{t.cfg.UpdatedAtColumn: "UpdatedAtColumn", t.cfg.KeyColumn: "KeyColumn", t.cfg.SoftDeleteColumn: "SoftDeleteColumn"}
	if op.Kind != sync.OpCreate {
		managed[t.cfg.IDColumn] = "IDColumn"
	}
	var errs []error
	for _, c := range cols {
		k, ok := d.kinds[c]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%w %q", ErrUnknownColumn, c))
			continue
		case c != "" && managed[c] != "":
			errs = append(errs, fmt.Errorf("%w: field %q is the table's %s, which the adapter sets", ErrBadValue, c, managed[c]))
			continue
		}
		v, err := writeValue(op.Fields[c], k)
		if err != nil {
			errs = append(errs, fmt.Errorf("field %q: %w", c, err))
			continue
		}
		vals = append(vals, v)
	}
	return cols, vals, errors.Join(errs...)
}

// create upserts a row on the key column.
func (a *Adapter) create(ctx context.Context, tx execer, t *table, d *description, op sync.Op, now time.Time) sync.Result {
	switch {
	case t.cfg.KeyColumn == "":
		return sync.Result{Err: fmt.Errorf("%w (table %s): without it a create written twice would make two rows", ErrNoKeyColumn, t.cfg.Name)}
	case op.Key == "":
		return sync.Result{Err: fmt.Errorf("%w: a create needs Op.Key, its idempotency key", ErrBadValue)}
	}
	cols, vals, err := t.columns(d, op)
	if err != nil {
		return sync.Result{Err: err}
	}
	if a.newID != nil && !slices.Contains(cols, t.cfg.IDColumn) {
		cols, vals = append(cols, t.cfg.IDColumn), append(vals, a.newID())
	}
	cols, vals = append(cols, t.cfg.KeyColumn, t.cfg.UpdatedAtColumn), append(vals, op.Key, t.tf.encode(now))
	if c := t.cfg.SoftDeleteColumn; c != "" {
		cols, vals = append(cols, c), append(vals, liveValue(d.kinds[c]))
	}
	p := &args{a: a}
	qcols := make([]string, len(cols))
	phs := make([]string, len(cols))
	var sets []string
	for i, c := range cols {
		qcols[i], phs[i] = quote(c), p.add(vals[i])
		if c != t.cfg.IDColumn && c != t.cfg.KeyColumn {
			sets = append(sets, fmt.Sprintf("%s = excluded.%s", quote(c), quote(c)))
		}
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s RETURNING %s",
		t.qname, strings.Join(qcols, ", "), strings.Join(phs, ", "), quote(t.cfg.KeyColumn), strings.Join(sets, ", "), quote(t.cfg.IDColumn))
	var id any
	if err := tx.QueryRowContext(ctx, q, p.vals...).Scan(&id); err != nil {
		return sync.Result{Err: classify(err)}
	}
	if idString(id) == "" {
		return sync.Result{Err: fmt.Errorf("%w: the database gave the new row no %s: set Options.NewID, or give the column a default", ErrBadValue, t.cfg.IDColumn)}
	}
	return sync.Result{ID: idString(id), Modified: t.tf.truncate(now)}
}

// update changes the given columns of the row with op.ID.
func (a *Adapter) update(ctx context.Context, tx execer, t *table, d *description, op sync.Op, now time.Time) sync.Result {
	idv, err := idParam(op.ID, d.kinds[t.cfg.IDColumn])
	if op.ID == "" || err != nil {
		return sync.Result{Err: fmt.Errorf("%w: id %q", ErrNotFound, op.ID)}
	}
	cols, vals, err := t.columns(d, op)
	if err != nil {
		return sync.Result{Err: err}
	}
	p := &args{a: a}
	sets := make([]string, 0, len(cols)+1)
	for i, c := range cols {
		sets = append(sets, quote(c)+" = "+p.add(vals[i]))
	}
	sets = append(sets, quote(t.cfg.UpdatedAtColumn)+" = "+p.add(t.tf.encode(now)))
	q := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", t.qname, strings.Join(sets, ", "), quote(t.cfg.IDColumn), p.add(idv))
	res, err := tx.ExecContext(ctx, q, p.vals...)
	if err != nil {
		return sync.Result{Err: classify(err)}
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return sync.Result{Err: fmt.Errorf("%w: id %s", ErrNotFound, op.ID)}
	}
	return sync.Result{ID: op.ID, Modified: t.tf.truncate(now)}
}

// remove soft-deletes the row with op.ID, or deletes it; a row already gone
// is a success.
func (a *Adapter) remove(ctx context.Context, tx execer, t *table, d *description, op sync.Op, now time.Time) sync.Result {
	idv, err := idParam(op.ID, d.kinds[t.cfg.IDColumn])
	if err != nil {
		return sync.Result{ID: op.ID} // no row can have this id: gone already
	}
	p := &args{a: a}
	var q string
	if c := t.cfg.SoftDeleteColumn; c != "" {
		k := d.kinds[c]
		q = fmt.Sprintf("UPDATE %s SET %s = %s, %s = %s WHERE %s = %s AND (%s IS NULL",
			t.qname, quote(c), p.add(deletedValue(k, t.tf, now)), quote(t.cfg.UpdatedAtColumn), p.add(t.tf.encode(now)),
			quote(t.cfg.IDColumn), p.add(idv), quote(c))
		if live := liveValue(k); live != nil {
			q += fmt.Sprintf(" OR %s = %s", quote(c), p.add(live))
		}
		q += ")"
	} else {
		q = fmt.Sprintf("DELETE FROM %s WHERE %s = %s", t.qname, quote(t.cfg.IDColumn), p.add(idv))
	}
	if _, err := tx.ExecContext(ctx, q, p.vals...); err != nil {
		return sync.Result{Err: classify(err)}
	}
	res := sync.Result{ID: op.ID}
	if t.cfg.SoftDeleteColumn != "" {
		res.Modified = t.tf.truncate(now)
	}
	return res
}

// liveValue is what a soft-delete column holds on a live row: NULL for a
// timestamp, false (0) for a flag.
func liveValue(k colKind) any {
	switch k {
	case kindBool:
		return false
	case kindInt:
		return int64(0)
	}
	return nil
}

// deletedValue is what a soft-delete column is set to by a delete: the
// time for a timestamp, else true.
func deletedValue(k colKind, tf timeFormat, now time.Time) any {
	switch k {
	case kindTime:
		return tf.encode(now)
	case kindText:
		return tf.truncate(now).Format(time.RFC3339Nano)
	case kindInt:
		return int64(1)
	}
	return true
}
