package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// Defaults of WorkerConfig, applied by NewWorker to zero fields.
const (
	DefaultConcurrency     = 10
	DefaultPollInterval    = time.Second
	DefaultJobTimeout      = 5 * time.Minute
	DefaultShutdownTimeout = 10 * time.Second
)

// ErrWorkerStopped is the cause of the context of a handler that the Worker
// cancelled because it was shutting down and the handler outlived
// WorkerConfig.ShutdownTimeout; context.Cause returns it.
var ErrWorkerStopped = errors.New("queue: worker stopped")

// WorkerConfig configures a Worker. The zero value is valid: NewWorker
// replaces zero fields with the defaults named on each.
type WorkerConfig struct {
	// Concurrency is the most handlers that run at once; zero means
	// DefaultConcurrency.
	Concurrency int
	// Lease is the lease of each claim; zero means DefaultLease. While a
	// handler runs, the Worker extends the lease every HeartbeatInterval, so
	// the lease only bounds how long a job stays invisible after its worker
	// died.
	Lease time.Duration
	// HeartbeatInterval is how often the lease of a running job is extended;
	// zero means a third of Lease. It must be shorter than Lease.
	HeartbeatInterval time.Duration
	// PollInterval is how often the Worker claims when nothing wakes it
	// earlier; zero means DefaultPollInterval. It is woken earlier by the
	// queue's Notifier signals, by a free slot while the queue had more jobs,
	// and when a job it failed comes due for its retry.
	PollInterval time.Duration
	// JobTimeout bounds each attempt of handlers that set no
	// HandleOptions.Timeout; zero means DefaultJobTimeout, negative means no
	// timeout.
	JobTimeout time.Duration
	// ShutdownTimeout is how long running handlers may go on after Run's
	// context is done before their contexts are cancelled (with cause
	// ErrWorkerStopped); zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// Backoff picks the delay before the next attempt after a failed one;
	// nil means DefaultBackoff.
	Backoff BackoffFunc
	// Now is the clock for retry times; nil means time.Now. It must be the
	// queue's clock.
	Now func() time.Time
	// Logger receives the Worker's log lines (never job payloads); nil
	// discards them.
	Logger *slog.Logger
	// Observer receives the outcome of every attempt; nil means none.
	Observer Observer
}

