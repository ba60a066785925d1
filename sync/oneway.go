package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/transform"
)

// This file is the one-way flow shared by Push and Pull: a batch of left
// (source) records is filtered, mapped, compared with what was last written
// (the link's RightHash) and written to the right (target) side.

// owItem is one source record of a batch.
type owItem struct {
	rec    Record
	pos    int         // position of its first change in the batch
	link   *store.Link // nil when the record was never synced
	mapped map[string]any
	hash   string
	op     int // index in the batch's ops, -1 for none
}

// dedupe folds repeated changes of the same record within a batch into one
// item holding the latest record and the position of the first change (the
// cursor must stop before it should the record fail).
func dedupe(changes []Change) (records []Record, pos []int) {
	index := make(map[string]int, len(changes))
	for i, ch := range changes {
		if k, ok := index[ch.Record.ID]; ok {
			records[k] = ch.Record
			continue
		}
		index[ch.Record.ID] = len(records)
		records = append(records, ch.Record)
		pos = append(pos, i)
	}
	return records, pos
}

// oneWayBatch syncs a batch of left records to the right side.
func (r *run) oneWayBatch(ctx context.Context, side store.Side, changes []Change, _ *resolved) error {
	p := r.p
	recs, pos := dedupe(changes)
	r.t.counts.Read += len(changes)
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.ID
	}
	links, err := p.cfg.Store.Links(ctx, p.cfg.Name, store.Left, ids)
	if err != nil {
		return fmt.Errorf("read links: %w", err)
	}

	var br batchResult
	items := make([]owItem, len(recs))
	var ops []Op
	var sources []string
	addOp := func(it *owItem, op Op) {
		it.op = len(ops)
		ops = append(ops, op)
		sources = append(sources, it.rec.ID)
	}
	leave := func(it *owItem, o Outcome, reason string) {
		r.leave(&br, store.Left, it.rec.ID, o, reason)
	}
	for i, rec := range recs {
		it := &items[i]
		*it = owItem{rec: rec, pos: pos[i], op: -1}
		if l, ok := links[rec.ID]; ok {
			it.link = &l
		}
		switch {
		case it.link != nil && it.link.Deleted:
			leave(it, OutcomeSkipped, "tombstoned: the pair was deleted")
		case rec.Deleted:
			if it.link == nil {
				leave(it, OutcomeSkipped, "deleted, never synced")
				continue
			}
			if op, ok := p.deleteOp(store.Right, it.link.RightID); ok {
				addOp(it, op)
			} else {
				tomb := *it.link
				tomb.Deleted = true
				br.links = append(br.links, tomb)
				leave(it, OutcomeSkipped, "deleted; delete policy ignore")
			}
		case p.cfg.Filter != nil && !p.cfg.Filter(rec):
			leave(it, OutcomeSkipped, "filtered out")
		default:
			if err := r.prepareOneWay(ctx, it, &br, addOp); err != nil {
				return err
			}
		}
	}

	results, batchErr := r.write(ctx, store.Right, ops, sources)
	if err := r.refuseLinkedCreates(ctx, store.Right, ops, sources, results); err != nil {
		return err
	}
	for i := range items {
		it := &items[i]
		if it.op < 0 {
			continue
		}
		op, res := ops[it.op], results[it.op]
		if res.Err != nil {
			br.failures = append(br.failures, pending{
				Failure: Failure{Side: store.Right, SourceID: it.rec.ID, TargetID: op.ID, Op: op.Kind,
					Reason: res.Err.Error(), Err: res.Err, Retryable: retryable(res.Err)},
				pos: it.pos, side: store.Left, id: it.rec.ID, noPark: batchErr != nil && r.mode == modeRun,
			})
			br.events = append(br.events, RecordEvent{Pipeline: p.cfg.Name, Side: store.Right, Outcome: OutcomeFailed, ID: op.ID, SourceID: it.rec.ID, Err: res.Err})
			continue
		}
		if op.Kind == OpDelete || it.rec.Deleted {
			tomb := *it.link
			tomb.Deleted = true
			tomb.RightModified = res.Modified
			br.links = append(br.links, tomb)
			r.wrote(&br, store.Right, op.Kind, op.ID, it.rec.ID)
			continue
		}
		link, err := r.oneWayLink(it, res)
		if err != nil {
			return err
		}
		br.links = append(br.links, link)
		r.wrote(&br, store.Right, op.Kind, link.RightID, it.rec.ID)
	}
	if err := r.finish(ctx, side, changes, &br); err != nil {
		return err
	}
	if batchErr != nil && r.mode == modeRun {
		return batchErr
	}
	return nil
}

// prepareOneWay maps a live source record and decides its write.
func (r *run) prepareOneWay(ctx context.Context, it *owItem, br *batchResult, addOp func(*owItem, Op)) error {
	p := r.p
	mapped, err := p.fwd.Apply(ctx, it.rec.Fields)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		br.failures = append(br.failures, r.mappingFailure(store.Right, it.rec.ID, it.pos, err))
		return nil
	}
	hash, err := transform.Hash(mapped)
	if err != nil {
		br.failures = append(br.failures, r.mappingFailure(store.Right, it.rec.ID, it.pos, err))
		return nil
	}
	it.mapped, it.hash = mapped, hash
	switch {
	case it.link == nil:
		addOp(it, Op{Kind: OpCreate, Key: IdempotencyKey(p.cfg.Name, store.Left, it.rec.ID), Fields: mapped})
	case it.link.RightHash == hash:
		r.leave(br, store.Left, it.rec.ID, OutcomeUnchanged, "unchanged since last written")
	default:
		fields := r.changedFields(ctx, mapped, it.link.Base, it.link.RightHash)
		if len(fields) == 0 {
			// Same values as last synced (the hash came from elsewhere):
			// nothing to write; refresh the link so the hash matches.
			link, err := r.oneWayLink(it, Result{ID: it.link.RightID, Modified: it.link.RightModified})
			if err != nil {
				return err
			}
			br.links = append(br.links, link)
			r.leave(br, store.Left, it.rec.ID, OutcomeUnchanged, "unchanged since last written")
			return nil
		}
		addOp(it, Op{Kind: OpUpdate, ID: it.link.RightID, Fields: fields})
	}
	return nil
}

