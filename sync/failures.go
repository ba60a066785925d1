package sync

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
)

// Kinds of the queue jobs the engine handles (RegisterJobs).
const (
	// RetryKind is a failed record held for retry: its handler re-reads the
	// record and syncs it again.
	RetryKind = "zohokit.sync.retry"
	// PushKind is a push event (PushJob), typically enqueued by a webhook
	// receiver so that it can answer at once.
	PushKind = "zohokit.sync.push"
)

// IdempotencyKey is the Op.Key of the create that syncs the record id on
// side from of the pipeline: the same for every attempt, in every process,
// so that a Sink can refuse to create a second record for it.
//
// It is 39 ASCII characters, short enough for any external-ID field (a Zoho
// Books reference_number, a CRM single-line field): "zk2-", 8 characters
// that tell the pipeline and the side (KeyFrom reads them back), "-", and
// 26 characters of a hash of the pipeline, the side and the ID, all of
// [a-z2-7]. Systems that keep the key (Record.Key) let a bidirectional
// pipeline recognise a record it created itself before its link was
// checkpointed, so that it does not sync it back as a new record.
//
// Earlier development versions made "zk1-" keys, which carry no pipeline
// tag; no release made them, and KeyFrom does not recognise them.
func IdempotencyKey(pipeline string, from store.Side, id string) string {
	h := sha256.Sum256([]byte(pipeline + "\x00" + string(from) + "\x00" + id))
	return keyPrefix + keyTag(pipeline, from) + "-" + keyText(h[:], keyHashLen)
}

// The layout of an IdempotencyKey: prefix, tag, "-", hash.
const (
	keyPrefix  = "zk2-"
	keyTagLen  = 8
	keyHashLen = 26
	keyLen     = len(keyPrefix) + keyTagLen + 1 + keyHashLen
)

// keyTag is the part of a key that names the pipeline and the side the
// record created came from.
func keyTag(pipeline string, from store.Side) string {
	h := sha256.Sum256([]byte("zohokit key tag\x00" + pipeline + "\x00" + string(from)))
	return keyText(h[:], keyTagLen)
}

// keyText renders the first n characters of b in lower-case base32.
func keyText(b []byte, n int) string {
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:n])
}

// KeyFrom tells whether key is an IdempotencyKey that the named pipeline
// made, and for creates from which side: a record on one side whose
// Record.Key was made from the other side is a record the pipeline created
// there. It is false for keys of other pipelines, keys of any other form,
// and the empty key.
func KeyFrom(pipeline, key string) (from store.Side, ok bool) {
	if !IsIdempotencyKey(key) {
		return "", false
	}
	tag := key[len(keyPrefix) : len(keyPrefix)+keyTagLen]
	for _, s := range []store.Side{store.Left, store.Right} {
		if tag == keyTag(pipeline, s) {
			return s, true
		}
	}
	return "", false
}

