// Package store keeps the durable state of sync pipelines: cursors, ID links
// between the two systems' records with the base snapshot and the hashes of
// what was last written to each side, run history, review items for
// conflicts held for a person, and leases so that two replicas never run the
// same pipeline at once.
//
// Implementations: NewMemory in this package (tests, a single process), and
// package sqlstore (SQLite as the embedded default, PostgreSQL for several
// replicas). Package storetest holds the conformance suite every
// implementation passes.
//
// Times are kept to the microsecond and returned in UTC, whatever the
// implementation, so that what a memory store returns in a test is what a
// SQL store returns in production.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/zohokit/zohokit/conflict"
)

// Side names one of a pipeline's two systems. For one-way pipelines the
// source is Left and the target Right.
type Side string

// The two sides of a pipeline.
const (
	Left  Side = "left"
	Right Side = "right"
)

// Link ties a record in the left system to its counterpart in the right one.
// There is at most one link per (Pipeline, LeftID) and per (Pipeline,
// RightID).
type Link struct {
	// Pipeline names the pipeline; in a Checkpoint it may be left empty
	// (it is the Checkpoint's).
	Pipeline string
	// LeftID and RightID are the records' native IDs; both are required.
	LeftID  string
	RightID string
	// Base is the last synced value of the record: canonical JSON in the
	// left system's field names, as the sync engine encodes it. Nil when
	// nothing was synced yet (an empty Base is stored as nil). It is the
	// base of the three-way merge.
	Base []byte
	// LeftHash and RightHash are the content hashes of the fields last
	// written to (or last seen in agreement on) each side; an incoming change
	// whose hash equals them is the echo of our own write.
	LeftHash, RightHash string
	// LeftModified and RightModified are each side's modification time of
	// the record at the last sync.
	LeftModified, RightModified time.Time
	// Deleted marks a tombstone: the records were deleted (on one side, and
	// on the other by the pipeline's delete policy). Kept so that a late
	// change or an echo of the delete is recognised.
	Deleted bool
	// UpdatedAt is when the link was last written; set by the store.
	UpdatedAt time.Time
}

// Checkpoint is what one batch of a sync run makes durable, all at once: the
// links it created or changed, the cursors it advanced, and the reviews it
// applied. A crash before Commit returns leaves none of it; after, all of it.
type Checkpoint struct {
	Pipeline string
	// Links are upserted by (Pipeline, LeftID): each replaces the whole
	// link. When two links share a LeftID, the later one wins. A RightID
	// may be held by one link only once the checkpoint is applied: a link
	// whose RightID is held by another link of the pipeline (one the
	// checkpoint does not move to another RightID), or two links with the
	// same RightID, make Commit fail with ErrConflictingLink.
	Links []Link
	// Cursors maps a side to its new cursor; sides not present keep theirs.
	// An empty cursor resets the side to the beginning (a backfill).
	Cursors map[Side]string
	// AppliedReviews are review IDs whose resolutions this batch applied:
	// their status becomes ReviewApplied. Each must be resolved (or already
	// applied, which changes nothing): an unknown ID fails with ErrNotFound,
	// a pending review with ErrReviewNotResolved.
	AppliedReviews []string
}

// RunStatus is the outcome of a run.
type RunStatus string

// The statuses of a run.
const (
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunPartial   RunStatus = "partial" // finished, some records failed
	RunFailed    RunStatus = "failed"
)

// Counts tallies what a run did with records.
type Counts struct {
	Read       int `json:"read"`
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	Deleted    int `json:"deleted"`
	Unchanged  int `json:"unchanged"`
	Conflicted int `json:"conflicted"`
	Failed     int `json:"failed"`
}

// Run is one pass of a pipeline.
type Run struct {
	ID       int64
	Pipeline string
	Started  time.Time
	Finished time.Time // zero while running
	Status   RunStatus
	Counts   Counts
	// Error is the run's failure, or a summary of its record failures.
	Error string
	// DryRun marks a Plan rather than a real run.
	DryRun bool
}

// RunFilter selects runs to list, newest first.
type RunFilter struct {
	Pipeline string // empty means every pipeline
	Limit    int    // zero means 50
}

// ReviewStatus is where a review is in its life.
type ReviewStatus string

// The statuses of a review.
const (
	ReviewPending  ReviewStatus = "pending"  // waiting for a person
	ReviewResolved ReviewStatus = "resolved" // decided, not yet applied by a sync run
	ReviewApplied  ReviewStatus = "applied"  // the decision was written to both sides
)

// ReviewItem is a conflict held for a person, as stored.
type ReviewItem struct {
	ID      string
	Key     string // conflict.ReviewKey: one undecided review per key
	Review  conflict.Review
	Status  ReviewStatus
	Created time.Time
	// Resolution is set once a person decided.
	Resolution *conflict.Resolution
	// Applied is when a checkpoint applied the resolution; zero before.
	Applied time.Time
}

// ReviewFilter selects reviews to list, oldest first.
type ReviewFilter struct {
	Pipeline string         // empty means every pipeline
	Status   []ReviewStatus // empty means every status
	Limit    int            // zero means 100
}

