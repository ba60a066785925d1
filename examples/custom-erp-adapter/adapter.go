package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// ERPAdapter connects the ERP's customers API to zohokit's sync engine. It
// is what you write for your own system, and all the engine needs:
//
//   - a sync.Source: the records changed since a cursor, oldest first;
//   - a sync.Sink: writes in batches, one Result per operation, and creates
//     that are idempotent by Op.Key;
//   - a sync.Reader: records by ID, which the engine uses to fetch the other
//     side of a bidirectional pair and to re-read a record before a retry.
//
// It works with sync.Record, whose Fields are the ERP's own field names; the
// pipeline's mapping translates them to and from the other system's. (If
// your ERP comes with a Go SDK and its own structs, sync.Typed bridges an
// adapter written over those structs instead.)
type ERPAdapter struct {
	baseURL string
	client  *http.Client
}

var (
	_ sync.Source = (*ERPAdapter)(nil)
	_ sync.Sink   = (*ERPAdapter)(nil)
	_ sync.Reader = (*ERPAdapter)(nil)
)

// dataType is the one data type this adapter syncs. An adapter of several
// would pick the API path by data type.
const dataType = "customers"

// pageSize is how many changes Changes asks for per call.
const pageSize = 100

// NewERPAdapter returns an adapter of the ERP at baseURL; client nil means
// one with a 30-second timeout.
func NewERPAdapter(baseURL string, client *http.Client) *ERPAdapter {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &ERPAdapter{baseURL: baseURL, client: client}
}

// customer is a customer as the ERP's API sends it.
type customer struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	Phone       string    `json:"phone"`
	UpdatedAt   time.Time `json:"updated_at"`
	Deleted     bool      `json:"deleted"`
	ExternalRef string    `json:"external_ref"`
}

// record is the customer as the engine sees it. The ID, modification time
// and deletion go in the Record's own fields, not in Fields; so does the
// external reference a create stored (Op.Key), as Record.Key: it lets a
// bidirectional pipeline recognise a customer it created but had not linked
// yet when its process stopped.
func (c customer) record() sync.Record {
	return sync.Record{
		ID:       c.ID,
		Fields:   map[string]any{"name": c.Name, "email": c.Email, "phone": c.Phone},
		Modified: c.UpdatedAt,
		Deleted:  c.Deleted,
		Key:      c.ExternalRef,
	}
}

// Changes implements sync.Source: the customers changed after the cursor,
// in (updated_at, id) order, each with the cursor to resume from after it.
//
// The cursor is the engine's time cursor (sync.TimeCursor): with it, the
// engine applies the pipeline's lookback window itself. An empty cursor
// means from the start (the first run's backfill). Deleted customers come as
// tombstones.
func (a *ERPAdapter) Changes(ctx context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		if dt != dataType {
			yield(sync.Change{}, fmt.Errorf("erp: unknown data type %q", dt))
			return
		}
		// A zero time reads from the start; an empty tie-breaker includes
		// every change at that instant (the lookback cursor is so).
		after, afterID, _ := sync.ParseTimeCursor(since)
		for {
			q := url.Values{"limit": {strconv.Itoa(pageSize)}}
			if !after.IsZero() {
				q.Set("since", after.Format(time.RFC3339Nano))
				q.Set("after", afterID)
			}
			var page struct {
				Customers []customer `json:"customers"`
			}
			if err := a.call(ctx, http.MethodGet, "/api/customers?"+q.Encode(), nil, &page); err != nil {
				yield(sync.Change{}, err)
				return
			}
			for _, c := range page.Customers {
				if !yield(sync.Change{Record: c.record(), Cursor: sync.TimeCursor(c.UpdatedAt, c.ID)}, nil) {
					return
				}
				after, afterID = c.UpdatedAt, c.ID
			}
			if len(page.Customers) < pageSize {
				return
			}
		}
	}
}

