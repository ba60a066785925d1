package zohotest

import (
	"time"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
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

// FakeClock is a Clock that moves only when told to. It also satisfies
// zoho.Clock (Now and AfterFunc), so one FakeClock can drive both the fake
// server and the client under test (zoho.Config.Clock): token expiry, rate
// limit windows and retry backoff then move with it. Timers the client
// starts fire when Advance or Set reaches them. It is safe for concurrent
// use.
type FakeClock struct {
	c *fakeclock.Clock
}

var _ Clock = (*FakeClock)(nil)

// NewFakeClock returns a FakeClock reading start (the current time when start
// is zero).
func NewFakeClock(start time.Time) *FakeClock {
	if start.IsZero() {
		start = time.Now()
	}
	return &FakeClock{c: fakeclock.New(start)}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time { return c.c.Now() }

// AfterFunc schedules f to run when the clock reaches now+d, and returns a
// function that cancels it (reporting whether it did). It makes FakeClock a
// zoho.Clock.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	return c.c.AfterFunc(d, f)
}

// Advance moves the clock forward by d, firing the timers it reaches in
// deadline order. It never moves the clock backward.
func (c *FakeClock) Advance(d time.Duration) { c.c.Advance(d) }

// Set moves the clock forward to t, firing the timers it reaches. It never
// moves the clock backward.
func (c *FakeClock) Set(t time.Time) { c.c.Set(t) }

// Pending returns the number of timers waiting to fire: a test that drives a
// client can wait for the client to start waiting before advancing.
func (c *FakeClock) Pending() int { return c.c.Pending() }
