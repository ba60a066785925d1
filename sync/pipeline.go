package sync

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/transform"
)

// Strategy is how a pipeline moves data.
type Strategy string

// The three strategies.
const (
	// Push writes source records to the target as events name them (Push,
	// or a queue job); Run is a catch-up pass over the source's changes.
	Push Strategy = "push"
	// Pull reads what changed in the source since the cursor on a schedule
	// and writes it to the target.
	Pull Strategy = "pull"
	// Bidirectional reads both sides, merges field by field against the
	// last synced base, and writes each side what the other changed.
	Bidirectional Strategy = "bidirectional"
)

// DeleteMode says what a pipeline does when a linked record is deleted on
// one side.
type DeleteMode string

// The delete modes. The zero value is DeleteIgnore.
const (
	// DeleteIgnore leaves the other side's record alone. The link becomes a
	// tombstone, so the pair is no longer synced and the deleted record is
	// never re-created (no "revived" records).
	DeleteIgnore DeleteMode = "ignore"
	// DeletePropagate deletes the other side's record, then tombstones the
	// link.
	DeletePropagate DeleteMode = "propagate"
	// DeleteFlag sets a flag field to true on the other side's record (a
	// soft delete a person can review), then tombstones the link.
	DeleteFlag DeleteMode = "flag"
)

// DeletePolicy configures deletes.
type DeletePolicy struct {
	// Mode is DeleteIgnore (the default), DeletePropagate or DeleteFlag.
	Mode DeleteMode
	// RightFlag is the field (a path, in the right system's names) set to
	// true on the right record when its left record is deleted; LeftFlag
	// the same on the left for bidirectional pipelines. Required by
	// DeleteFlag for each side the pipeline writes.
	LeftFlag, RightFlag string
}

// Side is one of a pipeline's two systems.
type Side struct {
	// System names the system as the authority table does ("CRM", "ERP").
	System string
	// DataType is the data type as this side's adapter names it ("Accounts"
	// in Zoho CRM, "customers" in the ERP); empty means Config.DataType.
	DataType string
	// Source reads the side's changes, Sink writes to it and Reader reads
	// records by ID. Which ones a pipeline needs depends on its strategy and
	// on which side this is (New says what is missing).
	Source Source
	Sink   Sink
	Reader Reader
}

// Config describes a pipeline. The zero values of the optional fields work.
type Config struct {
	// Name identifies the pipeline in the store, the queue, reports and
	// the dashboard; keep it stable, since links and cursors are kept under
	// it. Required.
	Name string
	// DataType is the canonical data type ("customers"), as the authority
	// table and conflicts name it. Required.
	DataType string
	// Strategy is Push, Pull or Bidirectional. Required.
	Strategy Strategy
	// Left and Right are the two systems. For Push and Pull data flows
	// from Left (the source) to Right (the target).
	Left, Right Side
	// Mapping maps left records to right records. Bidirectional pipelines
	// map right to left through its inverse (Mapping.Invert), so it must be
	// invertible there. Required.
	Mapping *transform.Mapping

	// Resolver decides conflicts of bidirectional pipelines. Conflicts name
	// fields by their left-side paths. Set Resolver, or NewResolver when
	// the resolver records reviews (conflict.ManualReview): exactly one of
	// the two is required for Bidirectional.
	Resolver conflict.Resolver
	// NewResolver builds the resolver around the review recorder the
	// engine passes: the Store for runs, and for Plan a recorder that
	// stores nothing, so that a dry run records no reviews.
	NewResolver func(reviews conflict.ReviewRecorder) (conflict.Resolver, error)

	// Interval is how often a Scheduler runs the pipeline; zero means it is
	// not scheduled (Run on demand, or Push events only).
	Interval time.Duration
	// BatchSize is how many changes are written and checkpointed together;
	// zero means DefaultBatchSize.
	BatchSize int
	// Lookback re-reads this much before the cursor on every run, for clock
	// skew and late commits (see the package documentation on cursors).
	Lookback time.Duration
	// Deletes is the delete policy; the zero value ignores deletes.
	Deletes DeletePolicy
	// Filter, when set, limits the records synced to those it accepts
	// ("deals whose Stage is Closed Won"). It sees left records as read and
	// right records through the inverse mapping, both in the left system's
	// field names. A record it rejects is skipped; one already linked is
	// not deleted.
	Filter func(r Record) bool

	// Store keeps cursors, links, runs, reviews and leases. Required.
	Store store.Store
	// Queue, when set, holds failed records for retry (see RegisterJobs);
	// without it a failed record stops the cursor before it.
	Queue queue.Queue
	// SameDatabase says that Store and Queue are SQL implementations in
	// the same database, so that a checkpoint and the jobs of the records
	// it parks commit in one transaction (store.TxCommitter and
	// queue.TxEnqueuer). Without it, jobs are enqueued just before the
	// checkpoint commits.
	SameDatabase bool
	// RetryAttempts is the MaxAttempts of jobs for records that failed
	// with a retryable error; zero means the queue's default.
	RetryAttempts int
	// RetryDelay is how long after a failure a parked record is first
	// retried; zero means at once (the queue's backoff applies after).
	RetryDelay time.Duration

	// Authority, when set, is checked at construction: its advice about
	// this flow (authority.Table.Advise) is in Pipeline.Advice and logged.
	Authority *authority.Table
	// Observer receives run, record and conflict events; nil means none.
	Observer Observer
	// Logger receives log lines (never record values); nil discards them.
	Logger *slog.Logger
	// Clock is the time source for runs, reports and lease renewal; nil
	// means the system clock.
	Clock Clock
	// Owner names this process in leases; empty means a random name made
	// of the host name, the process ID and random bits.
	Owner string
	// LeaseTTL is how long a run's lease lasts between renewals (it is
	// renewed every third of it); zero means DefaultLeaseTTL.
	LeaseTTL time.Duration
	// MaxReportItems caps the failures, conflicts and planned operations
	// listed in a Report or Plan (counts are always exact); zero means
	// DefaultMaxReportItems.
	MaxReportItems int
}

