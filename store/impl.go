package store

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file holds what implementations of Store share, so that every store
// (Memory, package sqlstore, and stores users write for other databases)
// accepts and refuses the same arguments with the same errors.

// DefaultKeepRuns is how many runs per pipeline zohokit's stores keep when
// their options leave the number zero.
const DefaultKeepRuns = 1000

// Valid reports whether s is Left or Right.
func (s Side) Valid() bool { return s == Left || s == Right }

// PreparedCheckpoint is a Checkpoint validated and normalised by
// PrepareCheckpoint, ready for a store to apply.
type PreparedCheckpoint struct {
	Pipeline string
	// Links holds one link per LeftID (the last given), ordered by LeftID
	// (so that concurrent commits lock rows in the same order), each with
	// Pipeline set and an empty Base made nil.
	Links []Link
	// Cursors are the cursors to set, Left before Right.
	Cursors []SideCursor
	// AppliedReviews are the distinct review IDs, in the order given.
	AppliedReviews []string

	byLeft map[string]int // index in Links by LeftID
}

// SideCursor is one cursor of a PreparedCheckpoint.
type SideCursor struct {
	Side   Side
	Cursor string
}

// PrepareCheckpoint validates cp and normalises it: links deduplicated by
// LeftID (the last wins); two links with the same RightID fail with
// ErrConflictingLink. It reads no stored state: checking the links against
// stored ones (CheckHolder) is the store's part.
func PrepareCheckpoint(cp Checkpoint) (PreparedCheckpoint, error) {
	if cp.Pipeline == "" {
		return PreparedCheckpoint{}, fmt.Errorf("store: commit: Checkpoint.Pipeline is empty")
	}
	p := PreparedCheckpoint{Pipeline: cp.Pipeline, byLeft: make(map[string]int, len(cp.Links))}
	for i, l := range cp.Links {
		switch {
		case l.Pipeline != "" && l.Pipeline != cp.Pipeline:
			return PreparedCheckpoint{}, fmt.Errorf("store: commit %s: Links[%d].Pipeline is %q, not the checkpoint's", cp.Pipeline, i, l.Pipeline)
		case l.LeftID == "":
			return PreparedCheckpoint{}, fmt.Errorf("store: commit %s: Links[%d].LeftID is empty", cp.Pipeline, i)
		case l.RightID == "":
			return PreparedCheckpoint{}, fmt.Errorf("store: commit %s: Links[%d].RightID is empty", cp.Pipeline, i)
		}
		l.Pipeline = cp.Pipeline
		if len(l.Base) == 0 {
			l.Base = nil
		}
		if j, ok := p.byLeft[l.LeftID]; ok {
			p.Links[j] = l
			continue
		}
		p.byLeft[l.LeftID] = len(p.Links)
		p.Links = append(p.Links, l)
	}
	byRight := make(map[string]string, len(p.Links))
	for _, l := range p.Links {
		if other, ok := byRight[l.RightID]; ok {
			return PreparedCheckpoint{}, fmt.Errorf("%w: commit %s: left IDs %q and %q both link to right ID %q",
				ErrConflictingLink, cp.Pipeline, other, l.LeftID, l.RightID)
		}
		byRight[l.RightID] = l.LeftID
	}
	slices.SortFunc(p.Links, func(a, b Link) int { return strings.Compare(a.LeftID, b.LeftID) })
	for i, l := range p.Links {
		p.byLeft[l.LeftID] = i
	}
	for side := range cp.Cursors {
		if !side.Valid() {
			return PreparedCheckpoint{}, fmt.Errorf("store: commit %s: Cursors has side %q (want left or right)", cp.Pipeline, string(side))
		}
	}
	for _, side := range []Side{Left, Right} {
		if c, ok := cp.Cursors[side]; ok {
			p.Cursors = append(p.Cursors, SideCursor{Side: side, Cursor: c})
		}
	}
	seen := make(map[string]bool, len(cp.AppliedReviews))
	for i, id := range cp.AppliedReviews {
		if id == "" {
			return PreparedCheckpoint{}, fmt.Errorf("store: commit %s: AppliedReviews[%d] is empty", cp.Pipeline, i)
		}
		if !seen[id] {
			seen[id] = true
			p.AppliedReviews = append(p.AppliedReviews, id)
		}
	}
	return p, nil
}

