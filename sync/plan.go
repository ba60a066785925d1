package sync

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
)

// Plan is what a pass would do, computed without writing (Pipeline.Plan).
// Its operations are the ones Run would make from the same state, in the
// same order, and its counts of writes, conflicts and failures are Run's. A
// bidirectional Run also reads back, as echoes, the records it wrote to one
// side before reading that side's changes, so its Read and Unchanged counts
// are higher than the plan's. The lists hold at most Config.MaxReportItems
// entries each (Omitted counts the rest).
type Plan struct {
	Pipeline string
	Strategy Strategy
	// Counts: Created, Updated and Deleted count planned writes on either
	// side, Conflicted the conflicting fields, Failed the records that would
	// fail before any write (their mapping), Unchanged the records left
	// alone.
	Counts store.Counts
	// Ops are the writes, in the order Run would make them.
	Ops []PlannedOp
	// Conflicts are the conflicting fields with the resolver's decisions
	// (Hold from a ManualReview built through NewResolver: "would hold",
	// with no review recorded).
	Conflicts []ConflictReport
	// Skipped are the records read and left alone: unchanged, echoes,
	// filtered out, tombstoned, created by this pipeline and not linked
	// yet.
	Skipped []PlannedSkip
	// Failures are records that would fail before any write.
	Failures []Failure
	Warnings []string
	Omitted  int
}

// PlannedOp is one write a pass would make.
type PlannedOp struct {
	// Side is the side written.
	Side store.Side
	// SourceID is the record on the other side the write comes from.
	SourceID string
	// Op is the write as the Sink would receive it (Fields in the written
	// side's names).
	Op Op
}

// PlannedSkip is a record a pass would read and leave alone.
type PlannedSkip struct {
	Side    store.Side // the side it was read on
	ID      string
	Outcome Outcome // unchanged, echo or skipped
	Reason  string
}

// plan builds the Plan of a dry run.
func (r *run) plan() Plan {
	t := &r.t
	return Plan{
		Pipeline: r.p.cfg.Name, Strategy: r.p.cfg.Strategy, Counts: t.counts,
		Ops: t.ops, Conflicts: t.conflicts, Skipped: t.skips, Failures: t.failures,
		Warnings: t.warnings, Omitted: t.omitted,
	}
}

// String renders the plan for a person: counts, then one line per
// operation and conflict.
func (pl Plan) String() string {
	var b strings.Builder
	c := pl.Counts
	fmt.Fprintf(&b, "plan for %s (%s): read %d; create %d, update %d, delete %d; unchanged %d; conflicts %d; failures %d\n",
		pl.Pipeline, pl.Strategy, c.Read, c.Created, c.Updated, c.Deleted, c.Unchanged, c.Conflicted, c.Failed)
	for _, op := range pl.Ops {
		fmt.Fprintf(&b, "  %s %s", op.Op.Kind, op.Side)
		if op.Op.ID != "" {
			fmt.Fprintf(&b, " %s", op.Op.ID)
		}
		fmt.Fprintf(&b, " (from %s)", op.SourceID)
		if len(op.Op.Fields) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(slices.Sorted(maps.Keys(op.Op.Fields)), ", "))
		}
		b.WriteString("\n")
	}
	for _, cr := range pl.Conflicts {
		fmt.Fprintf(&b, "  conflict %s: %s (%s)\n", cr.Conflict, cr.Decision.Action, cr.Decision.Reason)
	}
	for _, f := range pl.Failures {
		fmt.Fprintf(&b, "  fail %s\n", f)
	}
	for _, w := range pl.Warnings {
		fmt.Fprintf(&b, "  warning: %s\n", w)
	}
	if pl.Omitted > 0 {
		fmt.Fprintf(&b, "  (%d more items omitted)\n", pl.Omitted)
	}
	return b.String()
}

// PlanReviewID is the review ID a plan reports for a conflict that a
// ManualReview would hold: no review is recorded during a plan.
const PlanReviewID = "would-hold"

// planReviews is the review recorder resolvers built with NewResolver get
// for plans: it records nothing.
type planReviews struct{}

func (planReviews) RecordReview(context.Context, conflict.Review) (string, error) {
	return PlanReviewID, nil
}
