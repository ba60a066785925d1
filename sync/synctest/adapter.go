// Package synctest holds test helpers for sync pipelines: Adapter, an
// in-memory system that is a sync.Source, sync.Sink and sync.Reader at once
// (with faults to inject and calls to count), Clock, a fake clock for
// schedules, assertions on the records a system holds, and RunAdapter, the
// conformance suite that checks any adapter (yours for your ERP included)
// against the sync contract.
//
// Use it to test pipelines and resolvers without any real system:
//
//	crm, erp := synctest.NewAdapter(nil), synctest.NewAdapter(nil)
//	crm.Put("contacts", "", map[string]any{"Email": "ana@example.com"})
//	p, _ := sync.New(sync.Config{..., Left: crm.Side("CRM"), Right: erp.Side("ERP"), ...})
//	p.Run(ctx)
//	synctest.AssertRecords(t, erp, "contacts", []map[string]any{{"email": "ana@example.com"}})
package synctest

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	gosync "sync"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// Options configures an Adapter. The zero value is valid.
type Options struct {
	// Now gives records their modification times; nil means time.Now. Pass
	// a Clock's Now to control them.
	Now func() time.Time
	// IDPrefix starts the IDs the adapter gives new records ("L-" gives
	// "L-1", "L-2", ...); empty means "id-".
	IDPrefix string
	// NoWriteLog turns off the log of writes (Writes), for benchmarks.
	NoWriteLog bool
}

// Adapter is an in-memory system holding records by data type. It
// implements sync.Source, sync.Sink and sync.Reader, and is safe for
// concurrent use.
//
// Changes yields records in the order of their modification (time, then a
// sequence number) with cursors in the engine's time format
// (sync.TimeCursor), so pipelines apply their lookback window to it. Creates
// honour Op.Key: a second create with the same key updates the first record
// instead of making another, and the record keeps the key as its Record.Key
// (as a system with an external-ID field does). Deleting a record that does
// not exist succeeds; updating one fails with a non-retryable error.
type Adapter struct {
	now    func() time.Time
	prefix string
	noLog  bool

	mu     gosync.Mutex
	nextID int
	seq    int64
	tables map[string]*table
	faults []*Fault
	calls  Calls
	log    []WriteCall
}

var (
	_ sync.Source = (*Adapter)(nil)
	_ sync.Sink   = (*Adapter)(nil)
	_ sync.Reader = (*Adapter)(nil)
)

// Calls counts what was asked of an Adapter.
type Calls struct {
	Changes int // Changes calls
	Gets    int // Get calls
	GetIDs  int // IDs asked for by Get
	Writes  int // Write calls, failed ones included
	Creates int // create ops applied
	Updates int // update ops applied
	Deletes int // delete ops applied
	Failed  int // ops failed by injected faults
}

// Ops returns the number of ops applied.
func (c Calls) Ops() int { return c.Creates + c.Updates + c.Deletes }

// WriteCall is one Write call as the adapter received it.
type WriteCall struct {
	DataType string
	Ops      []sync.Op
}

// table is one data type's records.
type table struct {
	recs  map[string]*entry // current version of each record, tombstones included
	keys  map[string]string // Op.Key → record ID
	order []version         // versions by (Modified, seq); stale ones are skipped
	stale int
}

// entry is the current version of a record.
type entry struct {
	rec sync.Record
	seq int64
}

// version is a record version's place in the change order; it is stale
// once the record has a newer version.
type version struct {
	mod time.Time
	seq int64
	id  string
}

func (v version) before(t time.Time, seq int64) bool {
	return v.mod.Before(t) || (v.mod.Equal(t) && v.seq < seq)
}

// NewAdapter returns an empty Adapter; opts may be nil.
func NewAdapter(opts *Options) *Adapter {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.IDPrefix == "" {
		o.IDPrefix = "id-"
	}
	return &Adapter{now: o.Now, prefix: o.IDPrefix, noLog: o.NoWriteLog, tables: map[string]*table{}}
}

// Side returns a sync.Side of system with the adapter as its Source, Sink
// and Reader.
func (a *Adapter) Side(system string) sync.Side {
	return sync.Side{System: system, Source: a, Sink: a, Reader: a}
}

func (a *Adapter) table(dataType string) *table {
	t, ok := a.tables[dataType]
	if !ok {
		t = &table{recs: map[string]*entry{}, keys: map[string]string{}}
		a.tables[dataType] = t
	}
	return t
}

// store saves a new version of rec (a.mu held); a zero Modified is now.
func (a *Adapter) store(dataType string, rec sync.Record) sync.Record {
	t := a.table(dataType)
	if rec.Modified.IsZero() {
		rec.Modified = a.now()
	}
	rec.Modified = rec.Modified.UTC().Round(0)
	a.seq++
	if _, ok := t.recs[rec.ID]; ok {
		t.stale++
	}
	t.recs[rec.ID] = &entry{rec: rec, seq: a.seq}
	v := version{mod: rec.Modified, seq: a.seq, id: rec.ID}
	i := len(t.order)
	if i > 0 && !t.order[i-1].before(v.mod, v.seq) {
		i, _ = slices.BinarySearchFunc(t.order, v, func(x, y version) int {
			if x.before(y.mod, y.seq) {
				return -1
			}
			return 1
		})
	}
	t.order = slices.Insert(t.order, i, v)
	if t.stale > 1024 && t.stale > len(t.order)/2 {
		live := t.order[:0]
		for _, x := range t.order {
			if t.recs[x.id].seq == x.seq {
				live = append(live, x)
			}
		}
		clear(t.order[len(live):])
		t.order, t.stale = live, 0
	}
	return copyRecord(rec)
}

