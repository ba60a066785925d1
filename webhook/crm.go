package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/zoho/crm"
)

// DefaultCRMName is the name of a CRMReceiver whose CRMOptions.Name is empty.
const DefaultCRMName = "zoho-crm"

// maxZohoToken is the longest token Zoho accepts for a channel.
const maxZohoToken = 50

// CRMOptions configures a CRMReceiver. At least one credential must be set:
// Token, Tokens, or SecretParam with Secret; a receiver that anyone could
// feed is refused at construction. The other fields' zero values work.
type CRMOptions struct {
	// Token is the token the channels echo (the token given when enabling
	// them), checked for every channel not in Tokens.
	Token string
	// Tokens maps a channel ID (decimal) to its own token. A notification
	// from a channel not in Tokens is checked against Token, and refused
	// (403 unknown_channel) when Token is empty.
	Tokens map[string]string
	// SecretParam and Secret name and value a secret query parameter of the
	// channels' notify URL (https://example.com/zoho?key=SECRET). The
	// receiver looks for it in the request URL and, if it is not there, in
	// the query parameters Zoho echoes in the body. Set both or neither.
	SecretParam string
	Secret      string
	// Name names the receiver in counts, logs, job keys and
	// RecordEvent.Source; empty means DefaultCRMName. Give receivers of
	// different Zoho organisations different names.
	Name string
	// MaxAttempts is given to each job; zero means the queue's default.
	MaxAttempts int
	// MaxBodyBytes caps the request body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ContentTypes are the media types accepted; nil means application/json,
	// text/json and any application/…+json; "*/*" accepts any. A request
	// without Content-Type is accepted (the body must still be JSON) unless
	// RequireContentType is set.
	ContentTypes       []string
	RequireContentType bool
	// EnqueueTimeout bounds the enqueue of one request; zero means
	// DefaultEnqueueTimeout.
	EnqueueTimeout time.Duration
	// Now is the clock for RecordEvent.ReceivedAt; nil means time.Now.
	Now func() time.Time
	// Logger receives refusals (warn), queue failures (error) and accepted
	// requests (debug); nil discards them. It never receives tokens or
	// secrets.
	Logger *slog.Logger
	// Observer receives every Delivery; nil means none.
	Observer Observer
}

// CRMReceiver is an http.Handler for Zoho CRM notification callbacks: it
// checks the echoed token (and the notify-URL secret, when configured),
// parses the notification tolerantly (crm.ParseNotification), and enqueues
// one KindRecordEvent job per record, keyed so that a redelivery enqueues
// nothing (see the package doc). It is safe for concurrent use.
type CRMReceiver struct {
	core        *core
	token       string
	tokens      map[string]string
	secretParam string
	secret      string
	maxAttempts int
}

var _ http.Handler = (*CRMReceiver)(nil)

