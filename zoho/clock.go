package zoho

import (
	"context"
	"time"
)

// Clock is the source of time for everything in this package that reads the
// time or waits: token expiry and refresh-ahead, the token mint guard, the
// rate limiters and the retry backoff. The zero Config uses the system clock;
// tests inject a fake one to make time-dependent behaviour exact and instant.
//
// The interface uses only standard types, so any package can implement it
// without importing zoho (a fake clock for the zoho tree lives in
// zoho/internal/fakeclock). AfterFunc behaves like time.AfterFunc: it calls f
// once, in its own goroutine or synchronously from the fake's Advance, when d
// has passed, unless stop is called first; stop reports whether it prevented
// the call.
//
// HTTP timeouts (http.Client.Timeout, context deadlines) always use the real
// clock: they measure the network, not the schedule.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock returns the Clock backed by package time.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Sleep waits d on clk, returning early with the context's error when ctx
// ends first. A non-positive d returns at once (with ctx's error, if any).
// Product packages wait through it (bulk-job polling, channel renewal) so
// that a fake clock drives them too.
func Sleep(ctx context.Context, clk Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	fired := make(chan struct{})
	stop := clk.AfterFunc(d, func() { close(fired) })
	select {
	case <-fired:
		return nil
	case <-ctx.Done():
		stop()
		return ctx.Err()
	}
}

// deadlineBefore reports whether ctx has a deadline that ends within d from
// now (measured on the real clock, as context deadlines are). Waits that
// would certainly outlive the context fail fast instead of waiting for it.
func deadlineBefore(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}
