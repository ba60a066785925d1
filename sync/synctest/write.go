package synctest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// Error is an injected failure. Retryable errors stand for 429s, 5xxs and
// timeouts; the others for validation errors a system answers with a 4xx.
type Error struct {
	Msg   string
	Retry bool
}

func (e *Error) Error() string { return e.Msg }

// Retryable tells the engine whether to retry (sync.IsRetryable).
func (e *Error) Retryable() bool { return e.Retry }

// Unavailable returns a retryable error like a 503 answer.
func Unavailable() error {
	return &Error{Msg: "synctest: 503 service unavailable (injected)", Retry: true}
}

// Rejected returns a non-retryable error like a 400 answer naming reason.
func Rejected(reason string) error { return &Error{Msg: "synctest: 400 rejected: " + reason} }

var errNotFound = &Error{Msg: "record not found"}

// Fault makes writes fail. The zero matchers match everything.
type Fault struct {
	DataType string      // only this data type; empty means any
	Op       sync.OpKind // only ops of this kind; empty means any
	ID       string      // only ops on this record ID (updates, deletes); empty means any
	// Match, when set, must also accept the op.
	Match func(op sync.Op) bool
	// Err is the error; nil means Unavailable().
	Err error
	// Times is how many matching ops (or Write calls, for Batch) fail; zero
	// means all of them.
	Times int
	// Batch fails the whole Write call (its error return) when any of its
	// ops match, instead of the ops one by one.
	Batch bool

	hits int
}

// Inject adds a fault; faults are checked in the order added.
func (a *Adapter) Inject(f Fault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if f.Err == nil {
		f.Err = Unavailable()
	}
	a.faults = append(a.faults, &f)
}

// ClearFaults removes every fault.
func (a *Adapter) ClearFaults() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = nil
}

func (f *Fault) matches(dataType string, op sync.Op) bool {
	return (f.Times == 0 || f.hits < f.Times) &&
		(f.DataType == "" || f.DataType == dataType) &&
		(f.Op == "" || f.Op == op.Kind) &&
		(f.ID == "" || f.ID == op.ID) &&
		(f.Match == nil || f.Match(op))
}

// fault returns the fault op hits, and counts the hit (a.mu held).
func (a *Adapter) fault(dataType string, op sync.Op, batch bool) error {
	for _, f := range a.faults {
		if f.Batch == batch && f.matches(dataType, op) {
			f.hits++
			return f.Err
		}
	}
	return nil
}

// Write implements sync.Sink.
func (a *Adapter) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls.Writes++
	if !a.noLog {
		logged := make([]sync.Op, len(ops))
		for i, op := range ops {
			op.Fields = copyFields(op.Fields)
			logged[i] = op
		}
		a.log = append(a.log, WriteCall{DataType: dataType, Ops: logged})
	}
	for _, op := range ops {
		if err := a.fault(dataType, op, true); err != nil {
			a.calls.Failed += len(ops)
			return nil, err
		}
	}
	results := make([]sync.Result, len(ops))
	for i, op := range ops {
		if err := a.fault(dataType, op, false); err != nil {
			a.calls.Failed++
			results[i].Err = err
			continue
		}
		results[i] = a.apply(dataType, op)
	}
	return results, nil
}

// apply performs one op (a.mu held).
func (a *Adapter) apply(dataType string, op sync.Op) sync.Result {
	t := a.table(dataType)
	switch op.Kind {
	case sync.OpCreate:
		if id, ok := t.keys[op.Key]; ok && op.Key != "" {
			if e := t.recs[id]; e != nil && !e.rec.Deleted {
				rec := copyRecord(e.rec)
				rec.Modified = time.Time{}
				mergeInto(rec.Fields, op.Fields)
				a.calls.Creates++
				stored := a.store(dataType, rec)
				return sync.Result{ID: id, Modified: stored.Modified}
			}
		}
		id := a.newID()
		if op.Key != "" {
			t.keys[op.Key] = id
		}
		a.calls.Creates++
		stored := a.store(dataType, sync.Record{ID: id, Key: op.Key, Fields: nonNil(copyFields(op.Fields))})
		return sync.Result{ID: id, Modified: stored.Modified}
	case sync.OpUpdate:
		e, ok := t.recs[op.ID]
		if !ok || e.rec.Deleted {
			return sync.Result{Err: Rejected(fmt.Sprintf("%s %s does not exist", dataType, op.ID))}
		}
		rec := copyRecord(e.rec)
		rec.Modified = time.Time{}
		mergeInto(rec.Fields, op.Fields)
		a.calls.Updates++
		stored := a.store(dataType, rec)
		return sync.Result{ID: op.ID, Modified: stored.Modified}
	case sync.OpDelete:
		a.calls.Deletes++
		if e, ok := t.recs[op.ID]; !ok || e.rec.Deleted {
			return sync.Result{ID: op.ID}
		}
		stored := a.store(dataType, sync.Record{ID: op.ID, Deleted: true})
		return sync.Result{ID: op.ID, Modified: stored.Modified}
	default:
		return sync.Result{Err: Rejected(fmt.Sprintf("unknown op kind %q", op.Kind))}
	}
}

// copyRecord deep-copies a record's fields.
func copyRecord(r sync.Record) sync.Record {
	r.Fields = copyFields(r.Fields)
	return r
}

func copyFields(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return copyFields(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// mergeInto sets fields in dst, merging nested objects key by key.
func mergeInto(dst, fields map[string]any) {
	for k, v := range fields {
		if sub, ok := v.(map[string]any); ok {
			if cur, ok := dst[k].(map[string]any); ok {
				mergeInto(cur, sub)
				continue
			}
		}
		dst[k] = copyValue(v)
	}
}

// compareIDs orders IDs with a numeric suffix by number ("id-2" before
// "id-10"), others as strings.
func compareIDs(x, y string) int {
	px, nx := splitNumber(x)
	py, ny := splitNumber(y)
	if px == py && nx >= 0 && ny >= 0 {
		return nx - ny
	}
	return strings.Compare(x, y)
}

func splitNumber(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil || i == len(s) {
		return s, -1
	}
	return s[:i], n
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
