package crm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zohokit/zohokit/zoho"
)

// Result is the outcome of one record of a write (insert, update, upsert or
// delete), at the record's position in the request. A write returns one
// Result per record, in request order, across however many calls it took.
type Result struct {
	// Index is the record's position in the slice given to the write.
	Index int
	// ID is the record's id: the new id of an inserted record
	// (data[i].details.id), the id of an updated, upserted or deleted one.
	// Empty when the record failed.
	ID string
	// Status is Zoho's "success" or "error"; Code is its code ("SUCCESS",
	// "MANDATORY_NOT_FOUND", "DUPLICATE_DATA", ...), or the code of the
	// call's error when the whole call failed; Message is Zoho's message.
	Status  string
	Code    string
	Message string
	// Details is Zoho's details object, raw (for an error it names the
	// field: {"api_name":"Last_Name","json_path":"$.data[0].Last_Name"}).
	Details json.RawMessage
	// Action is what an upsert did: "insert" or "update" (empty for the
	// other writes).
	Action string
	// DuplicateField is the field by which an upsert found the record it
	// updated ("Email"); empty when it inserted.
	DuplicateField string
	// CreatedTime and ModifiedTime are the record's times after the write,
	// as Zoho reported them (zero when it did not).
	CreatedTime  Time
	ModifiedTime Time
	// Err is nil for a record written; otherwise a *RecordError (Zoho
	// refused this record) or the error of the whole call that carried it
	// (see WriteError).
	Err error
}

// OK reports whether the record was written.
func (r Result) OK() bool { return r.Err == nil }

// RecordError is Zoho's refusal of one record of a write, such as
// MANDATORY_NOT_FOUND for a contact without Last_Name, while the other
// records of the call may have succeeded (HTTP 207). It matches the zoho
// sentinels for its code with errors.Is: zoho.ErrInvalidData (INVALID_DATA,
// MANDATORY_NOT_FOUND, ...), zoho.ErrDuplicate (DUPLICATE_DATA),
// zoho.ErrForbidden (NO_PERMISSION), zoho.ErrNotFound.
type RecordError struct {
	Op      string // "insert", "update", "upsert", "delete"
	Module  string
	Index   int // the record's position in the write
	Code    string
	Message string
	// APIName is the field Zoho named in the details, when it did.
	APIName string
	Details json.RawMessage
}

// Error formats the error as "crm: upsert Contacts: record 3: MANDATORY_NOT_FOUND: required field not found (Last_Name)".
func (e *RecordError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "crm: %s %s: record %d: %s", e.Op, e.Module, e.Index, e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.APIName != "" {
		fmt.Fprintf(&b, " (%s)", e.APIName)
	}
	return b.String()
}

// Is matches the zoho sentinels that Zoho's code describes.
func (e *RecordError) Is(target error) bool {
	switch e.Code {
	case "INVALID_DATA", "MANDATORY_NOT_FOUND", "REQUIRED_PARAM_MISSING", "DEPENDENT_FIELD_MISSING",
		"DEPENDENT_MISMATCH", "LIMIT_EXCEEDED", "INVALID_MODULE":
		return target == zoho.ErrInvalidData
	case "DUPLICATE_DATA":
		return target == zoho.ErrDuplicate
	case "NO_PERMISSION", "PERMISSION_DENIED", "AUTHORIZATION_FAILED":
		return target == zoho.ErrForbidden
	case "NOT_FOUND", "ID_ALREADY_DELETED":
		return target == zoho.ErrNotFound
	case "INTERNAL_ERROR":
		return target == zoho.ErrServer
	case "TOO_MANY_REQUESTS":
		return target == zoho.ErrRateLimited
	}
	return false
}

// Retryable reports whether writing the record again later may succeed:
// Zoho failed internally or throttled.
func (e *RecordError) Retryable() bool {
	return e.Code == "INTERNAL_ERROR" || e.Code == "TOO_MANY_REQUESTS"
}

// WriteError reports the calls of a chunked write that failed as a whole
// (a 5xx after retries, a network error, a rejected token, an ended
// context), while the other calls' per-record results stand. Each failed
// record's Result carries its call's error. It unwraps to the calls'
// errors, so errors.Is(err, context.Canceled) and errors.As(err, &zerr)
// see them.
type WriteError struct {
	Op      string // "insert", "update", "upsert", "delete"
	Module  string
	Records int // records in the write
	Calls   int // calls the write was split into
	Failed  []CallFailure
}

