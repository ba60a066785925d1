package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/zohokit/zohokit/zoho"
)

// MaxWriteRecords is the most records (or ids) Zoho takes per write call;
// writes of more are split into calls of this size.
const MaxWriteRecords = 100

// Automation a write may trigger, for WriteOptions.Trigger.
const (
	TriggerWorkflow  = "workflow"
	TriggerApproval  = "approval"
	TriggerBlueprint = "blueprint"
)

// WriteOptions tunes an insert, update or upsert. The zero value runs
// Zoho's default automation and splits writes into calls of 100 records.
type WriteOptions struct {
	// Trigger lists the automation Zoho runs for the written records
	// (TriggerWorkflow, TriggerApproval, TriggerBlueprint). nil sends no
	// "trigger", and Zoho runs all of it; an empty non-nil slice sends
	// "trigger": [] and Zoho runs none, as NoTriggers does.
	Trigger []string
	// NoTriggers sends "trigger": [] so that Zoho fires no workflow rule,
	// approval or blueprint: the usual choice for a sync, whose writes must
	// not cause side effects (emails, field updates that echo back).
	NoTriggers bool
	// DuplicateCheckFields (upsert only) are the fields, in order, by which
	// Zoho finds the record to update; empty means Zoho's defaults (the
	// module's system unique fields, e.g. Email for Contacts, then the
	// user-defined unique fields).
	DuplicateCheckFields []string
	// ChunkSize is the records per call, 1..100; zero means 100.
	ChunkSize int
}

// DeleteOptions tunes a delete.
type DeleteOptions struct {
	// NoTriggers sends wf_trigger=false: Zoho runs no workflow rule on the
	// deletion.
	NoTriggers bool
	// ChunkSize is the ids per call, 1..100; zero means 100.
	ChunkSize int
}

// Insert creates records, in calls of up to 100, and returns one Result per
// record in the order given (Result.ID is the new id). Zoho answers 201 when
// all were created and 207 when some were refused: a refused record's
// Result has a *RecordError, and the others are written. The error is nil
// unless whole calls failed (see WriteError; their records' Results carry
// the call's error) or the arguments are invalid (then no call is made and
// the Results are nil).
//
// An insert is not idempotent: a call whose answer is lost (5xx, network
// error) is not retried, since Zoho may have created the records. Upsert is
// safe to retry.
func (s *RecordsService) Insert(ctx context.Context, module string, records []Record, opts *WriteOptions) ([]Result, error) {
	return writeRecords(ctx, s.c, opInsert, module, records, opts)
}

// Update changes records by id (each Record must carry its "id"); only the
// fields present are changed, and a nil value clears a field. Results and
// error as for Insert.
func (s *RecordsService) Update(ctx context.Context, module string, records []Record, opts *WriteOptions) ([]Result, error) {
	return writeRecords(ctx, s.c, opUpdate, module, records, opts)
}

// Upsert inserts each record, or updates the record that has the same
// value in a duplicate-check field (WriteOptions.DuplicateCheckFields);
// Result.Action says which happened. Upserts are idempotent, so calls are
// retried after 5xx and network errors. Results and error as for Insert.
func (s *RecordsService) Upsert(ctx context.Context, module string, records []Record, opts *WriteOptions) ([]Result, error) {
	return writeRecords(ctx, s.c, opUpsert, module, records, opts)
}

// Delete deletes records by id, in calls of up to 100 ids, and returns one
// Result per id in the order given. Results and error as for Insert.
func (s *RecordsService) Delete(ctx context.Context, module string, ids []string, opts *DeleteOptions) ([]Result, error) {
	return deleteRecords(ctx, s.c, module, ids, opts)
}

// writeOp is one kind of record write.
type writeOp struct {
	name       string
	method     string
	suffix     string // path after /{module}
	idempotent bool
}

var (
	opInsert = writeOp{name: "insert", method: http.MethodPost}
	opUpdate = writeOp{name: "update", method: http.MethodPut}
	opUpsert = writeOp{name: "upsert", method: http.MethodPost, suffix: "/upsert", idempotent: true}
)

// writeBody is Zoho's Body_Wrapper. Trigger is a pointer so that an empty
// list is sent as [] while nil leaves it out.
type writeBody[T any] struct {
	Data                 []T       `json:"data"`
	Trigger              *[]string `json:"trigger,omitempty"`
	DuplicateCheckFields []string  `json:"duplicate_check_fields,omitempty"`
}

func chunkSize(name string, n int) (int, error) {
	switch {
	case n < 0 || n > MaxWriteRecords:
		return 0, fmt.Errorf("%s %d is outside 1..%d", name, n, MaxWriteRecords)
	case n == 0:
		return MaxWriteRecords, nil
	}
	return n, nil
}

func writeRecords[T any](ctx context.Context, c *Client, op writeOp, module string, records []T, opts *WriteOptions) ([]Result, error) {
	fail := func(err error) ([]Result, error) { return nil, fmt.Errorf("crm: %s %s: %w", op.name, module, err) }
	if err := checkModule(module); err != nil {
		return fail(err)
	}
	var o WriteOptions
	if opts != nil {
		o = *opts
	}
	size, err := chunkSize("WriteOptions.ChunkSize", o.ChunkSize)
	if err != nil {
		return fail(err)
	}
	body := writeBody[T]{}
	switch {
	case o.NoTriggers && len(o.Trigger) > 0:
		return fail(errors.New("WriteOptions.NoTriggers and WriteOptions.Trigger are both set"))
	case o.NoTriggers:
		body.Trigger = &[]string{}
	case o.Trigger != nil:
		t := append([]string{}, o.Trigger...)
		body.Trigger = &t
	}
	if len(o.DuplicateCheckFields) > 0 {
		if op != opUpsert {
			return fail(fmt.Errorf("WriteOptions.DuplicateCheckFields applies to upsert only, not %s", op.name))
		}
		if _, err := checkFields("WriteOptions.DuplicateCheckFields", o.DuplicateCheckFields, false); err != nil {
			return fail(err)
		}
		body.DuplicateCheckFields = append([]string{}, o.DuplicateCheckFields...)
	}
	return runChunks(ctx, op.name, module, len(records), size, func(ctx context.Context, first, end int, results []Result) error {
		b := body
		b.Data = records[first:end]
		req, err := c.newRequest(op.method, "/"+module+op.suffix, nil, b)
		if err != nil {
			return err
		}
		req.Idempotent = op.idempotent
		return c.sendWrite(ctx, req, op.name, module, first, end, results)
	})
}

