package synctest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
)

// AdapterHarness tells RunAdapter how to make and drive the adapter under
// test: a fresh system for each check, valid records to write, and what the
// adapter can and cannot do. The capability fields say what the contract
// lets an adapter leave out: a check that needs what the harness declares
// missing is skipped with a reason naming the field, and a part that is
// not declared missing but not given either fails the check, so that
// nothing goes unchecked by mistake.
type AdapterHarness struct {
	// New sets up a fresh, empty system for one check and returns it with
	// the adapter under test. It is called once per check, on the check's
	// goroutine; use t for cleanups (t.TempDir, t.Cleanup, pgtest.DSN).
	// Required.
	New func(t *testing.T) *AdapterSystem
	// NewFields returns the fields of a valid new record in the adapter's
	// own field names, different for each i in every field (so that unique
	// fields stay unique and an update to NewFields(j)'s value is a change).
	// The suite compares records on these fields only. Required.
	NewFields func(i int) map[string]any
	// BadFields, when set, returns fields the system refuses (a mandatory
	// field missing, a value of the wrong type): a create with them must
	// fail in its own Result without failing the batch. Nil skips that
	// check.
	BadFields func(i int) map[string]any
	// UpdateField is the field the update checks change; empty means the
	// first field, by name, of NewFields(0).
	UpdateField string
	// Equal compares a value written (from NewFields) with the value read
	// back; nil means transform.Equal. Systems normalise values ("10.50"
	// comes back as 10.5): give a comparator that accepts what yours does.
	Equal func(want, got any) bool

	// NoSource, NoSink and NoReader declare that the adapter is not a
	// sync.Source, sync.Sink or sync.Reader: the checks of that part are
	// skipped. Without them the part must be given.
	NoSource, NoSink, NoReader bool
	// NoDeleteOps declares a Sink that cannot delete (Zoho Books items): the
	// suite checks that a delete fails in its own Result instead of
	// succeeding.
	NoDeleteOps bool
	// Tombstones declares a Source that yields deleted records as
	// tombstones (Record.Deleted); without it a delete is not looked for in
	// the change stream.
	Tombstones bool
	// SoftDeletes declares a Reader that returns a deleted record as a
	// tombstone; without it Get may leave the record out or return a
	// tombstone, but never the record as live.
	SoftDeletes bool
	// KeepsKeys declares a system that keeps the idempotency key of the
	// create that made a record (the external-ID field or key column the
	// Sink upserts on), so that the Reader and the Source return the record
	// with that Record.Key, as bidirectional pipelines need to recognise the
	// records they created (sync.KeyFrom). Without it Record.Key may be
	// empty; whether declared or not, a Key given must be the record's own.
	KeepsKeys bool
	// ExactTimes declares modification times finer than a second; without
	// it times are compared to the second. It also lets the suite rely on
	// a real clock (no AdapterSystem.Advance) giving a later change a later
	// time.
	ExactTimes bool
	// Serial runs the checks one at a time, for systems that cannot hold
	// several fresh instances at once.
	Serial bool
}

// AdapterSystem is one check's system: the adapter under test and the means
// to act on the system behind the adapter's back, as its other users do.
type AdapterSystem struct {
	// Source, Sink and Reader are the adapter's parts; each is required
	// unless the harness declares it missing (NoSource, NoSink, NoReader).
	Source sync.Source
	Sink   sync.Sink
	Reader sync.Reader
	// DataType is the data type the checks read and write. Required.
	DataType string
	// Create adds a record with these fields behind the adapter's back and
	// returns its ID; nil means the suite creates records through the Sink
	// (then required). The Source checks create their records with it.
	Create func(ctx context.Context, fields map[string]any) (id string, err error)
	// Edit changes some fields of a record behind the adapter's back, as a
	// user of the system would, which stamps a new modification time.
	// Required to check a Source.
	Edit func(ctx context.Context, id string, fields map[string]any) error
	// Delete deletes a record behind the adapter's back; nil means the
	// suite deletes through the Sink where it needs a deleted record.
	Delete func(ctx context.Context, id string) error
	// Advance moves the system's clock d ahead. Set it when the system's
	// clock is a fake one that stands still between calls: the suite then
	// spaces changes in time itself, and checks that a record changed again
	// within the cursor's instant is not lost. Nil means a real clock; that
	// check is skipped.
	Advance func(d time.Duration)
}

