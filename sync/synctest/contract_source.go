package synctest

import (
	"context"
	"errors"
	"fmt"

	"github.com/zohokit/zohokit/sync"
)

var sourceChecks = []check{
	{"Backfill", partSource, checkBackfill},
	{"Resume", partSource, checkResume},
	{"ChangeAfterCursor", partSource, checkChangeAfterCursor},
	{"SameInstant", partSource, checkSameInstant},
	{"Tombstones", partSource, checkTombstones},
	{"Break", partSource, checkBreak},
	{"Cancel", partSource, checkCancel},
}

// Rules of the Source, as failures name them.
const (
	ruleBackfillOnce  = "Source: a backfill (empty cursor) must yield every record exactly once"
	ruleBackfillOrder = "Source: Changes must yield changes in non-decreasing Modified order"
	ruleBackfillData  = "Source: Changes must yield records with their fields and modification time"
	ruleResume        = "Source: reading from a change's cursor must yield the changes after it (and at most its own instant again)"
	ruleAfterCursor   = "Source: a change made after the last cursor must be yielded from it"
	ruleSameInstant   = "Source: a record changed again within the cursor's instant must be yielded when the cursor is read again without its tie-breaker (sync.TimeCursor(t, \"\") or Rewind(c, 0))"
	ruleTombstones    = "Source: a record deleted after the cursor must be yielded from it as a tombstone (the harness declares Tombstones)"
	ruleBreak         = "Source: Changes must stop when the loop breaks"
	ruleCancel        = "Source: a cancelled context must end Changes with the context's error"
)

// checkBackfill: from the empty cursor, every record once, in time order,
// with its fields.
func checkBackfill(r *checkRun) error {
	recs, err := r.seed(5)
	if err != nil {
		return err
	}
	chs, err := r.changes("")
	if err != nil {
		return err
	}
	if err := r.requireOrdered(chs, "a backfill"); err != nil {
		return err
	}
	count := map[string]int{}
	for _, ch := range chs {
		count[ch.Record.ID]++
	}
	for _, c := range recs {
		if count[c.id] != 1 {
			return violated(ruleBackfillOnce, "record %s was yielded %d times: %s", c.id, count[c.id], changeIDs(chs))
		}
	}
	got := latest(chs)
	for _, c := range recs {
		rec := got[c.id]
		if rec.Deleted {
			return violated(ruleBackfillData, "record %s, live, was yielded as a tombstone", c.id)
		}
		if d := r.diffFields(c.fields, rec.Fields); d != "" {
			return violated(ruleBackfillData, "record %s: %s", c.id, d)
		}
	}
	return nil
}

// requireOrdered checks that chs have modification times, in order, and
// cursors.
func (r *checkRun) requireOrdered(chs []sync.Change, what string) error {
	for i, ch := range chs {
		if ch.Record.ID == "" {
			return violated(ruleBackfillData, "change %d of %s has no record ID", i, what)
		}
		if ch.Cursor == "" {
			return violated("Source: every change must carry the cursor to resume from after it", "change %d of %s (record %s) has an empty cursor", i, what, ch.Record.ID)
		}
		if ch.Record.Modified.IsZero() {
			return violated(ruleBackfillData, "change %d of %s (record %s) has no Modified", i, what, ch.Record.ID)
		}
		if i > 0 && ch.Record.Modified.Before(chs[i-1].Record.Modified) {
			return violated(ruleBackfillOrder, "in %s, record %s (%s) comes after record %s (%s)", what,
				ch.Record.ID, show(ch.Record.Modified), chs[i-1].Record.ID, show(chs[i-1].Record.Modified))
		}
	}
	return nil
}

