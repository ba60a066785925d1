package booksadapter

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/zohokit/zohokit/adapters/internal/order"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
)

// epoch is where a backfill starts: before any Books organisation, so the
// list is incremental (in modification order) from the first record.
var epoch = time.Unix(0, 0).UTC()

// Changes yields the entity's records modified since the cursor (a
// sync.TimeCursor), oldest change first, records of the same second in id
// order; an empty cursor reads every record (a backfill).
func (a *Adapter) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		e, err := a.entity(dataType)
		if err != nil {
			yield(sync.Change{}, err)
			return
		}
		fail := func(err error) {
			yield(sync.Change{}, fmt.Errorf("booksadapter: changes of %q (%s): %w", dataType, e.cfg.Entity, err))
		}
		after := order.Position{}
		from := epoch
		if since != "" {
			t, id, ok := sync.ParseTimeCursor(since)
			if !ok {
				fail(fmt.Errorf("cursor %q is not a time cursor (sync.TimeCursor)", since))
				return
			}
			after, from = order.Position{Set: true, Time: t, ID: id}, t
		}
		pull, stop := iter.Pull2(e.svc.list(ctx, books.ListOptions{ModifiedSince: from, PerPage: a.pageSize}))
		defer stop()
		list := &order.Grouper{After: after, Pull: func() (sync.Record, error, bool) {
			r, err, more := pull()
			return e.record(r), err, more
		}}
		for {
			rec, ok, err := list.Peek()
			if err != nil {
				fail(err)
				return
			}
			if !ok {
				return
			}
			list.Pop()
			cursor := sync.TimeCursor(rec.Modified, rec.ID)
			if e.cfg.Full {
				r, err := e.svc.get(ctx, rec.ID)
				switch {
				case errors.Is(err, zoho.ErrNotFound):
					continue // deleted since it was listed
				case err != nil:
					fail(err)
					return
				}
				rec = e.record(r)
			}
			if !yield(sync.Change{Record: rec, Cursor: cursor}, nil) {
				return
			}
		}
	}
}

// Get returns the entity's records with the given ids, whole, one call per
// id; ids of no record are left out.
func (a *Adapter) Get(ctx context.Context, dataType string, ids []string) ([]sync.Record, error) {
	e, err := a.entity(dataType)
	if err != nil {
		return nil, err
	}
	var out []sync.Record
	for _, id := range ids {
		if !order.IsID(id) {
			continue // no Books record has such an id
		}
		r, err := e.svc.get(ctx, id)
		if errors.Is(err, zoho.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("booksadapter: get %q (%s) %s: %w", dataType, e.cfg.Entity, id, err)
		}
		out = append(out, e.record(r))
	}
	return out, nil
}