// RunAdapter runs the adapter conformance suite: it checks the adapter that
// h makes against the contract of sync.Source, sync.Sink, sync.Reader and
// sync.Rewinder, each rule a subtest whose failure names the rule broken.
// Every zohokit adapter passes it, and so should yours:
//
//	func TestAdapterContract(t *testing.T) {
//		synctest.RunAdapter(t, synctest.AdapterHarness{
//			New: func(t *testing.T) *synctest.AdapterSystem {
//				erp := startTestERP(t) // your system, fresh and empty
//				a := myerp.NewAdapter(erp.URL)
//				return &synctest.AdapterSystem{
//					Source: a, Sink: a, Reader: a, DataType: "customers",
//					Edit: func(ctx context.Context, id string, f map[string]any) error {
//						return erp.Update(ctx, id, f) // as the ERP's users would
//					},
//				}
//			},
//			NewFields: func(i int) map[string]any {
//				return map[string]any{"name": fmt.Sprint("Customer ", i), "email": fmt.Sprintf("c%d@example.com", i)}
//			},
//			Tombstones: true,
//			KeepsKeys:  true, // the ERP keeps Op.Key in an external-ID column
//		})
//	}
//
// The checks:
//
//   - Sink: one Result per op, in the ops' order; a create returns the new
//     record's ID (and Result.Modified, when given, is its modification
//     time); the same create (same Op.Key) written twice, in two calls or
//     in one, makes one record; an update changes only the fields it
//     gives; deleting succeeds and deleting again succeeds; a refused op
//     fails alone, with an error that is not retryable.
//   - Reader: Get returns the records asked for with their fields and
//     modification times, in any order, and leaves out IDs of no record
//     without an error; a deleted record is left out or a tombstone.
//   - Source: a backfill (empty cursor) yields every record once, in
//     non-decreasing Modified order; the cursor of each change resumes
//     after it (records of the cursor's own instant may come again); a
//     change made after the last cursor is yielded from it; a record
//     changed again within the cursor's instant is yielded when the cursor
//     is re-read as the engine does (sync.Rewinder's Rewind(c, 0), or a
//     sync.TimeCursor without its tie-breaker); deletes come as tombstones
//     when declared; iteration stops without error when the loop breaks;
//     a cancelled context ends it with the context's error.
//   - Round trip: what the Sink writes, the Reader and the Source return;
//     a record created with an Op.Key comes back with that Record.Key when
//     declared (KeepsKeys), even after an update, and never with another
//     key; a record created behind the adapter's back has none.
//
// Checks run in parallel (unless h.Serial), each on its own system from
// h.New; the context they use ends with the test.
func RunAdapter(t *testing.T, h AdapterHarness) {
	t.Helper()
	if err := h.validate(); err != nil {
		t.Fatal(err)
	}
	for _, g := range checkGroups {
		t.Run(g.name, func(t *testing.T) {
			if !h.Serial {
				t.Parallel()
			}
			for _, c := range g.checks {
				t.Run(c.name, func(t *testing.T) {
					if !h.Serial {
						t.Parallel()
					}
					err := h.runCheck(t, c)
					var skip *skipped
					switch {
					case errors.As(err, &skip):
						t.Skip(skip.reason)
					case err != nil:
						t.Fatal(err)
					}
				})
			}
		})
	}
}

// check is one rule of the contract.
type check struct {
	name  string
	needs part // the parts it cannot do without
	fn    func(r *checkRun) error
}

// part is a set of adapter parts.
type part int

const (
	partSource part = 1 << iota
	partSink
	partReader
)

// checkGroups are the checks, by part. Check names are the subtest names.
var checkGroups = []struct {
	name   string
	checks []check
}{
	{"Sink", sinkChecks},
	{"Reader", readerChecks},
	{"Source", sourceChecks},
	{"RoundTrip", roundTripChecks},
}

// findCheck returns the check named "Group/Name".
func findCheck(name string) (check, bool) {
	for _, g := range checkGroups {
		for _, c := range g.checks {
			if g.name+"/"+c.name == name {
				return c, true
			}
		}
	}
	return check{}, false
}

// violation is a breach of the contract: rule is the rule as the contract
// states it, detail what the adapter did.
type violation struct {
	rule, detail string
}