// IsIdempotencyKey reports whether s has the form of an IdempotencyKey, of
// any pipeline. An adapter whose system uses the key as the record's ID
// (csvadapter's outbox) reports such IDs as the records' Record.Key.
func IsIdempotencyKey(s string) bool {
	if len(s) != keyLen || !strings.HasPrefix(s, keyPrefix) || s[len(keyPrefix)+keyTagLen] != '-' {
		return false
	}
	for i := len(keyPrefix); i < len(s); i++ {
		c := s[i]
		if i != len(keyPrefix)+keyTagLen && !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// jobArgs is the payload of RetryKind and PushKind jobs.
type jobArgs struct {
	Pipeline string `json:"pipeline"`
	Event
}

// retryJob is the job that holds a failed record: retryable failures get
// the pipeline's RetryAttempts, others one more attempt (then they are dead,
// waiting for a person to fix the data and requeue them).
func (p *Pipeline) retryJob(f pending, origin string) (queue.Job, error) {
	payload, err := json.Marshal(jobArgs{Pipeline: p.cfg.Name, Event: Event{Side: f.side, ID: f.id}})
	if err != nil {
		return queue.Job{}, err
	}
	j := queue.Job{
		Kind: RetryKind, Payload: payload,
		Key: fmt.Sprintf("%s/%s/%s/%s/%s", RetryKind, p.cfg.Name, f.side, f.id, origin),
	}
	if f.Retryable {
		j.MaxAttempts = p.cfg.RetryAttempts
		if p.cfg.RetryDelay > 0 {
			j.RunAt = p.clock.Now().Add(p.cfg.RetryDelay)
		}
	} else {
		j.MaxAttempts = 1
	}
	return j, nil
}

// PushJob returns a queue job that pushes ev through the named pipeline
// when a Worker with RegisterJobs runs it: what a webhook receiver enqueues.
// opts may be nil; set opts.Key to the webhook's delivery ID to drop
// duplicate deliveries.
func PushJob(pipeline string, ev Event, opts *queue.JobOptions) (queue.Job, error) {
	if pipeline == "" {
		return queue.Job{}, errors.New("sync: PushJob: pipeline is empty")
	}
	if err := ev.validate(); err != nil {
		return queue.Job{}, fmt.Errorf("sync: PushJob: %w", err)
	}
	payload, err := json.Marshal(jobArgs{Pipeline: pipeline, Event: ev})
	if err != nil {
		return queue.Job{}, fmt.Errorf("sync: PushJob: %w", err)
	}
	j := queue.Job{Kind: PushKind, Payload: payload}
	if opts != nil {
		j.Key, j.RunAt, j.MaxAttempts = opts.Key, opts.RunAt, opts.MaxAttempts
	}
	return j, nil
}

// RegisterJobs registers the handlers of RetryKind and PushKind on w for
// the given pipelines (call it once per Worker, before Worker.Run). A job
// of an unknown pipeline is dead at once.
//
// A handler re-reads the record (a push job may carry it, for its first
// attempt only) and syncs it as Push does. A retryable failure fails the
// attempt (the Worker's backoff applies, then the job is dead after its last
// attempt); any other failure makes the job dead at once, for a person to
// fix the data and requeue it.
func RegisterJobs(w *queue.Worker, pipelines ...*Pipeline) error {
	if w == nil {
		return errors.New("sync: RegisterJobs: worker is nil")
	}
	byName := make(map[string]*Pipeline, len(pipelines))
	for i, p := range pipelines {
		if p == nil {
			return fmt.Errorf("sync: RegisterJobs: pipeline %d is nil", i)
		}
		if _, dup := byName[p.cfg.Name]; dup {
			return fmt.Errorf("sync: RegisterJobs: two pipelines are named %q", p.cfg.Name)
		}
		byName[p.cfg.Name] = p
	}
	handler := func(reRead bool) queue.HandlerFunc {
		return func(ctx context.Context, j queue.Job) error {
			var args jobArgs
			if err := decodeJSON(j.Payload, &args); err != nil {
				return queue.GiveUp(fmt.Errorf("sync: decode %s job: %w", j.Kind, err))
			}
			p, ok := byName[args.Pipeline]
			if !ok {
				return queue.GiveUp(fmt.Errorf("sync: %s job for unknown pipeline %q", j.Kind, args.Pipeline))
			}
			// A carried record is the version the event delivered: only the
			// job's first attempt may use it. A retry (or a requeued dead
			// job) re-reads the record, which may have changed since, when
			// the side has a Reader to read it with.
			retry := j.Attempt > 1 || j.LastError != ""
			side := args.Side
			if side == "" {
				side = store.Left
			}
			if reRead || (retry && args.Record != nil && p.side(side).Reader != nil) {
				args.ID, args.Record = args.id(), nil
			}
			return p.handleJob(ctx, args.Event)
		}
	}
	if err := w.HandleRaw(RetryKind, handler(true), nil); err != nil {
		return fmt.Errorf("sync: RegisterJobs: %w", err)
	}
	if err := w.HandleRaw(PushKind, handler(false), nil); err != nil {
		return fmt.Errorf("sync: RegisterJobs: %w", err)
	}
	return nil
}

// handleJob runs one attempt of a retry or push job.
func (p *Pipeline) handleJob(ctx context.Context, ev Event) error {
	rep, err := p.syncRecord(ctx, ev, modeJob)
	if err != nil {
		if errors.Is(err, ErrInvalidEvent) {
			return queue.GiveUp(err)
		}
		return err
	}
	if rep.Counts.Failed == 0 {
		return nil
	}
	f := rep.Failures[0]
	cause := &failureError{msg: fmt.Sprintf("sync: pipeline %q: %s", p.cfg.Name, f), err: f.Err}
	if f.Retryable {
		return cause
	}
	return queue.GiveUp(cause)
}

// failureError is a job's failed attempt: the failure's description, which
// already holds the error's text, wrapping the error itself, so that the
// queue sees what it can do (a wait the server asked for, through a
// RetryAfter() method).
type failureError struct {
	msg string
	err error
}

func (e *failureError) Error() string { return e.msg }
func (e *failureError) Unwrap() error { return e.err }
