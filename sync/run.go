package sync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
)

// Errors of Run.
var (
	// ErrBusy: another process (or another Run in this one) holds the
	// pipeline's lease; the pass was not started.
	ErrBusy = errors.New("sync: pipeline is already running")
	// ErrLeaseLost: the run lost its lease (it could not renew it in time
	// and another process took it) and stopped.
	ErrLeaseLost = errors.New("sync: pipeline lease lost")
	// ErrNoSource: Run or Plan on a push pipeline without a Left.Source
	// to catch up from.
	ErrNoSource = errors.New("sync: push pipeline has no Left.Source to catch up from; records arrive through Push")
	// ErrSinkContract: a Sink broke its contract (a wrong number of
	// results, a create without an ID).
	ErrSinkContract = errors.New("sync: sink broke its contract")
)

// mode is how a pass treats failures and cursors.
type mode int

const (
	modeRun  mode = iota // a scheduled pass: cursors advance, failures are parked (or stop the cursor)
	modePush             // one event: no cursor, failures are parked (or returned)
	modeJob              // a queue job's attempt: no cursor, failures are returned to the queue
)

// run is the state of one pass (a Run, a Plan, a Push or a job attempt).
type run struct {
	p        *Pipeline
	dry      bool
	mode     mode
	id       int64
	origin   string // what made this pass, for the idempotency keys of parked jobs
	resolver conflict.Resolver
	t        tally
	stored   map[store.Side]Cursor  // the committed cursor of each side
	frozen   map[store.Side]bool    // a record failed unparked: the side's cursor stays before it
	failed   map[string]bool        // bidirectional: pairs that failed in this pass (by pair key)
	planned  map[string]bool        // bidirectional plans: pairs planned already (by pair key)
	applied  int                    // reviews marked applied by the checkpoints committed
	awaiting map[string]awaitingRec // bidirectional: records created here, skipped and not linked yet, by key (bidi_keys.go)
	held     map[store.Side]Cursor  // bidirectional: cursors held back by records awaiting their link, committed at the end
	gone     map[string]string      // bidirectional: left IDs of unlinked tombstones, by the key of a create from them
}

func (p *Pipeline) newRun(dry bool, m mode) *run {
	r := &run{
		p: p, dry: dry, mode: m, resolver: p.resolver,
		t:        tally{limit: p.cfg.MaxReportItems, cursors: map[store.Side]Cursor{}},
		stored:   map[store.Side]Cursor{},
		frozen:   map[store.Side]bool{},
		failed:   map[string]bool{},
		planned:  map[string]bool{},
		awaiting: map[string]awaitingRec{},
		held:     map[store.Side]Cursor{},
		gone:     map[string]string{},
	}
	if dry {
		r.resolver = p.dryResolver
	}
	return r
}

// leaseName is the store lease that serialises a pipeline's runs.
func (p *Pipeline) leaseName() string { return "sync/" + p.cfg.Name }