// checkResume: reading from the cursor of each change of a backfill, in
// order, yields the changes after it; records of the cursor's own instant
// may come again.
func checkResume(r *checkRun) error {
	if _, err := r.seed(5); err != nil {
		return err
	}
	all, err := r.changes("")
	if err != nil {
		return err
	}
	for k, at := range all {
		rest, err := r.changes(at.Cursor)
		if err != nil {
			return err
		}
		if err := r.requireOrdered(rest, fmt.Sprintf("the changes from cursor %q", at.Cursor)); err != nil {
			return err
		}
		// The records yielded up to k at k's instant may come again.
		again := map[string]bool{}
		for _, ch := range all[:k+1] {
			if ch.Record.Modified.Equal(at.Record.Modified) {
				again[ch.Record.ID] = true
			}
		}
		want := all[k+1:]
		i := 0
		for _, ch := range rest {
			switch {
			case i < len(want) && ch.Record.ID == want[i].Record.ID:
				i++
			case again[ch.Record.ID] && ch.Record.Modified.Equal(at.Record.Modified):
			default:
				return violated(ruleResume, "from the cursor of change %d of %d (record %s): got %s, want %s", k+1, len(all), at.Record.ID, changeIDs(rest), changeIDs(want))
			}
		}
		if i < len(want) {
			return violated(ruleResume, "from the cursor of change %d of %d (record %s), change %s is missing: got %s, want %s", k+1, len(all), at.Record.ID, want[i].Record.ID, changeIDs(rest), changeIDs(want))
		}
	}
	return nil
}

// checkChangeAfterCursor: records edited behind the adapter's back, written
// through its Sink and created after the last cursor are yielded from it.
func checkChangeAfterCursor(r *checkRun) error {
	recs, err := r.seed(2)
	if err != nil {
		return err
	}
	all, err := r.changes("")
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return violated(ruleBackfillOnce, "a backfill of 2 records yielded nothing")
	}
	last := all[len(all)-1].Cursor
	r.advance()
	want := map[string]map[string]any{}
	edit := r.fields()
	if err := r.edit(recs[0].id, edit); err != nil {
		return err
	}
	want[recs[0].id] = merged(recs[0].fields, edit)
	how := map[string]string{recs[0].id: "edited behind the adapter's back"}
	if r.s.Sink != nil {
		field, value := r.updateField()
		upd := map[string]any{field: value}
		res, err := r.write(sync.Op{Kind: sync.OpUpdate, ID: recs[1].id, Fields: upd})
		if err != nil {
			return err
		}
		if res[0].Err != nil {
			return violated("Sink: a valid update must succeed", "update %s %v: %v", recs[1].id, upd, res[0].Err)
		}
		want[recs[1].id] = merged(recs[1].fields, upd)
		how[recs[1].id] = "updated through the Sink"
	}
	c, err := r.create(r.fields())
	if err != nil {
		return err
	}
	want[c.id], how[c.id] = c.fields, "created"

	from := r.afterCursor(last)
	rest, err := r.changes(from)
	if err != nil {
		return err
	}
	if err := r.requireOrdered(rest, fmt.Sprintf("the changes from cursor %q", from)); err != nil {
		return err
	}
	got := latest(rest)
	for id, fields := range want {
		rec, ok := got[id]
		if !ok {
			return violated(ruleAfterCursor, "record %s, %s, is missing from the changes from cursor %q: %s", id, how[id], from, changeIDs(rest))
		}
		if d := r.diffFields(fields, rec.Fields); d != "" {
			return violated(ruleAfterCursor, "record %s, %s, is yielded with old fields: %s", id, how[id], d)
		}
	}
	return nil
}

// checkSameInstant: with the clock held still, records of the last
// cursor's instant changed again are yielded from the cursor re-read as the
// engine does.
func checkSameInstant(r *checkRun) error {
	if !r.clockHeld() {
		return skip("AdapterSystem.Advance is nil: the system's clock cannot be held still, so a change within the cursor's instant cannot be made on purpose")
	}
	recs := make([]created, 3)
	for i := range recs {
		c, err := r.create(r.fields())
		if err != nil {
			return err
		}
		recs[i] = c
	}
	all, err := r.changes("")
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return violated(ruleBackfillOnce, "a backfill of 3 records yielded nothing")
	}
	last := all[len(all)-1]
	want := map[string]map[string]any{}
	for _, c := range recs {
		edit := r.fields()
		if err := r.edit(c.id, edit); err != nil {
			return err
		}
		want[c.id] = merged(c.fields, edit)
	}
	from := r.rereadFrom(last.Cursor)
	rest, err := r.changes(from)
	if err != nil {
		return err
	}
	got := latest(rest)
	for _, c := range recs {
		rec, ok := got[c.id]
		if !ok {
			return violated(ruleSameInstant, "record %s, changed again at %s, is missing from the changes from %q (the last cursor %q): %s",
				c.id, show(last.Record.Modified), from, last.Cursor, changeIDs(rest))
		}
		if d := r.diffFields(want[c.id], rec.Fields); d != "" {
			return violated(ruleSameInstant, "record %s is yielded with its old fields: %s", c.id, d)
		}
	}
	return nil
}

