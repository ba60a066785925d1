package webhook

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/zohokit/zohokit/queue"
)

// Defaults of the receivers' options, applied to zero fields.
const (
	// DefaultMaxBodyBytes caps a request body: 1 MiB, the limit real
	// receivers use even where senders may send more.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultEnqueueTimeout bounds the Enqueue call of one request, so that
	// a stuck queue is answered 503 (and retried by the sender) instead of
	// holding the sender's connection.
	DefaultEnqueueTimeout = 5 * time.Second
)

// limits are the request limits and plumbing common to the receivers.
type limits struct {
	MaxBodyBytes       int64
	ContentTypes       []string
	RequireContentType bool
	EnqueueTimeout     time.Duration
	Now                func() time.Time
	Logger             *slog.Logger
	Observer           Observer
}

// core is what every receiver shares: the request checks, the enqueue and
// the answers, the counting and the logging.
type core struct {
	name     string
	q        queue.Queue
	lim      limits
	anyType  bool
	counters Counters
}

// newCore validates lim (prefix names the options struct in errors) and
// applies its defaults.
func newCore(prefix, name string, q queue.Queue, lim limits) (*core, error) {
	if q == nil {
		return nil, fmt.Errorf("webhook: queue is nil")
	}
	if lim.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("webhook: %s.MaxBodyBytes is %d, must not be negative", prefix, lim.MaxBodyBytes)
	}
	if lim.MaxBodyBytes == 0 {
		lim.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if lim.EnqueueTimeout < 0 {
		return nil, fmt.Errorf("webhook: %s.EnqueueTimeout is %s, must not be negative", prefix, lim.EnqueueTimeout)
	}
	if lim.EnqueueTimeout == 0 {
		lim.EnqueueTimeout = DefaultEnqueueTimeout
	}
	c := &core{name: name, q: q}
	if lim.ContentTypes == nil {
		// Any "application/…+json" type is accepted too (checkContentType).
		lim.ContentTypes = []string{"application/json", "text/json"}
	}
	types := make([]string, 0, len(lim.ContentTypes))
	for i, ct := range lim.ContentTypes {
		if ct == "*/*" || ct == "*" {
			c.anyType = true
			continue
		}
		mt, _, err := mime.ParseMediaType(ct)
		if err == nil && !strings.Contains(mt, "/") {
			err = errors.New("want type/subtype")
		}
		if err != nil {
			return nil, fmt.Errorf("webhook: %s.ContentTypes[%d] %q is not a media type: %w", prefix, i, ct, err)
		}
		types = append(types, mt)
	}
	lim.ContentTypes = types
	if lim.Now == nil {
		lim.Now = time.Now
	}
	if lim.Logger == nil {
		lim.Logger = slog.New(slog.DiscardHandler)
	}
	c.lim = lim
	return c, nil
}

// refusal is a request refused with a reason and a short detail that is
// safe to send back (it never holds a secret, token or signature).
type refusal struct {
	reason Reason
	detail string
}

func refuse(reason Reason, format string, args ...any) *refusal {
	return &refusal{reason: reason, detail: fmt.Sprintf(format, args...)}
}

// checkRequest checks the method and the content type.
func (c *core) checkRequest(w http.ResponseWriter, r *http.Request) *refusal {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return refuse(ReasonMethod, "use POST")
	}
	return c.checkContentType(r.Header.Get("Content-Type"))
}

// readBody reads the body through the size cap.
func (c *core) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *refusal) {
	if r.ContentLength > c.lim.MaxBodyBytes {
		return nil, refuse(ReasonTooLarge, "body is %d bytes, the limit is %d", r.ContentLength, c.lim.MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.lim.MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, refuse(ReasonTooLarge, "body is over the limit of %d bytes", c.lim.MaxBodyBytes)
		}
		return nil, refuse(ReasonBodyUnreadable, "reading the body failed")
	}
	return body, nil
}

func (c *core) checkContentType(header string) *refusal {
	if c.anyType {
		return nil
	}
	if strings.TrimSpace(header) == "" {
		if c.lim.RequireContentType {
			return refuse(ReasonContentType, "Content-Type is missing, want %s", strings.Join(c.lim.ContentTypes, " or "))
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return refuse(ReasonContentType, "Content-Type is not a media type")
	}
	for _, want := range c.lim.ContentTypes {
		if mt == want {
			return nil
		}
	}
	if strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json") {
		return nil
	}
	return refuse(ReasonContentType, "Content-Type %s is not accepted, want %s", mt, strings.Join(c.lim.ContentTypes, " or "))
}

// answerRefusal writes a refusal, logs it and reports it.
func (c *core) answerRefusal(w http.ResponseWriter, r *http.Request, ref *refusal, eventID string) {
	status := ref.reason.Status()
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	c.lim.Logger.LogAttrs(r.Context(), level, "webhook refused",
		slog.String("receiver", c.name),
		slog.String("reason", string(ref.reason)),
		slog.Int("status", status),
		slog.String("detail", ref.detail),
		slog.String("event_id", eventID),
		slog.String("remote", r.RemoteAddr))
	writeText(w, status, string(ref.reason)+": "+ref.detail)
	c.report(Delivery{Receiver: c.name, Outcome: OutcomeRefused, Reason: ref.reason, Status: status, EventID: eventID})
}

// enqueue enqueues jobs and answers: 200 when they were enqueued or held
// already, 503 when the queue failed.
func (c *core) enqueue(w http.ResponseWriter, r *http.Request, jobs []queue.Job, eventID string) {
	var res []queue.EnqueueResult
	if len(jobs) > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), c.lim.EnqueueTimeout)
		defer cancel()
		var err error
		res, err = c.q.Enqueue(ctx, jobs...)
		if err != nil {
			reason, detail := ReasonQueueUnavailable, "the queue failed, retry later"
			if errors.Is(err, queue.ErrInvalidJob) {
				reason, detail = ReasonInvalidJob, "the receiver made a job the queue refuses"
			}
			c.lim.Logger.LogAttrs(r.Context(), slog.LevelError, "webhook enqueue failed",
				slog.String("receiver", c.name), slog.String("event_id", eventID), slog.Any("error", err))
			c.answerRefusal(w, r, refuse(reason, "%s", detail), eventID)
			return
		}
	}
	d := Delivery{Receiver: c.name, Outcome: OutcomeAccepted, Status: http.StatusOK, EventID: eventID}
	for _, er := range res {
		if er.Duplicate {
			d.Duplicates++
		} else {
			d.Jobs++
		}
	}
	msg := fmt.Sprintf("accepted: %d job(s) enqueued", d.Jobs)
	if d.Duplicates > 0 {
		msg += fmt.Sprintf(", %d already held", d.Duplicates)
	}
	if len(jobs) > 0 && d.Jobs == 0 {
		d.Outcome = OutcomeDuplicate
		msg = "duplicate: already received"
	}
	c.lim.Logger.LogAttrs(r.Context(), slog.LevelDebug, "webhook "+string(d.Outcome),
		slog.String("receiver", c.name), slog.String("event_id", eventID),
		slog.Int("jobs", d.Jobs), slog.Int("duplicates", d.Duplicates))
	writeText(w, http.StatusOK, msg)
	c.report(d)
}

func (c *core) report(d Delivery) {
	c.counters.Delivered(d)
	if c.lim.Observer != nil {
		c.lim.Observer.Delivered(d)
	}
}

func writeText(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

// equalSecret compares a received secret with the expected one in constant
// time, also with respect to their lengths (both are hashed first).
func equalSecret(got, want string) bool {
	g := sha256.Sum256([]byte(got))
	x := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], x[:]) == 1
}
