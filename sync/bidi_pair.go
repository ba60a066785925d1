package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/store"
)

// decide works out the writes of one pair once its other side is known.
func (r *run) decide(ctx context.Context, in store.Side, it *pairItem, others map[string]Record, add func(*pairItem, store.Side, Op), br *batchResult) error {
	p := r.p
	out := other(in)
	switch it.kind {
	case pairCreate:
		fields := it.fwdOut
		if in == store.Right {
			var err error
			if fields, err = p.fields.nest(it.inCanon, nil); err != nil {
				br.failures = append(br.failures, r.pairFailure(in, it, out, "", OpCreate, err))
				it.kind = pairNone
				return nil
			}
		}
		add(it, out, Op{Kind: OpCreate, Key: IdempotencyKey(p.cfg.Name, in, it.rec.ID), Fields: fields})
		it.base = it.inCanon
		it.after = [2]flat{it.inCanon, it.inCanon}
	case pairDelete:
		r.deletePair(it, out, linkID(it.link, out), add, br, "deleted on the "+string(in)+" side")
	case pairGone:
		// Known gone already: a record this pipeline created from a record
		// deleted before their link was made (bidi_keys.go).
		r.deletePair(it, in, it.rec.ID, add, br, "the "+string(out)+" record it was created from was deleted")
	case pairMerge:
		o, ok := others[linkID(it.link, out)]
		if !ok {
			it.kind = pairGone
			r.deletePair(it, in, it.rec.ID, add, br, "its counterpart was deleted on the "+string(out)+" side")
			return nil
		}
		return r.mergePair(ctx, in, it, o, add, br)
	}
	return nil
}

// deletePair carries a delete to target's record under the delete policy,
// or, when deletes are ignored, tombstones the link at once.
func (r *run) deletePair(it *pairItem, target store.Side, targetID string, add func(*pairItem, store.Side, Op), br *batchResult, why string) {
	if op, ok := r.p.deleteOp(target, targetID); ok {
		add(it, target, op)
		return
	}
	tomb := *it.link
	tomb.Deleted = true
	br.links = append(br.links, tomb)
	r.linked(it.orphan, "")
	read := other(target) // the record read is the deleted one, on the other side
	if it.kind == pairGone {
		read = target // the record read is the one whose counterpart is gone
	}
	r.leave(br, read, it.rec.ID, OutcomeSkipped, why+"; delete policy ignore")
	if it.res != nil {
		br.applied = append(br.applied, it.res.all...)
	}
	it.kind = pairNone
}

// mergePair merges a linked pair and decides the writes of each side.
func (r *run) mergePair(ctx context.Context, in store.Side, it *pairItem, o Record, add func(*pairItem, store.Side, Op), br *batchResult) error {
	p := r.p
	out := other(in)
	fail := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		br.failures = append(br.failures, r.pairFailure(in, it, out, o.ID, "", err))
		it.kind = pairNone
		return nil
	}
	_, oc, err := p.canonical(ctx, out, o.Fields)
	if err != nil {
		return fail(fmt.Errorf("mapping the %s record %s: %w", out, o.ID, err))
	}
	left, right, lc, rc := it.rec, o, it.inCanon, oc
	if in == store.Right {
		left, right, lc, rc = o, it.rec, oc, it.inCanon
	}
	base, err := decodeBase(it.link.Base)
	if err != nil {
		return fail(err)
	}
	mi := mergeInput{base: base, left: lc, right: rc, leftID: left.ID, rightID: right.ID,
		leftMod: left.Modified, rightMod: right.Modified}
	if it.res != nil {
		mi.resolutions, mi.resolutionReviewIDs = it.res.decisions, it.res.reviewIDs
	}
	mr, err := r.merge(ctx, mi)
	if err != nil {
		return fail(err)
	}
	br.conflicts = append(br.conflicts, mr.conflicts...)
	it.base = mr.newBase
	it.after = [2]flat{withWrites(lc, mr.merged, mr.leftWrite), withWrites(rc, mr.merged, mr.rightWrite)}
	it.mods = [2]time.Time{left.Modified, right.Modified}
	// Work out both sides' fields before adding either op, so that a pair
	// that fails here writes nothing.
	var leftFields, rightFields map[string]any
	if len(mr.leftWrite) > 0 {
		if leftFields, err = p.fields.nest(mr.merged, func(f string) bool { return mr.leftWrite[f] }); err != nil {
			return fail(err)
		}
	}
	if len(mr.rightWrite) > 0 {
		if rightFields, err = r.rightFields(ctx, rc, base, mr); err != nil {
			return fail(fmt.Errorf("mapping the merged record to the right side: %w", err))
		}
	}
	if len(leftFields) > 0 {
		add(it, store.Left, Op{Kind: OpUpdate, ID: left.ID, Fields: leftFields})
	}
	if len(rightFields) > 0 {
		add(it, store.Right, Op{Kind: OpUpdate, ID: right.ID, Fields: rightFields})
	}
	return nil
}

