// Package sqlqueue stores zohokit's retry queue in SQL: SQLite, the embedded
// default (one file, no server, one machine), and PostgreSQL, for several
// service replicas on several machines.
//
// Both implement queue.Queue, queue.TxEnqueuer (enqueue inside the caller's
// *sql.Tx, so that a sync checkpoint and the jobs that follow from it commit
// together), queue.Notifier and queue.Releaser, and both pass the
// queue/queuetest conformance suite.
//
// # Schema and migrations
//
// Jobs live in one table, zohokit_jobs, created and upgraded by the
// constructors through embedded, versioned migrations (component "queue" in
// the zohokit_migrations table that zohokit's SQL stores share). Running
// several processes against one database is safe from the start: the first
// migrates, the others wait for it and then find nothing to do. A database
// migrated by a newer zohokit is refused. To keep several independent queues
// in one PostgreSQL database, give each its own schema through the pool's
// search_path.
//
// # Time
//
// The queues read the time only through Options.Now and pass it to SQL as a
// parameter (never the database's now()), so tests can move time and the
// database server's clock does not matter. Times are stored with microsecond
// precision.
//
// # Retention
//
// A completed job is kept for Options.Retention (24 hours by default) so that
// its idempotency key still turns away duplicates, and then deleted: by Claim
// at most once per Options.CleanupInterval, or by Cleanup.
//
// # SQLite
//
// OpenSQLite opens one file in WAL mode with a busy timeout. SQLite runs one
// writer at a time; the queue serialises its own writes in process, so its
// goroutines queue in Go instead of sleeping in SQLite's busy handler, and
// reads run concurrently. Several processes may share the file (writes then
// wait on the busy timeout); their workers wake each other only by polling,
// since Subscribe signals enqueues made through the same *SQLite value.
//
// # PostgreSQL
//
// NewPostgres takes a pgx pool. Claims use SELECT ... FOR UPDATE SKIP LOCKED,
// so concurrent claimers never wait for each other or take the same job.
// Enqueue sends pg_notify in its transaction, which PostgreSQL delivers on
// commit; Subscribe listens on a dedicated connection (reconnecting after
// errors) so that idle workers on every machine wake at once.
package sqlqueue

import (
	"cmp"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zohokit/zohokit/queue"
)

// DefaultRetention is how long completed jobs are kept when
// Options.Retention is zero.
const DefaultRetention = 24 * time.Hour

// DefaultCleanupInterval is how often Claim deletes expired completed jobs
// when Options.CleanupInterval is zero.
const DefaultCleanupInterval = time.Minute

// cleanupBatch bounds the rows one opportunistic cleanup deletes, so that a
// claim that happens to run it stays quick.
const cleanupBatch = 1000

// Options tunes a queue. The zero value is ready to use.
type Options struct {
	// Now is the queue's clock; nil means time.Now.
	Now func() time.Time
	// Retention is how long a completed job is kept so that its key still
	// deduplicates; zero means DefaultRetention.
	Retention time.Duration
	// CleanupInterval is how often Claim deletes completed jobs older than
	// Retention; zero means DefaultCleanupInterval, negative means never
	// (call Cleanup yourself).
	CleanupInterval time.Duration
	// Logger receives background events (listener reconnects, cleanup
	// errors); nil discards them.
	Logger *slog.Logger
}

// config is Options with the defaults applied.
type config struct {
	now             func() time.Time
	retention       time.Duration
	cleanupInterval time.Duration
	log             *slog.Logger
}