// Defaults of Config.
const (
	DefaultBatchSize      = 100
	DefaultLeaseTTL       = 2 * time.Minute
	DefaultMaxReportItems = 1000
)

// ErrInvalidConfig is wrapped by the *ConfigError that New returns.
var ErrInvalidConfig = errors.New("invalid pipeline config")

// ConfigError lists everything wrong with a Config, each problem naming the
// field.
type ConfigError struct {
	Pipeline string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("sync: pipeline %q: %s: %s", e.Pipeline, ErrInvalidConfig.Error(), strings.Join(e.Problems, "; "))
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// Pipeline is one configured flow between two systems. It satisfies Syncer
// whatever its strategy, and is safe for concurrent use: Push may run while
// Run does.
type Pipeline struct {
	cfg     Config
	fwd     *transform.Mapping // left → right
	inv     *transform.Mapping // right → left (bidirectional only)
	fields  fieldSet           // bidirectional: the left paths merged; one-way: the source paths
	targets fieldSet           // the right paths the mapping writes
	leftDT  string
	rightDT string

	resolver    conflict.Resolver // for runs
	dryResolver conflict.Resolver // for plans
	advice      authority.Advice
	owner       string
	running     atomic.Bool // a Run of this value is in progress (same lease owner)
	clock       Clock
	log         *slog.Logger
	obs         Observer
}

var _ Syncer = (*Pipeline)(nil)

// New validates cfg and returns the pipeline it describes. Every problem is
// reported at once in a *ConfigError.
func New(cfg Config) (*Pipeline, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if strings.TrimSpace(cfg.Name) == "" {
		bad("Name: required")
	}
	if strings.TrimSpace(cfg.DataType) == "" {
		bad("DataType: required")
	}
	switch cfg.Strategy {
	case Push, Pull, Bidirectional:
	case "":
		bad("Strategy: required (push, pull or bidirectional)")
	default:
		bad("Strategy: unknown strategy %q (want push, pull or bidirectional)", cfg.Strategy)
	}
	if cfg.Left.System == "" {
		bad("Left.System: required")
	}
	if cfg.Right.System == "" {
		bad("Right.System: required")
	}
	if cfg.Left.System != "" && cfg.Left.System == cfg.Right.System {
		bad("Left.System and Right.System are both %q: name the two systems apart", cfg.Left.System)
	}
	if cfg.Store == nil {
		bad("Store: required")
	}
	checkAdapters(cfg, bad)

	p := &Pipeline{cfg: cfg}
	if cfg.Mapping == nil {
		bad("Mapping: required")
	} else {
		p.fwd = cfg.Mapping
		if cfg.Strategy == Bidirectional {
			inv, err := cfg.Mapping.Invert()
			if err != nil {
				bad("Mapping: a bidirectional pipeline needs an invertible mapping: %v", oneLine(err))
			} else {
				p.inv = inv
			}
		}
	}
	checkOptions(cfg, bad)

	if cfg.Strategy == Bidirectional {
		switch {
		case cfg.Resolver == nil && cfg.NewResolver == nil:
			bad("Resolver: required for bidirectional pipelines (conflict.NewLatest, conflict.NewAuthority, or NewResolver with conflict.NewManualReview)")
		case cfg.Resolver != nil && cfg.NewResolver != nil:
			bad("Resolver and NewResolver: set one, not both")
		case isManualReview(cfg.Resolver):
			bad("Resolver: a conflict.ManualReview records reviews, which Plan must not do: build it in NewResolver from the recorder it is given")
		case cfg.NewResolver != nil && cfg.Store != nil:
			var err error
			if p.resolver, err = cfg.NewResolver(cfg.Store); err != nil {
				bad("NewResolver: %v", err)
			} else if p.dryResolver, err = cfg.NewResolver(planReviews{}); err != nil {
				bad("NewResolver: %v", err)
			}
			if err == nil && (p.resolver == nil || p.dryResolver == nil) {
				bad("NewResolver: returned a nil resolver")
			}
		default:
			p.resolver, p.dryResolver = cfg.Resolver, cfg.Resolver
		}
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Pipeline: cfg.Name, Problems: problems}
	}

	var err error
	if p.inv != nil {
		p.fields, err = newFieldSet(p.inv.TargetPaths())
	} else {
		p.fields, err = newFieldSet(p.fwd.SourcePaths())
	}
	if err == nil {
		p.targets, err = newFieldSet(p.fwd.TargetPaths())
	}
	switch {
	case err != nil:
		problems = append(problems, "Mapping: "+err.Error())
	case len(p.targets.names) == 0:
		// Every record would be written as an empty one.
		problems = append(problems, "Mapping: maps no field (it has no rule that writes a target field)")
	case p.inv != nil && len(p.fields.names) == 0:
		problems = append(problems, "Mapping: its inverse maps no field back (every rule is one_way): nothing would flow from right to left; use a one-way pipeline")
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Pipeline: cfg.Name, Problems: problems}
	}
	p.leftDT = cmpOr(cfg.Left.DataType, cfg.DataType)
	p.rightDT = cmpOr(cfg.Right.DataType, cfg.DataType)
	if p.cfg.BatchSize == 0 {
		p.cfg.BatchSize = DefaultBatchSize
	}
	if p.cfg.LeaseTTL == 0 {
		p.cfg.LeaseTTL = DefaultLeaseTTL
	}
	if p.cfg.MaxReportItems == 0 {
		p.cfg.MaxReportItems = DefaultMaxReportItems
	}
	if p.cfg.Deletes.Mode == "" {
		p.cfg.Deletes.Mode = DeleteIgnore
	}
	p.clock = cfg.Clock
	if p.clock == nil {
		p.clock = SystemClock()
	}
	p.log = cfg.Logger
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.log = p.log.With("pipeline", cfg.Name)
	p.obs = cfg.Observer
	if p.obs == nil {
		p.obs = ObserverFuncs{}
	}
	p.owner = cfg.Owner
	if p.owner == "" {
		p.owner = randomOwner()
	}
	if cfg.Authority != nil {
		p.advice = cfg.Authority.Advise([]authority.Flow{{
			Pipeline: cfg.Name, DataType: cfg.DataType, Strategy: authority.Strategy(cfg.Strategy),
			Source: cfg.Left.System, Target: cfg.Right.System,
		}})
		for _, a := range p.advice {
			p.log.Warn("sync: authority advice", "kind", a.Kind, "advice", a.Message)
		}
	}
	return p, nil
}