// CallFailure is one call of a chunked write that failed as a whole.
type CallFailure struct {
	// First and End delimit the call's records: indexes First..End-1.
	First, End int
	// Sent is false when Zoho never acted on the call: it was not made
	// because the context ended or an earlier call failed in a way every
	// call would (a rejected token or permission, a rate limit that
	// outlasted the retries), or it was refused locally (a rate or mint
	// limit) or for want of an access token. An insert whose call was not
	// sent is safe to send again.
	Sent bool
	// Err is the call's error (for a call not sent, the error that
	// stopped the write).
	Err error
}

// Error summarises the failed calls and names the first failure.
func (e *WriteError) Error() string {
	n := 0
	for _, f := range e.Failed {
		n += f.End - f.First
	}
	if len(e.Failed) == 0 {
		return fmt.Sprintf("crm: %s %s: write failed", e.Op, e.Module)
	}
	f := e.Failed[0]
	notSent := ""
	if !f.Sent {
		notSent = " not sent"
	}
	return fmt.Sprintf("crm: %s %s: %d of %d calls failed (%d of %d records); records %d-%d%s: %v",
		e.Op, e.Module, len(e.Failed), e.Calls, n, e.Records, f.First, f.End-1, notSent, f.Err)
}

// Unwrap returns the failed calls' errors.
func (e *WriteError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, f := range e.Failed {
		out = append(out, f.Err)
	}
	return out
}

// rawResult is one item of a write answer's data array.
type rawResult struct {
	Code           string          `json:"code"`
	Status         string          `json:"status"`
	Message        string          `json:"message"`
	Details        json.RawMessage `json:"details"`
	Action         string          `json:"action"`
	DuplicateField string          `json:"duplicate_field"`
}

// resultDetails is what a success's details hold (and an error's api_name).
// The times stay raw until the id is read: a time this package cannot
// parse must not cost the record its id.
type resultDetails struct {
	ID           json.RawMessage `json:"id"`
	CreatedTime  json.RawMessage `json:"Created_Time"`
	ModifiedTime json.RawMessage `json:"Modified_Time"`
	APIName      string          `json:"api_name"`
}

// rawTime parses a raw JSON date-time, the zero Time when it is absent or
// not understood.
func rawTime(raw json.RawMessage) Time {
	var t Time
	if len(raw) > 0 && t.UnmarshalJSON(raw) != nil {
		return Time{}
	}
	return t
}

// toResult turns one item of Zoho's answer into a Result.
func (r rawResult) toResult(op, module string, index int) Result {
	res := Result{
		Index: index, Status: r.Status, Code: r.Code, Message: r.Message,
		Action: r.Action, DuplicateField: r.DuplicateField,
	}
	if len(r.Details) > 0 && string(r.Details) != "null" {
		res.Details = r.Details
	}
	var d resultDetails
	_ = json.Unmarshal(r.Details, &d) // details vary by code; what does not fit stays in Details
	success := strings.EqualFold(r.Status, "success") || (r.Status == "" && strings.EqualFold(r.Code, "SUCCESS"))
	if !success {
		code := r.Code
		if code == "" {
			code = "UNKNOWN_ERROR"
		}
		res.Err = &RecordError{Op: op, Module: module, Index: index, Code: code, Message: r.Message, APIName: d.APIName, Details: res.Details}
		return res
	}
	if id, err := decodeAny(d.ID); err == nil {
		res.ID = idString(id)
	}
	res.CreatedTime, res.ModifiedTime = rawTime(d.CreatedTime), rawTime(d.ModifiedTime)
	return res
}

// callFailed fills the Results of records first..end-1 with a call's error.
func callFailed(results []Result, first, end int, err error) {
	code := ""
	var ze *zoho.Error
	if errors.As(err, &ze) {
		code = ze.Code
	}
	for i := first; i < end; i++ {
		results[i] = Result{Index: i, Status: "error", Code: code, Message: err.Error(), Err: err}
	}
}
