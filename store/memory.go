package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryOptions tunes a Memory store. The zero value is ready to use.
type MemoryOptions struct {
	// Now is the store's clock (link and review times, lease expiry); nil
	// means time.Now.
	Now func() time.Time
	// KeepRuns is how many runs per pipeline StartRun keeps (see
	// RunPruner); zero means DefaultKeepRuns, negative keeps every run.
	KeepRuns int
}

// Memory is a Store in process memory, for tests and single-process tools:
// nothing survives the process. It behaves exactly as the SQL stores do
// (it passes the same conformance suite), including storing review values
// in their encoded form, so that a value a SQL store would refuse is
// refused here too. It is safe for concurrent use.
type Memory struct {
	now      func() time.Time
	keepRuns int

	mu       sync.Mutex
	cursors  map[cursorKey]string
	links    map[string]*pipelineLinks
	runs     []Run // by ascending ID
	nextRun  int64
	reviews  []memReview // index i holds review ID i+1
	openKeys map[string]int
	leases   map[string]memLease
}

var (
	_ Store     = (*Memory)(nil)
	_ RunPruner = (*Memory)(nil)
)

type cursorKey struct {
	pipeline string
	side     Side
}

type pipelineLinks struct {
	byLeft  map[string]Link
	byRight map[string]string // right ID → left ID
}

type memReview struct {
	key        string
	pipeline   string
	doc        []byte // codec.EncodeReview
	status     ReviewStatus
	created    time.Time
	resolution []byte // codec.EncodeResolution
	applied    time.Time
}

type memLease struct {
	owner   string
	expires time.Time
}

