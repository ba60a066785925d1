package sqladapter

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// Changes yields the rows of dataType's table changed since the cursor, in
// (updated-at, id) order, a page at a time. Each change's cursor is a
// sync.TimeCursor of the row's updated-at and id; an empty cursor reads the
// whole table (a backfill).
func (a *Adapter) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		fail := func(err error) { yield(sync.Change{}, err) }
		t, err := a.table(dataType)
		if err != nil {
			fail(err)
			return
		}
		d, err := t.describe(ctx, a.db)
		if err != nil {
			fail(err)
			return
		}
		var after time.Time
		var afterID string
		if since != "" {
			var ok bool
			if after, afterID, ok = sync.ParseTimeCursor(since); !ok {
				fail(fmt.Errorf("sqladapter: changes of %q: cursor %q is not a time cursor (sync.TimeCursor)", dataType, since))
				return
			}
		}
		started := since != ""
		for {
			recs, err := a.page(ctx, t, d, started, after, afterID)
			if err != nil {
				fail(fmt.Errorf("sqladapter: changes of %q: %w", dataType, err))
				return
			}
			for _, r := range recs {
				if !yield(sync.Change{Record: r, Cursor: sync.TimeCursor(r.Modified, r.ID)}, nil) {
					return
				}
			}
			if len(recs) < a.pageSize {
				return
			}
			last := recs[len(recs)-1]
			started, after, afterID = true, last.Modified, last.ID
		}
	}
}

// page reads the page of rows after (after, afterID), or from after
// inclusive when afterID is empty, or from the start when !started.
func (a *Adapter) page(ctx context.Context, t *table, d *description, started bool, after time.Time, afterID string) ([]sync.Record, error) {
	p := &args{a: a}
	upd, id := quote(t.cfg.UpdatedAtColumn), quote(t.cfg.IDColumn)
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s FROM %s WHERE %s IS NOT NULL", d.selectList(), t.qname, upd)
	if started {
		at := t.tf.param(after)
		if afterID == "" {
			fmt.Fprintf(&b, " AND %s >= %s", upd, p.add(at))
		} else {
			idv, err := idParam(afterID, d.kinds[t.cfg.IDColumn])
			if err != nil {
				return nil, fmt.Errorf("cursor: %w", err)
			}
			fmt.Fprintf(&b, " AND (%s, %s) > (%s, %s)", upd, id, p.add(at), p.add(idv))
		}
	}
	fmt.Fprintf(&b, " ORDER BY %s, %s LIMIT %d", upd, id, a.pageSize)
	return a.query(ctx, t, d, b.String(), p.vals)
}

// Get returns the rows of dataType's table with the given IDs; IDs of no
// row are left out. Soft-deleted rows come back as tombstones.
func (a *Adapter) Get(ctx context.Context, dataType string, ids []string) ([]sync.Record, error) {
	t, err := a.table(dataType)
	if err != nil {
		return nil, err
	}
	d, err := t.describe(ctx, a.db)
	if err != nil {
		return nil, err
	}
	kind := d.kinds[t.cfg.IDColumn]
	var out []sync.Record
	for start := 0; start < len(ids); start += maxGetIDs {
		p := &args{a: a}
		var ph []string
		for _, id := range ids[start:min(start+maxGetIDs, len(ids))] {
			v, err := idParam(id, kind)
			if err != nil {
				continue // an id the column cannot hold names no row
			}
			ph = append(ph, p.add(v))
		}
		if len(ph) == 0 {
			continue
		}
		q := fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (%s)", d.selectList(), t.qname, quote(t.cfg.IDColumn), strings.Join(ph, ", "))
		recs, err := a.query(ctx, t, d, q, p.vals)
		if err != nil {
			return nil, fmt.Errorf("sqladapter: get %q: %w", dataType, err)
		}
		out = append(out, recs...)
	}
	return out, nil
}

// query runs a select of d.sel and converts its rows into records.
func (a *Adapter) query(ctx context.Context, t *table, d *description, q string, params []any) ([]sync.Record, error) {
	rows, err := a.db.QueryContext(ctx, q, params...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []sync.Record
	vals := make([]any, len(d.sel))
	ptrs := make([]any, len(d.sel))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, classify(err)
		}
		r, err := t.record(d, vals)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	return out, nil
}

// record builds a record from a row of d.sel.
func (t *table) record(d *description, vals []any) (sync.Record, error) {
	r := sync.Record{ID: idString(vals[0]), Fields: make(map[string]any, len(d.fields))}
	if r.ID == "" {
		return r, fmt.Errorf("%w: a row of %s has no %s", ErrBadValue, t.cfg.Name, t.cfg.IDColumn)
	}
	if vals[1] != nil {
		m, err := t.tf.decode(vals[1])
		if err != nil {
			return r, fmt.Errorf("row %s of %s: %s: %w", r.ID, t.cfg.Name, t.cfg.UpdatedAtColumn, err)
		}
		r.Modified = m
	}
	next := 2
	if t.cfg.SoftDeleteColumn != "" {
		r.Deleted = isDeleted(vals[2])
		next = 3
	}
	if d.keyAt > 0 {
		if vals[d.keyAt] != nil {
			r.Key = idString(vals[d.keyAt])
		}
		next = d.keyAt + 1
	}
	for i, col := range d.fields {
		r.Fields[col] = readValue(vals[next+i], d.kinds[col])
	}
	return r, nil
}

// idString renders an id value as a string.
func idString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case []byte:
		return string(x)
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// idParam converts an ID into a parameter for an id column of kind k:
// integer columns compare as integers, not text.
func idParam(id string, k colKind) (any, error) {
	if k == kindInt {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: id %q is not an integer", ErrBadValue, id)
		}
		return n, nil
	}
	return id, nil
}