// NewCRMReceiver returns a receiver that enqueues into q. opts must set a
// credential (see CRMOptions).
func NewCRMReceiver(q queue.Queue, opts *CRMOptions) (*CRMReceiver, error) {
	var o CRMOptions
	if opts != nil {
		o = *opts
	}
	if o.Token == "" && len(o.Tokens) == 0 && o.SecretParam == "" {
		return nil, errors.New("webhook: CRMOptions sets no credential: set Token, Tokens, or SecretParam and Secret")
	}
	if len(o.Token) > maxZohoToken {
		return nil, fmt.Errorf("webhook: CRMOptions.Token is %d characters; Zoho takes at most %d", len(o.Token), maxZohoToken)
	}
	tokens := make(map[string]string, len(o.Tokens))
	for ch, tok := range o.Tokens {
		switch {
		case ch == "":
			return nil, errors.New("webhook: CRMOptions.Tokens has an empty channel ID")
		case tok == "":
			return nil, fmt.Errorf("webhook: CRMOptions.Tokens[%q] is empty", ch)
		case len(tok) > maxZohoToken:
			return nil, fmt.Errorf("webhook: CRMOptions.Tokens[%q] is %d characters; Zoho takes at most %d", ch, len(tok), maxZohoToken)
		}
		tokens[ch] = tok
	}
	if (o.SecretParam == "") != (o.Secret == "") {
		return nil, errors.New("webhook: CRMOptions.SecretParam and CRMOptions.Secret must be set together")
	}
	if o.MaxAttempts < 0 {
		return nil, fmt.Errorf("webhook: CRMOptions.MaxAttempts is %d, must not be negative", o.MaxAttempts)
	}
	if o.Name == "" {
		o.Name = DefaultCRMName
	}
	c, err := newCore("CRMOptions", o.Name, q, limits{
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
	return &CRMReceiver{
		core:        c,
		token:       o.Token,
		tokens:      tokens,
		secretParam: o.SecretParam,
		secret:      o.Secret,
		maxAttempts: o.MaxAttempts,
	}, nil
}

// Counts returns the receiver's totals so far.
func (rc *CRMReceiver) Counts() Counts { return rc.core.counters.of(rc.core.name) }

// ServeHTTP implements http.Handler.
func (rc *CRMReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	jobs, ref := rc.handle(w, r)
	if ref != nil {
		rc.core.answerRefusal(w, r, ref, "")
		return
	}
	rc.core.enqueue(w, r, jobs, "")
}

// handle checks and parses the request and returns its jobs, or why it is
// refused.
func (rc *CRMReceiver) handle(w http.ResponseWriter, r *http.Request) ([]queue.Job, *refusal) {
	if ref := rc.core.checkRequest(w, r); ref != nil {
		return nil, ref
	}
	// A secret in the URL is checked before the body is read.
	urlSecret, inURL := r.URL.Query()[rc.secretParam]
	if rc.secretParam != "" && inURL && !equalSecret(urlSecret[0], rc.secret) {
		return nil, refuse(ReasonBadSecret, "query parameter %s is wrong", rc.secretParam)
	}
	body, ref := rc.core.readBody(w, r)
	if ref != nil {
		return nil, ref
	}
	n, err := crm.ParseNotification(body)
	if err != nil {
		var ne *crm.NotificationError
		if errors.As(err, &ne) {
			return nil, refuse(ReasonMalformed, "%s", ne.Error())
		}
		return nil, refuse(ReasonMalformed, "not a Zoho CRM notification")
	}
	if rc.secretParam != "" && !inURL {
		got, ok := n.QueryParams[rc.secretParam]
		if !ok {
			return nil, refuse(ReasonBadSecret, "query parameter %s is missing", rc.secretParam)
		}
		if !equalSecret(got, rc.secret) {
			return nil, refuse(ReasonBadSecret, "query parameter %s is wrong", rc.secretParam)
		}
	}
	if ref := rc.checkToken(n); ref != nil {
		return nil, ref
	}
	return rc.jobs(n, body)
}

// checkToken checks the echoed token against the channel's.
func (rc *CRMReceiver) checkToken(n crm.Notification) *refusal {
	if rc.token == "" && len(rc.tokens) == 0 {
		return nil // the notify-URL secret is the only credential
	}
	want, ok := rc.tokens[n.ChannelID]
	if !ok {
		if rc.token == "" {
			return refuse(ReasonUnknownChannel, "channel %q has no token configured", n.ChannelID)
		}
		want = rc.token
	}
	if n.Token == "" {
		return refuse(ReasonBadToken, "token is missing")
	}
	if !equalSecret(n.Token, want) {
		return refuse(ReasonBadToken, "token does not match channel %q", n.ChannelID)
	}
	return nil
}

// jobs makes one job per record of n.
func (rc *CRMReceiver) jobs(n crm.Notification, body []byte) ([]queue.Job, *refusal) {
	when := "body-" + bodyHash(body)
	if !n.ServerTime.IsZero() {
		when = strconv.FormatInt(n.ServerTime.UnixMilli(), 10)
	}
	now := rc.core.lim.Now()
	jobs := make([]queue.Job, 0, len(n.IDs))
	for _, id := range n.IDs {
		ev := RecordEvent{
			Source:         rc.core.name,
			Module:         n.Module,
			RecordID:       id,
			Operation:      string(n.Operation),
			RawOperation:   n.RawOperation,
			ServerTime:     n.ServerTime,
			ChannelID:      n.ChannelID,
			AffectedFields: n.FieldsOf(id),
			AffectedValues: n.AffectedValues[id],
			ReceivedAt:     now,
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return nil, refuse(ReasonMalformed, "record %s cannot be encoded as a job", id)
		}
		jobs = append(jobs, queue.Job{
			Kind:        KindRecordEvent,
			Payload:     payload,
			Key:         fmt.Sprintf("%s:%s:%s:%s:%s:%s", rc.core.name, n.ChannelID, n.Module, id, n.Operation, when),
			MaxAttempts: rc.maxAttempts,
		})
	}
	return jobs, nil
}

// bodyHash is the hex SHA-256 of a body, for keys when nothing else
// identifies an event.
func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}
