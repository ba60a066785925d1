package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
)

// This file is the bidirectional flow. A run first applies the reviews a
// person resolved since the last run, then reads the left side's changes,
// then the right side's, each in batches. Every record read is paired with
// its counterpart through the link table; the pair is merged field by
// field against the base (merge.go) and each side is written what the
// other changed. A change whose canonical hash equals the link's hash for
// its side is what we last wrote there (or last saw in agreement): an echo,
// dropped without reading the other side. Records written in this run come
// back that way when the other side's changes are read.

// resolved holds people's decisions to apply, by left record ID.
type resolved struct {
	byLeft map[string]*pairResolution
}

type pairResolution struct {
	decisions map[string]conflict.Decision // by field
	reviewIDs map[string]string            // by field
	all       []string                     // every review ID of the pair
}

// reviewPage is how many resolved reviews a run reads at a time.
const reviewPage = 500

// bidi is a bidirectional pass.
func (r *run) bidi(ctx context.Context) error {
	if err := r.applyResolutions(ctx); err != nil {
		return err
	}
	if err := r.readSide(ctx, store.Left, r.bidiBatch); err != nil {
		return err
	}
	if err := r.readSide(ctx, store.Right, r.bidiBatch); err != nil {
		return err
	}
	if err := r.reportAwaiting(ctx); err != nil {
		return err
	}
	return r.commitHeld(ctx)
}

// applyResolutions writes the decisions of reviews a person resolved to
// both sides and marks them applied in the same checkpoint.
func (r *run) applyResolutions(ctx context.Context) error {
	p := r.p
	for {
		items, err := p.cfg.Store.Reviews(ctx, store.ReviewFilter{
			Pipeline: p.cfg.Name, Status: []store.ReviewStatus{store.ReviewResolved}, Limit: reviewPage,
		})
		if err != nil {
			return fmt.Errorf("read resolved reviews: %w", err)
		}
		res := &resolved{byLeft: map[string]*pairResolution{}}
		var order []string
		for _, it := range items {
			c := it.Review.Conflict
			switch {
			case it.Resolution == nil:
				r.t.warn("review %s is resolved without a resolution; skipped", it.ID)
				continue
			case it.Resolution.Validate() != nil:
				r.t.warn("review %s: %v; skipped", it.ID, it.Resolution.Validate())
				continue
			case c.LeftID == "" || c.Field == "" || !p.fields.has(c.Field):
				r.t.warn("review %s does not name a left record and a synced field; skipped", it.ID)
				continue
			}
			pr, ok := res.byLeft[c.LeftID]
			if !ok {
				pr = &pairResolution{decisions: map[string]conflict.Decision{}, reviewIDs: map[string]string{}}
				res.byLeft[c.LeftID] = pr
				order = append(order, c.LeftID)
			}
			pr.decisions[c.Field] = it.Resolution.Decision()
			pr.reviewIDs[c.Field] = it.ID
			pr.all = append(pr.all, it.ID)
		}
		before := r.applied
		for start := 0; start < len(order); start += p.cfg.BatchSize {
			ids := order[start:min(start+p.cfg.BatchSize, len(order))]
			recs, err := p.cfg.Left.Reader.Get(ctx, p.leftDT, ids)
			if err != nil {
				return fmt.Errorf("read left records of resolved reviews: %w", err)
			}
			found := make(map[string]Record, len(recs))
			for _, rec := range recs {
				if !rec.Deleted {
					found[rec.ID] = rec
				}
			}
			var changes []Change
			var gone batchResult
			for _, id := range ids {
				if rec, ok := found[id]; ok {
					changes = append(changes, Change{Record: rec})
					continue
				}
				r.t.warn("resolved review(s) %v: the left record %s no longer exists; marked applied", res.byLeft[id].all, id)
				gone.applied = append(gone.applied, res.byLeft[id].all...)
			}
			if err := r.finish(ctx, store.Left, nil, &gone); err != nil {
				return err
			}
			if len(changes) > 0 {
				if err := r.bidiBatch(ctx, store.Left, changes, res); err != nil {
					return err
				}
			}
		}
		// A plan sees the same page again, and so would a page that applied
		// nothing: its reviews stay resolved (their pairs failed, or are
		// filtered out now) until a later run.
		if r.dry || len(items) < reviewPage || r.applied == before {
			return nil
		}
	}
}

