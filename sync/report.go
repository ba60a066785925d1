package sync

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
)

// Syncer is what every strategy satisfies: one pass of a pipeline, for real
// or as a dry run. Users schedule, test and compose Syncers.
type Syncer interface {
	// Run reads, decides, writes and checkpoints once.
	Run(ctx context.Context) (Report, error)
	// Plan does the same pass without writing anything anywhere (no
	// writes to either system, no cursor, link, review or run recorded).
	Plan(ctx context.Context) (Plan, error)
}

// Outcome is what happened to one record.
type Outcome string

// The outcomes.
const (
	OutcomeCreated   Outcome = "created"
	OutcomeUpdated   Outcome = "updated"
	OutcomeDeleted   Outcome = "deleted"
	OutcomeUnchanged Outcome = "unchanged" // read, and nothing to write
	OutcomeEcho      Outcome = "echo"      // read, and it is what we last wrote: dropped
	OutcomeSkipped   Outcome = "skipped"   // filtered out, tombstoned, a delete of an unlinked record, or a record this pipeline created and has not linked yet
	OutcomeFailed    Outcome = "failed"
)

// Report is the outcome of a Run, a Push or a retry. Counts are exact; the
// lists hold at most Config.MaxReportItems entries each (Omitted counts the
// rest).
type Report struct {
	Pipeline string
	Strategy Strategy
	// RunID is the store's ID of the run; zero for pushes and retries.
	RunID    int64
	Started  time.Time
	Finished time.Time
	// Status is succeeded, partial (some records failed) or failed (the
	// run stopped early; Error says why).
	Status store.RunStatus
	// Counts tally records: Read counts changes read; Created, Updated and
	// Deleted count writes on either side; Unchanged counts records read
	// and left alone (including echoes); Conflicted counts conflicting
	// fields; Failed counts failed records.
	Counts store.Counts
	// Echoes counts changes recognised as our own writes coming back.
	Echoes int
	// Skipped counts records filtered out, on tombstoned links, deleted
	// without a link, or created by this pipeline and not linked yet (see
	// KeyFrom; the Warnings name those still unlinked at the end of a run).
	Skipped int
	// Parked counts failed records handed to the queue for retry.
	Parked int
	// Failures lists failed records with their reasons.
	Failures []Failure
	// Conflicts lists conflicting fields with their decisions.
	Conflicts []ConflictReport
	// Warnings are things a person should know that did not fail the run.
	Warnings []string
	// Omitted counts failures and conflicts left out of the lists.
	Omitted int
	// Cursors holds the cursors the run committed, by side.
	Cursors map[store.Side]Cursor
	// Error is the run's error when it stopped early.
	Error string
}

// Failure is a record that could not be synced.
type Failure struct {
	// Side is the side the record was to be written to.
	Side store.Side
	// SourceID is the record's ID on the other side (where it was read).
	SourceID string
	// TargetID is the ID of the record written to; empty for creates.
	TargetID string
	// Op is the write that failed; empty when the record failed before any
	// write (its mapping, the resolver).
	Op OpKind
	// Reason is the error's text.
	Reason string
	// Err is the error itself, for errors.Is and errors.As (a Zoho
	// rate-limit error's wait, say); not kept in the store.
	Err error `json:"-"`
	// Retryable tells whether the error was worth retrying (IsRetryable).
	Retryable bool
	// JobID is the queue job that holds the record for retry; zero when it
	// was not parked (no queue: the cursor stopped before it instead).
	JobID int64
}

func (f Failure) String() string {
	op := string(f.Op)
	if op == "" {
		op = "sync"
	}
	s := fmt.Sprintf("%s %s (from %s) on %s: %s", op, cmpOr(f.TargetID, "new record"), f.SourceID, f.Side, f.Reason)
	if f.JobID != 0 {
		s += fmt.Sprintf(" [parked as job %d]", f.JobID)
	}
	return s
}

// ConflictReport is one conflicting field and what was decided. It holds
// the field's values, which may be personal data: show it to the people who
// may see both systems.
type ConflictReport struct {
	Conflict conflict.Conflict
	// Decision is the resolver's decision. Action Hold means the field was
	// left as it is on both sides (a review is pending: Decision.ReviewID);
	// Abstain means no resolver decided and the field was held without a
	// review (Decision.Reason says why).
	Decision conflict.Decision
}

// tally accumulates what a run or a plan did.
type tally struct {
	limit     int
	counts    store.Counts
	echoes    int
	skipped   int
	parked    int
	omitted   int
	failures  []Failure
	conflicts []ConflictReport
	warnings  []string
	ops       []PlannedOp
	skips     []PlannedSkip
	cursors   map[store.Side]Cursor
}

func (t *tally) fail(f Failure) {
	t.counts.Failed++
	if f.JobID != 0 {
		t.parked++
	}
	if len(t.failures) < t.limit {
		t.failures = append(t.failures, f)
	} else {
		t.omitted++
	}
}

func (t *tally) conflict(c ConflictReport) {
	t.counts.Conflicted++
	if len(t.conflicts) < t.limit {
		t.conflicts = append(t.conflicts, c)
	} else {
		t.omitted++
	}
}

func (t *tally) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, w := range t.warnings {
		if w == msg {
			return
		}
	}
	if len(t.warnings) < t.limit {
		t.warnings = append(t.warnings, msg)
	}
}

func (t *tally) plannedOp(op PlannedOp) {
	if len(t.ops) < t.limit {
		t.ops = append(t.ops, op)
	} else {
		t.omitted++
	}
}

func (t *tally) plannedSkip(s PlannedSkip) {
	if len(t.skips) < t.limit {
		t.skips = append(t.skips, s)
	} else {
		t.omitted++
	}
}

// report builds the Report of a run.
func (t *tally) report(p *Pipeline, runID int64, started, finished time.Time, err error) Report {
	r := Report{
		Pipeline: p.cfg.Name, Strategy: p.cfg.Strategy, RunID: runID,
		Started: started, Finished: finished,
		Counts: t.counts, Echoes: t.echoes, Skipped: t.skipped, Parked: t.parked,
		Failures: t.failures, Conflicts: t.conflicts, Warnings: t.warnings, Omitted: t.omitted,
		Cursors: t.cursors,
	}
	switch {
	case err != nil:
		r.Status = store.RunFailed
		r.Error = err.Error()
	case t.counts.Failed > 0:
		r.Status = store.RunPartial
		r.Error = fmt.Sprintf("%d record(s) failed", t.counts.Failed)
		if len(t.failures) > 0 {
			r.Error += "; first: " + t.failures[0].String()
		}
	default:
		r.Status = store.RunSucceeded
	}
	return r
}

// String summarises the report in one line.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s: read %d, created %d, updated %d, deleted %d, unchanged %d (echoes %d), skipped %d, conflicts %d, failed %d (parked %d)",
		r.Strategy, r.Pipeline, r.Status, r.Counts.Read, r.Counts.Created, r.Counts.Updated, r.Counts.Deleted,
		r.Counts.Unchanged, r.Echoes, r.Skipped, r.Counts.Conflicted, r.Counts.Failed, r.Parked)
	if r.Error != "" && r.Status == store.RunFailed {
		fmt.Fprintf(&b, ": %s", r.Error)
	}
	return b.String()
}
