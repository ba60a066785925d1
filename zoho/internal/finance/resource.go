package finance

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// Resource is one REST resource of Books or Inventory ("/invoices", each
// record under "invoice"): the list, get, create, update, delete and
// action calls behind the packages' services, with their errors prefixed
// ("books: get invoice 123: ...").
type Resource[T any] struct {
	C *Client
	// Path is the collection ("/invoices"); One the member holding one
	// record in answers ("invoice"); Name the record in messages.
	Path, One, Name string
	// Write encodes a record for a create or an update (the members Zoho
	// computes left out). Nil means the resource is read-only.
	Write func(T) (json.RawMessage, error)
	// Stamp returns a record's id and last_modified_time, for incremental
	// lists.
	Stamp func(T) (id string, modified time.Time)
}

func (r Resource[T]) errorf(err error, verb, id string) error {
	if err == nil {
		return nil
	}
	if id == "" {
		return fmt.Errorf("%s: %s %s: %w", r.C.name, verb, r.Name, err)
	}
	return fmt.Errorf("%s: %s %s %s: %w", r.C.name, verb, r.Name, id, err)
}

// List yields the records of the list key ("invoices") for the options p
// and the filters, given as name, value pairs (empty values are left out).
func (r Resource[T]) List(ctx context.Context, key string, p ListParams, filters ...string) iter.Seq2[T, error] {
	q, err := BuildQuery(p)
	if err != nil {
		return ErrSeq[T](fmt.Errorf("%s: list %s: %w", r.C.name, key, err))
	}
	for i := 0; i+1 < len(filters); i += 2 {
		SetFilter(q, filters[i], filters[i+1])
	}
	return List(ctx, r.C, NewSpec(r.Path, key, p, q, r.Stamp))
}

// Get reads one record.
func (r Resource[T]) Get(ctx context.Context, id string) (T, *zoho.Response, error) {
	path, err := Path(r.Path, id)
	if err != nil {
		var zero T
		return zero, nil, r.errorf(err, "get", "")
	}
	v, resp, err := Get[T](ctx, r.C, path, r.One)
	return v, resp, r.errorf(err, "get", id)
}

// Create creates a record (query: the call's options) and returns it as
// Zoho stored it.
func (r Resource[T]) Create(ctx context.Context, v T, query url.Values) (T, *zoho.Response, error) {
	var zero T
	if r.Write == nil {
		return zero, nil, r.errorf(fmt.Errorf("the resource is read-only"), "create", "")
	}
	body, err := r.Write(v)
	if err != nil {
		return zero, nil, r.errorf(err, "create", "")
	}
	out, resp, err := Write[T](ctx, r.C, Call{Method: "POST", Path: r.Path, Query: query, Body: body}, r.One)
	return out, resp, r.errorf(err, "create", "")
}

// Update changes a record (PUT) and returns it as Zoho stored it.
func (r Resource[T]) Update(ctx context.Context, id string, v T) (T, *zoho.Response, error) {
	var zero T
	path, err := Path(r.Path, id)
	if err != nil {
		return zero, nil, r.errorf(err, "update", "")
	}
	if r.Write == nil {
		return zero, nil, r.errorf(fmt.Errorf("the resource is read-only"), "update", id)
	}
	body, err := r.Write(v)
	if err != nil {
		return zero, nil, r.errorf(err, "update", id)
	}
	out, resp, err := Write[T](ctx, r.C, Call{Method: "PUT", Path: path, Body: body}, r.One)
	return out, resp, r.errorf(err, "update", id)
}

// Delete deletes a record.
func (r Resource[T]) Delete(ctx context.Context, id string) (*zoho.Response, error) {
	path, err := Path(r.Path, id)
	if err != nil {
		return nil, r.errorf(err, "delete", "")
	}
	resp, err := r.C.Send(ctx, Call{Method: "DELETE", Path: path}, nil)
	return resp, r.errorf(err, "delete", id)
}

// Action POSTs body (nil for none) to <Path>/<id>/<rest...>
// ("/invoices/123/status/sent"); verb names it in errors ("mark sent").
func (r Resource[T]) Action(ctx context.Context, id, verb string, idempotent bool, body any, rest ...string) (*zoho.Response, error) {
	path, err := Path(r.Path, id, rest...)
	if err != nil {
		return nil, r.errorf(err, verb, "")
	}
	resp, err := r.C.Send(ctx, Call{Method: "POST", Path: path, Body: body, Idempotent: idempotent}, nil)
	return resp, r.errorf(err, verb, id)
}
