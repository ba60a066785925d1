package queue

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// The operations a dashboard uses: listing, requeueing and purging dead
// jobs, and counting.

// Dead implements Queue.
func (m *Memory) Dead(ctx context.Context, f DeadFilter) ([]Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("queue: list dead jobs: %w", err)
	}
	if f.Limit < 0 {
		return nil, fmt.Errorf("queue: list dead jobs: DeadFilter.Limit is %d, must not be negative", f.Limit)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	m.mu.Lock()
	var found []*memJob
	for id, mj := range m.dead {
		if id > f.AfterID && (f.Kind == "" || mj.job.Kind == f.Kind) {
			found = append(found, mj)
		}
	}
	slices.SortFunc(found, func(a, b *memJob) int { return cmp.Compare(a.job.ID, b.job.ID) })
	found = found[:min(limit, len(found))]
	out := make([]Job, len(found))
	for i, mj := range found {
		out[i] = mj.copy()
	}
	m.mu.Unlock()
	return out, nil
}

// Requeue implements Queue.
func (m *Memory) Requeue(ctx context.Context, ids ...int64) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("queue: requeue: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	n := 0
	for _, id := range ids {
		mj, ok := m.dead[id]
		if !ok {
			continue
		}
		delete(m.dead, id)
		k := m.kinds[mj.job.Kind]
		k.dead--
		mj.job.State = StateAvailable
		mj.job.Attempt = 0 // the ClaimToken keeps counting, so no stale claim matches again
		mj.job.RunAt = now
		mj.job.UpdatedAt = now
		k.avail.add(mj)
		n++
	}
	if n > 0 {
		m.signalLocked()
	}
	return n, nil
}

// PurgeDead implements Queue.
func (m *Memory) PurgeDead(ctx context.Context, ids ...int64) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("queue: purge dead jobs: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(ids) == 0 {
		ids = make([]int64, 0, len(m.dead))
		for id := range m.dead {
			ids = append(ids, id)
		}
	}
	n := 0
	for _, id := range ids {
		mj, ok := m.dead[id]
		if !ok {
			continue
		}
		delete(m.dead, id)
		m.kinds[mj.job.Kind].dead--
		m.forgetLocked(mj)
		n++
	}
	return n, nil
}

// Stats implements Queue.
func (m *Memory) Stats(ctx context.Context) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	st := Stats{Kinds: make(map[string]KindStats)}
	for name, k := range m.kinds {
		ks := KindStats{Running: k.running, Dead: k.dead}
		for _, mj := range k.avail.items {
			switch {
			case mj.job.State == StateRunning: // lease ended; counted in running
			case mj.job.RunAt.After(now):
				ks.Scheduled++
			default:
				ks.Ready++
				if ks.OldestReady.IsZero() || mj.job.RunAt.Before(ks.OldestReady) {
					ks.OldestReady = mj.job.RunAt
				}
			}
		}
		if ks != (KindStats{}) {
			st.Kinds[name] = ks
		}
	}
	return st, nil
}