// rightFields maps the merged record to the right side and returns the
// right fields whose values change. The right record's fields are taken as
// they are, with those it does not carry at their base values.
func (r *run) rightFields(ctx context.Context, rc, base flat, mr mergeResult) (map[string]any, error) {
	p := r.p
	cur := copyFlat(rc)
	for f, v := range base {
		if _, ok := cur[f]; !ok {
			cur[f] = v
		}
	}
	next := withWrites(cur, mr.merged, mr.rightWrite)
	curRec, err := p.fields.nest(cur, nil)
	if err != nil {
		return nil, err
	}
	nextRec, err := p.fields.nest(next, nil)
	if err != nil {
		return nil, err
	}
	curOut, err := p.fwd.Apply(ctx, curRec)
	if err != nil {
		return nil, err
	}
	nextOut, err := p.fwd.Apply(ctx, nextRec)
	if err != nil {
		return nil, err
	}
	return p.targets.diff(nextOut, curOut)
}

// withWrites returns c with the written fields at their merged values.
func withWrites(c, merged flat, writes map[string]bool) flat {
	out := copyFlat(c)
	for f := range writes {
		out[f] = merged[f]
	}
	return out
}

// record turns a pair's write results into its new link, or its failure.
func (r *run) record(in store.Side, it *pairItem, ops [2][]Op, sources [2][]string, results [2][]Result, batchErr error, br *batchResult) error {
	if it.kind == pairNone {
		return nil
	}
	p := r.p
	sides := [2]store.Side{store.Left, store.Right}
	var fail *pending
	for k, side := range sides {
		if it.ops[k] < 0 {
			continue
		}
		op, res, src := ops[k][it.ops[k]], results[k][it.ops[k]], sources[k][it.ops[k]]
		if res.Err == nil {
			if !res.Modified.IsZero() {
				it.mods[k] = res.Modified
			}
			continue
		}
		br.events = append(br.events, RecordEvent{Pipeline: p.cfg.Name, Side: side, Outcome: OutcomeFailed, ID: op.ID, SourceID: src, Err: res.Err})
		if fail == nil {
			f := r.pairFailure(in, it, side, op.ID, op.Kind, res.Err)
			f.SourceID = src
			f.noPark = batchErr != nil && r.mode == modeRun
			fail = &f
		} else {
			fail.Reason += fmt.Sprintf("; and %s %s on %s: %v", op.Kind, op.ID, side, res.Err)
		}
	}
	if fail != nil {
		// The link stays as it was: whatever one side was written is seen as
		// that side's change next time and flows on.
		br.failures = append(br.failures, *fail)
		return nil
	}
	wrote := false
	for k, side := range sides {
		if it.ops[k] < 0 {
			continue
		}
		op := ops[k][it.ops[k]]
		r.wrote(br, side, op.Kind, cmpOr(op.ID, results[k][it.ops[k]].ID), sources[k][it.ops[k]])
		wrote = true
	}
	switch it.kind {
	case pairDelete, pairGone:
		tomb := *it.link
		tomb.Deleted = true
		br.links = append(br.links, tomb)
		r.linked(it.orphan, "")
	case pairCreate:
		k := sideIndex(other(in))
		r.linked(ops[k][it.ops[k]].Key, results[k][it.ops[k]].ID)
		link := store.Link{Pipeline: p.cfg.Name}
		if in == store.Left {
			link.LeftID, link.RightID = it.rec.ID, results[k][it.ops[k]].ID
		} else {
			link.LeftID, link.RightID = results[k][it.ops[k]].ID, it.rec.ID
		}
		it.mods[sideIndex(in)] = it.rec.Modified
		if err := it.fill(&link); err != nil {
			return err
		}
		br.links = append(br.links, link)
	case pairMerge:
		link := *it.link
		link.Deleted = false
		if err := it.fill(&link); err != nil {
			return err
		}
		br.links = append(br.links, link)
		if !wrote {
			r.leave(br, in, it.rec.ID, OutcomeUnchanged, "nothing to write")
		}
	}
	if it.res != nil {
		br.applied = append(br.applied, it.res.all...)
	}
	return nil
}

// fill sets a link's base, hashes and modification times from the pair.
func (it *pairItem) fill(l *store.Link) error {
	base, err := encodeBase(it.base)
	if err != nil {
		return err
	}
	lh, err := hashFlat(it.after[0])
	if err != nil {
		return err
	}
	rh, err := hashFlat(it.after[1])
	if err != nil {
		return err
	}
	l.Base, l.LeftHash, l.RightHash = base, lh, rh
	l.LeftModified, l.RightModified = it.mods[0], it.mods[1]
	return nil
}