// changedFields returns the mapped fields that differ from the mapping of
// the last synced source values (the link's base); all of them when the
// base cannot be mapped, or when its mapping is not what was written (its
// hash is not the link's: the mapping, or a look-up it makes, changed since),
// so that no target field is left as an older mapping wrote it.
func (r *run) changedFields(ctx context.Context, mapped map[string]any, base []byte, written string) map[string]any {
	p := r.p
	prev, err := decodeBase(base)
	if err != nil || len(prev) == 0 {
		return mapped
	}
	rec, err := p.fields.nest(prev, nil)
	if err != nil {
		return mapped
	}
	prevMapped, err := p.fwd.Apply(ctx, rec)
	if err != nil {
		return mapped
	}
	if h, err := transform.Hash(prevMapped); err != nil || h != written {
		return mapped
	}
	diff, err := p.targets.diff(mapped, prevMapped)
	if err != nil {
		return mapped
	}
	return diff
}

// oneWayLink is the link of a source record just written.
func (r *run) oneWayLink(it *owItem, res Result) (store.Link, error) {
	p := r.p
	src, err := p.fields.flatten(it.rec.Fields)
	if err != nil {
		return store.Link{}, fmt.Errorf("record %s: %w", it.rec.ID, err)
	}
	base, err := encodeBase(src)
	if err != nil {
		return store.Link{}, fmt.Errorf("record %s: %w", it.rec.ID, err)
	}
	lh, err := hashFlat(src)
	if err != nil {
		return store.Link{}, fmt.Errorf("record %s: %w", it.rec.ID, err)
	}
	rightID := res.ID
	if it.link != nil && rightID == "" {
		rightID = it.link.RightID
	}
	return store.Link{
		Pipeline: p.cfg.Name, LeftID: it.rec.ID, RightID: rightID, Base: base,
		LeftHash: lh, RightHash: it.hash, LeftModified: it.rec.Modified, RightModified: res.Modified,
	}, nil
}

// deleteOp is the write that carries a delete to side's record id under
// the delete policy; false for DeleteIgnore.
func (p *Pipeline) deleteOp(side store.Side, id string) (Op, bool) {
	switch p.cfg.Deletes.Mode {
	case DeletePropagate:
		return Op{Kind: OpDelete, ID: id}, true
	case DeleteFlag:
		flag := p.cfg.Deletes.RightFlag
		if side == store.Left {
			flag = p.cfg.Deletes.LeftFlag
		}
		path, _ := transform.ParsePath(flag) // checked by New
		fields := map[string]any{}
		_ = path.Set(fields, true)
		return Op{Kind: OpUpdate, ID: id, Fields: fields}, true
	default:
		return Op{}, false
	}
}

// mappingFailure is a record whose mapping failed before any write. A
// look-up that found no counterpart (transform.ErrNotFound: the parent
// record is not synced yet) is worth retrying; other mapping errors need
// the data fixed.
func (r *run) mappingFailure(target store.Side, sourceID string, pos int, err error) pending {
	return pending{
		Failure: Failure{Side: target, SourceID: sourceID, Reason: "mapping: " + err.Error(), Err: err,
			Retryable: retryable(err)},
		pos: pos, side: other(target), id: sourceID,
	}
}

// retryable reports whether a record's failure is worth retrying: the
// error says so (IsRetryable), or a look-up found no counterpart
// (transform.ErrNotFound: the parent record is not synced yet).
func retryable(err error) bool {
	return IsRetryable(err) || errors.Is(err, transform.ErrNotFound)
}

// leave records a record read and left alone.
func (r *run) leave(br *batchResult, side store.Side, id string, o Outcome, reason string) {
	switch o {
	case OutcomeEcho:
		r.t.echoes++
		r.t.counts.Unchanged++
	case OutcomeUnchanged:
		r.t.counts.Unchanged++
	case OutcomeSkipped:
		r.t.skipped++
	}
	if r.dry {
		r.t.plannedSkip(PlannedSkip{Side: side, ID: id, Outcome: o, Reason: reason})
	}
	br.events = append(br.events, RecordEvent{Pipeline: r.p.cfg.Name, Side: side, Outcome: o, ID: id})
}

// wrote records a successful write.
func (r *run) wrote(br *batchResult, side store.Side, kind OpKind, id, sourceID string) {
	o := OutcomeUpdated
	switch kind {
	case OpCreate:
		r.t.counts.Created++
		o = OutcomeCreated
	case OpDelete:
		r.t.counts.Deleted++
		o = OutcomeDeleted
	default:
		r.t.counts.Updated++
	}
	br.events = append(br.events, RecordEvent{Pipeline: r.p.cfg.Name, Side: side, Outcome: o, ID: id, SourceID: sourceID})
}
