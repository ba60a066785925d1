// Package fakeclock is a manual clock for tests in the zoho tree. It
// implements zoho.Clock (structurally: Now and AfterFunc), so tests of the
// core client, the product packages and the fake Zoho server can make token
// expiry, mint windows, rate-limit windows and retry backoff exact and
// instant.
//
// Time only moves when the test calls Advance or Set, or, in auto-advance
// mode (NewAuto), whenever a timer is started: the clock jumps to the timer's
// deadline and fires it, which suits sequential code such as a retry loop.
package fakeclock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock is a fake clock. The zero value is not usable; call New or NewAuto.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	auto    bool
	seq     uint64
	timers  []*timer
	changed chan struct{} // closed and replaced whenever timers change
	slept   []time.Duration
}

type timer struct {
	when time.Time
	seq  uint64
	f    func()
}

// New returns a clock reading start that moves only when told to.
func New(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

// NewAuto returns a clock reading start that, whenever a timer is started,
// jumps forward by the timer's duration and fires it. Sleeps() lists the
// durations waited, in order.
func NewAuto(start time.Time) *Clock {
	c := New(start)
	c.auto = true
	return c
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f to run when the clock reaches now+d. A non-positive d
// runs f at once in its own goroutine, like time.AfterFunc.
func (c *Clock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.auto || d <= 0 {
		if d > 0 {
			c.now = c.now.Add(d)
			c.slept = append(c.slept, d)
		}
		go f()
		return func() bool { return false }
	}
	c.seq++
	t := &timer{when: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	c.notifyLocked()
	return func() bool { return c.stop(t) }
}

func (c *Clock) stop(t *timer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			c.notifyLocked()
			return true
		}
	}
	return false
}

func (c *Clock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves the clock forward by d, firing every timer whose deadline is
// reached, in deadline order, each with the clock reading its deadline. The
// timer functions run synchronously, before Advance returns.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.Set(target)
}

// Set moves the clock forward to t (never backward), firing due timers as
// Advance does.
func (c *Clock) Set(t time.Time) {
	for {
		c.mu.Lock()
		sort.Slice(c.timers, func(i, j int) bool {
			if c.timers[i].when.Equal(c.timers[j].when) {
				return c.timers[i].seq < c.timers[j].seq
			}
			return c.timers[i].when.Before(c.timers[j].when)
		})
		if len(c.timers) == 0 || c.timers[0].when.After(t) {
			if t.After(c.now) {
				c.now = t
			}
			c.mu.Unlock()
			return
		}
		next := c.timers[0]
		c.timers = c.timers[1:]
		if next.when.After(c.now) {
			c.now = next.when
		}
		c.notifyLocked()
		c.mu.Unlock()
		next.f()
	}
}

// Pending returns the number of timers started and not yet fired or stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Next returns the deadline of the earliest pending timer, and false when
// there is none.
func (c *Clock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	next := c.timers[0].when
	for _, t := range c.timers[1:] {
		if t.when.Before(next) {
			next = t.when
		}
	}
	return next, true
}

// WaitPending blocks until at least n timers are pending, which is how a test
// knows that the code under test has reached a wait, or until ctx ends.
func (c *Clock) WaitPending(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		if len(c.timers) >= n {
			c.mu.Unlock()
			return nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Sleeps returns the durations that auto-advance timers waited, in order.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}