func (a *Adapter) newID() string {
	a.nextID++
	return a.prefix + strconv.Itoa(a.nextID)
}

// Put stores a record with these fields, replacing any record with that ID,
// modified now; an empty id gets a new one. It returns the stored record.
func (a *Adapter) Put(dataType, id string, fields map[string]any) sync.Record {
	return a.PutRecord(dataType, sync.Record{ID: id, Fields: fields})
}

// PutRecord stores r as it is (a zero Modified means now; an empty ID gets
// a new one): a backdated Modified simulates a late commit, Deleted a
// tombstone, a Key a record created with that idempotency key (a create
// with the same Op.Key then finds it).
func (a *Adapter) PutRecord(dataType string, r sync.Record) sync.Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.ID == "" {
		r.ID = a.newID()
	}
	if r.Key != "" {
		a.table(dataType).keys[r.Key] = r.ID
	}
	r.Fields = copyFields(r.Fields)
	if !r.Deleted {
		r.Fields = nonNil(r.Fields)
	}
	return a.store(dataType, r)
}

// Update merges fields into a live record (nested objects are merged key by
// key) and returns it.
func (a *Adapter) Update(dataType, id string, fields map[string]any) (sync.Record, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.table(dataType).recs[id]
	if !ok || e.rec.Deleted {
		return sync.Record{}, fmt.Errorf("synctest: update %s %s: %w", dataType, id, errNotFound)
	}
	rec := copyRecord(e.rec)
	rec.Modified = time.Time{}
	mergeInto(rec.Fields, fields)
	return a.store(dataType, rec), nil
}

// Delete deletes a record, leaving a tombstone that Changes yields.
func (a *Adapter) Delete(dataType, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.table(dataType).recs[id]
	if !ok || e.rec.Deleted {
		return fmt.Errorf("synctest: delete %s %s: %w", dataType, id, errNotFound)
	}
	a.store(dataType, sync.Record{ID: id, Deleted: true})
	return nil
}

// Record returns a live record.
func (a *Adapter) Record(dataType, id string) (sync.Record, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.table(dataType).recs[id]
	if !ok || e.rec.Deleted {
		return sync.Record{}, false
	}
	return copyRecord(e.rec), true
}

// Records returns the live records of dataType, by ID.
func (a *Adapter) Records(dataType string) []sync.Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []sync.Record
	for _, e := range a.table(dataType).recs {
		if !e.rec.Deleted {
			out = append(out, copyRecord(e.rec))
		}
	}
	slices.SortFunc(out, func(x, y sync.Record) int { return compareIDs(x.ID, y.ID) })
	return out
}

// Len returns the number of live records of dataType.
func (a *Adapter) Len(dataType string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, e := range a.table(dataType).recs {
		if !e.rec.Deleted {
			n++
		}
	}
	return n
}

// Calls returns the call counts so far.
func (a *Adapter) Calls() Calls {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

// Writes returns the Write calls received so far, oldest first (failed
// ones included).
func (a *Adapter) Writes() []WriteCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.log)
}

// WrittenOps returns the ops of every Write call so far, in order.
func (a *Adapter) WrittenOps() []sync.Op {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []sync.Op
	for _, w := range a.log {
		out = append(out, w.Ops...)
	}
	return out
}

// ResetCalls sets the call counts to zero and empties the write log.
func (a *Adapter) ResetCalls() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls, a.log = Calls{}, nil
}

// Changes implements sync.Source.
func (a *Adapter) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		a.mu.Lock()
		a.calls.Changes++
		a.mu.Unlock()
		var from time.Time
		var seq int64 = -1 // inclusive of from
		if since != "" {
			t, tb, ok := sync.ParseTimeCursor(since)
			if !ok {
				yield(sync.Change{}, fmt.Errorf("synctest: changes %s: cursor %q is not a time cursor", dataType, since))
				return
			}
			from = t
			if tb != "" {
				n, err := strconv.ParseInt(tb, 10, 64)
				if err != nil {
					yield(sync.Change{}, fmt.Errorf("synctest: changes %s: cursor %q: bad sequence", dataType, since))
					return
				}
				seq = n
			}
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(sync.Change{}, err)
				return
			}
			ch, ok := a.next(dataType, from, seq)
			if !ok {
				return
			}
			from, seq = ch.Record.Modified, ch.seq
			if !yield(sync.Change{Record: ch.Record, Cursor: ch.Cursor}, nil) {
				return
			}
		}
	}
}

type change struct {
	sync.Change
	seq int64
}

// next returns the first live version after (t, seq).
func (a *Adapter) next(dataType string, t time.Time, seq int64) (change, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	tb := a.table(dataType)
	i, _ := slices.BinarySearchFunc(tb.order, 0, func(v version, _ int) int {
		if v.before(t, seq+1) {
			return -1
		}
		return 1
	})
	for ; i < len(tb.order); i++ {
		v := tb.order[i]
		e := tb.recs[v.id]
		if e.seq != v.seq {
			continue
		}
		return change{
			Change: sync.Change{Record: copyRecord(e.rec), Cursor: sync.TimeCursor(e.rec.Modified, fmt.Sprintf("%012d", e.seq))},
			seq:    e.seq,
		}, true
	}
	return change{}, false
}

// Get implements sync.Reader.
func (a *Adapter) Get(ctx context.Context, dataType string, ids []string) ([]sync.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls.Gets++
	a.calls.GetIDs += len(ids)
	t := a.table(dataType)
	out := make([]sync.Record, 0, len(ids))
	for _, id := range ids {
		if e, ok := t.recs[id]; ok && !e.rec.Deleted {
			out = append(out, copyRecord(e.rec))
		}
	}
	return out, nil
}
