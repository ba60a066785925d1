// Package queue is zohokit's durable retry queue: the Job type, the Queue
// interface that every store implements, and the Worker that runs handlers.
//
// Failed sync operations are queued for retry, webhook events are queued so
// receivers can answer fast, and several service replicas can share one
// queue. Implementations: NewMemory in this package (tests, single process),
// and package sqlqueue (SQLite as the embedded default, PostgreSQL for several
// machines). Package queuetest holds the conformance suite that every
// implementation passes.
//
// Delivery is at least once: a claimed job is leased, invisible to other
// claimers until its lease ends; a worker that dies holding a job loses the
// lease and the job is claimed again. Handlers must therefore be idempotent,
// which the sync engine's handlers are by construction.
package queue

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// State is where a job is in its life.
type State string

// The states of a job. A job is Ready when its RunAt has passed and Scheduled
// before; the stored state for both is "available" and the split is made at
// read time.
const (
	StateAvailable State = "available" // waiting for RunAt, then claimable
	StateRunning   State = "running"   // claimed; leased until LeaseUntil
	StateCompleted State = "completed" // done; kept for the retention period so its key still dedups
	StateDead      State = "dead"      // failed its last attempt or gave up; kept until requeued or purged
)

// Job is one unit of work. Fields set by the caller on Enqueue: Kind,
// Payload, Key, RunAt, MaxAttempts. The queue sets the rest and ignores what
// the caller put there.
type Job struct {
	ID      int64  // assigned by the queue, positive and unique within it
	Kind    string // selects the handler; required
	Payload []byte // opaque to the queue; typically JSON of the kind's arguments
	// Key is the idempotency key: while a job with the same key is held by
	// the queue (in any state, including completed within the retention
	// period and dead), enqueueing another is a no-op. Empty means none.
	Key string
	// RunAt is the earliest time the job may be claimed; zero means now.
	RunAt time.Time
	// Attempt counts the claims that use up an attempt: 0 before the first,
	// 1 while the first runs. Release gives a claim's attempt back and
	// Requeue starts the count again, so two claims of one job may carry the
	// same Attempt; ClaimToken, not Attempt, tells claims apart. Attempt
	// exceeds MaxAttempts when the lease of the last attempt ended (its
	// worker died) and the job was claimed again; the Worker then makes the
	// job dead without running it.
	Attempt int
	// ClaimToken identifies the claim that returned the job, and fences it:
	// Complete, Fail, Extend and Release answer ErrLeaseLost unless the job
	// is running under this very claim. Claim sets it; it is positive and no
	// two claims of a job ever share it, whatever happened in between
	// (a lapsed lease, Release, Requeue). It is 0 on a job never claimed.
	// Pass the Job as Claim returned it; the queues in zohokit count the
	// job's claims (1, 2, ...) and never reset the count.
	ClaimToken int64
	// MaxAttempts is how many attempts the job gets before it is dead; zero
	// on Enqueue means DefaultMaxAttempts.
	MaxAttempts int
	LastError   string    // the error of the latest failed attempt; kept when requeued
	State       State     // as stored (see State)
	LeaseUntil  time.Time // while running: when the lease ends
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DefaultMaxAttempts is the number of attempts a job gets when Enqueue is
// given zero.
const DefaultMaxAttempts = 20

// EnqueueResult tells what Enqueue did with one job.
type EnqueueResult struct {
	ID int64 // the new job's ID, or the ID of the job already holding the key
	// Duplicate is true when a job with the same Key was already held and
	// nothing was enqueued.
	Duplicate bool
}

// ClaimOptions narrows and shapes a claim.
type ClaimOptions struct {
	// Kinds limits the claim to these kinds; empty means any kind.
	Kinds []string
	// Lease is how long the claimed jobs stay invisible to other claimers;
	// zero means DefaultLease, negative is an error.
	Lease time.Duration
}

// DefaultLease is the lease of a claim when ClaimOptions.Lease is zero.
const DefaultLease = 30 * time.Second

// DeadFilter selects dead jobs to list.
type DeadFilter struct {
	Kind    string // only this kind; empty means any
	AfterID int64  // jobs with a larger ID only, for paging
	Limit   int    // at most this many; zero means 100, negative is an error
}

// KindStats counts one kind's jobs by state.
type KindStats struct {
	Ready     int // available and due
	Scheduled int // available, RunAt in the future
	Running   int // claimed, including those whose lease ended and that wait to be claimed again
	Dead      int
	// OldestReady is the RunAt of the longest-waiting ready job, zero when
	// none is ready; its age tells whether workers keep up.
	OldestReady time.Time
}

// Stats counts jobs by kind and state. Completed jobs are not counted, and a
// kind with nothing to count has no entry.
type Stats struct {
	Kinds map[string]KindStats
}

// Total sums the counts of every kind; OldestReady is the oldest of all.
func (s Stats) Total() KindStats {
	var t KindStats
	for _, k := range s.Kinds {
		t.Ready += k.Ready
		t.Scheduled += k.Scheduled
		t.Running += k.Running
		t.Dead += k.Dead
		if !k.OldestReady.IsZero() && (t.OldestReady.IsZero() || k.OldestReady.Before(t.OldestReady)) {
			t.OldestReady = k.OldestReady
		}
	}
	return t
}

// Queue is what every queue store implements. All methods are safe for
// concurrent use, also from several processes where the store allows.
type Queue interface {
	// Enqueue adds jobs, one result per job in order. A job whose Key is
	// already held is not added (see Job.Key); that includes a Key used by an
	// earlier job of the same call, whose ID is then returned. Either all jobs
	// are added or, on error, none.
	Enqueue(ctx context.Context, jobs ...Job) ([]EnqueueResult, error)

	// Claim leases up to n jobs that are due, oldest RunAt first and then
	// lowest ID, marks them running, increments their Attempt and gives each
	// claim a new ClaimToken. It returns an empty slice, not an error, when
	// none is due; the jobs it returns may come in any order. A running job
	// whose lease has ended (LeaseUntil is not after now) is due again.
	// n < 1 is an error.
	Claim(ctx context.Context, n int, opts ClaimOptions) ([]Job, error)

	// Extend moves a claimed job's lease end to now plus lease, which must be
	// positive. Like Complete and Fail, it still succeeds after the lease
	// ended as long as no one claimed the job again. j is the job as Claim
	// returned it; its ClaimToken must be the job's current claim, else
	// Extend returns ErrLeaseLost and changes nothing (so do Complete, Fail
	// and Release).
	Extend(ctx context.Context, j Job, lease time.Duration) error

	// Complete marks a claimed job done. It returns ErrLeaseLost when j's
	// ClaimToken is not the job's current claim.
	Complete(ctx context.Context, j Job) error

	// Fail records a failed attempt of a claimed job and its cause (LastError
	// becomes cause's message, empty for nil). The job becomes available
	// again at retryAt (its new RunAt), or dead when it has used its last
	// attempt (Attempt >= MaxAttempts) or retryAt is the zero time (the
	// handler gave up). It returns ErrLeaseLost when j's ClaimToken is not
	// the job's current claim.
	Fail(ctx context.Context, j Job, cause error, retryAt time.Time) error

	// Dead lists dead jobs, by ascending ID.
	Dead(ctx context.Context, f DeadFilter) ([]Job, error)

	// Requeue makes dead jobs available now (RunAt now, Attempt 0), keeping
	// their Key and never reusing a ClaimToken, and returns how many it
	// moved. IDs that are not dead are ignored; no ID moves none.
	Requeue(ctx context.Context, ids ...int64) (int, error)

	// PurgeDead deletes dead jobs, all of them when no ID is given, and
	// returns how many it deleted. IDs that are not dead are ignored. The
	// Keys of deleted jobs are free again.
	PurgeDead(ctx context.Context, ids ...int64) (int, error)

	// Stats counts jobs by kind and state.
	Stats(ctx context.Context) (Stats, error)
}

// TxEnqueuer is implemented by SQL queues: Enqueue inside the caller's
// transaction, so that a sync checkpoint and the jobs that follow from it
// commit together or not at all.
type TxEnqueuer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, jobs ...Job) ([]EnqueueResult, error)
}

