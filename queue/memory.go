package queue

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DefaultRetention is how long Memory keeps completed jobs that have a Key,
// so that the key still dedups, when MemoryOptions.Retention is zero.
const DefaultRetention = 24 * time.Hour

// MemoryOptions configures NewMemory. The zero value is valid.
type MemoryOptions struct {
	// Now is the clock; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
	// Retention is how long completed jobs with a Key are kept so that the
	// key still dedups; zero means DefaultRetention, negative is an error.
	// Completed jobs past their retention, and completed jobs without a Key
	// at once, are deleted as the queue is used.
	Retention time.Duration
}

// Memory is a Queue held in process memory: for tests, and for a single
// process that can afford to lose its queue when it stops. It is safe for
// concurrent use.
//
// Claims cost O(log n) in the number of jobs of the claimed kinds; Stats and
// Dead scan the jobs they report on.
//
// It implements Notifier, signalling when jobs become ready through Enqueue,
// Fail with a retry time already passed, Requeue or Release; jobs that come
// due later (a future RunAt, a lapsed lease) are found by the Worker's poll
// and its own retry wake-ups. It implements Releaser.
type Memory struct {
	now       func() time.Time
	retention time.Duration

	mu        sync.Mutex
	nextID    int64
	jobs      map[int64]*memJob
	keys      map[string]*memJob
	kinds     map[string]*memKind
	leases    *jobHeap // running jobs whose lease has not been seen to end, by LeaseUntil
	completed *jobHeap // completed jobs, by completion time
	dead      map[int64]*memJob
	subs      map[*memSub]struct{}
}

// memKind is one kind's claimable jobs and counters.
type memKind struct {
	avail   *jobHeap // available jobs, and running ones whose lease ended, by RunAt
	running int
	dead    int
}

type memSub struct {
	ch   chan struct{}
	once sync.Once
}

var (
	_ Queue    = (*Memory)(nil)
	_ Notifier = (*Memory)(nil)
	_ Releaser = (*Memory)(nil)
)

