package crmadapter

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/zohokit/zohokit/adapters/internal/order"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho/crm"
)

// Changes yields the module's records modified since the cursor and its
// records deleted since then (tombstones), merged in time order; records of
// the same second come in id order. An empty cursor lists every record (a
// backfill).
func (a *Adapter) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		m, err := a.module(dataType)
		if err != nil {
			yield(sync.Change{}, err)
			return
		}
		fail := func(err error) {
			yield(sync.Change{}, fmt.Errorf("crmadapter: changes of %q (%s): %w", dataType, m.cfg.Module, err))
		}
		cur, err := parseCursor(since)
		if err != nil {
			fail(err)
			return
		}
		var tombs []sync.Record
		if !m.cfg.SkipDeletes {
			if since == "" {
				cur.d, err = a.deletedHead(ctx, m)
			} else {
				if !cur.d.Set {
					cur.d = position{Set: true, Time: cur.m.Time}
				}
				tombs, err = a.tombstones(ctx, m, cur.d)
			}
			if err != nil {
				fail(err)
				return
			}
		}

		opts := &crm.ListOptions{Fields: m.listed, SortBy: crm.SortByModifiedTime, SortOrder: crm.SortAsc, PerPage: a.pageSize}
		if cur.m.Set && !cur.m.Time.IsZero() {
			// If-Modified-Since is exclusive and to the second: ask from the
			// second before, and skip what the cursor has passed.
			opts.ModifiedSince = cur.m.Time.Truncate(time.Second).Add(-time.Second)
		}
		pull, stop := iter.Pull2(a.c.Records.List(ctx, m.cfg.Module, opts))
		defer stop()
		// Zoho sorts by Modified_Time but promises no order among the
		// records of one second: the grouper sorts them by id.
		list := &order.Grouper{After: cur.m, Pull: func() (sync.Record, error, bool) {
			r, err, more := pull()
			if !more || err != nil {
				return sync.Record{}, err, more
			}
			rec, err := m.record(r)
			return rec, err, true
		}}

		for {
			rec, ok, err := list.Peek()
			if err != nil {
				fail(err)
				return
			}
			switch {
			case !ok && len(tombs) == 0:
				return
			case ok && (len(tombs) == 0 || !tombs[0].Modified.Before(rec.Modified)):
				list.Pop()
				cur.m = position{Set: true, Time: rec.Modified, ID: rec.ID}
			default:
				rec, tombs = tombs[0], tombs[1:]
				cur.d = position{Set: true, Time: rec.Modified, ID: rec.ID}
			}
			if !yield(sync.Change{Record: rec, Cursor: cur.encode()}, nil) {
				return
			}
		}
	}
}

// record converts a listed CRM record.
func (m *module) record(r crm.Record) (sync.Record, error) {
	rec := sync.Record{ID: r.ID(), Fields: make(map[string]any, len(m.cfg.Fields))}
	mt, ok := r.Time(modifiedTime)
	if rec.ID == "" || !ok {
		return rec, fmt.Errorf("a listed record (id %q) has no id or %s", rec.ID, modifiedTime)
	}
	rec.Modified = mt.UTC()
	for _, f := range m.cfg.Fields {
		if v, ok := r[f]; ok {
			rec.Fields[f] = v
		}
	}
	if m.cfg.KeyField != "" {
		rec.Key, _ = r[m.cfg.KeyField].(string)
	}
	return rec, nil
}

// deletedHead returns the position of the newest deletion: where the
// tombstones of records deleted from now on begin.
func (a *Adapter) deletedHead(ctx context.Context, m *module) (position, error) {
	head := position{Set: true} // no deletion yet: from the beginning
	for d, err := range a.c.Records.Deleted(ctx, m.cfg.Module, &crm.DeletedOptions{PerPage: 1}) {
		if err != nil {
			return position{}, err
		}
		head.Time, head.ID = d.DeletedTime.UTC(), d.ID
		break
	}
	return head, nil
}

// tombstones returns the records deleted after p, oldest first.
func (a *Adapter) tombstones(ctx context.Context, m *module, p position) ([]sync.Record, error) {
	opts := &crm.DeletedOptions{PerPage: a.pageSize}
	if !p.Time.IsZero() {
		opts.ModifiedSince = p.Time.Truncate(time.Second).Add(-time.Second)
	}
	var out []sync.Record
	for d, err := range a.c.Records.Deleted(ctx, m.cfg.Module, opts) {
		if err != nil {
			return nil, err
		}
		t := d.DeletedTime.UTC()
		if d.ID == "" || p.Passed(t, d.ID) {
			continue
		}
		out = append(out, sync.Record{ID: d.ID, Modified: t, Deleted: true})
	}
	slices.SortFunc(out, func(x, y sync.Record) int {
		if c := x.Modified.Compare(y.Modified); c != 0 {
			return c
		}
		return order.CompareID(x.ID, y.ID)
	})
	return out, nil
}

// Get returns the module's records with the given ids, in calls of up to
// 100 ids; ids of no record (or of no CRM id's form) are left out.
func (a *Adapter) Get(ctx context.Context, dataType string, ids []string) ([]sync.Record, error) {
	m, err := a.module(dataType)
	if err != nil {
		return nil, err
	}
	var valid []string
	for _, id := range ids {
		if order.IsID(id) {
			valid = append(valid, id)
		}
	}
	var out []sync.Record
	for chunk := range slices.Chunk(valid, crm.MaxIDs) {
		for r, err := range a.c.Records.List(ctx, m.cfg.Module, &crm.ListOptions{Fields: m.listed, IDs: chunk}) {
			if err != nil {
				return nil, fmt.Errorf("crmadapter: get %q (%s): %w", dataType, m.cfg.Module, err)
			}
			rec, err := m.record(r)
			if err != nil {
				return nil, fmt.Errorf("crmadapter: get %q (%s): %w", dataType, m.cfg.Module, err)
			}
			out = append(out, rec)
		}
	}
	return out, nil
}
