package booksadapter

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"

	"github.com/zohokit/zohokit/adapters/internal/order"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
)

// Write performs ops one call each, in order, and returns one Result per
// op. Creates look their key up first and update the record they find.
// After a failure every later call would meet too, the remaining ops are
// not sent; when nothing was written for that reason the error is returned
// instead of the results.
func (a *Adapter) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	e, err := a.entity(dataType)
	if err != nil {
		return nil, err
	}
	results := make([]sync.Result, len(ops))
	called := make([]bool, len(ops)) // the op failed in (or for) a call
	var stop error
	for i, op := range ops {
		if stop != nil {
			results[i].Err, called[i] = fmt.Errorf("booksadapter: %s %s: not sent: %w", op.Kind, e.cfg.Entity, stop), true
			continue
		}
		var r raw
		var err error
		var viaCall bool
		switch op.Kind {
		case sync.OpCreate:
			r, viaCall, err = a.create(ctx, e, op)
		case sync.OpUpdate:
			if !order.IsID(op.ID) {
				err = fmt.Errorf("id %q is not a Books id: %w", op.ID, zoho.ErrNotFound)
				break
			}
			r, err = e.svc.update(ctx, op.ID, op.Fields)
			viaCall = !errors.Is(err, ErrBadValue)
		case sync.OpDelete:
			if !order.IsID(op.ID) {
				r.id = op.ID // no record has this id: gone already
				break
			}
			err = e.svc.delete(ctx, op.ID)
			viaCall = !errors.Is(err, ErrUnsupported)
			if errors.Is(err, zoho.ErrNotFound) {
				err = nil
			}
			r.id = op.ID
		default:
			err = fmt.Errorf("%w: unknown op kind %q", ErrBadValue, op.Kind)
		}
		if err != nil {
			results[i].Err = fmt.Errorf("booksadapter: %s %s: %w", op.Kind, e.cfg.Entity, err)
			called[i] = viaCall
			if viaCall && stopsAll(ctx, err) {
				stop = err
			}
			continue
		}
		results[i] = sync.Result{ID: r.id, Modified: r.modified}
	}
	if stop != nil {
		all := true
		for i := range results {
			all = all && results[i].Err != nil && called[i]
		}
		if all {
			return nil, fmt.Errorf("booksadapter: write %q (%s): %w", dataType, e.cfg.Entity, stop)
		}
	}
	return results, nil
}

// stopsAll reports whether a call's failure would fail the next calls too.
func stopsAll(ctx context.Context, err error) bool {
	return ctx.Err() != nil || sync.IsRetryable(err) || errors.Is(err, zoho.ErrUnauthorized) || errors.Is(err, zoho.ErrForbidden)
}

// create makes a create idempotent: the record its key names is updated if
// it exists, else created. viaCall is false for failures before any call.
func (a *Adapter) create(ctx context.Context, e *entity, op sync.Op) (r raw, viaCall bool, err error) {
	fields := maps.Clone(op.Fields)
	if fields == nil {
		fields = map[string]any{}
	}
	var member, value string
	switch {
	case e.cfg.KeyField != "":
		if op.Key == "" {
			return raw{}, false, fmt.Errorf("%w: the create has no Op.Key for %s", ErrNotIdempotent, e.cfg.KeyField)
		}
		if v, ok := fields[e.cfg.KeyField]; ok && v != op.Key {
			return raw{}, false, fmt.Errorf("%w: the create sets %s, which holds Op.Key", ErrNotIdempotent, e.cfg.KeyField)
		}
		member, value = e.cfg.KeyField, op.Key
		fields[member] = value
	case e.cfg.MatchField != "":
		s, _ := fields[e.cfg.MatchField].(string)
		if s == "" {
			return raw{}, false, fmt.Errorf("%w: the create has no %s (Entity.MatchField)", ErrNotIdempotent, e.cfg.MatchField)
		}
		member, value = e.cfg.MatchField, s
	default:
		return raw{}, false, fmt.Errorf("%w: set Entity.KeyField or Entity.MatchField for data type %q", ErrNotIdempotent, e.dataType)
	}

	unlock, err := a.lock(ctx, e.cfg.Entity+"\x00"+member+"\x00"+value)
	if err != nil {
		return raw{}, true, err
	}
	defer unlock()
	id, err := a.find(ctx, e, member, value)
	if err != nil {
		return raw{}, true, fmt.Errorf("look up %s %q: %w", member, value, err)
	}
	if id != "" {
		r, err = e.svc.update(ctx, id, fields)
	} else {
		r, err = e.svc.create(ctx, fields)
	}
	return r, !errors.Is(err, ErrBadValue), err
}

// find returns the id of the oldest record whose member is exactly value,
// "" when there is none.
func (a *Adapter) find(ctx context.Context, e *entity, member, value string) (string, error) {
	opts := books.ListOptions{SortColumn: "created_time", SortOrder: "A", PerPage: a.pageSize, Query: url.Values{member: {value}}}
	for r, err := range e.svc.list(ctx, opts) {
		if err != nil {
			return "", err
		}
		if s, _ := r.fields[member].(string); s == value {
			return r.id, nil
		}
	}
	return "", nil
}

// keyLock serialises the creates of one key within the process.
type keyLock struct {
	ch   chan struct{}
	refs int
}

// lock takes the lock of key, waiting for the create holding it until ctx
// ends, and returns its release.
func (a *Adapter) lock(ctx context.Context, key string) (unlock func(), err error) {
	a.mu.Lock()
	l, ok := a.locks[key]
	if !ok {
		l = &keyLock{ch: make(chan struct{}, 1)}
		a.locks[key] = l
	}
	l.refs++
	a.mu.Unlock()
	release := func() {
		a.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(a.locks, key)
		}
		a.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