// Get implements sync.Reader. IDs of no customer are left out, as the
// contract asks; a deleted customer comes back as a tombstone.
func (a *ERPAdapter) Get(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
	if dt != dataType {
		return nil, fmt.Errorf("erp: unknown data type %q", dt)
	}
	var out []sync.Record
	for _, id := range ids {
		var c customer
		err := a.call(ctx, http.MethodGet, "/api/customers/"+url.PathEscape(id), nil, &c)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c.record())
	}
	return out, nil
}

// Write implements sync.Sink: one call per operation (the ERP has no batch
// API), one Result per operation, in order.
//
// A failure of one record (the ERP refused it) is that record's Result.Err
// and the others go on. When the ERP itself is unavailable, the remaining
// operations are not sent, and if nothing was written Write returns the
// error: the engine then stops at its last checkpoint and tries the whole
// batch on the next run, rather than parking every record for retry.
func (a *ERPAdapter) Write(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
	if dt != dataType {
		return nil, fmt.Errorf("erp: unknown data type %q", dt)
	}
	results := make([]sync.Result, len(ops))
	for i, op := range ops {
		res := a.write(ctx, op)
		if res.Err != nil && sync.IsRetryable(res.Err) {
			if i == 0 {
				return nil, res.Err
			}
			for j := i; j < len(ops); j++ {
				results[j].Err = res.Err
			}
			return results, nil
		}
		results[i] = res
	}
	return results, nil
}

// write performs one operation.
func (a *ERPAdapter) write(ctx context.Context, op sync.Op) sync.Result {
	var c customer
	var err error
	switch op.Kind {
	case sync.OpCreate:
		// Idempotent by Op.Key: the ERP upserts on its external reference,
		// so a create sent twice (a crash between the write and the
		// engine's checkpoint, then a retry) updates the customer the first
		// one made instead of making a second.
		if op.Key == "" {
			return sync.Result{Err: errors.New("erp: a create without Op.Key cannot be made idempotent")}
		}
		err = a.call(ctx, http.MethodPut, "/api/customers/ref/"+url.PathEscape(op.Key), op.Fields, &c)
	case sync.OpUpdate:
		// Only the fields that changed.
		err = a.call(ctx, http.MethodPatch, "/api/customers/"+url.PathEscape(op.ID), op.Fields, &c)
	case sync.OpDelete:
		c.ID = op.ID
		err = a.call(ctx, http.MethodDelete, "/api/customers/"+url.PathEscape(op.ID), nil, nil)
		if isNotFound(err) {
			err = nil // already gone: deletes may be repeated
		}
	default:
		err = fmt.Errorf("erp: unknown operation %q", op.Kind)
	}
	if err != nil {
		return sync.Result{ID: op.ID, Err: err}
	}
	// Modified lets the engine recognise this write if it comes back as a
	// change (in a bidirectional pipeline).
	return sync.Result{ID: c.ID, Modified: c.UpdatedAt}
}

// apiError is an error answer of the ERP's API, or no answer at all.
type apiError struct {
	Status int    // the HTTP status; 0 when the ERP did not answer
	Body   string // the start of the answer's body
	Err    error  // the transport's error, when the ERP did not answer
}

func (e *apiError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("erp: no answer: %v", e.Err)
	}
	return fmt.Sprintf("erp: %d %s", e.Status, e.Body)
}

func (e *apiError) Unwrap() error { return e.Err }

// Retryable tells the engine and the queue (sync.IsRetryable) whether
// trying again later can help: yes when the ERP did not answer, throttled
// or failed; no when it refused the record (fix the data, then requeue).
func (e *apiError) Retryable() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

func isNotFound(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// call sends one request with an optional JSON body and decodes a JSON
// answer into out (when not nil).
func (a *ERPAdapter) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("erp: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.baseURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return &apiError{Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		text, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &apiError{Status: resp.StatusCode, Body: string(bytes.TrimSpace(text))}
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
