package synctest

import (
	"slices"
	gosync "sync"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// Clock is a fake sync.Clock: time stands still until Advance or Set moves
// it, and timers fire when it passes their time. It is safe for concurrent
// use.
type Clock struct {
	mu     gosync.Mutex
	now    time.Time
	timers []*timer
}

var _ sync.Clock = (*Clock)(nil)

// NewClock returns a Clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires once the clock has moved d ahead (at
// once when d is not positive).
func (c *Clock) NewTimer(d time.Duration) sync.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{c: c, when: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock d ahead, firing the timers it passes in order.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t (never back), firing the timers it passes.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.now) {
		return
	}
	c.now = t
	slices.SortStableFunc(c.timers, func(x, y *timer) int { return x.when.Compare(y.when) })
	keep := c.timers[:0]
	for _, tm := range c.timers {
		if tm.when.After(t) {
			keep = append(keep, tm)
			continue
		}
		tm.ch <- tm.when
	}
	clear(c.timers[len(keep):])
	c.timers = keep
}

// Timers returns how many timers wait to fire.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Next returns the time of the earliest waiting timer, false when none.
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

type timer struct {
	c    *Clock
	when time.Time
	ch   chan time.Time
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	for i, x := range t.c.timers {
		if x == t {
			t.c.timers = slices.Delete(t.c.timers, i, i+1)
			return true
		}
	}
	return false
}