// pairKind is what a pair needs.
type pairKind int

const (
	pairNone   pairKind = iota // left alone
	pairCreate                 // the record is new: create it on the other side
	pairDelete                 // the record was deleted: apply the delete policy
	pairMerge                  // linked and changed: merge with the other side
	pairGone                   // linked, and the other side's record no longer exists
)

// pairItem is one record read and its pair.
type pairItem struct {
	rec     Record // the record read, on the incoming side
	pos     int
	key     string
	kind    pairKind
	link    *store.Link
	fwdOut  map[string]any // left records: the mapping's output, for creates
	inCanon flat
	res     *pairResolution
	orphan  string // the key of the record created from this tombstone, which the pair deletes
	ops     [2]int // index of the op on each side (sideIndex), -1 for none
	base    flat
	after   [2]flat // each side's canonical record after the writes
	mods    [2]time.Time
}

func sideIndex(s store.Side) int {
	if s == store.Left {
		return 0
	}
	return 1
}

// pairKey identifies a pair within a run.
func pairKey(in store.Side, id string, link *store.Link) string {
	switch {
	case link != nil:
		return "L:" + link.LeftID
	case in == store.Left:
		return "L:" + id
	default:
		return "R:" + id
	}
}

// linkID returns the link's record ID on side s.
func linkID(l *store.Link, s store.Side) string {
	if s == store.Left {
		return l.LeftID
	}
	return l.RightID
}

// bidiBatch syncs a batch of records read on side in with their pairs.
func (r *run) bidiBatch(ctx context.Context, in store.Side, changes []Change, res *resolved) error {
	p := r.p
	out := other(in)
	recs, pos := dedupe(changes)
	if res == nil {
		r.t.counts.Read += len(changes)
	}
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.ID
	}
	links, err := p.cfg.Store.Links(ctx, p.cfg.Name, in, ids)
	if err != nil {
		return fmt.Errorf("read links: %w", err)
	}

	var br batchResult
	items := make([]pairItem, len(recs))
	var fetch []string
	for i, rec := range recs {
		it := &items[i]
		*it = pairItem{rec: rec, pos: pos[i], ops: [2]int{-1, -1}}
		if l, ok := links[rec.ID]; ok {
			it.link = &l
		}
		if res != nil {
			it.res = res.byLeft[rec.ID]
		}
		it.key = pairKey(in, rec.ID, it.link)
		if r.dry && r.planned[it.key] {
			continue // both sides changed: planned with the other side's change already
		}
		if !r.dry && r.failed[it.key] {
			r.leave(&br, in, rec.ID, OutcomeSkipped, "its pair failed earlier in this run")
			continue
		}
		failures := len(br.failures)
		r.classify(ctx, in, it, &br)
		// A plan passes over a pair once, as a run does when it writes the
		// pair or fails it. A record left alone (an echo, unchanged,
		// filtered out) does not count: a run goes on to merge its pair when
		// the other side's change is read.
		if r.dry && (it.kind != pairNone || len(br.failures) > failures) {
			r.planned[it.key] = true
		}
		if it.kind == pairMerge {
			fetch = append(fetch, linkID(it.link, out))
		}
	}

	others := make(map[string]Record, len(fetch))
	if len(fetch) > 0 {
		got, err := p.side(out).Reader.Get(ctx, p.dataType(out), fetch)
		if err != nil {
			return fmt.Errorf("read %s records: %w", out, err)
		}
		for _, o := range got {
			if !o.Deleted {
				others[o.ID] = o
			}
		}
	}

	var ops [2][]Op
	var sources [2][]string
	add := func(it *pairItem, side store.Side, op Op) {
		k := sideIndex(side)
		it.ops[k] = len(ops[k])
		ops[k] = append(ops[k], op)
		// The source of a write is the record on the other side of the
		// pair, where its values come from.
		src := it.rec.ID
		if side == in && it.link != nil {
			src = linkID(it.link, out)
		}
		sources[k] = append(sources[k], src)
	}
	for i := range items {
		it := &items[i]
		if err := r.decide(ctx, in, it, others, add, &br); err != nil {
			return err
		}
	}

	var results [2][]Result
	var batchErr error
	for _, side := range []store.Side{store.Left, store.Right} {
		k := sideIndex(side)
		var err error
		results[k], err = r.write(ctx, side, ops[k], sources[k])
		batchErr = cmpErr(batchErr, err)
		if err := r.refuseLinkedCreates(ctx, side, ops[k], sources[k], results[k]); err != nil {
			return err
		}
	}
	for i := range items {
		if err := r.record(in, &items[i], ops, sources, results, batchErr, &br); err != nil {
			return err
		}
	}
	cursorChanges := changes
	if res != nil {
		cursorChanges = nil // records of resolved reviews, not a change stream
	}
	if err := r.finish(ctx, in, cursorChanges, &br); err != nil {
		return err
	}
	if batchErr != nil && r.mode == modeRun {
		return batchErr
	}
	return nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// classify decides what a record read needs, short of its pair's values.
