package zoho

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// RetryPolicy sets how Client.Do retries. Retries happen on 429, 5xx and
// network errors (timeouts included), only for requests that are safe to
// repeat: GET, HEAD, OPTIONS, PUT and DELETE, and any request marked
// Request.Idempotent (a CRM upsert, a COQL query). A 429 is retried for any
// method, since Zoho rejected the request without acting on it. Waits grow
// exponentially with jitter (github.com/cenkalti/backoff/v4), a server's
// Retry-After (seconds or HTTP date) replaces the computed wait, and every
// wait ends early with the context's error.
//
// The zero value gives the defaults.
type RetryPolicy struct {
	// MaxAttempts caps the attempts per request, the first included;
	// zero means 4, 1 disables retries.
	MaxAttempts int
	// InitialInterval is the first backoff wait; zero means 500 ms.
	InitialInterval time.Duration
	// MaxInterval caps one backoff wait; zero means 30 s.
	MaxInterval time.Duration
	// MaxRetryAfter is the longest server-requested wait that is honoured
	// by waiting; a longer Retry-After returns the error at once (its
	// RetryAfter tells the caller when to come back). Zero means 2 minutes.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 4
	}
	if p.InitialInterval == 0 {
		p.InitialInterval = 500 * time.Millisecond
	}
	if p.MaxInterval == 0 {
		p.MaxInterval = 30 * time.Second
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = 2 * time.Minute
	}
	return p
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 0:
		return errors.New("zoho: Config.Retry.MaxAttempts is negative")
	case p.InitialInterval < 0:
		return errors.New("zoho: Config.Retry.InitialInterval is negative")
	case p.MaxInterval < 0:
		return errors.New("zoho: Config.Retry.MaxInterval is negative")
	case p.MaxRetryAfter < 0:
		return errors.New("zoho: Config.Retry.MaxRetryAfter is negative")
	case p.MaxInterval != 0 && p.InitialInterval > p.MaxInterval:
		return errors.New("zoho: Config.Retry.InitialInterval exceeds MaxInterval")
	}
	return nil
}

// newBackOff returns the jittered exponential backoff for one request:
// InitialInterval, doubling up to MaxInterval, each wait drawn uniformly
// from ±50% of the step. It never stops by itself (attempts are capped by
// the caller). A Retry-After replaces a step's wait but the steps still grow.
func (p RetryPolicy) newBackOff() backoff.BackOff {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(p.InitialInterval),
		backoff.WithMaxInterval(p.MaxInterval),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0.5),
		backoff.WithMaxElapsedTime(0),
	)
	b.Reset()
	return b
}

// retryable is implemented by errors that know whether repeating the
// request may succeed (*Error does).
type retryable interface{ Retryable() bool }

// netError marks a failure to get an answer at all (connection refused,
// reset, timeout, truncated body): retryable for safe requests.
type netError struct{ err error }

func (e *netError) Error() string   { return e.err.Error() }
func (e *netError) Unwrap() error   { return e.err }
func (e *netError) Retryable() bool { return true }

// safeToRepeat reports whether req may be sent again after an ambiguous
// failure (a 5xx or a network error).
func safeToRepeat(req *Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Idempotent
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date.
// A number of seconds too large for a Duration is the longest Duration (a
// float conversion would overflow into a negative wait); NaN and
// infinities are not waits.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		switch {
		case secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0):
			return 0, false
		case secs >= float64(math.MaxInt64)/float64(time.Second):
			return math.MaxInt64, true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// retryDecision says whether and how long to wait before the next attempt.
func (c *Client) retryDecision(req *Request, err error, attempt int, bo backoff.BackOff) (time.Duration, bool) {
	if attempt >= c.retry.MaxAttempts {
		return 0, false
	}
	var r retryable
	if !errors.As(err, &r) || !r.Retryable() {
		return 0, false
	}
	rateLimited := errors.Is(err, ErrRateLimited)
	if !rateLimited && !safeToRepeat(req) {
		return 0, false
	}
	wait := bo.NextBackOff()
	if ra, ok := RetryAfter(err); ok {
		if ra > c.retry.MaxRetryAfter {
			return 0, false
		}
		wait = ra
	}
	return wait, true
}