func deleteRecords(ctx context.Context, c *Client, module string, ids []string, opts *DeleteOptions) ([]Result, error) {
	fail := func(err error) ([]Result, error) { return nil, fmt.Errorf("crm: delete %s: %w", module, err) }
	if err := checkModule(module); err != nil {
		return fail(err)
	}
	var o DeleteOptions
	if opts != nil {
		o = *opts
	}
	size, err := chunkSize("DeleteOptions.ChunkSize", o.ChunkSize)
	if err != nil {
		return fail(err)
	}
	for i, id := range ids {
		if err := checkID(id); err != nil {
			return fail(fmt.Errorf("ids[%d]: %w", i, err))
		}
	}
	return runChunks(ctx, "delete", module, len(ids), size, func(ctx context.Context, first, end int, results []Result) error {
		q := url.Values{"ids": {strings.Join(ids[first:end], ",")}}
		if o.NoTriggers {
			q.Set("wf_trigger", "false")
		}
		req, err := c.newRequest(http.MethodDelete, "/"+module, q, nil)
		if err != nil {
			return err
		}
		return c.sendWrite(ctx, req, "delete", module, first, end, results)
	})
}

// runChunks splits n records into calls of size and runs call for each, in
// order. A call that fails as a whole fills its records' Results with its
// error; the write goes on with the next call unless the failure would hit
// every call (see stopsAll), in which case the remaining calls are not sent.
func runChunks(ctx context.Context, op, module string, n, size int, call func(ctx context.Context, first, end int, results []Result) error) ([]Result, error) {
	results := make([]Result, n)
	calls := (n + size - 1) / size
	var failed []CallFailure
	var stop error
	for first := 0; first < n; first += size {
		end := min(first+size, n)
		if stop == nil {
			stop = ctx.Err()
		}
		if stop != nil {
			callFailed(results, first, end, fmt.Errorf("crm: %s %s: records %d-%d not sent: %w", op, module, first, end-1, stop))
			failed = append(failed, CallFailure{First: first, End: end, Err: stop})
			continue
		}
		if err := call(ctx, first, end, results); err != nil {
			callFailed(results, first, end, fmt.Errorf("crm: %s %s: records %d-%d: %w", op, module, first, end-1, err))
			failed = append(failed, CallFailure{First: first, End: end, Sent: !neverSent(err), Err: err})
			if stopsAll(err) {
				stop = err
			}
		}
	}
	if len(failed) > 0 {
		return results, &WriteError{Op: op, Module: module, Records: n, Calls: calls, Failed: failed}
	}
	return results, nil
}

// stopsAll reports whether a call's failure would fail every later call
// of the same write too.
func stopsAll(err error) bool {
	for _, target := range []error{context.Canceled, context.DeadlineExceeded, zoho.ErrUnauthorized, zoho.ErrForbidden,
		zoho.ErrRateLimited, zoho.ErrTokenLimit, zoho.ErrTokenThrottled} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// sendWrite sends one write call and fills results[first:end] from Zoho's
// per-record answer.
func (c *Client) sendWrite(ctx context.Context, req *zoho.Request, op, module string, first, end int, results []Result) error {
	n := end - first
	req.Check = checkWrite(n)
	var env struct {
		Data []rawResult `json:"data"`
	}
	resp, err := c.zc.Do(ctx, req, &env)
	if err != nil {
		return err
	}
	if len(env.Data) != n {
		return fmt.Errorf("zoho answered %d results for %d records (HTTP %d)", len(env.Data), n, resp.StatusCode)
	}
	for i, r := range env.Data {
		results[first+i] = r.toResult(op, module, first+i)
	}
	return nil
}

// checkWrite accepts, besides 2xx, the 400 with which Zoho answers a write
// whose every record failed: its data array holds the per-record errors,
// one for each of the n records, which are results rather than a failure
// of the call.
func checkWrite(n int) zoho.CheckFunc {
	return func(resp *http.Response, body []byte) error {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return nil
		}
		if resp.StatusCode == http.StatusBadRequest {
			var env struct {
				Data []struct {
					Code   string `json:"code"`
					Status string `json:"status"`
				} `json:"data"`
			}
			if json.Unmarshal(body, &env) == nil && len(env.Data) == n && n > 0 {
				perRecord := true
				for _, d := range env.Data {
					if d.Code == "" {
						perRecord = false
					}
				}
				if perRecord {
					return nil
				}
			}
		}
		return zoho.CheckResponse(resp, body)
	}
}

// neverSent reports whether a call's error means Zoho never acted on the
// request: a local rate limit or mint limit refused it before it left, or no
// access token could be had (Zoho's token endpoint refused), so at most an
// earlier attempt reached Zoho and was itself refused (429, 401). An insert
// that failed so is safe to send again.
func neverSent(err error) bool {
	var le *zoho.LimitError
	var tle *zoho.TokenLimitError
	var oe *zoho.OAuthError
	return errors.As(err, &le) || errors.As(err, &tle) || errors.As(err, &oe)
}
