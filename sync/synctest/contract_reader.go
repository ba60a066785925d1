package synctest

import (
	"slices"

	"github.com/zohokit/zohokit/sync"
)

var readerChecks = []check{
	{"Get", partReader, checkGet},
	{"Deleted", partReader, checkGetDeleted},
}

var roundTripChecks = []check{
	{"SinkToReaderAndSource", partSink, checkRoundTrip},
	{"Keys", partSink, checkKeys},
}

// Rules of the Reader and the round trip, as failures name them.
const (
	ruleGet          = "Reader: Get must return the existing records asked for, with their fields"
	ruleGetMissing   = "Reader: Get must leave out IDs of no record, without an error"
	ruleGetTime      = "Reader: Get must give the record's modification time, as the Source does"
	ruleGetDeleted   = "Reader: Get must leave a deleted record out or return it as a tombstone, never as live"
	ruleGetSoft      = "Reader: Get must return a deleted record as a tombstone (the harness declares SoftDeletes)"
	ruleRoundTripGet = "Round trip: what the Sink writes, Reader.Get must return"
	ruleRoundTripSrc = "Round trip: what the Sink writes, the Source must yield"
	ruleKeyKept      = "Round trip: a record created with an Op.Key must be read back with that Record.Key (the harness declares KeepsKeys)"
	ruleKeyOwn       = "Round trip: a Record.Key, when given, must be the Op.Key of the create that made the record"
	ruleKeyNative    = "Round trip: a record created behind the adapter's back has no Record.Key"
)

// missingIDs are IDs no fresh system holds: one of no system's form, one
// of a numeric system's.
var missingIDs = []string{"synctest-no-such-record", "987654321"}

// checkGet: Get returns what exists, in any order, leaves out the rest, and
// agrees with the Source on modification times.
func checkGet(r *checkRun) error {
	recs, err := r.seed(3)
	if err != nil {
		return err
	}
	for _, ids := range [][]string{nil, {}, missingIDs} {
		got, err := r.s.Reader.Get(r.ctx, r.dt, ids)
		if err != nil {
			return violated(ruleGetMissing, "Get(%q): %v", ids, err)
		}
		if len(got) > 0 {
			return violated(ruleGetMissing, "Get(%q) returned %d records (%s first)", ids, len(got), got[0].ID)
		}
	}
	ask := []string{recs[2].id, missingIDs[0], recs[0].id, missingIDs[1]}
	got, err := r.s.Reader.Get(r.ctx, r.dt, ask)
	if err != nil {
		return violated(ruleGetMissing, "Get(%q): %v", ask, err)
	}
	byID := map[string]sync.Record{}
	for _, rec := range got {
		if _, dup := byID[rec.ID]; dup {
			return violated(ruleGet, "Get(%q) returned record %s twice", ask, rec.ID)
		}
		if !slices.Contains(ask, rec.ID) {
			return violated(ruleGet, "Get(%q) returned record %q, not asked for", ask, rec.ID)
		}
		byID[rec.ID] = rec
	}
	var mod map[string]sync.Record
	if r.s.Source != nil {
		chs, err := r.changes("")
		if err != nil {
			return err
		}
		mod = latest(chs)
	}
	for _, c := range []created{recs[2], recs[0]} {
		rec, ok := byID[c.id]
		switch {
		case !ok:
			return violated(ruleGet, "Get(%q) left out record %s, which exists", ask, c.id)
		case rec.Deleted:
			return violated(ruleGet, "Get returned record %s, live, as a tombstone", c.id)
		}
		if d := r.diffFields(c.fields, rec.Fields); d != "" {
			return violated(ruleGet, "record %s: %s", c.id, d)
		}
		if src, ok := mod[c.id]; ok && !src.Modified.IsZero() && !r.sameTime(src.Modified, rec.Modified) {
			return violated(ruleGetTime, "record %s: Get says %s, the Source %s", c.id, show(rec.Modified), show(src.Modified))
		}
	}
	return nil
}

// checkGetDeleted: a deleted record is left out, or a tombstone (which
// SoftDeletes requires).
func checkGetDeleted(r *checkRun) error {
	if !r.canDelete() {
		return skip("records cannot be deleted: AdapterSystem.Delete is nil and the Sink cannot delete")
	}
	recs, err := r.seed(2)
	if err != nil {
		return err
	}
	if err := r.remove(recs[0].id); err != nil {
		return err
	}
	got, err := r.s.Reader.Get(r.ctx, r.dt, []string{recs[0].id, recs[1].id})
	if err != nil {
		return violated(ruleGetMissing, "Get of a deleted and a live record: %v", err)
	}
	var dead, live *sync.Record
	for i, rec := range got {
		switch rec.ID {
		case recs[0].id:
			dead = &got[i]
		case recs[1].id:
			live = &got[i]
		}
	}
	switch {
	case live == nil || live.Deleted:
		return violated(ruleGet, "record %s, live beside a deleted one, is not returned as live", recs[1].id)
	case dead != nil && !dead.Deleted:
		return violated(ruleGetDeleted, "record %s, deleted, is returned as live", recs[0].id)
	case dead == nil && r.h.SoftDeletes:
		return violated(ruleGetSoft, "record %s, deleted, is left out", recs[0].id)
	}
	return nil
}

