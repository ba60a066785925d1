package webhook

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/zoho/crm"
)

// Job kinds of the jobs the receivers enqueue by default.
const (
	// KindRecordEvent is the kind of the jobs CRMReceiver enqueues, one per
	// changed record, with a RecordEvent payload.
	KindRecordEvent = "webhook.record_event"
	// KindEvent is the default kind of the jobs SignedReceiver enqueues,
	// with an EventPayload payload.
	KindEvent = "webhook.event"
)

// The operations of a RecordEvent, as CRMReceiver normalises Zoho's names
// (create and insert are OperationCreate, edit and update OperationUpdate).
// An operation Zoho names otherwise is passed on as sent.
const (
	OperationCreate = string(crm.OperationCreate)
	OperationUpdate = string(crm.OperationUpdate)
	OperationDelete = string(crm.OperationDelete)
)

// RecordEvent is the payload of a KindRecordEvent job: one record that a
// system reported as changed. It carries no record data beyond the changed
// fields Zoho may list: a handler reads the record (or, for a delete, acts
// on its ID). Handle it with queue.Handle[webhook.RecordEvent].
type RecordEvent struct {
	// Source names the receiver that got the event: CRMOptions.Name,
	// "zoho-crm" by default.
	Source string `json:"source"`
	// Module is the CRM module's API name, such as "Leads".
	Module string `json:"module"`
	// RecordID is the record's ID as a decimal string.
	RecordID string `json:"record_id"`
	// Operation is OperationCreate, OperationUpdate, OperationDelete, or the
	// name as sent when Zoho used another; empty when it named none.
	Operation string `json:"operation"`
	// RawOperation is the operation exactly as Zoho sent it.
	RawOperation string `json:"raw_operation,omitempty"`
	// ServerTime is when Zoho sent the notification; zero when it did not
	// say. Events may arrive out of order: compare ServerTime, not arrival.
	ServerTime time.Time `json:"server_time,omitzero"`
	// ChannelID is the notification channel's ID.
	ChannelID string `json:"channel_id,omitempty"`
	// AffectedFields are the API names of the fields that changed, when the
	// channel reports them.
	AffectedFields []string `json:"affected_fields,omitempty"`
	// AffectedValues are the changed fields' new values as raw JSON, when
	// the channel was enabled with return_affected_field_values.
	AffectedValues map[string]json.RawMessage `json:"affected_values,omitempty"`
	// ReceivedAt is when the receiver accepted the notification.
	ReceivedAt time.Time `json:"received_at"`
}

// Kind implements queue.Args.
func (RecordEvent) Kind() string { return KindRecordEvent }

// EventPayload is the payload of the job that SignedReceiver enqueues for a
// verified event when no MapFunc is set (see Event.Job): the raw body and
// what the request said about it. Handle it with
// queue.Handle[webhook.EventPayload] when the kind is KindEvent, or decode
// it with encoding/json in a queue.HandlerFunc for another kind.
type EventPayload struct {
	Source      string    `json:"source"`       // SignedOptions.Name
	EventID     string    `json:"event_id"`     // the dedup ID (see the package doc)
	ReceivedAt  time.Time `json:"received_at"`  // when the receiver accepted it
	ContentType string    `json:"content_type"` // the request's Content-Type
	// Header holds the request's headers except those that authenticate it
	// (see Event.Header), so that a handler can read an event type sent as a
	// header, such as X-GitHub-Event.
	Header http.Header `json:"header,omitempty"`
	// Body is the request body when it is JSON, as sent.
	Body json.RawMessage `json:"body,omitempty"`
	// RawBody is the request body when it is not JSON (with
	// SignedOptions.AcceptNonJSON); base64 in the job's JSON.
	RawBody []byte `json:"raw_body,omitempty"`
}

// Kind implements queue.Args.
func (EventPayload) Kind() string { return KindEvent }

// Event is a verified webhook, as a MapFunc receives it.
type Event struct {
	Source      string    // SignedOptions.Name
	ID          string    // the event ID jobs are keyed by (see the package doc)
	ReceivedAt  time.Time // when the receiver got it (SignedOptions.Now)
	ContentType string    // the request's Content-Type
	// Header holds the request's headers except Authorization, Cookie,
	// Proxy-Authorization, the verifier's signature headers, and any header
	// whose name mentions a signature, secret, token, key, auth, password
	// or credential.
	Header http.Header
	// Body is the raw request body. It is shared with the receiver: do not
	// modify it.
	Body []byte
}

// Job returns the job the receiver enqueues for e by default: kind (empty
// means KindEvent), an EventPayload of e as payload, and the key
// "<source>:<id>".
func (e Event) Job(kind string) (queue.Job, error) {
	if kind == "" {
		kind = KindEvent
	}
	p := EventPayload{
		Source:      e.Source,
		EventID:     e.ID,
		ReceivedAt:  e.ReceivedAt,
		ContentType: e.ContentType,
		Header:      e.Header,
	}
	if json.Valid(e.Body) {
		p.Body = json.RawMessage(e.Body)
	} else {
		p.RawBody = e.Body
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return queue.Job{}, err
	}
	return queue.Job{Kind: kind, Payload: payload, Key: e.Source + ":" + e.ID}, nil
}

// sensitiveHeader reports whether a header may authenticate a request, and
// so must not be passed on to jobs.
func sensitiveHeader(name string, extra []string) bool {
	canon := http.CanonicalHeaderKey(name)
	switch canon {
	case "Authorization", "Proxy-Authorization", "Cookie":
		return true
	}
	for _, h := range extra {
		if http.CanonicalHeaderKey(h) == canon {
			return true
		}
	}
	lower := strings.ToLower(name)
	for _, word := range []string{"signature", "secret", "token", "key", "auth", "passw", "credential"} {
		if strings.Contains(lower, word) {
			return true
		}
	}
	return false
}

// safeHeader returns a copy of h without its sensitive headers.
func safeHeader(h http.Header, extra []string) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if !sensitiveHeader(k, extra) {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}