// NewMemory returns an empty in-memory queue; opts may be nil.
func NewMemory(opts *MemoryOptions) (*Memory, error) {
	var o MemoryOptions
	if opts != nil {
		o = *opts
	}
	if o.Retention < 0 {
		return nil, fmt.Errorf("queue: MemoryOptions.Retention is %s, must not be negative", o.Retention)
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Memory{
		now:       o.Now,
		retention: o.Retention,
		jobs:      make(map[int64]*memJob),
		keys:      make(map[string]*memJob),
		kinds:     make(map[string]*memKind),
		leases:    newJobHeap(byLeaseUntil),
		completed: newJobHeap(byUpdatedAt),
		dead:      make(map[int64]*memJob),
		subs:      make(map[*memSub]struct{}),
	}, nil
}

// Enqueue implements Queue.
func (m *Memory) Enqueue(ctx context.Context, jobs ...Job) ([]EnqueueResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("queue: enqueue: %w", err)
	}
	for i := range jobs {
		if problem := validateJob(&jobs[i]); problem != "" {
			return nil, fmt.Errorf("%w: jobs[%d]: %s", ErrInvalidJob, i, problem)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.purgeCompletedLocked(now)
	res := make([]EnqueueResult, len(jobs))
	added := false
	for i, in := range jobs {
		if in.Key != "" {
			if held, ok := m.keys[in.Key]; ok {
				res[i] = EnqueueResult{ID: held.job.ID, Duplicate: true}
				continue
			}
		}
		m.nextID++
		j := Job{
			ID:          m.nextID,
			Kind:        in.Kind,
			Payload:     bytes.Clone(in.Payload),
			Key:         in.Key,
			RunAt:       in.RunAt,
			MaxAttempts: in.MaxAttempts,
			State:       StateAvailable,
			CreatedAt:   now,
			UpdatedAt:   now,
		}
		if j.RunAt.IsZero() {
			j.RunAt = now
		}
		if j.MaxAttempts == 0 {
			j.MaxAttempts = DefaultMaxAttempts
		}
		mj := &memJob{job: j, idx: -1}
		m.jobs[j.ID] = mj
		if j.Key != "" {
			m.keys[j.Key] = mj
		}
		m.kind(j.Kind).avail.add(mj)
		res[i] = EnqueueResult{ID: j.ID}
		added = true
	}
	if added {
		m.signalLocked()
	}
	return res, nil
}

// validateJob returns what is wrong with a job given to Enqueue, naming the
// field, or "" when nothing is.
func validateJob(j *Job) string {
	if j.Kind == "" {
		return "Kind is empty"
	}
	if j.MaxAttempts < 0 {
		return fmt.Sprintf("MaxAttempts is %d, must not be negative", j.MaxAttempts)
	}
	return ""
}

// Claim implements Queue.
func (m *Memory) Claim(ctx context.Context, n int, opts ClaimOptions) ([]Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("queue: claim: %w", err)
	}
	if n < 1 {
		return nil, fmt.Errorf("queue: claim: n is %d, must be at least 1", n)
	}
	if opts.Lease < 0 {
		return nil, fmt.Errorf("queue: claim: ClaimOptions.Lease is %s, must not be negative", opts.Lease)
	}
	lease := opts.Lease
	if lease == 0 {
		lease = DefaultLease
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	// Running jobs whose lease ended are claimable again, in RunAt order.
	for top := m.leases.top(); top != nil && !top.job.LeaseUntil.After(now); top = m.leases.top() {
		remove(top)
		m.kinds[top.job.Kind].avail.add(top)
	}
	var candidates []*memKind
	if len(opts.Kinds) == 0 {
		for _, k := range m.kinds {
			candidates = append(candidates, k)
		}
	} else {
		for i, name := range opts.Kinds {
			if k, ok := m.kinds[name]; ok && !slices.Contains(opts.Kinds[:i], name) {
				candidates = append(candidates, k)
			}
		}
	}
	out := make([]Job, 0, min(n, 128))
	for len(out) < n {
		var best *memJob
		var bestKind *memKind
		for _, k := range candidates {
			top := k.avail.top()
			if top == nil || top.job.RunAt.After(now) {
				continue
			}
			if best == nil || byRunAt(&top.job, &best.job) {
				best, bestKind = top, k
			}
		}
		if best == nil {
			break
		}
		remove(best)
		if best.job.State != StateRunning {
			bestKind.running++
		}
		best.job.State = StateRunning
		best.job.Attempt++
		best.job.ClaimToken++ // never reset: unique per claim for the job's life
		best.job.LeaseUntil = now.Add(lease)
		best.job.UpdatedAt = now
		m.leases.add(best)
		out = append(out, best.copy())
	}
	return out, nil
}

// Extend implements Queue.
func (m *Memory) Extend(ctx context.Context, j Job, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("queue: extend job %d: %w", j.ID, err)
	}
	if lease <= 0 {
		return fmt.Errorf("queue: extend job %d: lease is %s, must be positive", j.ID, lease)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.heldLocked("extend", j)
	if err != nil {
		return err
	}
	now := m.now()
	mj.job.LeaseUntil = now.Add(lease)
	mj.job.UpdatedAt = now
	if mj.h == m.leases {
		fix(mj)
	} else { // its lease had ended: back from the claimable jobs
		remove(mj)
		m.leases.add(mj)
	}
	return nil
}

// Complete implements Queue.
func (m *Memory) Complete(ctx context.Context, j Job) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("queue: complete job %d: %w", j.ID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.heldLocked("complete", j)
	if err != nil {
		return err
	}
	now := m.now()
	m.unclaimLocked(mj, now)
	mj.job.State = StateCompleted
	if mj.job.Key == "" {
		// Nothing can observe a completed job without a key: drop it now.
		m.forgetLocked(mj)
	} else {
		m.completed.add(mj)
		m.dropKindIfEmptyLocked(mj.job.Kind)
	}
	m.purgeCompletedLocked(now)
	return nil
}

// Fail implements Queue.
func (m *Memory) Fail(ctx context.Context, j Job, cause error, retryAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("queue: fail job %d: %w", j.ID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.heldLocked("fail", j)
	if err != nil {
		return err
	}
	now := m.now()
	m.unclaimLocked(mj, now)
	mj.job.LastError = ""
	if cause != nil {
		mj.job.LastError = cause.Error()
	}
	if retryAt.IsZero() || mj.job.Attempt >= mj.job.MaxAttempts {
		mj.job.State = StateDead
		m.dead[mj.job.ID] = mj
		m.kinds[mj.job.Kind].dead++
		return nil
	}
	mj.job.State = StateAvailable
	mj.job.RunAt = retryAt
	m.kinds[mj.job.Kind].avail.add(mj)
	if !retryAt.After(now) {
		m.signalLocked()
	}
	return nil
}

// Release implements Releaser.
func (m *Memory) Release(ctx context.Context, j Job) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("queue: release job %d: %w", j.ID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.heldLocked("release", j)
	if err != nil {
		return err
	}
	m.unclaimLocked(mj, m.now())
	mj.job.State = StateAvailable
	mj.job.Attempt-- // the attempt is given back; the ClaimToken is not
	m.kinds[mj.job.Kind].avail.add(mj)
	m.signalLocked()
	return nil
}

// heldLocked returns the job if j is its current claim, else ErrLeaseLost.
// The fence is the ClaimToken, which no two claims of a job share; Attempt
// is not, since Release and Requeue make it repeat.
func (m *Memory) heldLocked(op string, j Job) (*memJob, error) {
	mj, ok := m.jobs[j.ID]
	if !ok || mj.job.State != StateRunning || j.ClaimToken == 0 || mj.job.ClaimToken != j.ClaimToken {
		return nil, fmt.Errorf("queue: %s job %d (attempt %d, claim %d): %w", op, j.ID, j.Attempt, j.ClaimToken, ErrLeaseLost)
	}
	return mj, nil
}

// unclaimLocked takes a running job out of the running set.
func (m *Memory) unclaimLocked(mj *memJob, now time.Time) {
	remove(mj)
	m.kinds[mj.job.Kind].running--
	mj.job.LeaseUntil = time.Time{}
	mj.job.UpdatedAt = now
}

// Subscribe implements Notifier.
func (m *Memory) Subscribe() (<-chan struct{}, func()) {
	s := &memSub{ch: make(chan struct{}, 1)}
	m.mu.Lock()
	m.subs[s] = struct{}{}
	m.mu.Unlock()
	return s.ch, func() {
		s.once.Do(func() {
			m.mu.Lock()
			delete(m.subs, s)
			m.mu.Unlock()
		})
	}
}

func (m *Memory) signalLocked() {
	for s := range m.subs {
		select {
		case s.ch <- struct{}{}:
		default: // a signal is already pending
		}
	}
}

// kind returns a kind's entry, creating it.
func (m *Memory) kind(name string) *memKind {
	k, ok := m.kinds[name]
	if !ok {
		k = &memKind{avail: newJobHeap(byRunAt)}
		m.kinds[name] = k
	}
	return k
}

// purgeCompletedLocked deletes completed jobs past their retention.
func (m *Memory) purgeCompletedLocked(now time.Time) {
	for top := m.completed.top(); top != nil && !top.job.UpdatedAt.Add(m.retention).After(now); top = m.completed.top() {
		remove(top)
		m.forgetLocked(top)
	}
}

// forgetLocked deletes a job that is in no heap and no longer counted.
func (m *Memory) forgetLocked(mj *memJob) {
	delete(m.jobs, mj.job.ID)
	if mj.job.Key != "" && m.keys[mj.job.Key] == mj {
		delete(m.keys, mj.job.Key)
	}
	m.dropKindIfEmptyLocked(mj.job.Kind)
}

// dropKindIfEmptyLocked deletes a kind's entry when it holds nothing, so that
// claims do not look at kinds that are gone.
func (m *Memory) dropKindIfEmptyLocked(name string) {
	if k, ok := m.kinds[name]; ok && k.avail.Len() == 0 && k.running == 0 && k.dead == 0 {
		delete(m.kinds, name)
	}
}

// copy returns the job with its own payload, so that callers cannot change
// what the queue holds.
func (mj *memJob) copy() Job {
	j := mj.job
	j.Payload = bytes.Clone(j.Payload)
	return j
}
