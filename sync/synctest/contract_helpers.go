package synctest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// write sends ops to the Sink in one call and checks that it answered one
// Result per op.
func (r *checkRun) write(ops ...sync.Op) ([]sync.Result, error) {
	res, err := r.s.Sink.Write(r.ctx, r.dt, ops)
	if err != nil {
		return nil, failed(err, "Sink: Write failed the whole batch of %d ops", len(ops))
	}
	if len(res) != len(ops) {
		return nil, violated("Sink: Write must return one Result per op", "%d Results for %d ops", len(res), len(ops))
	}
	return res, nil
}

// changes reads the Source from since to the end. It goes on after an
// error, to check that none follows it.
func (r *checkRun) changes(since sync.Cursor) ([]sync.Change, error) {
	var out []sync.Change
	var failedErr error
	for ch, err := range r.s.Source.Changes(r.ctx, r.dt, since) {
		if failedErr != nil {
			return nil, violated("Source: Changes must yield an error once and stop", "after %v it yielded again (%v)", failedErr, describeChange(ch, err))
		}
		if err != nil {
			failedErr = err
			continue
		}
		out = append(out, ch)
	}
	if failedErr != nil {
		return nil, failed(failedErr, "Source: Changes from %q", since)
	}
	return out, nil
}

// rereadFrom returns the cursor the engine reads from after committing c
// with no lookback window: Rewind(c, 0) for a Rewinder, c without its
// tie-breaker for a time cursor, else c itself.
func (r *checkRun) rereadFrom(c sync.Cursor) sync.Cursor {
	if c == "" {
		return c
	}
	if rw, ok := r.s.Source.(sync.Rewinder); ok {
		return rw.Rewind(c, 0)
	}
	if t, _, ok := sync.ParseTimeCursor(c); ok {
		return sync.TimeCursor(t, "")
	}
	return c
}

// afterCursor returns the cursor to read a change made after c from: c
// itself when the change is known to be at a later instant, else c re-read
// as the engine does (a real clock to the second may give the change c's
// instant, which c's tie-breaker may pass).
func (r *checkRun) afterCursor(c sync.Cursor) sync.Cursor {
	if r.clockHeld() || r.h.ExactTimes {
		return c
	}
	return r.rereadFrom(c)
}

// get reads ids through the Reader.
func (r *checkRun) get(ids ...string) ([]sync.Record, error) {
	recs, err := r.s.Reader.Get(r.ctx, r.dt, ids)
	if err != nil {
		return nil, failed(err, "Reader: Get %v", ids)
	}
	return recs, nil
}

// readBack returns the current version of the records with these IDs
// (tombstones included) through the Reader, or else the Source's backfill.
func (r *checkRun) readBack(ids ...string) (map[string]sync.Record, error) {
	out := map[string]sync.Record{}
	if r.s.Reader != nil {
		recs, err := r.get(ids...)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			out[rec.ID] = rec
		}
		return out, nil
	}
	chs, err := r.changes("")
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for id, rec := range latest(chs) {
		if want[id] {
			out[id] = rec
		}
	}
	return out, nil
}

// canReadBack reports whether records can be read back at all.
func (r *checkRun) canReadBack() bool { return r.s.Reader != nil || r.s.Source != nil }

// readBackWith names what readBack reads through.
func (r *checkRun) readBackWith() string {
	if r.s.Reader != nil {
		return "Reader.Get"
	}
	return "a Source backfill"
}

// latest returns the last change of each record in chs.
func latest(chs []sync.Change) map[string]sync.Record {
	out := make(map[string]sync.Record, len(chs))
	for _, ch := range chs {
		out[ch.Record.ID] = ch.Record
	}
	return out
}

// diffFields describes how got differs from want on want's fields; empty
// when it does not.
func (r *checkRun) diffFields(want, got map[string]any) string {
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s missing (want %s)", k, show(want[k])))
		case !r.eq(want[k], g):
			diffs = append(diffs, fmt.Sprintf("%s = %s, want %s", k, show(g), show(want[k])))
		}
	}
	return strings.Join(diffs, "; ")
}

// sameTime compares modification times to the system's precision.
func (r *checkRun) sameTime(a, b time.Time) bool {
	if r.h.ExactTimes {
		return a.Equal(b)
	}
	return a.Truncate(time.Second).Equal(b.Truncate(time.Second))
}

// show renders a value for a message.
func show(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.Format(time.RFC3339Nano)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return fmt.Sprintf("%s (%T)", b, v)
}

// describeChange renders a yielded pair for a message.
func describeChange(ch sync.Change, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	s := fmt.Sprintf("record %s at %s", ch.Record.ID, ch.Record.Modified.Format(time.RFC3339Nano))
	if ch.Record.Deleted {
		s += " (deleted)"
	}
	return s
}

// changeIDs renders the IDs of changes for a message.
func changeIDs(chs []sync.Change) string {
	ids := make([]string, len(chs))
	for i, ch := range chs {
		ids[i] = ch.Record.ID
		if ch.Record.Deleted {
			ids[i] += " (deleted)"
		}
	}
	return "[" + strings.Join(ids, " ") + "]"
}

// merged returns base with the fields of upd set.
func merged(base, upd map[string]any) map[string]any {
	out := maps.Clone(base)
	maps.Copy(out, upd)
	return out
}