func (v *violation) Error() string { return v.rule + ": " + v.detail }

func violated(rule, format string, args ...any) error {
	return &violation{rule: rule, detail: fmt.Sprintf(format, args...)}
}

// failure is an error of the adapter (or of the system) that fails a
// check, with what the check was doing.
type failure struct {
	msg string
	err error
}

func (f *failure) Error() string { return f.msg + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func failed(err error, format string, args ...any) error {
	return &failure{msg: fmt.Sprintf(format, args...), err: err}
}

// skipped ends a check that cannot run on this adapter.
type skipped struct{ reason string }

func (s *skipped) Error() string { return "skipped: " + s.reason }

func skip(format string, args ...any) error { return &skipped{reason: fmt.Sprintf(format, args...)} }

// harnessError reports a harness that cannot run the suite.
func harnessError(format string, args ...any) error {
	return fmt.Errorf("synctest: RunAdapter: harness: "+format, args...)
}

func (h *AdapterHarness) validate() error {
	switch {
	case h.New == nil:
		return harnessError("AdapterHarness.New is nil")
	case h.NewFields == nil:
		return harnessError("AdapterHarness.NewFields is nil")
	case h.NoSource && h.NoSink && h.NoReader:
		return harnessError("NoSource, NoSink and NoReader: nothing is left to check")
	case h.Tombstones && h.NoSource:
		return harnessError("Tombstones is declared with NoSource")
	case h.SoftDeletes && h.NoReader:
		return harnessError("SoftDeletes is declared with NoReader")
	case h.KeepsKeys && h.NoSink:
		return harnessError("KeepsKeys is declared with NoSink: keys come from the Sink's creates")
	case h.KeepsKeys && h.NoReader && h.NoSource:
		return harnessError("KeepsKeys is declared with NoReader and NoSource: nothing reads keys back")
	}
	f0, f1 := h.NewFields(0), h.NewFields(1)
	if len(f0) == 0 {
		return harnessError("NewFields(0) returned no fields")
	}
	if h.UpdateField != "" {
		if _, ok := f0[h.UpdateField]; !ok {
			return harnessError("UpdateField %q is not a field of NewFields(0)", h.UpdateField)
		}
	}
	eq := h.equal()
	for k, v := range f0 {
		if w, ok := f1[k]; ok && eq(v, w) {
			return harnessError("NewFields(0) and NewFields(1) have the same %q: every field must differ between records", k)
		}
	}
	return nil
}

func (h *AdapterHarness) equal() func(want, got any) bool {
	if h.Equal != nil {
		return h.Equal
	}
	return transform.Equal
}

// runCheck sets up a system for c and runs it; the error is a violation,
// a skip, or a harness or system failure.
func (h *AdapterHarness) runCheck(t *testing.T, c check) error {
	t.Helper()
	have := part(0)
	if !h.NoSource {
		have |= partSource
	}
	if !h.NoSink {
		have |= partSink
	}
	if !h.NoReader {
		have |= partReader
	}
	if missing := c.needs &^ have; missing != 0 {
		return skip("the harness declares %s", missing.declared())
	}
	s := h.New(t)
	if s == nil {
		return harnessError("New returned nil")
	}
	if err := h.validateSystem(s); err != nil {
		return err
	}
	r := &checkRun{ctx: t.Context(), h: h, s: s, dt: s.DataType, eq: h.equal()}
	if h.NoSource {
		r.s.Source = nil
	}
	if h.NoSink {
		r.s.Sink = nil
	}
	if h.NoReader {
		r.s.Reader = nil
	}
	return c.fn(r)
}

func (p part) declared() string {
	var names []string
	for _, x := range []struct {
		p    part
		name string
	}{{partSource, "NoSource"}, {partSink, "NoSink"}, {partReader, "NoReader"}} {
		if p&x.p != 0 {
			names = append(names, x.name)
		}
	}
	return fmt.Sprint(names)
}

func (h *AdapterHarness) validateSystem(s *AdapterSystem) error {
	switch {
	case s.DataType == "":
		return harnessError("AdapterSystem.DataType is empty")
	case !h.NoSource && s.Source == nil:
		return harnessError("AdapterSystem.Source is nil; declare AdapterHarness.NoSource if the adapter has none")
	case !h.NoSink && s.Sink == nil:
		return harnessError("AdapterSystem.Sink is nil; declare AdapterHarness.NoSink if the adapter has none")
	case !h.NoReader && s.Reader == nil:
		return harnessError("AdapterSystem.Reader is nil; declare AdapterHarness.NoReader if the adapter has none")
	case h.NoSink && s.Create == nil:
		return harnessError("AdapterSystem.Create is required without a Sink: the checks need records")
	case !h.NoSource && s.Edit == nil:
		return harnessError("AdapterSystem.Edit is required to check a Source: the checks change records behind the adapter's back")
	case h.Tombstones && s.Delete == nil && (h.NoSink || h.NoDeleteOps):
		return harnessError("Tombstones is declared, but records can be deleted neither by AdapterSystem.Delete nor through the Sink")
	}
	return nil
}

// checkRun is one check's system and helpers.
type checkRun struct {
	ctx  context.Context
	h    *AdapterHarness
	s    *AdapterSystem
	dt   string
	eq   func(want, got any) bool
	next int // the next NewFields index and key number
}

// fields returns the fields of a new record, different from all before.
func (r *checkRun) fields() map[string]any {
	f := r.h.NewFields(r.next)
	r.next++
	return f
}

// key returns a new idempotency key, of the engine's form (39 characters).
func (r *checkRun) key() string {
	r.next++
	return sync.IdempotencyKey("synctest", store.Left, strconv.Itoa(r.next))
}

// updateField returns the field updates change and a new value for it.
func (r *checkRun) updateField() (string, any) {
	name := r.h.UpdateField
	f := r.fields()
	if name == "" {
		name = slices.Sorted(maps.Keys(f))[0]
	}
	return name, f[name]
}

// advance moves the system's clock on by a second, when the harness can.
func (r *checkRun) advance() {
	if r.s.Advance != nil {
		r.s.Advance(time.Second)
	}
}

// clockHeld reports whether changes can be spaced in time on purpose.
func (r *checkRun) clockHeld() bool { return r.s.Advance != nil }

// created is a record a check made.
type created struct {
	id     string
	fields map[string]any
}

// create makes a record behind the adapter's back, or through the Sink.
func (r *checkRun) create(fields map[string]any) (created, error) {
	if r.s.Create != nil {
		id, err := r.s.Create(r.ctx, fields)
		if err != nil {
			return created{}, harnessError("Create: %v", err)
		}
		if id == "" {
			return created{}, harnessError("Create returned an empty ID")
		}
		return created{id: id, fields: fields}, nil
	}
	res, err := r.write(sync.Op{Kind: sync.OpCreate, Key: r.key(), Fields: fields})
	if err != nil {
		return created{}, err
	}
	if res[0].Err != nil {
		return created{}, violated("Sink: a valid create must succeed", "%v (fields %v)", res[0].Err, fields)
	}
	if res[0].ID == "" {
		return created{}, violated("Sink: a create's Result must give the new record's ID", "the ID is empty")
	}
	return created{id: res[0].ID, fields: fields}, nil
}

// seed makes n records, two to an instant when the clock can be moved.
func (r *checkRun) seed(n int) ([]created, error) {
	out := make([]created, 0, n)
	for i := range n {
		c, err := r.create(r.fields())
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		if i%2 == 1 {
			r.advance()
		}
	}
	return out, nil
}

// edit changes a record behind the adapter's back.
func (r *checkRun) edit(id string, fields map[string]any) error {
	if err := r.s.Edit(r.ctx, id, fields); err != nil {
		return harnessError("Edit %s: %v", id, err)
	}
	return nil
}

// remove deletes a record behind the adapter's back, or through the Sink
// when the harness cannot.
func (r *checkRun) remove(id string) error {
	if r.s.Delete != nil {
		if err := r.s.Delete(r.ctx, id); err != nil {
			return harnessError("Delete %s: %v", id, err)
		}
		return nil
	}
	res, err := r.write(sync.Op{Kind: sync.OpDelete, ID: id})
	if err != nil {
		return err
	}
	if res[0].Err != nil {
		return violated("Sink: deleting a record must succeed", "delete %s: %v", id, res[0].Err)
	}
	return nil
}

// canDelete reports whether the check can delete records.
func (r *checkRun) canDelete() bool {
	return r.s.Delete != nil || (r.s.Sink != nil && !r.h.NoDeleteOps)
}
