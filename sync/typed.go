package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"
)

// TypedChange is a change of a typed adapter: the value as the user's own
// struct.
type TypedChange[T any] struct {
	Value   T
	Deleted bool // a tombstone; Value needs only what the Codec reads the ID from
	Cursor  Cursor
}

// TypedOp is a write to a typed adapter.
type TypedOp[T any] struct {
	Kind OpKind
	ID   string // the record's ID, for updates and deletes
	Key  string // the idempotency key, for creates (see Op.Key)
	// Value holds the fields to write, decoded by the Codec; for an update
	// only the fields named in Fields are set (others have their zero
	// values).
	Value T
	// Fields names the fields (top-level keys of the record) the op writes.
	Fields []string
}

// TypedSource is a Source over a user's own type T. A typed adapter
// implements the ones of TypedSource, TypedSink and TypedReader its system
// needs; Typed bridges it to the engine.
type TypedSource[T any] interface {
	Changes(ctx context.Context, dataType string, since Cursor) iter.Seq2[TypedChange[T], error]
}

// TypedSink writes values of T; see TypedSource.
type TypedSink[T any] interface {
	Write(ctx context.Context, dataType string, ops []TypedOp[T]) ([]Result, error)
}

// TypedReader reads values of T by ID; see TypedSource.
type TypedReader[T any] interface {
	Get(ctx context.Context, dataType string, ids []string) ([]T, error)
}

// Codec converts between a user's type and the engine's Record.
type Codec[T any] interface {
	// Encode returns v as a Record (ID, Fields, Modified, and Key when T
	// holds the idempotency key of the create that made it: see
	// Record.Key).
	Encode(v T) (Record, error)
	// Decode returns the value holding fields.
	Decode(fields map[string]any) (T, error)
}

// JSONCodec returns a Codec that converts through T's JSON form (its
// struct tags name the fields), reading the ID and modification time with
// the given functions; modified may be nil.
func JSONCodec[T any](id func(T) string, modified func(T) time.Time) Codec[T] {
	return jsonCodec[T]{id: id, modified: modified}
}

type jsonCodec[T any] struct {
	id       func(T) string
	modified func(T) time.Time
}

func (c jsonCodec[T]) Encode(v T) (Record, error) {
	if c.id == nil {
		return Record{}, errors.New("sync: JSONCodec: the ID function is nil")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Record{}, fmt.Errorf("sync: JSONCodec: encode %T: %w", v, err)
	}
	var fields map[string]any
	if err := decodeJSON(b, &fields); err != nil {
		return Record{}, fmt.Errorf("sync: JSONCodec: %T is not a JSON object: %w", v, err)
	}
	r := Record{ID: c.id(v), Fields: fields}
	if c.modified != nil {
		r.Modified = c.modified(v)
	}
	return r, nil
}

func (c jsonCodec[T]) Decode(fields map[string]any) (T, error) {
	var v T
	b, err := json.Marshal(fields)
	if err != nil {
		return v, fmt.Errorf("sync: JSONCodec: encode fields: %w", err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("sync: JSONCodec: decode %T: %w", v, err)
	}
	return v, nil
}

// TypedAdapter bridges a typed adapter to Source, Sink and Reader (made by
// Typed). Use it as a Side's Source, Sink and Reader; New reports a role the
// typed adapter does not implement.
type TypedAdapter[T any] struct {
	source TypedSource[T]
	sink   TypedSink[T]
	reader TypedReader[T]
	codec  Codec[T]
}

var (
	_ Source = (*TypedAdapter[struct{}])(nil)
	_ Sink   = (*TypedAdapter[struct{}])(nil)
	_ Reader = (*TypedAdapter[struct{}])(nil)
)

// Typed bridges adapter, which implements any of TypedSource[T],
// TypedSink[T] and TypedReader[T], to the engine through codec:
//
//	erp := sync.Typed[erp.Customer](myAdapter, sync.JSONCodec(customerID, customerModified))
//	side := sync.Side{System: "ERP", Source: erp, Sink: erp, Reader: erp}
func Typed[T any](adapter any, codec Codec[T]) *TypedAdapter[T] {
	a := &TypedAdapter[T]{codec: codec}
	a.source, _ = adapter.(TypedSource[T])
	a.sink, _ = adapter.(TypedSink[T])
	a.reader, _ = adapter.(TypedReader[T])
	return a
}

// problem and lacks let New report a misconfigured bridge.
func (a *TypedAdapter[T]) problem() string {
	var zero T
	switch {
	case a.codec == nil:
		return fmt.Sprintf("the Typed[%T] adapter has no Codec", zero)
	case a.source == nil && a.sink == nil && a.reader == nil:
		return fmt.Sprintf("the Typed[%T] adapter implements none of TypedSource, TypedSink and TypedReader of that type", zero)
	}
	return ""
}

func (a *TypedAdapter[T]) lacks(role string) bool {
	switch role {
	case "Source":
		return a.source == nil
	case "Sink":
		return a.sink == nil
	default:
		return a.reader == nil
	}
}

// ErrUnsupported is returned by a TypedAdapter asked for a role its typed
// adapter does not implement.
var ErrUnsupported = errors.New("sync: the adapter does not support this operation")

// Changes implements Source.
func (a *TypedAdapter[T]) Changes(ctx context.Context, dataType string, since Cursor) iter.Seq2[Change, error] {
	return func(yield func(Change, error) bool) {
		if a.source == nil || a.codec == nil {
			yield(Change{}, fmt.Errorf("changes: %w", ErrUnsupported))
			return
		}
		for tc, err := range a.source.Changes(ctx, dataType, since) {
			if err != nil {
				yield(Change{}, err)
				return
			}
			rec, err := a.codec.Encode(tc.Value)
			if err != nil {
				yield(Change{}, err)
				return
			}
			rec.Deleted = tc.Deleted
			if !yield(Change{Record: rec, Cursor: tc.Cursor}, nil) {
				return
			}
		}
	}
}

// Write implements Sink.
func (a *TypedAdapter[T]) Write(ctx context.Context, dataType string, ops []Op) ([]Result, error) {
	if a.sink == nil || a.codec == nil {
		return nil, fmt.Errorf("write: %w", ErrUnsupported)
	}
	typed := make([]TypedOp[T], len(ops))
	for i, op := range ops {
		v, err := a.codec.Decode(op.Fields)
		if err != nil {
			return nil, err
		}
		typed[i] = TypedOp[T]{Kind: op.Kind, ID: op.ID, Key: op.Key, Value: v, Fields: slices.Sorted(maps.Keys(op.Fields))}
	}
	return a.sink.Write(ctx, dataType, typed)
}

// Get implements Reader.
func (a *TypedAdapter[T]) Get(ctx context.Context, dataType string, ids []string) ([]Record, error) {
	if a.reader == nil || a.codec == nil {
		return nil, fmt.Errorf("get: %w", ErrUnsupported)
	}
	vs, err := a.reader.Get(ctx, dataType, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(vs))
	for _, v := range vs {
		rec, err := a.codec.Encode(v)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
