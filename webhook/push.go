package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
)

// PushTarget is where a RecordEvent goes: the pipeline that syncs the
// record, and the side of it the record is on (empty means left, the
// source of one-way pipelines).
type PushTarget struct {
	Pipeline *sync.Pipeline
	Side     store.Side
}

// PushRouter names the pipelines a record event is pushed through: none
// (the event is completed and ignored), one, or several.
type PushRouter func(e RecordEvent) []PushTarget

// PushOptions configures RegisterPush. The zero value is valid.
type PushOptions struct {
	// OnPush, when set, is called after each push with its report and
	// error (for logs or a demo's output); it must be quick.
	OnPush func(t PushTarget, e RecordEvent, r sync.Report, err error)
	// Logger receives a line per event that no pipeline takes (debug) and
	// per failed push (warn); nil discards them. It never receives record
	// values.
	Logger *slog.Logger
}

// RegisterPush registers on w the handler of KindRecordEvent jobs (what
// CRMReceiver enqueues): each event is pushed, by its record ID, through
// the pipelines route names (sync.Pipeline.Push), which read the record
// and write it to the other side. Call it once per Worker, before Run.
//
// Pushes are idempotent, so a redelivered event or a retried job never
// creates a second record. A delete event pushes the ID too: the record
// no longer reads back, and the pipeline's delete policy applies. A push
// that fails for a reason worth retrying (Zoho or the target down) fails
// the attempt and the Worker's backoff applies; any other failure (the
// event names a side the pipeline does not take) makes the job dead at
// once, for a person to look at on the dashboard. Records that fail to
// write are parked by the pipeline itself when it has a queue.
func RegisterPush(w *queue.Worker, route PushRouter, opts *PushOptions) error {
	if route == nil {
		return errors.New("webhook: RegisterPush: route is nil")
	}
	var o PushOptions
	if opts != nil {
		o = *opts
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return queue.Handle(w, func(ctx context.Context, t *queue.Task[RecordEvent]) error {
		e := t.Args
		targets := route(e)
		if len(targets) == 0 {
			log.Debug("webhook: no pipeline takes this event", "source", e.Source, "module", e.Module, "operation", e.Operation)
			return nil
		}
		if e.RecordID == "" {
			return queue.GiveUp(fmt.Errorf("webhook: %s event of %s names no record", e.Operation, e.Module))
		}
		var errs []error
		retry := false
		for _, tg := range targets {
			if tg.Pipeline == nil {
				return queue.GiveUp(fmt.Errorf("webhook: route for %s gave a nil pipeline", e.Module))
			}
			rep, err := tg.Pipeline.Push(ctx, sync.Event{Side: tg.Side, ID: e.RecordID})
			if o.OnPush != nil {
				o.OnPush(tg, e, rep, err)
			}
			if err != nil {
				log.Warn("webhook: push failed", "pipeline", tg.Pipeline.Name(), "module", e.Module, "record", e.RecordID, "err", err)
				errs = append(errs, err)
				retry = retry || sync.IsRetryable(err)
			}
		}
		err := errors.Join(errs...)
		if err == nil || retry {
			return err
		}
		return queue.GiveUp(err)
	}, nil)
}