// Store is the durable sync state. All methods are safe for concurrent use.
//
// Pipeline names and lease names and owners must not be empty; a Side is
// Left or Right. Invalid arguments fail with an error naming them and change
// nothing.
type Store interface {
	// Cursor returns a pipeline side's cursor, "" when none was committed.
	Cursor(ctx context.Context, pipeline string, side Side) (string, error)

	// Links returns the pipeline's links whose ID on side is one of ids,
	// keyed by that ID. IDs without a link are absent from the map.
	Links(ctx context.Context, pipeline string, side Side, ids []string) (map[string]Link, error)

	// Commit makes a checkpoint durable atomically.
	Commit(ctx context.Context, cp Checkpoint) error

	// StartRun records a run as running and returns its ID. A zero
	// started means now. Stores keep a bounded history (see RunPruner).
	//
	// A run that is not a dry run closes the pipeline's earlier runs that
	// are still marked running (not dry runs) as failed, finished at
	// started, with the error ErrInterruptedRun's text: the caller holds the
	// pipeline's lease, so no other run of it can still be in progress, and
	// such a run is one whose process stopped before FinishRun.
	StartRun(ctx context.Context, pipeline string, started time.Time, dryRun bool) (int64, error)
	// FinishRun records a run's end, status, counts and error, found by
	// r.ID (and r.Pipeline when not empty): ErrNotFound when there is no
	// such run. r.Status must be succeeded, partial or failed; a zero
	// r.Finished means now; counts must not be negative. Finishing a run
	// again overwrites what the first call recorded.
	FinishRun(ctx context.Context, r Run) error
	// Runs lists runs, newest first (by Started, then ID).
	Runs(ctx context.Context, f RunFilter) ([]Run, error)
	// LastSuccess returns the end of the pipeline's latest run that
	// succeeded (or was partial), zero when none did. Dry runs do not
	// count: they wrote nothing.
	LastSuccess(ctx context.Context, pipeline string) (time.Time, error)

	// RecordReview stores a review (conflict.ReviewRecorder): idempotent
	// by Key while the review is pending or resolved, so that a held field
	// that conflicts again on every run, until its resolution is applied,
	// has one review. It returns the review's ID, an opaque string. The Key
	// must not be empty. The conflict's values must be canonical (nil,
	// bool, string, Go numbers, json.Number, time.Time, []any,
	// map[string]any): they are returned with the same Go types.
	RecordReview(ctx context.Context, r conflict.Review) (string, error)
	// Reviews lists reviews, oldest first. A review's pipeline is its
	// Conflict.Pipeline.
	Reviews(ctx context.Context, f ReviewFilter) ([]ReviewItem, error)
	// CountReviews counts the reviews in the given status by pipeline;
	// pipelines with none are absent. It is what a dashboard polls, so it
	// must not read the reviews themselves.
	CountReviews(ctx context.Context, status ReviewStatus) (map[string]int, error)
	// Resolve records a person's decision on a pending review. An invalid
	// resolution returns conflict.ErrInvalidResolution; deciding a review
	// that is not pending returns ErrReviewNotPending; an unknown ID
	// returns ErrNotFound. A zero DecidedAt is set to now.
	Resolve(ctx context.Context, res conflict.Resolution) error

	// AcquireLease takes or renews the named lease for owner until now+ttl
	// (ttl must be positive). It returns false, without error, while
	// another owner holds an unexpired lease; a lease is expired from its
	// expiry instant on. A holder renews well before the ttl ends (between
	// batches, say) and stops working when renewing returns false: the
	// lease then belongs to someone else.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// ReleaseLease gives up owner's lease; releasing a lease one does not
	// hold is a no-op.
	ReleaseLease(ctx context.Context, name, owner string) error
}

var _ conflict.ReviewRecorder = Store(nil)

// TxCommitter is implemented by SQL stores: Commit plus the caller's own
// writes in the same transaction, such as enqueueing follow-up jobs into a
// SQL queue that lives in the same database (queue.TxEnqueuer).
type TxCommitter interface {
	// CommitTx writes cp in a transaction, then calls within (when not
	// nil) with that transaction, then commits. If within returns an
	// error, or anything else fails, the transaction is rolled back: none
	// of cp and none of within's writes are kept, and the error is
	// returned (wrapped). within must not commit or roll back tx.
	CommitTx(ctx context.Context, cp Checkpoint, within func(ctx context.Context, tx *sql.Tx) error) error
}

// RunPruner is implemented by stores that can trim their run history (all
// of zohokit's; they also prune on their own when a run starts, as their
// options say).
type RunPruner interface {
	// PruneRuns deletes all but the keepPerPipeline newest runs of each
	// pipeline, always keeping each pipeline's latest successful run (the
	// one LastSuccess reports), and returns how many runs it deleted.
	// keepPerPipeline must not be negative.
	PruneRuns(ctx context.Context, keepPerPipeline int) (int, error)
}

// Errors the stores return (wrapped; test with errors.Is).
var (
	ErrNotFound          = errors.New("store: not found")
	ErrReviewNotPending  = errors.New("store: review is not pending")
	ErrReviewNotResolved = errors.New("store: review is not resolved")
	ErrConflictingLink   = errors.New("store: link conflicts with an existing link")
	// ErrInterruptedRun's text is the error recorded on a run that was
	// still marked running when a later run of its pipeline started (see
	// StartRun).
	ErrInterruptedRun = errors.New("interrupted: its process stopped before the run finished")
)