func isManualReview(r conflict.Resolver) bool {
	_, ok := r.(*conflict.ManualReview)
	return ok
}

// oneLine joins a multi-line error (errors.Join) into one line.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func randomOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", cmpOr(host, "host"), os.Getpid(), hex.EncodeToString(b[:]))
}

// Name returns the pipeline's name.
func (p *Pipeline) Name() string { return p.cfg.Name }

// Advice returns the authority table's advice about this pipeline, nil
// when all is well or no table was configured. Warnings, not errors: a
// bidirectional flow where a one-way flow would do still works.
func (p *Pipeline) Advice() authority.Advice { return append(authority.Advice(nil), p.advice...) }

// Description is what the dashboard shows about a pipeline.
type Description struct {
	Name      string        `json:"name"`
	DataType  string        `json:"data_type"`
	Strategy  Strategy      `json:"strategy"`
	Left      string        `json:"left"`  // the left system
	Right     string        `json:"right"` // the right system
	Interval  time.Duration `json:"interval"`
	BatchSize int           `json:"batch_size"`
	Lookback  time.Duration `json:"lookback"`
	Deletes   DeleteMode    `json:"deletes"`
	Mapping   string        `json:"mapping"`
	Retries   bool          `json:"retries"` // a queue holds failed records
	Advice    []string      `json:"advice,omitempty"`
}

// Describe returns the pipeline's description.
func (p *Pipeline) Describe() Description {
	d := Description{
		Name: p.cfg.Name, DataType: p.cfg.DataType, Strategy: p.cfg.Strategy,
		Left: p.cfg.Left.System, Right: p.cfg.Right.System,
		Interval: p.cfg.Interval, BatchSize: p.cfg.BatchSize, Lookback: p.cfg.Lookback,
		Deletes: p.cfg.Deletes.Mode, Mapping: p.fwd.Name(), Retries: p.cfg.Queue != nil,
	}
	for _, a := range p.advice {
		d.Advice = append(d.Advice, a.String())
	}
	return d
}

// side returns the configuration of s.
func (p *Pipeline) side(s store.Side) Side {
	if s == store.Left {
		return p.cfg.Left
	}
	return p.cfg.Right
}

// dataType returns the data type as side s's adapter names it.
func (p *Pipeline) dataType(s store.Side) string {
	if s == store.Left {
		return p.leftDT
	}
	return p.rightDT
}

// other returns the side opposite s.
func other(s store.Side) store.Side {
	if s == store.Left {
		return store.Right
	}
	return store.Left
}
