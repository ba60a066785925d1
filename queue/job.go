package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Args is what user code puts in a job: a type whose JSON form is the job's
// payload, and whose Kind selects the handler. Kind must return the same
// constant for every value of the type, including its zero value, because
// Handle asks the zero value for it:
//
//	type SendInvoice struct{ InvoiceID string }
//	func (SendInvoice) Kind() string { return "send_invoice" }
type Args interface {
	Kind() string
}

// JobOptions are the optional settings of a job made by NewJob.
type JobOptions struct {
	// Key is the idempotency key (see Job.Key); empty means none.
	Key string
	// RunAt is the earliest time the job may run; zero means now.
	RunAt time.Time
	// MaxAttempts is how many attempts the job gets; zero means
	// DefaultMaxAttempts, negative is an error.
	MaxAttempts int
}

// NewJob returns a job of args' kind with args as its JSON payload, ready
// for Queue.Enqueue; opts may be nil. Its errors wrap ErrInvalidJob when the
// job would be refused, naming what is wrong.
func NewJob(args Args, opts *JobOptions) (Job, error) {
	kind, err := kindOf(args)
	if err != nil {
		return Job{}, err
	}
	var o JobOptions
	if opts != nil {
		o = *opts
	}
	j := Job{Kind: kind, Key: o.Key, RunAt: o.RunAt, MaxAttempts: o.MaxAttempts}
	if problem := validateJob(&j); problem != "" {
		return Job{}, fmt.Errorf("%w: %s job: %s", ErrInvalidJob, kind, problem)
	}
	j.Payload, err = json.Marshal(args)
	if err != nil {
		return Job{}, fmt.Errorf("queue: encode %s job: %w", kind, err)
	}
	return j, nil
}

// kindOf asks args for its kind, turning a nil args or a panicking Kind
// method (a nil pointer receiver) into an error.
func kindOf(args Args) (kind string, err error) {
	if args == nil {
		return "", fmt.Errorf("%w: args is nil", ErrInvalidJob)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %T.Kind panicked: %v (declare Kind on a value receiver)", ErrInvalidJob, args, r)
		}
	}()
	kind = args.Kind()
	if kind == "" {
		return "", fmt.Errorf("%w: %T.Kind returned an empty Kind", ErrInvalidJob, args)
	}
	return kind, nil
}

// Task is a claimed job with its payload decoded, as a typed handler
// receives it. The embedded Job gives its ID, Attempt, MaxAttempts and the
// rest.
type Task[T Args] struct {
	Job
	Args T
}

// HandleOptions are the optional settings of a handler.
type HandleOptions struct {
	// Timeout bounds each run of the handler: its context is cancelled after
	// this long and the attempt fails. Zero means the Worker's
	// WorkerConfig.JobTimeout; negative means no timeout.
	Timeout time.Duration
}

// HandlerFunc runs one attempt of a job. Returning nil completes the job;
// returning an error fails the attempt, and the job is retried after the
// Worker's backoff unless the error says otherwise (see RetryAfter and
// GiveUp). It must return soon after ctx is cancelled.
type HandlerFunc func(ctx context.Context, j Job) error

// Handle registers fn as w's handler for the kind of T, decoding each job's
// JSON payload into a T. A payload that does not decode makes the job dead
// at once, since retrying would not help. opts may be nil.
//
// Register every handler before calling Run; Handle returns an error after
// that, for a kind that already has a handler, or for a nil fn.
func Handle[T Args](w *Worker, fn func(ctx context.Context, t *Task[T]) error, opts *HandleOptions) error {
	var zero T
	kind, err := kindOf(zero)
	if err != nil {
		return fmt.Errorf("queue: handle %T: %w", zero, err)
	}
	if fn == nil {
		return fmt.Errorf("queue: handle %s: handler is nil", kind)
	}
	return w.HandleRaw(kind, func(ctx context.Context, j Job) error {
		t := &Task[T]{Job: j}
		if err := json.Unmarshal(j.Payload, &t.Args); err != nil {
			return GiveUp(fmt.Errorf("queue: decode %s payload: %w", kind, err))
		}
		return fn(ctx, t)
	}, opts)
}