// RightIDs returns the RightIDs of p's links.
func (p PreparedCheckpoint) RightIDs() []string {
	ids := make([]string, len(p.Links))
	for i, l := range p.Links {
		ids[i] = l.RightID
	}
	return ids
}

// LeftIDs returns the LeftIDs of p's links, in order.
func (p PreparedCheckpoint) LeftIDs() []string {
	ids := make([]string, len(p.Links))
	for i, l := range p.Links {
		ids[i] = l.LeftID
	}
	return ids
}

// CheckHolder judges a stored link (leftID, rightID) whose rightID is one
// that p links. It returns moved=false, nil when p keeps that pairing (an
// update); moved=true when p moves leftID to another RightID, so that the
// stored link must give rightID up before p's links are written; and an
// ErrConflictingLink error when the stored link keeps rightID while p links
// it to another left ID.
func (p PreparedCheckpoint) CheckHolder(leftID, rightID string) (moved bool, err error) {
	if j, ok := p.byLeft[leftID]; ok {
		return p.Links[j].RightID != rightID, nil
	}
	claimant := ""
	for _, l := range p.Links {
		if l.RightID == rightID {
			claimant = l.LeftID
			break
		}
	}
	return false, fmt.Errorf("%w: commit %s: right ID %q is linked to left ID %q, so left ID %q cannot link to it",
		ErrConflictingLink, p.Pipeline, rightID, leftID, claimant)
}

// ValidateFinish checks the run that FinishRun records.
func ValidateFinish(r Run) error {
	switch r.Status {
	case RunSucceeded, RunPartial, RunFailed:
	case RunRunning:
		return fmt.Errorf("store: finish run %d: Status is running (want succeeded, partial or failed)", r.ID)
	default:
		return fmt.Errorf("store: finish run %d: Status %q is not a run status (want succeeded, partial or failed)", r.ID, string(r.Status))
	}
	c := r.Counts
	for _, f := range []struct {
		name string
		n    int
	}{{"Read", c.Read}, {"Created", c.Created}, {"Updated", c.Updated}, {"Deleted", c.Deleted},
		{"Unchanged", c.Unchanged}, {"Conflicted", c.Conflicted}, {"Failed", c.Failed}} {
		if f.n < 0 {
			return fmt.Errorf("store: finish run %d: Counts.%s is negative (%d)", r.ID, f.name, f.n)
		}
	}
	return nil
}

// RunLimit returns f's limit with the default (50) applied.
func RunLimit(f RunFilter) (int, error) {
	switch {
	case f.Limit < 0:
		return 0, fmt.Errorf("store: runs: RunFilter.Limit is negative (%d)", f.Limit)
	case f.Limit == 0:
		return 50, nil
	}
	return f.Limit, nil
}

// ReviewLimit checks f's statuses and returns its limit with the default
// (100) applied.
func ReviewLimit(f ReviewFilter) (int, error) {
	for i, s := range f.Status {
		switch s {
		case ReviewPending, ReviewResolved, ReviewApplied:
		default:
			return 0, fmt.Errorf("store: reviews: ReviewFilter.Status[%d] %q is not a review status (want pending, resolved or applied)", i, string(s))
		}
	}
	switch {
	case f.Limit < 0:
		return 0, fmt.Errorf("store: reviews: ReviewFilter.Limit is negative (%d)", f.Limit)
	case f.Limit == 0:
		return 100, nil
	}
	return f.Limit, nil
}

// ValidateLease checks AcquireLease's arguments.
func ValidateLease(name, owner string, ttl time.Duration) error {
	switch {
	case name == "":
		return fmt.Errorf("store: lease: name is empty")
	case owner == "":
		return fmt.Errorf("store: lease %s: owner is empty", name)
	case ttl <= 0:
		return fmt.Errorf("store: lease %s: ttl must be positive, got %v", name, ttl)
	}
	return nil
}

// ValidatePrune checks PruneRuns' argument.
func ValidatePrune(keepPerPipeline int) error {
	if keepPerPipeline < 0 {
		return fmt.Errorf("store: prune runs: keepPerPipeline is negative (%d)", keepPerPipeline)
	}
	return nil
}

// Timestamp returns t as stores keep it: UTC, to the microsecond, without a
// monotonic clock reading; the zero time stays zero.
func Timestamp(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// CheckPipeline returns an error naming op when pipeline is empty.
func CheckPipeline(op, pipeline string) error {
	if pipeline == "" {
		return fmt.Errorf("store: %s: pipeline is empty", op)
	}
	return nil
}