// withDefaults validates c and returns it with its defaults applied.
func (c WorkerConfig) withDefaults() (WorkerConfig, error) {
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"Lease", c.Lease},
		{"HeartbeatInterval", c.HeartbeatInterval},
		{"PollInterval", c.PollInterval},
		{"ShutdownTimeout", c.ShutdownTimeout},
	} {
		if f.v < 0 {
			return c, fmt.Errorf("queue: WorkerConfig.%s is %s, must not be negative", f.name, f.v)
		}
	}
	if c.Concurrency < 0 {
		return c, fmt.Errorf("queue: WorkerConfig.Concurrency is %d, must not be negative", c.Concurrency)
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = c.Lease / 3
	}
	if c.HeartbeatInterval >= c.Lease {
		return c, fmt.Errorf("queue: WorkerConfig.HeartbeatInterval is %s, must be shorter than Lease (%s)", c.HeartbeatInterval, c.Lease)
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Worker claims jobs of the kinds it has handlers for and runs them, at most
// WorkerConfig.Concurrency at once. Make one with NewWorker, register
// handlers with Handle or HandleRaw, then call Run (once). Several Workers,
// in one process or many, can share a queue.
//
// Each claimed job runs in its own goroutine while its lease is extended in
// the background. A handler's nil result completes the job; an error fails
// the attempt and the job is retried after the backoff (or RetryAfter's
// delay), or is dead on its last attempt or after GiveUp. A panic is a failed
// attempt whose error (a *PanicError) holds the stack. A handler whose lease
// was lost (another claimer took the job) has its context cancelled with
// cause ErrLeaseLost and its result is dropped.
type Worker struct {
	q   Queue
	cfg WorkerConfig

	mu       sync.Mutex
	handlers map[string]handler
	started  bool
}

type handler struct {
	fn      HandlerFunc
	timeout time.Duration // zero: none
}

// NewWorker returns a Worker that takes jobs from q; cfg may be nil.
func NewWorker(q Queue, cfg *WorkerConfig) (*Worker, error) {
	if q == nil {
		return nil, errors.New("queue: NewWorker: queue is nil")
	}
	var c WorkerConfig
	if cfg != nil {
		c = *cfg
	}
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Worker{q: q, cfg: c, handlers: make(map[string]handler)}, nil
}

// HandleRaw registers fn as the handler of kind, receiving the job with its
// payload as bytes; Handle is the typed form. opts may be nil. It returns an
// error for an empty kind, a nil fn, a kind that already has a handler, or
// once Run has been called.
func (w *Worker) HandleRaw(kind string, fn HandlerFunc, opts *HandleOptions) error {
	if kind == "" {
		return errors.New("queue: handle: kind is empty")
	}
	if fn == nil {
		return fmt.Errorf("queue: handle %s: handler is nil", kind)
	}
	h := handler{fn: fn, timeout: w.cfg.JobTimeout}
	if opts != nil && opts.Timeout != 0 {
		h.timeout = opts.Timeout
	}
	h.timeout = max(h.timeout, 0)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started {
		return fmt.Errorf("queue: handle %s: the worker is already running", kind)
	}
	if _, ok := w.handlers[kind]; ok {
		return fmt.Errorf("queue: handle %s: the kind already has a handler", kind)
	}
	w.handlers[kind] = h
	return nil
}

// Run claims and runs jobs until ctx is done, then shuts down: it stops
// claiming, lets running handlers finish for up to ShutdownTimeout, then
// cancels the contexts of those still running and waits for them to return.
// A handler that returns nil is completed even then; the jobs of the others
// are released (see Releaser: their attempt is not used up when the queue
// implements it, else they are failed with a retry at once). Run returns nil
// after shutting down, or an error when it cannot start: no handlers, or
// called a second time. Errors from the queue while running are logged and
// retried at the next poll.
func (w *Worker) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.started {
		w.mu.Unlock()
		return errors.New("queue: worker: Run was already called")
	}
	if len(w.handlers) == 0 {
		w.mu.Unlock()
		return errors.New("queue: worker: no handlers registered")
	}
	w.started = true
	handlers := maps.Clone(w.handlers)
	w.mu.Unlock()

	var wake <-chan struct{}
	if n, ok := w.q.(Notifier); ok {
		ch, unsubscribe := n.Subscribe()
		defer unsubscribe()
		wake = ch
	}
	// Handlers outlive ctx by up to ShutdownTimeout, so their contexts keep
	// its values but not its cancellation.
	stopCtx, stop := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stop(nil)

	conc := w.cfg.Concurrency
	opts := ClaimOptions{Kinds: slices.Sorted(maps.Keys(handlers)), Lease: w.cfg.Lease}
	done := make(chan time.Time, conc) // one per finished job: its retry time, or zero
	var retries timeHeap               // retry times of jobs this worker failed
	inflight := 0
	claimNow, more := true, false
	var lastClaim time.Time
	timer := time.NewTimer(w.cfg.PollInterval)
	defer timer.Stop()
	finished := func(retryAt time.Time) {
		inflight--
		if !retryAt.IsZero() {
			retries.push(retryAt)
		}
		claimNow = claimNow || more
	}

	for ctx.Err() == nil {
		if claimNow && inflight < conc {
			claimNow = false
			asked := conc - inflight
			jobs, err := w.q.Claim(ctx, asked, opts)
			lastClaim = time.Now()
			retries.dropUntil(w.cfg.Now())
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				w.cfg.Logger.Error("queue: claim failed", "err", err)
				more = false
			} else {
				for _, j := range jobs {
					inflight++
					go w.runJob(stopCtx, handlers[j.Kind], j, done)
				}
				more = len(jobs) == asked
			}
		}
		var timerC <-chan time.Time
		if inflight < conc {
			wait := w.cfg.PollInterval - time.Since(lastClaim)
			if next, ok := retries.min(); ok {
				wait = min(wait, next.Sub(w.cfg.Now()))
			}
			if wait <= 0 {
				claimNow = true
				continue
			}
			timer.Reset(wait)
			timerC = timer.C
		}
		select {
		case <-ctx.Done():
		case r := <-done:
			finished(r)
		drain:
			for {
				select {
				case r := <-done:
					finished(r)
				default:
					break drain
				}
			}
		case <-wake:
			claimNow = true
		case <-timerC:
			claimNow = true
		}
		timer.Stop()
	}

	if inflight > 0 {
		w.cfg.Logger.Info("queue: worker stopping; waiting for running jobs", "running", inflight, "timeout", w.cfg.ShutdownTimeout)
		grace := time.NewTimer(w.cfg.ShutdownTimeout)
		defer grace.Stop()
		graceC := grace.C
		for inflight > 0 {
			select {
			case <-done:
				inflight--
			case <-graceC:
				graceC = nil
				w.cfg.Logger.Warn("queue: shutdown timeout reached; cancelling running jobs", "running", inflight)
				stop(ErrWorkerStopped)
			}
		}
	}
	return nil
}