func newConfig(opts *Options) (config, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	c := config{now: o.Now, retention: o.Retention, cleanupInterval: o.CleanupInterval, log: o.Logger}
	if c.now == nil {
		c.now = time.Now
	}
	switch {
	case c.retention < 0:
		return c, fmt.Errorf("sqlqueue: Options.Retention is negative (%v)", c.retention)
	case c.retention == 0:
		c.retention = DefaultRetention
	}
	if c.cleanupInterval == 0 {
		c.cleanupInterval = DefaultCleanupInterval
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// newJob is a job as Enqueue stores it, defaults applied.
type newJob struct {
	kind        string
	payload     []byte
	key         string
	runAt       time.Time
	maxAttempts int
}

// prepare validates jobs and applies the defaults.
func prepare(jobs []queue.Job, now time.Time) ([]newJob, error) {
	out := make([]newJob, len(jobs))
	for i, j := range jobs {
		switch {
		case j.Kind == "":
			return nil, fmt.Errorf("%w: jobs[%d]: Kind is empty", queue.ErrInvalidJob, i)
		case j.MaxAttempts < 0:
			return nil, fmt.Errorf("%w: jobs[%d]: MaxAttempts is negative (%d)", queue.ErrInvalidJob, i, j.MaxAttempts)
		case j.MaxAttempts > math.MaxInt32:
			return nil, fmt.Errorf("%w: jobs[%d]: MaxAttempts %d is larger than %d", queue.ErrInvalidJob, i, j.MaxAttempts, math.MaxInt32)
		}
		n := newJob{kind: j.Kind, payload: j.Payload, key: j.Key, runAt: j.RunAt, maxAttempts: j.MaxAttempts}
		if n.runAt.IsZero() {
			n.runAt = now
		}
		if n.maxAttempts == 0 {
			n.maxAttempts = queue.DefaultMaxAttempts
		}
		out[i] = n
	}
	return out, nil
}

// anyDue reports whether a job of jobs may be claimed at now, which is when
// idle workers are worth waking.
func anyDue(jobs []newJob, now time.Time) bool {
	return slices.ContainsFunc(jobs, func(j newJob) bool { return !j.runAt.After(now) })
}

// claimArgs checks Claim's arguments and returns the lease.
func claimArgs(n int, opts queue.ClaimOptions) (time.Duration, error) {
	if n < 1 {
		return 0, fmt.Errorf("sqlqueue: claim: n must be at least 1, got %d", n)
	}
	switch {
	case opts.Lease < 0:
		return 0, fmt.Errorf("sqlqueue: claim: ClaimOptions.Lease is negative (%v)", opts.Lease)
	case opts.Lease == 0:
		return queue.DefaultLease, nil
	}
	return opts.Lease, nil
}

func deadLimit(f queue.DeadFilter) (int, error) {
	switch {
	case f.Limit < 0:
		return 0, fmt.Errorf("sqlqueue: dead: DeadFilter.Limit is negative (%d)", f.Limit)
	case f.Limit == 0:
		return 100, nil
	}
	return f.Limit, nil
}

// A claim is fenced by its job's ID and its claim token (claim_token, which
// Claim increments and nothing ever decrements or resets): Complete, Fail,
// Extend and Release change a row only WHERE id AND claim_token AND attempt
// AND state = 'running' match. The token alone suffices with this release;
// attempt is matched too, which costs nothing (the claim's attempt never
// changes while it is current), for a rolling upgrade: a process of an older
// release still running against the migrated table claims without
// advancing claim_token, and the attempt it increments is what then fences
// out the stale claims of this release.

// unclaimed reports whether j carries no claim (a ClaimToken of zero, as on a
// job never claimed or one from before claim tokens existed): such a job
// holds no lease, so fenced writes refuse it without asking the database.
func unclaimed(j queue.Job) bool { return j.ClaimToken <= 0 }

// leaseLost is the error of a fenced write that found the job not held by
// j's claim.
func leaseLost(op string, j queue.Job) error {
	return fmt.Errorf("sqlqueue: %s job %d (attempt %d, claim %d): %w", op, j.ID, j.Attempt, j.ClaimToken, queue.ErrLeaseLost)
}

func errorText(cause error) string {
	if cause == nil {
		return ""
	}
	return cause.Error()
}

// inserted is a row Enqueue inserted: its ID and key ("" for none).
type inserted struct {
	id  int64
	key string
}

// resultsFor maps the rows Enqueue inserted (ins, ascending ID: the order of
// insertion, which is the order of the jobs) and the IDs of rows that already
// held keys (existing) to one result per job. A job whose key appeared
// earlier in the same call is a duplicate of that job. missing lists keys of
// duplicates whose holder is unknown: inserted by a transaction that
// committed after this statement's snapshot.
func resultsFor(jobs []newJob, ins []inserted, existing map[string]int64) (res []queue.EnqueueResult, missing []string) {
	res = make([]queue.EnqueueResult, len(jobs))
	byKey := make(map[string]int64) // keys seen earlier in this call
	next := 0
	for i, j := range jobs {
		if id, ok := byKey[j.key]; ok && j.key != "" {
			res[i] = queue.EnqueueResult{ID: id, Duplicate: true}
			continue
		}
		switch id, ok := existing[j.key]; {
		case next < len(ins) && ins[next].key == j.key:
			res[i] = queue.EnqueueResult{ID: ins[next].id}
			next++
		case ok && j.key != "":
			res[i] = queue.EnqueueResult{ID: id, Duplicate: true}
		default:
			missing = append(missing, j.key)
			continue
		}
		if j.key != "" {
			byKey[j.key] = res[i].ID
		}
	}
	return res, missing
}

// hub fans signals out to subscribers: each has a channel with a buffer of
// one, so signals coalesce and a signal never blocks.
type hub struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

func (h *hub) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[chan struct{}]struct{})
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
		})
	}
}

func (h *hub) signal() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// cleanupDue reports whether an opportunistic cleanup is due at now, and if
// so records now in last, so that of concurrent callers only one runs it.
func (c *config) cleanupDue(last *atomic.Int64, now time.Time) bool {
	if c.cleanupInterval < 0 {
		return false
	}
	prev := last.Load()
	return now.UnixMicro()-prev >= c.cleanupInterval.Microseconds() && last.CompareAndSwap(prev, now.UnixMicro())
}

// sortClaimOrder puts claimed jobs in claim order: oldest RunAt, then lowest
// ID.
func sortClaimOrder(jobs []queue.Job) {
	slices.SortFunc(jobs, func(a, b queue.Job) int {
		return cmp.Or(a.RunAt.Compare(b.RunAt), cmp.Compare(a.ID, b.ID))
	})
}
