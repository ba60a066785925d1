package sync

import (
	"context"
	"errors"
	"iter"
	"time"
)

// Record is one entity as one system sees it.
type Record struct {
	// ID is the record's native ID in its system.
	ID string
	// Fields holds the record's fields as JSON-like values (nil, bool,
	// string, json.Number or other numbers, []any, map[string]any, and
	// time.Time), in the system's own field names. Pipelines map them to the
	// other side with a transform.Mapping.
	Fields map[string]any
	// Modified is the system's own modification time of the record; zero
	// when the system does not say.
	Modified time.Time
	// Deleted marks a tombstone: the record was deleted in its system.
	Deleted bool
	// Key is the idempotency key (Op.Key) of the create that made the
	// record, when the system keeps it (the external-ID field or key column
	// a Sink upserts on); empty otherwise, and for records the system's
	// users created. Sources and Readers of systems that keep it should
	// fill it: a bidirectional pipeline uses it to recognise a record it
	// created itself whose link is not checkpointed yet (a crash between
	// the write and the checkpoint, or an event about the new record
	// arriving before the checkpoint), and does not sync that record back
	// as a new one (see KeyFrom). Tombstones need not carry it.
	Key string
}

// Cursor is an opaque position in a source's change stream: a timestamp, a
// timestamp and an ID, a log sequence number. Only the Source that produced
// it interprets it. The empty Cursor means "from the beginning" (a backfill).
type Cursor string

// Change is a record read from a Source together with the cursor to resume
// from after it has been processed.
type Change struct {
	Record Record
	Cursor Cursor
}

// Source reads what changed in a system. Adapters implement it for each
// system (adapters/ provides Zoho CRM, Zoho Books, SQL tables and CSV
// folders; users write their ERP's).
type Source interface {
	// Changes yields the records of dataType changed since the cursor, in
	// the order of their cursors, each with the cursor to resume from after
	// it. Records whose change time equals the cursor's may be yielded again
	// (inclusive cursors are safe: the engine skips unchanged records by
	// hash). It yields an error once and stops.
	Changes(ctx context.Context, dataType string, since Cursor) iter.Seq2[Change, error]
}

// OpKind says what an Op does.
type OpKind string

// The kinds of write operation.
const (
	OpCreate OpKind = "create"
	OpUpdate OpKind = "update"
	OpDelete OpKind = "delete"
)

// Op is one write to a Sink.
type Op struct {
	Kind OpKind
	// ID is the target record's ID, required for update and delete, empty
	// for create.
	ID string
	// Key is an idempotency key for creates, derived from the source record
	// (pipeline and source ID). A Sink must not create two records for the
	// same Key: it upserts on an external-ID field that holds the Key, or
	// looks the Key up before creating. The engine's link table prevents
	// duplicates in normal operation; the Key is what prevents them when a
	// process dies after a write and before its checkpoint. A system that
	// stores it should give it back as the record's Record.Key. Keys are
	// ASCII, without spaces, at most 40 characters (IdempotencyKey).
	Key string
	// Fields are the fields to write, in the target's field names. For an
	// update only the fields that change are given.
	Fields map[string]any
}

// Result is the outcome of one Op, in the order of the Ops.
type Result struct {
	// ID is the target record's ID: the new ID for a create.
	ID string
	// Modified is the target's modification time after the write, when the
	// target reports it (it lets the engine recognise its own write when it
	// comes back as a change).
	Modified time.Time
	// Err is the failure of this one operation, nil on success. Errors that
	// are worth retrying report it through a Retryable() bool method.
	Err error
}

// Sink writes to a system in batches.
type Sink interface {
	// Write performs ops and returns one Result per op, in order. A non-nil
	// error means the whole batch failed (nothing is known to be written)
	// and is retried as a whole when retryable. Writes may be repeated
	// (delivery is at least once): deleting a record that no longer exists
	// succeeds.
	Write(ctx context.Context, dataType string, ops []Op) ([]Result, error)
}

// Reader reads records by ID. The engine uses it to re-read a record before
// retrying a failed write and to fetch the other side of a link.
type Reader interface {
	// Get returns the records with the given IDs that exist; IDs that do not
	// exist are left out (not an error).
	Get(ctx context.Context, dataType string, ids []string) ([]Record, error)
}

// IsRetryable reports whether err is worth retrying: it, or an error it
// wraps, has a Retryable() bool method that answers true, or it is a
// deadline.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return errors.Is(err, context.DeadlineExceeded)
}