// runJob runs one attempt of j and records its outcome, then sends the retry
// time (zero when none) on done.
func (w *Worker) runJob(stopCtx context.Context, h handler, j Job, done chan<- time.Time) {
	ev := JobEvent{Job: j}
	start := time.Now()
	defer func() {
		ev.Duration = time.Since(start)
		if w.cfg.Observer != nil {
			w.cfg.Observer.JobDone(ev)
		}
		done <- ev.RetryAt
	}()

	if j.Attempt > j.MaxAttempts || h.fn == nil {
		cause := fmt.Errorf("queue: the lease of the last attempt (%d) ended before the attempt finished; its worker probably stopped", j.MaxAttempts)
		if h.fn == nil {
			cause = fmt.Errorf("queue: no handler for kind %q", j.Kind)
		}
		ev.Err = cause
		opCtx, opCancel := w.recordContext(stopCtx)
		defer opCancel()
		ev.Outcome = w.record(j, OutcomeDead, w.q.Fail(opCtx, j, cause, time.Time{}), &ev)
		return
	}

	jobCtx, cancel := context.WithCancelCause(stopCtx)
	defer cancel(nil)
	if h.timeout > 0 {
		var cancelTimeout context.CancelFunc
		jobCtx, cancelTimeout = context.WithTimeout(jobCtx, h.timeout)
		defer cancelTimeout()
	}
	hb := w.startHeartbeat(context.WithoutCancel(stopCtx), j, cancel)
	err := callHandler(jobCtx, h.fn, j)
	lost := hb.stop()
	if err != nil && errors.Is(jobCtx.Err(), context.DeadlineExceeded) && !lost && stopCtx.Err() == nil {
		err = fmt.Errorf("queue: job timed out after %s: %w", h.timeout, err)
	}
	ev.Err = err
	opCtx, opCancel := w.recordContext(stopCtx)
	defer opCancel()

	switch {
	case lost:
		ev.Outcome = OutcomeLeaseLost
		w.logJob(slog.LevelWarn, "queue: lease lost while running; result dropped", j, "err", err)
	case err == nil:
		ev.Outcome = w.record(j, OutcomeCompleted, w.q.Complete(opCtx, j), &ev)
	case stopCtx.Err() != nil:
		if r, ok := w.q.(Releaser); ok {
			ev.Outcome = w.record(j, OutcomeReleased, r.Release(opCtx, j), &ev)
			return
		}
		outcome := OutcomeReleased
		if j.Attempt >= j.MaxAttempts {
			outcome = OutcomeDead
		}
		ev.Outcome = w.record(j, outcome, w.q.Fail(opCtx, j, fmt.Errorf("%w: %w", ErrWorkerStopped, err), w.cfg.Now()), &ev)
	default:
		giveUp, delay, ok := retryDecision(err)
		if !ok {
			delay = w.cfg.Backoff(j.Attempt)
		}
		var retryAt time.Time
		outcome := OutcomeDead
		if !giveUp {
			retryAt = w.cfg.Now().Add(delay)
			if j.Attempt < j.MaxAttempts {
				outcome = OutcomeRetried
			}
		}
		ev.Outcome = w.record(j, outcome, w.q.Fail(opCtx, j, err, retryAt), &ev)
		if ev.Outcome == OutcomeRetried {
			ev.RetryAt = retryAt
		}
	}
}

// recordContext returns the context of the queue call that records an
// attempt's result. The call must happen even while shutting down, so the
// context does not end with stopCtx; a lease bounds it, since after that the
// job may be claimed again anyway.
func (w *Worker) recordContext(stopCtx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(stopCtx), w.cfg.Lease)
}

// record logs an attempt's outcome given the queue's answer when recording
// it, and returns the outcome that happened.
func (w *Worker) record(j Job, want Outcome, qerr error, ev *JobEvent) Outcome {
	switch {
	case errors.Is(qerr, ErrLeaseLost):
		w.logJob(slog.LevelWarn, "queue: lease lost before the result was recorded; result dropped", j, "outcome", want, "err", ev.Err)
		return OutcomeLeaseLost
	case qerr != nil:
		w.logJob(slog.LevelError, "queue: recording the result failed; the job runs again after its lease", j, "outcome", want, "err", qerr)
		ev.Err = errors.Join(qerr, ev.Err)
		return OutcomeError
	case want == OutcomeCompleted:
		w.logJob(slog.LevelDebug, "queue: job completed", j)
	case want == OutcomeReleased:
		w.logJob(slog.LevelInfo, "queue: job released at shutdown", j, "err", ev.Err)
	case want == OutcomeRetried:
		w.logJob(slog.LevelInfo, "queue: job failed; will retry", j, "err", ev.Err)
	default:
		w.logJob(slog.LevelWarn, "queue: job is dead", j, "err", ev.Err)
	}
	return want
}

// logJob logs a line about a job, with its ID, kind, attempt and claim
// token (which tells apart two claims with the same attempt when a lease was
// lost).
func (w *Worker) logJob(level slog.Level, msg string, j Job, args ...any) {
	ctx := context.Background()
	if !w.cfg.Logger.Enabled(ctx, level) {
		return
	}
	w.cfg.Logger.Log(ctx, level, msg, append([]any{"job_id", j.ID, "kind", j.Kind, "attempt", j.Attempt, "claim", j.ClaimToken}, args...)...)
}

// callHandler runs fn, turning a panic into a *PanicError.
func callHandler(ctx context.Context, fn HandlerFunc, j Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: stack()}
		}
	}()
	return fn(ctx, j)
}