// Run does one pass of the pipeline under its lease: it returns ErrBusy at
// once when another process holds it. The run is recorded in the store
// (StartRun, FinishRun) and reported to the Observer. An error means the run
// stopped early; the cursors stay at the last durable checkpoint, so the
// next run resumes from there. Record failures do not stop a run: they are
// in the Report.
func (p *Pipeline) Run(ctx context.Context) (Report, error) {
	if p.cfg.Strategy == Push && p.cfg.Left.Source == nil {
		return Report{}, fmt.Errorf("pipeline %q: %w", p.cfg.Name, ErrNoSource)
	}
	// The store lets an owner take its own lease again: two Runs of this
	// value must be kept apart here.
	if !p.running.CompareAndSwap(false, true) {
		return Report{}, fmt.Errorf("pipeline %q: %w", p.cfg.Name, ErrBusy)
	}
	defer p.running.Store(false)
	st := p.cfg.Store
	acquired := p.clock.Now()
	ok, err := st.AcquireLease(ctx, p.leaseName(), p.owner, p.cfg.LeaseTTL)
	if err != nil {
		return Report{}, fmt.Errorf("sync: pipeline %q: acquire lease: %w", p.cfg.Name, err)
	}
	if !ok {
		return Report{}, fmt.Errorf("pipeline %q: %w", p.cfg.Name, ErrBusy)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	stopRenew := p.renewLease(runCtx, cancel, acquired)
	defer func() {
		stopRenew()
		cancel(nil)
		if err := st.ReleaseLease(context.WithoutCancel(ctx), p.leaseName(), p.owner); err != nil {
			p.log.Warn("sync: release lease", "err", err)
		}
	}()

	started := p.clock.Now()
	id, err := st.StartRun(ctx, p.cfg.Name, started, false)
	if err != nil {
		return Report{}, fmt.Errorf("sync: pipeline %q: start run: %w", p.cfg.Name, err)
	}
	info := RunInfo{Pipeline: p.cfg.Name, RunID: id, Strategy: p.cfg.Strategy, Started: started}
	p.obs.RunStarted(info)
	p.log.Info("sync: run started", "run", id)

	r := p.newRun(false, modeRun)
	r.id, r.origin = id, fmt.Sprintf("run-%d", id)
	err = r.execute(runCtx)
	if err != nil && errors.Is(context.Cause(runCtx), ErrLeaseLost) {
		err = fmt.Errorf("%w: %w", ErrLeaseLost, err)
	}
	if err != nil {
		err = fmt.Errorf("sync: pipeline %q: %w", p.cfg.Name, err)
	}
	rep := r.t.report(p, id, started, p.clock.Now(), err)
	ferr := st.FinishRun(context.WithoutCancel(ctx), store.Run{
		ID: id, Pipeline: p.cfg.Name, Started: started, Finished: rep.Finished,
		Status: rep.Status, Counts: rep.Counts, Error: rep.Error,
	})
	if ferr != nil {
		p.log.Error("sync: finish run", "run", id, "err", ferr)
		err = errors.Join(err, fmt.Errorf("sync: pipeline %q: finish run: %w", p.cfg.Name, ferr))
	}
	p.obs.RunFinished(info, rep)
	p.log.Info("sync: run finished", "run", id, "status", rep.Status, "read", rep.Counts.Read,
		"created", rep.Counts.Created, "updated", rep.Counts.Updated, "deleted", rep.Counts.Deleted,
		"failed", rep.Counts.Failed, "conflicts", rep.Counts.Conflicted)
	return rep, err
}

// renewLease renews the run's lease, held since acquired, every third of
// its TTL until the returned function is called. It cancels the run with
// ErrLeaseLost when the lease is taken by another owner, or when renewing
// fails until the lease would end before the next try: past its end another
// process may hold it, and the run cannot tell.
func (p *Pipeline) renewLease(ctx context.Context, cancel context.CancelCauseFunc, acquired time.Time) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		every := p.cfg.LeaseTTL / 3
		held := acquired // the lease lasts until held+TTL at least
		for {
			t := p.clock.NewTimer(every)
			select {
			case <-done:
				t.Stop()
				return
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
			}
			at := p.clock.Now()
			ok, err := p.cfg.Store.AcquireLease(ctx, p.leaseName(), p.owner, p.cfg.LeaseTTL)
			switch {
			case err != nil && p.clock.Now().Add(every).Before(held.Add(p.cfg.LeaseTTL)):
				p.log.Warn("sync: renew lease", "err", err)
			case err != nil:
				p.log.Error("sync: cannot renew the lease before it ends; stopping the run", "err", err)
				cancel(fmt.Errorf("%w: renewing it failed until it was about to end: %w", ErrLeaseLost, err))
				return
			case !ok:
				p.log.Error("sync: lease lost; stopping the run")
				cancel(ErrLeaseLost)
				return
			default:
				held = at
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// Plan does the pass Run would do without writing anything: the operations
// it would perform, the conflicts with the resolver's decisions (ManualReview
// reports a hold without recording a review, when the resolver is built with
// NewResolver), the records it would leave alone, and the counts. It changes
// no cursor, link, review or run record, and does not take the lease.
func (p *Pipeline) Plan(ctx context.Context) (Plan, error) {
	if p.cfg.Strategy == Push && p.cfg.Left.Source == nil {
		return Plan{}, fmt.Errorf("pipeline %q: %w", p.cfg.Name, ErrNoSource)
	}
	r := p.newRun(true, modeRun)
	err := r.execute(ctx)
	if err != nil {
		err = fmt.Errorf("sync: pipeline %q: plan: %w", p.cfg.Name, err)
	}
	return r.plan(), err
}

// execute runs the strategy's pass.
func (r *run) execute(ctx context.Context) error {
	if r.p.cfg.Strategy == Bidirectional {
		return r.bidi(ctx)
	}
	return r.readSide(ctx, store.Left, r.oneWayBatch)
}

// readSide streams side's changes since its cursor (minus the lookback) in
// batches of BatchSize, handing each batch to process. It never holds more
// than one batch.
func (r *run) readSide(ctx context.Context, side store.Side, process func(context.Context, store.Side, []Change, *resolved) error) error {
	p := r.p
	stored, err := p.cfg.Store.Cursor(ctx, p.cfg.Name, side)
	if err != nil {
		return fmt.Errorf("read %s cursor: %w", side, err)
	}
	r.stored[side] = Cursor(stored)
	src := p.side(side).Source
	since, applied := p.readFrom(src, Cursor(stored))
	if !applied {
		r.t.warn("lookback of %s not applied on the %s side: its cursor is not a time cursor (TimeCursor) and its Source has no Rewind method", p.cfg.Lookback, side)
	}
	batch := make([]Change, 0, p.cfg.BatchSize)
	for ch, err := range src.Changes(ctx, p.dataType(side), since) {
		if err != nil {
			if len(batch) > 0 {
				if perr := process(ctx, side, batch, nil); perr != nil {
					return perr
				}
			}
			return fmt.Errorf("read %s changes: %w", side, err)
		}
		if ch.Record.ID == "" {
			r.t.warn("the %s source yielded a record without an ID; skipped", side)
			r.t.skipped++
			continue
		}
		batch = append(batch, ch)
		if len(batch) == p.cfg.BatchSize {
			if err := process(ctx, side, batch, nil); err != nil {
				return err
			}
			clear(batch)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return process(ctx, side, batch, nil)
	}
	return ctx.Err()
}

// write performs ops on side's Sink, or records them in the plan. It
// returns one result per op; when the Sink fails the whole batch with a
// retryable error, every result carries it and batchErr is set. A
// non-retryable whole-batch failure is narrowed down by writing the ops one
// at a time, so one bad record cannot block the others.
func (r *run) write(ctx context.Context, side store.Side, ops []Op, sources []string) (results []Result, batchErr error) {
	if len(ops) == 0 {
		return nil, nil
	}
	if r.dry {
		results = make([]Result, len(ops))
		for i, op := range ops {
			r.t.plannedOp(PlannedOp{Side: side, SourceID: sources[i], Op: op})
			results[i].ID = op.ID
		}
		return results, nil
	}
	sink, dt := r.p.side(side).Sink, r.p.dataType(side)
	results, err := sink.Write(ctx, dt, ops)
	if err == nil && len(results) != len(ops) {
		err = fmt.Errorf("%w: %d results for %d operations", ErrSinkContract, len(results), len(ops))
	}
	if err == nil {
		return checkResults(ops, results), nil
	}
	err = fmt.Errorf("write %s: %w", side, err)
	if ctx.Err() == nil && !IsRetryable(err) && len(ops) > 1 {
		results = make([]Result, len(ops))
		for i, op := range ops {
			res, err := sink.Write(ctx, dt, []Op{op})
			switch {
			case ctx.Err() != nil:
				return failAll(ops, ctx.Err()), ctx.Err()
			case err != nil:
				results[i] = Result{Err: err}
			case len(res) != 1:
				results[i] = Result{Err: fmt.Errorf("%w: %d results for 1 operation", ErrSinkContract, len(res))}
			default:
				results[i] = checkResults(ops[i:i+1], res)[0]
			}
		}
		return results, nil
	}
	if len(ops) == 1 && !IsRetryable(err) {
		return []Result{{Err: err}}, nil
	}
	return failAll(ops, err), err
}

// refuseLinkedCreates fails the creates among ops whose new ID on side is
// paired already with another record than the one the create came from (a
// target that merged the new record into one synced before), or that an
// earlier create of the batch returned too. Their links would make the
// batch's checkpoint fail (store.ErrConflictingLink), and every run's after
// it, or replace another pair's link: each such record fails alone instead.
// sources[i] is the ID of the record, on the other side, that op i came from.
func (r *run) refuseLinkedCreates(ctx context.Context, side store.Side, ops []Op, sources []string, results []Result) error {
	if r.dry {
		return nil
	}
	byID := map[string][]int{}
	var ids []string
	for i, op := range ops {
		if op.Kind != OpCreate || results[i].Err != nil {
			continue
		}
		id := results[i].ID
		if _, ok := byID[id]; !ok {
			ids = append(ids, id)
		}
		byID[id] = append(byID[id], i)
	}
	if len(ids) == 0 {
		return nil
	}
	held, err := r.p.cfg.Store.Links(ctx, r.p.cfg.Name, side, ids)
	if err != nil {
		return fmt.Errorf("read links: %w", err)
	}
	for _, id := range ids {
		for n, i := range byID[id] {
			holder := ""
			if l, ok := held[id]; ok && linkID(&l, other(side)) != sources[i] {
				holder = linkID(&l, other(side))
			} else if n > 0 {
				holder = sources[byID[id][0]]
			}
			if holder != "" {
				results[i].Err = fmt.Errorf("%w: the create returned the %s record %s, which is paired with the %s record %s already: two records were synced to one (a target that merges records, or a create whose checkpoint was lost)",
					store.ErrConflictingLink, side, id, other(side), holder)
			}
		}
	}
	return nil
}

// checkResults turns a create without an ID into a failure.
func checkResults(ops []Op, results []Result) []Result {
	for i, op := range ops {
		if op.Kind == OpCreate && results[i].Err == nil && results[i].ID == "" {
			results[i].Err = fmt.Errorf("%w: a create returned no ID", ErrSinkContract)
		}
	}
	return results
}

func failAll(ops []Op, err error) []Result {
	results := make([]Result, len(ops))
	for i := range results {
		results[i].Err = err
	}
	return results
}

// pending is a record that failed in a batch.
type pending struct {
	Failure
	pos     int        // position of its first change in the batch, for the cursor
	side    store.Side // the side the record is on, which a retry re-reads
	id      string     // its ID there
	noPark  bool       // a whole-batch failure: the run stops, the cursor stays before it
	pairKey string
}

// batchResult is what a processed batch makes durable and reports.
type batchResult struct {
	links     []store.Link
	applied   []string // review IDs whose resolutions were applied
	failures  []pending
	conflicts []ConflictReport
	events    []RecordEvent
	holds     []int // positions of records awaiting their link, which hold the cursor (bidi_keys.go)
}

// finish makes a batch durable: it parks the failed records in the queue,
// then commits the checkpoint (links, applied reviews and the cursor of
// side, which advances to the last change whose outcome is durable), both
// in one transaction when the store and the queue share a database.
func (r *run) finish(ctx context.Context, side store.Side, changes []Change, br *batchResult) error {
	p := r.p
	for _, c := range br.conflicts {
		r.t.conflict(c)
		if !r.dry {
			p.obs.Conflict(p.cfg.Name, c)
		}
	}
	if r.dry {
		for _, f := range br.failures {
			r.t.fail(f.Failure)
		}
		return nil
	}
	var jobs []queue.Job
	var parked []int // index in br.failures of each job
	willPark := make([]bool, len(br.failures))
	if p.cfg.Queue != nil && r.mode != modeJob {
		for i, f := range br.failures {
			if f.noPark {
				continue
			}
			j, err := p.retryJob(f, r.origin)
			if err != nil {
				r.t.warn("cannot park a failed record: %v", err)
				continue
			}
			jobs = append(jobs, j)
			parked = append(parked, i)
			willPark[i] = true
		}
	}
	setIDs := func(res []queue.EnqueueResult) {
		for k, er := range res {
			br.failures[parked[k]].JobID = er.ID
		}
	}
	if len(jobs) > 0 && !p.cfg.SameDatabase {
		res, err := p.cfg.Queue.Enqueue(ctx, jobs...)
		if err != nil {
			p.log.Error("sync: park failed records", "err", err)
			r.t.warn("could not park %d failed record(s) in the queue: %v", len(jobs), err)
			jobs = nil
			clear(willPark)
		} else {
			setIDs(res)
		}
	}

	cp := store.Checkpoint{Pipeline: p.cfg.Name, Links: br.links, AppliedReviews: br.applied}
	if r.mode == modeRun && len(changes) > 0 && !r.frozen[side] {
		stop := len(changes)
		for i, f := range br.failures {
			if !willPark[i] {
				stop = min(stop, f.pos)
			}
		}
		if stop < len(changes) {
			r.frozen[side] = true
		}
		commit := r.hold(side, changes, stop, br.holds)
		if commit > 0 {
			if next := laterCursor(r.stored[side], changes[commit-1].Cursor); next != "" && next != r.stored[side] {
				cp.Cursors = map[store.Side]string{side: string(next)}
			}
		}
	}
	if len(cp.Links) > 0 || len(cp.Cursors) > 0 || len(cp.AppliedReviews) > 0 || len(jobs) > 0 {
		var err error
		if p.cfg.SameDatabase && len(jobs) > 0 {
			err = p.cfg.Store.(store.TxCommitter).CommitTx(ctx, cp, func(ctx context.Context, tx *sql.Tx) error {
				res, err := p.cfg.Queue.(queue.TxEnqueuer).EnqueueTx(ctx, tx, jobs...)
				if err == nil {
					setIDs(res)
				}
				return err
			})
		} else {
			err = p.cfg.Store.Commit(ctx, cp)
		}
		if err != nil {
			return fmt.Errorf("commit checkpoint: %w", err)
		}
		r.applied += len(cp.AppliedReviews)
	}
	if c, ok := cp.Cursors[side]; ok {
		r.stored[side] = Cursor(c)
		r.t.cursors[side] = Cursor(c)
	}
	for _, f := range br.failures {
		r.t.fail(f.Failure)
		if f.pairKey != "" {
			r.failed[f.pairKey] = true
		}
		if f.Op == "" { // failed before any write: no write event was sent
			br.events = append(br.events, RecordEvent{Pipeline: p.cfg.Name, Side: f.Side, Outcome: OutcomeFailed,
				ID: f.TargetID, SourceID: f.SourceID, Err: errors.New(f.Reason)})
		}
		p.log.Warn("sync: record failed", "side", f.Side, "source_id", f.SourceID, "op", f.Op, "retryable", f.Retryable, "job", f.JobID, "err", f.Reason)
	}
	for _, e := range br.events {
		p.obs.Record(e)
	}
	return nil
}
