package webhook

import (
	"maps"
	"net/http"
	"sync"
)

// Reason says why a receiver refused a request. It begins the refusal's
// body and keys Counts.Refused.
type Reason string

// The reasons for a refusal; Status gives each one's HTTP status.
const (
	ReasonMethod           Reason = "method_not_allowed"     // 405: not POST
	ReasonContentType      Reason = "unsupported_media_type" // 415: Content-Type not accepted
	ReasonTooLarge         Reason = "body_too_large"         // 413: body over the limit
	ReasonBodyUnreadable   Reason = "body_unreadable"        // 400: reading the body failed
	ReasonMalformed        Reason = "malformed_payload"      // 400: not JSON, or no usable event
	ReasonMissingSignature Reason = "missing_signature"      // 401: no signature (or no webhook-id)
	ReasonBadSignature     Reason = "bad_signature"          // 401: no signature matched
	ReasonTimestamp        Reason = "bad_timestamp"          // 401: missing, malformed, stale or future timestamp
	ReasonBadToken         Reason = "bad_token"              // 401: CRM token missing or wrong
	ReasonBadSecret        Reason = "bad_secret"             // 401: notify-URL secret parameter missing or wrong
	ReasonUnknownChannel   Reason = "unknown_channel"        // 403: CRM channel with no configured token
	ReasonUnprocessable    Reason = "unprocessable_event"    // 422: the MapFunc refused the event
	ReasonInvalidJob       Reason = "invalid_job"            // 500: the queue refused a job as invalid
	ReasonQueueUnavailable Reason = "queue_unavailable"      // 503: the queue failed; the sender should retry
)

// Status is the HTTP status a receiver answers for the reason; 400 for an
// unknown one.
func (r Reason) Status() int {
	switch r {
	case ReasonMethod:
		return http.StatusMethodNotAllowed
	case ReasonContentType:
		return http.StatusUnsupportedMediaType
	case ReasonTooLarge:
		return http.StatusRequestEntityTooLarge
	case ReasonMissingSignature, ReasonBadSignature, ReasonTimestamp, ReasonBadToken, ReasonBadSecret:
		return http.StatusUnauthorized
	case ReasonUnknownChannel:
		return http.StatusForbidden
	case ReasonUnprocessable:
		return http.StatusUnprocessableEntity
	case ReasonInvalidJob:
		return http.StatusInternalServerError
	case ReasonQueueUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// Outcome is how a request ended.
type Outcome string

// The outcomes of a request.
const (
	// OutcomeAccepted: at least one new job was enqueued, or the event
	// mapped to no job at all (a MapFunc that ignores it). Answered 200.
	OutcomeAccepted Outcome = "accepted"
	// OutcomeDuplicate: every job was already held by the queue (a
	// redelivery). Answered 200.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeRefused: see Delivery.Reason. Nothing was enqueued.
	OutcomeRefused Outcome = "refused"
)

// Delivery describes one request a receiver handled, for an Observer.
type Delivery struct {
	Receiver   string  // the receiver's name (CRMOptions.Name, SignedOptions.Name)
	Outcome    Outcome // how it ended
	Reason     Reason  // why it was refused; empty unless Outcome is OutcomeRefused
	Status     int     // the HTTP status answered
	EventID    string  // the event ID when known (signed webhooks); empty for CRM notifications
	Jobs       int     // new jobs enqueued
	Duplicates int     // jobs the queue already held
}

// Observer receives every Delivery: the hook for metrics and dashboards.
// Delivered is called from request goroutines, concurrently; it must be
// quick and must not block.
type Observer interface {
	Delivered(d Delivery)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Delivery)

// Delivered implements Observer.
func (f ObserverFunc) Delivered(d Delivery) { f(d) }

// Counts are the totals of one receiver's deliveries.
type Counts struct {
	Received  int64            // requests handled
	Accepted  int64            // requests answered 200 with new jobs (or none needed)
	Duplicate int64            // requests answered 200 whose jobs were all held already
	Refused   map[Reason]int64 // refused requests by reason; nil when none
	// JobsEnqueued and JobsDuplicate count jobs, not requests: a CRM
	// notification of three records is three jobs.
	JobsEnqueued  int64
	JobsDuplicate int64
}

// Counters is an Observer that totals deliveries by receiver name, for a
// dashboard or a metrics exporter that watches several receivers. The zero
// value is ready to use; it is safe for concurrent use.
type Counters struct {
	mu     sync.Mutex
	counts map[string]*Counts
}

var _ Observer = (*Counters)(nil)

// Delivered implements Observer.
func (c *Counters) Delivered(d Delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = make(map[string]*Counts)
	}
	n, ok := c.counts[d.Receiver]
	if !ok {
		n = &Counts{}
		c.counts[d.Receiver] = n
	}
	n.Received++
	n.JobsEnqueued += int64(d.Jobs)
	n.JobsDuplicate += int64(d.Duplicates)
	switch d.Outcome {
	case OutcomeAccepted:
		n.Accepted++
	case OutcomeDuplicate:
		n.Duplicate++
	case OutcomeRefused:
		if n.Refused == nil {
			n.Refused = make(map[Reason]int64)
		}
		n.Refused[d.Reason]++
	}
}

// Snapshot returns a copy of the totals by receiver name.
func (c *Counters) Snapshot() map[string]Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]Counts, len(c.counts))
	for name, n := range c.counts {
		cp := *n
		cp.Refused = maps.Clone(n.Refused)
		out[name] = cp
	}
	return out
}

// of returns a copy of one receiver's totals.
func (c *Counters) of(name string) Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.counts[name]
	if !ok {
		return Counts{}
	}
	cp := *n
	cp.Refused = maps.Clone(n.Refused)
	return cp
}