// checkRoundTrip: records created and updated through the Sink are what
// the Reader and the Source return.
func checkRoundTrip(r *checkRun) error {
	if r.s.Reader == nil && r.s.Source == nil {
		return skip("the harness declares NoReader and NoSource: nothing reads back what the Sink writes")
	}
	ops := []sync.Op{
		{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()},
		{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()},
	}
	res, err := r.write(ops...)
	if err != nil {
		return err
	}
	want := map[string]map[string]any{}
	var ids []string
	for i, x := range res {
		if x.Err != nil {
			return violated("Sink: a valid create must succeed", "op %d: %v", i, x.Err)
		}
		want[x.ID] = ops[i].Fields
		ids = append(ids, x.ID)
	}
	r.advance()
	field, value := r.updateField()
	upd := map[string]any{field: value}
	out, err := r.write(sync.Op{Kind: sync.OpUpdate, ID: ids[1], Fields: upd})
	if err != nil {
		return err
	}
	if out[0].Err != nil {
		return violated("Sink: a valid update must succeed", "update %s %v: %v", ids[1], upd, out[0].Err)
	}
	want[ids[1]] = merged(want[ids[1]], upd)

	if r.s.Reader != nil {
		got, err := r.get(ids...)
		if err != nil {
			return err
		}
		byID := map[string]sync.Record{}
		for _, rec := range got {
			byID[rec.ID] = rec
		}
		for _, id := range ids {
			rec, ok := byID[id]
			if !ok || rec.Deleted {
				return violated(ruleRoundTripGet, "record %s, written, is not returned", id)
			}
			if d := r.diffFields(want[id], rec.Fields); d != "" {
				return violated(ruleRoundTripGet, "record %s: %s", id, d)
			}
		}
	}
	if r.s.Source != nil {
		chs, err := r.changes("")
		if err != nil {
			return err
		}
		got := latest(chs)
		for _, id := range ids {
			rec, ok := got[id]
			if !ok || rec.Deleted {
				return violated(ruleRoundTripSrc, "record %s, written, is not yielded by a backfill: %s", id, changeIDs(chs))
			}
			if d := r.diffFields(want[id], rec.Fields); d != "" {
				return violated(ruleRoundTripSrc, "record %s: %s", id, d)
			}
		}
	}
	return nil
}

// checkKeys: records created through the Sink come back with the keys they
// were created with (required when KeepsKeys is declared), after an update
// too, and records created behind the adapter's back with none.
func checkKeys(r *checkRun) error {
	if r.s.Reader == nil && r.s.Source == nil {
		return skip("the harness declares NoReader and NoSource: nothing reads keys back")
	}
	ops := []sync.Op{
		{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()},
		{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()},
	}
	res, err := r.write(ops...)
	if err != nil {
		return err
	}
	want := map[string]string{} // by ID; "" for none
	var ids []string
	for i, x := range res {
		if x.Err != nil {
			return violated("Sink: a valid create must succeed", "op %d: %v", i, x.Err)
		}
		want[x.ID] = ops[i].Key
		ids = append(ids, x.ID)
	}
	r.advance()
	field, value := r.updateField()
	out, err := r.write(sync.Op{Kind: sync.OpUpdate, ID: ids[1], Fields: map[string]any{field: value}})
	if err != nil {
		return err
	}
	if out[0].Err != nil {
		return violated("Sink: a valid update must succeed", "update %s: %v", ids[1], out[0].Err)
	}
	if r.s.Create != nil {
		c, err := r.create(r.fields())
		if err != nil {
			return err
		}
		want[c.id] = ""
		ids = append(ids, c.id)
	}
	check := func(via, rule string, got map[string]sync.Record) error {
		for _, id := range ids {
			rec, ok := got[id]
			if !ok || rec.Deleted {
				return violated(rule, "record %s, written, is not returned by %s", id, via)
			}
			switch key := want[id]; {
			case key == "" && rec.Key != "":
				return violated(ruleKeyNative, "record %s, created by AdapterSystem.Create, has Key %q from %s", id, rec.Key, via)
			case key != "" && rec.Key == "" && r.h.KeepsKeys:
				return violated(ruleKeyKept, "record %s, created with key %q, has no Key from %s", id, key, via)
			case rec.Key != "" && rec.Key != key:
				return violated(ruleKeyOwn, "record %s, created with key %q, has Key %q from %s", id, key, rec.Key, via)
			}
		}
		return nil
	}
	if r.s.Reader != nil {
		got, err := r.get(ids...)
		if err != nil {
			return err
		}
		byID := map[string]sync.Record{}
		for _, rec := range got {
			byID[rec.ID] = rec
		}
		if err := check("Reader.Get", ruleRoundTripGet, byID); err != nil {
			return err
		}
	}
	if r.s.Source != nil {
		chs, err := r.changes("")
		if err != nil {
			return err
		}
		if err := check("a Source backfill", ruleRoundTripSrc, latest(chs)); err != nil {
			return err
		}
	}
	return nil
}
