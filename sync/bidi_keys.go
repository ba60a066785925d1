package sync

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/zohokit/zohokit/store"
)

// This file keeps a bidirectional pipeline from syncing back, as a new
// record, a record it created itself whose link is not durable yet. A
// create and its link are made durable apart: the write, then the batch's
// checkpoint. In between, the new record can be read as an unlinked record
// of its side: by the next run's pass over that side when the process died
// before the checkpoint, or by a Push when the event of its creation
// arrives first. Creating a counterpart for it would duplicate the record it
// came from.
//
// Such a record carries the key it was created with (Record.Key, when its
// system keeps it), and KeyFrom tells that this pipeline made that key for
// a create from the other side. It is skipped, not created on the other
// side and not parked: the record it came from is linked to it by its own
// pass, which reads that record again (its cursor was not committed past
// it), creates it again with the same Op.Key, gets the existing record back
// from the Sink and links the two. The skipping pass's cursor moves past
// it, but only at the end of the run (finish and commitHeld hold it before
// the record until then): a run that dies before its other pass has linked
// the record has the next run read it again, rather than forget it.
//
// The run follows the records it skips this way. When the record one came
// from turns out deleted in the same run (its tombstone, unlinked, is read
// before or after), the pair is handled as a linked pair whose record was
// deleted: the delete policy applies to the record created, and the pair
// is tombstoned. A record still unlinked at the end of the run is reported
// in a warning with its key: the record it came from failed, is filtered
// out, or is gone without a tombstone this run read, and a person should
// look. Its later changes are skipped the same way.
//
// What this cannot do: tell where a record came from when the tombstone of
// its source was read by an earlier run (one that died before its right
// pass). The key is a hash; such a record stays unlinked and reported.

// awaitingRec is a record skipped as created by this pipeline from the other
// side and not linked yet.
type awaitingRec struct {
	side store.Side
	id   string
}

// maxFollowed bounds how many skipped records and unlinked tombstones a run
// follows (each map), so that a pass over a side full of them (a first run
// over a store that lost its state) keeps its memory bounded.
const maxFollowed = 10_000

// pairLink is the link of a pair whose records are id on side in and
// otherID on the other side.
func pairLink(pipeline string, in store.Side, id, otherID string) store.Link {
	if in == store.Left {
		return store.Link{Pipeline: pipeline, LeftID: id, RightID: otherID}
	}
	return store.Link{Pipeline: pipeline, LeftID: otherID, RightID: id}
}

// createdHere handles a live, unlinked record that this pipeline created
// from the other side, and reports whether it was one.
func (r *run) createdHere(in store.Side, it *pairItem, br *batchResult) bool {
	p := r.p
	rec := it.rec
	from, ok := KeyFrom(p.cfg.Name, rec.Key)
	if !ok || from != other(in) {
		return false
	}
	if src, ok := r.gone[rec.Key]; ok {
		// The record it came from was deleted: as if the pair were linked.
		link := pairLink(p.cfg.Name, in, rec.ID, src)
		it.link, it.kind = &link, pairGone
		return true
	}
	if _, ok := r.awaiting[rec.Key]; !ok {
		if len(r.awaiting) < maxFollowed {
			r.awaiting[rec.Key] = awaitingRec{side: in, id: rec.ID}
		} else {
			r.t.warn("more than %d records created by this pipeline and not linked yet were read in this run; the others are skipped without being followed to their link", maxFollowed)
		}
	}
	br.holds = append(br.holds, it.pos)
	r.leave(br, in, rec.ID, OutcomeSkipped, fmt.Sprintf(
		"created by this pipeline from the %s side (key %s) and not linked yet: linked when that side's record is synced", from, rec.Key))
	return true
}

// tombstoneOfSource handles an unlinked tombstone whose record a record
// skipped earlier in this run was created from, and reports whether it was
// one: the delete policy then applies to the record created. Other
// unlinked tombstones of the left side are remembered, for the records
// created from them that the right side's pass reads next.
func (r *run) tombstoneOfSource(in store.Side, it *pairItem) bool {
	p := r.p
	key := IdempotencyKey(p.cfg.Name, in, it.rec.ID)
	if aw, ok := r.awaiting[key]; ok && aw.side == other(in) {
		link := pairLink(p.cfg.Name, in, it.rec.ID, aw.id)
		it.link, it.kind, it.orphan = &link, pairDelete, key
		return true
	}
	if in == store.Left && r.mode == modeRun && len(r.gone) < maxFollowed {
		r.gone[key] = it.rec.ID
	}
	return false
}