func (r *run) classify(ctx context.Context, in store.Side, it *pairItem, br *batchResult) {
	p := r.p
	rec := it.rec
	switch {
	case it.link != nil && it.link.Deleted:
		r.leave(br, in, rec.ID, OutcomeSkipped, "tombstoned: the pair was deleted")
		if it.res != nil {
			br.applied = append(br.applied, it.res.all...)
		}
		return
	case rec.Deleted && it.link == nil:
		if !r.tombstoneOfSource(in, it) {
			r.leave(br, in, rec.ID, OutcomeSkipped, "deleted, never synced")
		}
		return
	case rec.Deleted:
		it.kind = pairDelete
		return
	case it.link == nil && r.createdHere(in, it, br):
		return
	}
	fwdOut, c, err := p.canonical(ctx, in, rec.Fields)
	if err != nil {
		br.failures = append(br.failures, r.pairFailure(in, it, other(in), "", "", fmt.Errorf("mapping: %w", err)))
		return
	}
	it.fwdOut, it.inCanon = fwdOut, c
	if p.cfg.Filter != nil {
		view := rec
		if in == store.Right {
			if view.Fields, err = p.fields.nest(c, nil); err != nil {
				br.failures = append(br.failures, r.pairFailure(in, it, other(in), "", "", err))
				return
			}
		}
		if !p.cfg.Filter(view) {
			r.leave(br, in, rec.ID, OutcomeSkipped, "filtered out")
			return
		}
	}
	if it.link == nil {
		it.kind = pairCreate
		return
	}
	if it.res == nil {
		h, err := hashFlat(c)
		want := it.link.LeftHash
		if in == store.Right {
			want = it.link.RightHash
		}
		if err == nil && h == want {
			r.leave(br, in, rec.ID, OutcomeEcho, "same as last written or last synced")
			return
		}
	}
	it.kind = pairMerge
}

// canonical returns a record's canonical form (see merge.go) and, for left
// records, the mapping's output.
func (p *Pipeline) canonical(ctx context.Context, side store.Side, fields map[string]any) (fwdOut map[string]any, c flat, err error) {
	back := fields
	if side == store.Left {
		if fwdOut, err = p.fwd.Apply(ctx, fields); err != nil {
			return nil, nil, err
		}
		back = fwdOut
	}
	if back, err = p.inv.Apply(ctx, back); err != nil {
		return nil, nil, err
	}
	c, err = p.fields.flatten(back)
	return fwdOut, c, err
}

// pairFailure is a pair that failed before its writes.
func (r *run) pairFailure(in store.Side, it *pairItem, target store.Side, targetID string, op OpKind, err error) pending {
	return pending{
		Failure: Failure{Side: target, SourceID: it.rec.ID, TargetID: targetID, Op: op, Reason: err.Error(), Err: err, Retryable: retryable(err)},
		pos:     it.pos, side: in, id: it.rec.ID, pairKey: it.key,
	}
}
