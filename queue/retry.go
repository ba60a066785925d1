package queue

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// RetryAfter wraps a handler's error to ask for the next attempt after d
// instead of after the Worker's backoff. The attempt still counts: on the
// last one the job is dead. Any error in a handler's error chain with a
// method RetryAfter() time.Duration that answers a positive wait has the
// same effect, so an API client's rate-limit error (such as *zoho.Error)
// carries the server's hint through unchanged.
func RetryAfter(d time.Duration, err error) error {
	return &retryAfterError{delay: max(d, 0), err: err}
}

type retryAfterError struct {
	delay time.Duration
	err   error
}

func (e *retryAfterError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("retry after %s", e.delay)
	}
	return fmt.Sprintf("%v (retry after %s)", e.err, e.delay)
}

func (e *retryAfterError) Unwrap() error             { return e.err }
func (e *retryAfterError) RetryAfter() time.Duration { return e.delay }

// GiveUp wraps a handler's error to make the job dead at once, without
// retrying: for failures that another attempt cannot fix, such as a payload
// the target system rejects as invalid. Any error in the chain with a method
// GiveUp() bool that returns true has the same effect, and it wins over a
// RetryAfter in the same chain.
func GiveUp(err error) error {
	return &giveUpError{err: err}
}

type giveUpError struct{ err error }

func (e *giveUpError) Error() string {
	if e.err == nil {
		return "gave up"
	}
	return fmt.Sprintf("%v (gave up)", e.err)
}

func (e *giveUpError) Unwrap() error { return e.err }
func (e *giveUpError) GiveUp() bool  { return true }

// retryDecision reads what a handler's error asks for: give up, or retry
// after a delay it names (ok false: use the backoff).
func retryDecision(err error) (giveUp bool, delay time.Duration, ok bool) {
	var g interface{ GiveUp() bool }
	if errors.As(err, &g) && g.GiveUp() {
		return true, 0, false
	}
	// RetryAfter's own wrapper counts whatever its delay; another error's
	// RetryAfter method counts when it names a wait (an API error without
	// the server's hint answers zero: the backoff decides).
	var own *retryAfterError
	if errors.As(err, &own) {
		return false, own.delay, true
	}
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) && r.RetryAfter() > 0 {
		return false, r.RetryAfter(), true
	}
	return false, 0, false
}

// PanicError is the error of an attempt whose handler panicked. Its message,
// which becomes the job's LastError, includes the stack.
type PanicError struct {
	Value any    // what the handler panicked with
	Stack []byte // the handler goroutine's stack at the panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("handler panicked: %v\n%s", e.Value, e.Stack)
}

// BackoffFunc returns how long to wait before the next attempt after the
// given attempt (1 for the first) failed.
type BackoffFunc func(attempt int) time.Duration

// The defaults of DefaultBackoff: 1 s after the first failure, doubling up
// to an hour, each delay randomised by ±20 % so that jobs that failed
// together (an outage) do not all retry at the same moment.
const (
	DefaultBackoffInitial    = time.Second
	DefaultBackoffMultiplier = 2.0
	DefaultBackoffMax        = time.Hour
	DefaultBackoffJitter     = 0.2
)

// DefaultBackoff is the Worker's retry delay when WorkerConfig.Backoff is
// nil: jittered exponential with the DefaultBackoff... constants. With
// DefaultMaxAttempts, a job that keeps failing waits 1+2+4+...+2048 s
// between its first 12 attempts (about 68 minutes), then an hour between each
// of the rest: about 9 hours in all (±20 %) before it is dead, long enough to
// ride out an ordinary outage of Zoho or an ERP.
func DefaultBackoff(attempt int) time.Duration {
	return exponentialDelay(DefaultBackoffInitial, DefaultBackoffMultiplier, DefaultBackoffMax, DefaultBackoffJitter, attempt)
}

// ExponentialBackoff returns a jittered exponential BackoffFunc: the delay
// after attempt n is initial×multiplierⁿ⁻¹, capped at maxDelay, then
// randomised by ±jitter (a fraction: 0.2 is ±20 %, 0 is none). The delay
// is computed from the attempt alone, so it holds no state per job.
func ExponentialBackoff(initial time.Duration, multiplier float64, maxDelay time.Duration, jitter float64) (BackoffFunc, error) {
	switch {
	case initial <= 0:
		return nil, fmt.Errorf("queue: backoff: initial is %s, must be positive", initial)
	case multiplier < 1 || math.IsInf(multiplier, 0) || math.IsNaN(multiplier):
		return nil, fmt.Errorf("queue: backoff: multiplier is %v, must be at least 1", multiplier)
	case maxDelay < initial:
		return nil, fmt.Errorf("queue: backoff: maxDelay is %s, must be at least initial (%s)", maxDelay, initial)
	case jitter < 0 || jitter >= 1 || math.IsNaN(jitter):
		return nil, fmt.Errorf("queue: backoff: jitter is %v, must be in [0, 1)", jitter)
	}
	return func(attempt int) time.Duration {
		return exponentialDelay(initial, multiplier, maxDelay, jitter, attempt)
	}, nil
}

func exponentialDelay(initial time.Duration, multiplier float64, maxDelay time.Duration, jitter float64, attempt int) time.Duration {
	attempt = max(attempt, 1)
	base := float64(initial) * math.Pow(multiplier, float64(attempt-1))
	interval := maxDelay
	if base < float64(maxDelay) {
		interval = time.Duration(base)
	}
	// One step of backoff's exponential policy starting at the interval
	// wanted gives its randomisation without keeping a policy per job.
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(interval),
		backoff.WithRandomizationFactor(jitter),
		backoff.WithMaxInterval(maxDelay),
		backoff.WithMaxElapsedTime(0),
	)
	return b.NextBackOff()
}