// hold returns how many of a batch's changes its checkpoint may move
// side's cursor past, when its outcome is durable up to stop: a record
// awaiting its link (at a position in holds) holds the cursor before it
// until the end of the run, and so do the batches after it. The cursor
// that the batch reached is kept for commitHeld.
func (r *run) hold(side store.Side, changes []Change, stop int, holds []int) int {
	commit := stop
	if _, held := r.held[side]; held {
		commit = 0
	}
	for _, pos := range holds {
		commit = min(commit, pos)
	}
	if commit < stop {
		r.held[side] = laterCursor(cmp.Or(r.held[side], r.stored[side]), changes[stop-1].Cursor)
	}
	return commit
}

// commitHeld commits the cursors that records awaiting their link held
// back, at the end of a run whose passes are done: a run that dies before
// has the next one read those records again, rather than forget them.
func (r *run) commitHeld(ctx context.Context) error {
	if r.dry {
		return nil
	}
	cursors := map[store.Side]string{}
	for side, c := range r.held {
		if c != "" && c != r.stored[side] {
			cursors[side] = string(c)
		}
	}
	if len(cursors) == 0 {
		return nil
	}
	if err := r.p.cfg.Store.Commit(ctx, store.Checkpoint{Pipeline: r.p.cfg.Name, Cursors: cursors}); err != nil {
		return fmt.Errorf("commit checkpoint: %w", err)
	}
	for side, c := range cursors {
		r.stored[side] = Cursor(c)
		r.t.cursors[side] = Cursor(c)
	}
	return nil
}

// linked notes that the record created with key is linked (or tombstoned)
// now: the record id, or in a plan (id empty) the record the key names.
func (r *run) linked(key, id string) {
	if aw, ok := r.awaiting[key]; ok && (id == "" || id == aw.id) {
		delete(r.awaiting, key)
	}
}

// reportAwaiting warns of the records skipped in this run as created by
// this pipeline that are still not linked at its end.
func (r *run) reportAwaiting(ctx context.Context) error {
	if len(r.awaiting) == 0 {
		return nil
	}
	p := r.p
	type entry struct {
		key string
		awaitingRec
	}
	var left []entry
	bySide := map[store.Side][]string{}
	for k, aw := range r.awaiting {
		left = append(left, entry{k, aw})
		bySide[aw.side] = append(bySide[aw.side], aw.id)
	}
	if !r.dry {
		// A Push may have linked one meanwhile.
		held := map[store.Side]map[string]store.Link{}
		for side, ids := range bySide {
			links, err := p.cfg.Store.Links(ctx, p.cfg.Name, side, ids)
			if err != nil {
				return fmt.Errorf("read links: %w", err)
			}
			held[side] = links
		}
		left = slices.DeleteFunc(left, func(e entry) bool {
			_, ok := held[e.side][e.id]
			return ok
		})
	}
	slices.SortFunc(left, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.side, b.side), cmp.Compare(a.id, b.id))
	})
	for _, e := range left {
		r.t.warn("the %s record %s was created by this pipeline from a %s record (key %s) and is still not linked: that record did not sync in this run (it failed, is filtered out, or was deleted); %s is skipped until it does. If it is gone, delete %s, or clear its key for it to sync as a new record",
			e.side, e.id, other(e.side), e.key, e.id, e.id)
		if !r.dry {
			p.log.Warn("sync: a record this pipeline created is not linked", "side", e.side, "id", e.id, "key", e.key)
		}
	}
	return nil
}

// keyOfCarried fills the Key of a record an event carried when it has none
// and is not linked: the record is read again for it, so that a record this
// pipeline created is recognised. Without a Reader the record is taken as
// it is.
func (p *Pipeline) keyOfCarried(ctx context.Context, side store.Side, rec *Record) error {
	reader := p.side(side).Reader
	if rec.Key != "" || rec.Deleted || reader == nil {
		return nil
	}
	links, err := p.cfg.Store.Links(ctx, p.cfg.Name, side, []string{rec.ID})
	if err != nil {
		return fmt.Errorf("read links: %w", err)
	}
	if _, ok := links[rec.ID]; ok {
		return nil
	}
	got, err := reader.Get(ctx, p.dataType(side), []string{rec.ID})
	if err != nil {
		return fmt.Errorf("read %s record %s for its key: %w", side, rec.ID, err)
	}
	for _, g := range got {
		if g.ID == rec.ID && !g.Deleted {
			rec.Key = g.Key
		}
	}
	return nil
}
