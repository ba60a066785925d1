package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/queue"
)

// DefaultSignedName is the name of a SignedReceiver whose SignedOptions.Name
// is empty.
const DefaultSignedName = "webhook"

// maxEventIDLen is the longest event ID used in a key as it is; a longer
// one is replaced by its hash.
const maxEventIDLen = 200

// MapFunc turns a verified event into the jobs to enqueue: none (the event
// is ignored and answered 200), one, or several. A job without a Key gets
// "<name>:<event id>#<i>", so that a redelivery is still not enqueued twice.
// An error refuses the event with 422 unprocessable_event (and the sender
// will usually retry it); its text is logged, not sent back. It runs in the
// request: it must be quick and must not do I/O.
type MapFunc func(ctx context.Context, e Event) ([]queue.Job, error)

// SignedOptions configures a SignedReceiver. The zero value is valid.
type SignedOptions struct {
	// Name names the sender in counts, logs, job keys and
	// EventPayload.Source, such as "github" or "xero"; empty means
	// DefaultSignedName. Give each sender its own.
	Name string
	// IDHeader names a header that carries the event ID, such as
	// "X-GitHub-Delivery". A request without it is refused (400). Unless
	// the Verifier signs that header (HMACVerifier signs only the body),
	// whoever captured a delivery could replay it under another ID; an
	// IDField in the signed body does not have that weakness.
	IDHeader string
	// IDField is the path of the event ID in the JSON body, with dots
	// between object keys and array indexes ("id", "data.object.id",
	// "events.0.eventId"); used when IDHeader is empty. A body without it
	// (or where it is not a string or number) is refused (400).
	IDField string
	// When neither is set, the event ID is the verifier's (webhook-id for
	// Standard Webhooks), else "sha256:<hex>" of the body.

	// MapFunc turns each verified event into jobs; nil means one job per
	// event made by Event.Job(Kind).
	MapFunc MapFunc
	// Kind is the kind of the default job; empty means KindEvent. Unused
	// when MapFunc is set.
	Kind string
	// MaxAttempts is given to the jobs that have none; zero means the
	// queue's default.
	MaxAttempts int
	// AcceptNonJSON lets bodies that are not JSON through (form-encoded,
	// XML); by default they are refused (400), after the signature check.
	AcceptNonJSON bool
	// MaxBodyBytes caps the request body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ContentTypes are the media types accepted; nil means application/json,
	// text/json and any application/…+json; "*/*" accepts any. A request
	// without Content-Type is accepted unless RequireContentType is set.
	ContentTypes       []string
	RequireContentType bool
	// EnqueueTimeout bounds the enqueue of one request; zero means
	// DefaultEnqueueTimeout.
	EnqueueTimeout time.Duration
	// Now is the clock for Event.ReceivedAt; nil means time.Now. The
	// verifier has its own (StandardOptions.Now).
	Now func() time.Time
	// Logger receives refusals (warn), queue failures (error) and accepted
	// requests (debug); nil discards them. It never receives secrets or
	// signatures.
	Logger *slog.Logger
	// Observer receives every Delivery; nil means none.
	Observer Observer
}

// SignedReceiver is an http.Handler for signed webhooks: it verifies each
// request with its Verifier, finds the event ID, maps the event to jobs
// and enqueues them, keyed so that a redelivery enqueues nothing (see the
// package doc). It is safe for concurrent use.
type SignedReceiver struct {
	core       *core
	verifier   Verifier
	sigHeaders []string
	opts       SignedOptions
	idPath     []string
}

var _ http.Handler = (*SignedReceiver)(nil)

// NewSignedReceiver returns a receiver that verifies requests with v and
// enqueues into q; opts may be nil.
func NewSignedReceiver(q queue.Queue, v Verifier, opts *SignedOptions) (*SignedReceiver, error) {
	var o SignedOptions
	if opts != nil {
		o = *opts
	}
	if v == nil {
		return nil, errors.New("webhook: verifier is nil")
	}
	if o.MaxAttempts < 0 {
		return nil, fmt.Errorf("webhook: SignedOptions.MaxAttempts is %d, must not be negative", o.MaxAttempts)
	}
	if o.Name == "" {
		o.Name = DefaultSignedName
	}
	if o.Kind == "" {
		o.Kind = KindEvent
	}
	rc := &SignedReceiver{verifier: v, opts: o}
	if o.IDField != "" {
		rc.idPath = strings.Split(o.IDField, ".")
		for i, p := range rc.idPath {
			if p == "" {
				return nil, fmt.Errorf("webhook: SignedOptions.IDField %q has an empty part %d", o.IDField, i)
			}
		}
	}
	if sh, ok := v.(SignatureHeaders); ok {
		rc.sigHeaders = sh.SignatureHeaders()
	}
	var err error
	rc.core, err = newCore("SignedOptions", o.Name, q, limits{
		MaxBodyBytes:       o.MaxBodyBytes,
		ContentTypes:       o.ContentTypes,
		RequireContentType: o.RequireContentType,
		EnqueueTimeout:     o.EnqueueTimeout,
		Now:                o.Now,
		Logger:             o.Logger,
		Observer:           o.Observer,
	})
	if err != nil {
		return nil, err
	}
	return rc, nil
}

