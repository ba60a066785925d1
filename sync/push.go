package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/transform"
)

// Event names one record that changed, for Push and push jobs.
type Event struct {
	// Side is the side the record is on; empty means Left. One-way
	// pipelines take events of the Left (source) side only; bidirectional
	// ones of either side.
	Side store.Side `json:"side,omitempty"`
	// ID is the record's ID on Side. Required unless Record carries it.
	ID string `json:"id,omitempty"`
	// Record optionally carries the record as the event delivered it; nil
	// means the engine reads it with the side's Reader (a record that no
	// longer exists is taken as deleted). Retries always re-read it. In a
	// bidirectional pipeline a carried record without a Key that is not
	// linked yet is read again for its Key, when the side has a Reader (a
	// record the pipeline itself created is recognised by it).
	Record *Record `json:"record,omitempty"`
}

// ErrInvalidEvent is wrapped by the errors of events that cannot be
// pushed: no record named, a side the pipeline does not take, no Reader to
// read the record with.
var ErrInvalidEvent = errors.New("sync: invalid event")

func (ev Event) id() string {
	if ev.ID == "" && ev.Record != nil {
		return ev.Record.ID
	}
	return ev.ID
}

func (ev Event) validate() error {
	switch {
	case ev.id() == "":
		return fmt.Errorf("%w: it names no record (ID and Record.ID are empty)", ErrInvalidEvent)
	case ev.Record != nil && ev.Record.ID != "" && ev.Record.ID != ev.ID && ev.ID != "":
		return fmt.Errorf("%w: ID %q and Record.ID %q differ", ErrInvalidEvent, ev.ID, ev.Record.ID)
	case ev.Side != "" && ev.Side != store.Left && ev.Side != store.Right:
		return fmt.Errorf("%w: unknown side %q (want left or right)", ErrInvalidEvent, ev.Side)
	}
	return nil
}

// Push syncs the one record ev names, now: it is filtered, mapped and
// written like a record of a Run (in a bidirectional pipeline, merged with
// its pair). Delivering the same event again never creates a second record:
// the link table finds the first, and Op.Key makes a create that was written
// but not checkpointed (a crash in between) idempotent.
//
// Push does not take the pipeline's lease, so events flow while a Run is
// going on. In a bidirectional pipeline the event of a record that a Run
// (or another Push) has just created, before the link is checkpointed, is
// skipped when the record's system keeps its key (Record.Key): the pass
// that created it links it, and no counterpart is created for it.
//
// A failed write is parked in the queue when there is one (the Report
// lists it with its job) and Push returns nil; without a queue Push returns
// an error, so the caller can have the event delivered again.
func (p *Pipeline) Push(ctx context.Context, ev Event) (Report, error) {
	rep, err := p.syncRecord(ctx, ev, modePush)
	if err == nil && rep.Counts.Failed > 0 && rep.Parked < rep.Counts.Failed {
		f := rep.Failures[0]
		err = &failureError{msg: fmt.Sprintf("sync: pipeline %q: push: %s", p.cfg.Name, f), err: f.Err}
	}
	return rep, err
}

// syncRecord syncs one record as a batch of one.
func (p *Pipeline) syncRecord(ctx context.Context, ev Event, m mode) (Report, error) {
	if err := ev.validate(); err != nil {
		return Report{}, err
	}
	side := ev.Side
	if side == "" {
		side = store.Left
	}
	if p.cfg.Strategy != Bidirectional && side != store.Left {
		return Report{}, fmt.Errorf("%w: a %s pipeline takes events of the left (source) side only", ErrInvalidEvent, p.cfg.Strategy)
	}
	id := ev.id()
	started := p.clock.Now()
	var rec Record
	if ev.Record != nil {
		rec = *ev.Record
		rec.ID = id
	} else {
		reader := p.side(side).Reader
		if reader == nil {
			return Report{}, fmt.Errorf("%w: the event carries no record and %s.Reader is not configured", ErrInvalidEvent, side)
		}
		got, err := reader.Get(ctx, p.dataType(side), []string{id})
		if err != nil {
			return Report{}, fmt.Errorf("sync: pipeline %q: read %s record %s: %w", p.cfg.Name, side, id, err)
		}
		rec = Record{ID: id, Deleted: true}
		for _, g := range got {
			if g.ID == id {
				rec = g
			}
		}
	}
	if ev.Record != nil && p.cfg.Strategy == Bidirectional {
		if err := p.keyOfCarried(ctx, side, &rec); err != nil {
			return Report{}, fmt.Errorf("sync: pipeline %q: push %s %s: %w", p.cfg.Name, side, id, err)
		}
	}
	r := p.newRun(false, m)
	r.origin = pushOrigin(rec)
	process := r.oneWayBatch
	if p.cfg.Strategy == Bidirectional {
		process = r.bidiBatch
	}
	err := process(ctx, side, []Change{{Record: rec}}, nil)
	if err != nil {
		err = fmt.Errorf("sync: pipeline %q: push %s %s: %w", p.cfg.Name, side, id, err)
	}
	return r.t.report(p, 0, started, p.clock.Now(), err), err
}

// pushOrigin names a version of a record, for the keys of the jobs that
// park it: the same delivery parks once, a later version again.
func pushOrigin(rec Record) string {
	h, err := transform.Hash(map[string]any{"fields": rec.Fields, "modified": rec.Modified, "deleted": rec.Deleted})
	if err != nil {
		return "push-" + rec.Modified.UTC().Format("20060102T150405.000000000")
	}
	return "push-" + h[:16]
}