// NewMemory returns an empty Memory store.
func NewMemory(opts *MemoryOptions) *Memory {
	var o MemoryOptions
	if opts != nil {
		o = *opts
	}
	m := &Memory{
		now:      o.Now,
		keepRuns: o.KeepRuns,
		cursors:  make(map[cursorKey]string),
		links:    make(map[string]*pipelineLinks),
		openKeys: make(map[string]int),
		leases:   make(map[string]memLease),
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.keepRuns == 0 {
		m.keepRuns = DefaultKeepRuns
	}
	return m
}

func (m *Memory) clock() time.Time { return Timestamp(m.now()) }

// Cursor implements Store.
func (m *Memory) Cursor(ctx context.Context, pipeline string, side Side) (string, error) {
	if err := CheckPipeline("cursor", pipeline); err != nil {
		return "", err
	}
	if !side.Valid() {
		return "", fmt.Errorf("store: cursor %s: side %q (want left or right)", pipeline, string(side))
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[cursorKey{pipeline, side}], nil
}

// Links implements Store.
func (m *Memory) Links(ctx context.Context, pipeline string, side Side, ids []string) (map[string]Link, error) {
	if err := CheckPipeline("links", pipeline); err != nil {
		return nil, err
	}
	if !side.Valid() {
		return nil, fmt.Errorf("store: links %s: side %q (want left or right)", pipeline, string(side))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]Link, len(ids))
	m.mu.Lock()
	defer m.mu.Unlock()
	pl := m.links[pipeline]
	if pl == nil {
		return out, nil
	}
	for _, id := range ids {
		left := id
		if side == Right {
			var ok bool
			if left, ok = pl.byRight[id]; !ok {
				continue
			}
		}
		if l, ok := pl.byLeft[left]; ok {
			l.Base = slices.Clone(l.Base)
			out[id] = l
		}
	}
	return out, nil
}

// Commit implements Store.
func (m *Memory) Commit(ctx context.Context, cp Checkpoint) error {
	p, err := PrepareCheckpoint(cp)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := m.clock()
	m.mu.Lock()
	defer m.mu.Unlock()

	// Check everything before changing anything.
	pl := m.links[p.Pipeline]
	if pl != nil {
		for _, l := range p.Links {
			holder, ok := pl.byRight[l.RightID]
			if !ok || holder == l.LeftID {
				continue
			}
			// A holder that this checkpoint moves elsewhere frees the right
			// ID below; any other holder is a conflict.
			if _, err := p.CheckHolder(holder, l.RightID); err != nil {
				return err
			}
		}
	}
	for _, id := range p.AppliedReviews {
		r, err := m.reviewLocked("commit "+p.Pipeline, id)
		if err != nil {
			return err
		}
		if r.status == ReviewPending {
			return fmt.Errorf("%w: commit %s: review %s is pending: only a resolved review can be applied", ErrReviewNotResolved, p.Pipeline, id)
		}
	}

	// Apply.
	if len(p.Links) > 0 && pl == nil {
		pl = &pipelineLinks{byLeft: make(map[string]Link), byRight: make(map[string]string)}
		m.links[p.Pipeline] = pl
	}
	// Free the right IDs of every link the checkpoint rewrites first, so
	// that links may trade right IDs within one checkpoint.
	for _, l := range p.Links {
		if old, ok := pl.byLeft[l.LeftID]; ok && pl.byRight[old.RightID] == l.LeftID {
			delete(pl.byRight, old.RightID)
		}
	}
	for _, l := range p.Links {
		l.Base = slices.Clone(l.Base)
		l.LeftModified, l.RightModified = Timestamp(l.LeftModified), Timestamp(l.RightModified)
		l.UpdatedAt = now
		pl.byLeft[l.LeftID] = l
		pl.byRight[l.RightID] = l.LeftID
	}
	for _, c := range p.Cursors {
		m.cursors[cursorKey{p.Pipeline, c.Side}] = c.Cursor
	}
	for _, id := range p.AppliedReviews {
		r, _ := m.reviewLocked("", id)
		if r.status == ReviewResolved {
			r.status, r.applied = ReviewApplied, now
			delete(m.openKeys, r.key)
		}
	}
	return nil
}

// StartRun implements Store.
func (m *Memory) StartRun(ctx context.Context, pipeline string, started time.Time, dryRun bool) (int64, error) {
	if err := CheckPipeline("start run", pipeline); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if started.IsZero() {
		started = m.now()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !dryRun {
		for i := range m.runs {
			if r := &m.runs[i]; r.Pipeline == pipeline && r.Status == RunRunning && !r.DryRun {
				r.Status, r.Finished, r.Error = RunFailed, Timestamp(started), ErrInterruptedRun.Error()
			}
		}
	}
	m.nextRun++
	m.runs = append(m.runs, Run{ID: m.nextRun, Pipeline: pipeline, Started: Timestamp(started), Status: RunRunning, DryRun: dryRun})
	if m.keepRuns > 0 {
		m.pruneLocked(m.keepRuns, pipeline)
	}
	return m.nextRun, nil
}

// FinishRun implements Store.
func (m *Memory) FinishRun(ctx context.Context, r Run) error {
	if err := ValidateFinish(r); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.Finished.IsZero() {
		r.Finished = m.now()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := slices.BinarySearchFunc(m.runs, r.ID, func(x Run, id int64) int { return cmpInt64(x.ID, id) })
	if !ok || (r.Pipeline != "" && m.runs[i].Pipeline != r.Pipeline) {
		return fmt.Errorf("%w: finish run %d of pipeline %q", ErrNotFound, r.ID, r.Pipeline)
	}
	cur := &m.runs[i]
	cur.Finished, cur.Status, cur.Counts, cur.Error = Timestamp(r.Finished), r.Status, r.Counts, r.Error
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Runs implements Store.
func (m *Memory) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	limit, err := RunLimit(f)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	var out []Run
	for _, r := range m.runs {
		if f.Pipeline == "" || r.Pipeline == f.Pipeline {
			out = append(out, r)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, newestFirst)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// newestFirst orders runs by Started, then ID, descending.
func newestFirst(a, b Run) int {
	if c := b.Started.Compare(a.Started); c != 0 {
		return c
	}
	return cmpInt64(b.ID, a.ID)
}

// LastSuccess implements Store.
func (m *Memory) LastSuccess(ctx context.Context, pipeline string) (time.Time, error) {
	if err := CheckPipeline("last success", pipeline); err != nil {
		return time.Time{}, err
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var last time.Time
	for _, r := range m.runs {
		if r.Pipeline == pipeline && counts(r) && r.Finished.After(last) {
			last = r.Finished
		}
	}
	return last, nil
}

// counts reports whether r is a success that LastSuccess reports.
func counts(r Run) bool {
	return !r.DryRun && (r.Status == RunSucceeded || r.Status == RunPartial)
}

// PruneRuns implements RunPruner.
func (m *Memory) PruneRuns(ctx context.Context, keepPerPipeline int) (int, error) {
	if err := ValidatePrune(keepPerPipeline); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pruneLocked(keepPerPipeline, ""), nil
}

// pruneLocked keeps the keep newest runs of each pipeline (of only
// pipeline, when not empty) and each pipeline's latest success.
func (m *Memory) pruneLocked(keep int, pipeline string) int {
	byPipeline := make(map[string][]Run)
	for _, r := range m.runs {
		if pipeline == "" || r.Pipeline == pipeline {
			byPipeline[r.Pipeline] = append(byPipeline[r.Pipeline], r)
		}
	}
	drop := make(map[int64]bool)
	for _, runs := range byPipeline {
		if len(runs) <= keep {
			continue
		}
		var best Run // the latest success, by Finished then ID
		for _, r := range runs {
			if counts(r) && (best.ID == 0 || r.Finished.After(best.Finished) || (r.Finished.Equal(best.Finished) && r.ID > best.ID)) {
				best = r
			}
		}
		slices.SortFunc(runs, newestFirst)
		for _, r := range runs[keep:] {
			if r.ID != best.ID {
				drop[r.ID] = true
			}
		}
	}
	if len(drop) == 0 {
		return 0
	}
	m.runs = slices.DeleteFunc(m.runs, func(r Run) bool { return drop[r.ID] })
	return len(drop)
}

// AcquireLease implements Store.
func (m *Memory) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if err := ValidateLease(name, owner, ttl); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := m.clock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[name]; ok && l.owner != owner && now.Before(l.expires) {
		return false, nil
	}
	m.leases[name] = memLease{owner: owner, expires: Timestamp(now.Add(ttl))}
	return true, nil
}

// ReleaseLease implements Store.
func (m *Memory) ReleaseLease(ctx context.Context, name, owner string) error {
	if name == "" || owner == "" {
		return fmt.Errorf("store: release lease: name and owner must not be empty")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[name]; ok && l.owner == owner {
		delete(m.leases, name)
	}
	return nil
}