// checkTombstones: records deleted after the cursor come from it as
// tombstones.
func checkTombstones(r *checkRun) error {
	if !r.h.Tombstones {
		return skip("the harness does not declare Tombstones: deletes are not looked for in the change stream")
	}
	recs, err := r.seed(2)
	if err != nil {
		return err
	}
	all, err := r.changes("")
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return violated(ruleBackfillOnce, "a backfill of 2 records yielded nothing")
	}
	last := all[len(all)-1].Cursor
	r.advance()
	how := map[string]string{}
	if r.s.Delete != nil {
		if err := r.remove(recs[0].id); err != nil {
			return err
		}
		how[recs[0].id] = "deleted behind the adapter's back"
	}
	if r.s.Sink != nil && !r.h.NoDeleteOps {
		res, err := r.write(sync.Op{Kind: sync.OpDelete, ID: recs[1].id})
		if err != nil {
			return err
		}
		if res[0].Err != nil {
			return violated(ruleDelete, "delete %s: %v", recs[1].id, res[0].Err)
		}
		how[recs[1].id] = "deleted through the Sink"
	}
	from := r.afterCursor(last)
	rest, err := r.changes(from)
	if err != nil {
		return err
	}
	got := latest(rest)
	for id, what := range how {
		rec, ok := got[id]
		switch {
		case !ok:
			return violated(ruleTombstones, "record %s, %s, is missing from the changes from %q: %s", id, what, from, changeIDs(rest))
		case !rec.Deleted:
			return violated(ruleTombstones, "record %s, %s, is yielded as live", id, what)
		case rec.Modified.IsZero():
			return violated(ruleBackfillData, "the tombstone of record %s has no Modified", id)
		}
	}
	return nil
}

// checkBreak: a loop that breaks ends the iteration: no more yields (Go
// panics when an iterator goes on), no error, and the Source reads whole
// again afterwards.
func checkBreak(r *checkRun) (err error) {
	if _, err := r.seed(3); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = violated(ruleBreak, "Changes went on after the loop body broke out: %v", p)
		}
	}()
	n := 0
	for _, err := range r.s.Source.Changes(r.ctx, r.dt, "") {
		if err != nil {
			return failed(err, "Source: Changes from \"\"")
		}
		n++
		break
	}
	if n != 1 {
		return violated(ruleBackfillOnce, "a backfill of 3 records yielded nothing")
	}
	all, err := r.changes("")
	if err != nil {
		return err
	}
	if len(all) < 3 {
		return violated(ruleBreak, "after a loop broke out of a backfill, the next backfill yields %d of 3 records", len(all))
	}
	return nil
}

// checkCancel: a context cancelled before or during the iteration ends it
// with the context's error.
func checkCancel(r *checkRun) error {
	if _, err := r.seed(3); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(r.ctx)
	cancel()
	var got error
	for ch, err := range r.s.Source.Changes(ctx, r.dt, "") {
		if got != nil {
			return violated("Source: Changes must yield an error once and stop", "after %v it yielded again (%v)", got, describeChange(ch, err))
		}
		got = err
	}
	if got == nil {
		return violated(ruleCancel, "with a context cancelled before the call, Changes ended without an error")
	}
	if !errors.Is(got, context.Canceled) {
		return violated(ruleCancel, "with a context cancelled before the call, Changes yielded %q, which does not wrap context.Canceled", got)
	}

	// Cancelled after the first change: the iteration ends, and an error it
	// yields is the context's.
	ctx, cancel = context.WithCancel(r.ctx)
	defer cancel()
	got = nil
	n := 0
	for ch, err := range r.s.Source.Changes(ctx, r.dt, "") {
		if got != nil {
			return violated("Source: Changes must yield an error once and stop", "after %v it yielded again (%v)", got, describeChange(ch, err))
		}
		if err != nil {
			got = err
			continue
		}
		if n++; n == 1 {
			cancel()
		}
	}
	if got != nil && !errors.Is(got, context.Canceled) {
		return violated(ruleCancel, "with the context cancelled during the iteration, Changes yielded %q, which does not wrap context.Canceled", got)
	}
	return nil
}
