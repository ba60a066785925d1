package zohotest

import (
	"sync"
	"time"
)

// Clock is where the fake reads the time: token expiry, the token-mint
// window, Created_Time and Modified_Time, If-Modified-Since comparisons,
// deletion times and page-token expiry all come from it. Set Options.Clock to
// a *FakeClock to move time in a test. Injected slow responses wait on real
// timers, since they exist to trip the client's own timeouts.
type Clock interface {
	Now() time.Time
}

// systemClock is the default Clock: the machine's time.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// FakeClock is a Clock that moves only when told to. It is safe for
// concurrent use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

var _ Clock = (*FakeClock)(nil)

// NewFakeClock returns a FakeClock reading start (the current time when start
// is zero).
func NewFakeClock(start time.Time) *FakeClock {
	if start.IsZero() {
		start = time.Now()
	}
	return &FakeClock{now: start}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward when d is negative).
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