// Counts returns the receiver's totals so far.
func (rc *SignedReceiver) Counts() Counts { return rc.core.counters.of(rc.core.name) }

// ServeHTTP implements http.Handler.
func (rc *SignedReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	jobs, eventID, ref := rc.handle(w, r)
	if ref != nil {
		rc.core.answerRefusal(w, r, ref, eventID)
		return
	}
	rc.core.enqueue(w, r, jobs, eventID)
}

// handle verifies the request and returns its jobs and event ID, or why it
// is refused.
func (rc *SignedReceiver) handle(w http.ResponseWriter, r *http.Request) ([]queue.Job, string, *refusal) {
	if ref := rc.core.checkRequest(w, r); ref != nil {
		return nil, "", ref
	}
	body, ref := rc.core.readBody(w, r)
	if ref != nil {
		return nil, "", ref
	}
	verifiedID, err := rc.verifier.Verify(r.Header, body)
	if err != nil {
		return nil, "", verifyRefusal(err)
	}
	if !rc.opts.AcceptNonJSON && !json.Valid(body) {
		return nil, "", refuse(ReasonMalformed, "body is not JSON")
	}
	id, ref := rc.eventID(r.Header, body, verifiedID)
	if ref != nil {
		return nil, "", ref
	}
	e := Event{
		Source:      rc.core.name,
		ID:          id,
		ReceivedAt:  rc.core.lim.Now(),
		ContentType: r.Header.Get("Content-Type"),
		Header:      safeHeader(r.Header, rc.sigHeaders),
		Body:        body,
	}
	if rc.opts.MapFunc == nil {
		j, err := e.Job(rc.opts.Kind)
		if err != nil {
			return nil, id, refuse(ReasonUnprocessable, "the event cannot be encoded as a job")
		}
		j.MaxAttempts = rc.opts.MaxAttempts
		return []queue.Job{j}, id, nil
	}
	jobs, err := rc.opts.MapFunc(r.Context(), e)
	if err != nil {
		rc.core.lim.Logger.LogAttrs(r.Context(), slog.LevelWarn, "webhook MapFunc refused an event",
			slog.String("receiver", rc.core.name), slog.String("event_id", id), slog.Any("error", err))
		return nil, id, refuse(ReasonUnprocessable, "the receiver could not handle this event")
	}
	for i := range jobs {
		if jobs[i].Key == "" {
			jobs[i].Key = e.Source + ":" + id + "#" + strconv.Itoa(i)
		}
		if jobs[i].MaxAttempts == 0 {
			jobs[i].MaxAttempts = rc.opts.MaxAttempts
		}
	}
	return jobs, id, nil
}

// eventID finds the event's ID: the IDHeader, the IDField, the verifier's,
// else the body's hash. An ID too long for a key is replaced by its hash.
func (rc *SignedReceiver) eventID(h http.Header, body []byte, verifiedID string) (string, *refusal) {
	var id string
	switch {
	case rc.opts.IDHeader != "":
		id = strings.TrimSpace(h.Get(rc.opts.IDHeader))
		if id == "" {
			return "", refuse(ReasonMalformed, "event ID header %s is missing", rc.opts.IDHeader)
		}
	case rc.idPath != nil:
		var ok bool
		if id, ok = jsonPath(body, rc.idPath); !ok || id == "" {
			return "", refuse(ReasonMalformed, "event ID field %s is missing, empty or not a string or number", rc.opts.IDField)
		}
	case verifiedID != "":
		id = verifiedID
	default:
		return "sha256:" + bodyHash(body), nil
	}
	if len(id) > maxEventIDLen {
		id = "sha256:" + bodyHash([]byte(id))
	}
	return id, nil
}

// jsonPath returns the string or number at path in a JSON document.
func jsonPath(doc []byte, path []string) (string, bool) {
	raw := json.RawMessage(doc)
	for _, p := range path {
		switch kind := firstByte(raw); kind {
		case '{':
			var m map[string]json.RawMessage
			if json.Unmarshal(raw, &m) != nil {
				return "", false
			}
			next, ok := m[p]
			if !ok {
				return "", false
			}
			raw = next
		case '[':
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 {
				return "", false
			}
			var a []json.RawMessage
			if json.Unmarshal(raw, &a) != nil || i >= len(a) {
				return "", false
			}
			raw = a[i]
		default:
			return "", false
		}
	}
	switch firstByte(raw) {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return strings.TrimSpace(s), true
	case 't', 'f', 'n', '{', '[', 0:
		return "", false
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return "", false
	}
	return n.String(), true
}

// firstByte returns the first byte of raw that is not JSON white space, or
// 0 when there is none.
func firstByte(raw []byte) byte {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b
	}
	return 0
}
