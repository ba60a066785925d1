package queue

import (
	"sync"
	"time"
)

// Outcome is how one attempt of a job ended, as the Worker reports it.
type Outcome string

// The outcomes of an attempt.
const (
	OutcomeCompleted Outcome = "completed" // the handler succeeded and the job is done
	OutcomeRetried   Outcome = "retried"   // the attempt failed; the job runs again at RetryAt
	OutcomeDead      Outcome = "dead"      // the attempt failed and the job is dead
	OutcomeReleased  Outcome = "released"  // the Worker stopped and handed the job back
	// OutcomeLeaseLost means the job's lease ended and another claimer took
	// it: this attempt's result was dropped.
	OutcomeLeaseLost Outcome = "lease_lost"
	// OutcomeError means the queue did not record the result (it answered an
	// error other than ErrLeaseLost); the job runs again when its lease ends.
	OutcomeError Outcome = "error"
)

// JobEvent describes one finished attempt.
type JobEvent struct {
	Job      Job     // the job as claimed (Attempt is this attempt's number)
	Outcome  Outcome // how the attempt ended
	Err      error   // the handler's error (nil when it succeeded), or the queue's for OutcomeError
	Duration time.Duration
	RetryAt  time.Time // for OutcomeRetried: when the job runs again
}

// Observer receives the outcome of every attempt a Worker runs: the hook for
// metrics and dashboards. JobDone is called from the Worker's goroutines,
// concurrently; it must be quick and must not block.
type Observer interface {
	JobDone(e JobEvent)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(JobEvent)

// JobDone implements Observer.
func (f ObserverFunc) JobDone(e JobEvent) { f(e) }

// Counters is an Observer that counts outcomes per kind, for a dashboard or
// a metrics exporter to read. The zero value is ready to use.
type Counters struct {
	mu     sync.Mutex
	counts map[string]map[Outcome]int64
}

var _ Observer = (*Counters)(nil)

// JobDone implements Observer.
func (c *Counters) JobDone(e JobEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = make(map[string]map[Outcome]int64)
	}
	byOutcome, ok := c.counts[e.Job.Kind]
	if !ok {
		byOutcome = make(map[Outcome]int64)
		c.counts[e.Job.Kind] = byOutcome
	}
	byOutcome[e.Outcome]++
}

// Snapshot returns a copy of the counts: kind, then outcome, to the number
// of attempts that ended so.
func (c *Counters) Snapshot() map[string]map[Outcome]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]map[Outcome]int64, len(c.counts))
	for kind, byOutcome := range c.counts {
		cp := make(map[Outcome]int64, len(byOutcome))
		for o, n := range byOutcome {
			cp[o] = n
		}
		out[kind] = cp
	}
	return out
}