// Releaser is implemented by queues that can hand a claimed job back without
// using up its attempt. The Worker calls it on shutdown for the jobs whose
// handlers it had to cancel; without it, those jobs are failed with a retry
// at once, which uses the attempt (and makes a job on its last attempt dead).
type Releaser interface {
	// Release makes a claimed job available at once, keeping its RunAt (and
	// so its place in claim order) and undoing its claim's Attempt increment.
	// The claim ends for good: the next claim gets a new ClaimToken even
	// though it carries the same Attempt. It returns ErrLeaseLost in the
	// same cases as Complete.
	Release(ctx context.Context, j Job) error
}

// Notifier is implemented by queues that can tell idle workers at once that
// jobs were enqueued or became due, instead of leaving them to poll.
// Signals are hints: a worker may find nothing to claim after one.
type Notifier interface {
	// Subscribe returns a channel that receives a value when jobs may be
	// ready (signals are coalesced: the channel has a buffer of one) and a
	// function that ends the subscription.
	Subscribe() (<-chan struct{}, func())
}

// Errors that queues return. Implementations wrap them, so test them with
// errors.Is.
var (
	// ErrLeaseLost means the job is no longer held by the claim the given
	// Job carries (its ClaimToken): its lease ended and it was claimed again
	// (also after a Release or a Requeue, with the same Attempt), it was
	// completed, failed or released already, it was never claimed, or it no
	// longer exists.
	ErrLeaseLost = errors.New("queue: lease lost")
	// ErrInvalidJob means a job given to Enqueue lacks a Kind or has a
	// negative MaxAttempts (the error names the field), or that NewJob could
	// not make a job of its arguments.
	ErrInvalidJob = errors.New("queue: invalid job")
)
