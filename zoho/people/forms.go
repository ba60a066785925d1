package people

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// MaxLimit is the most records getRecords returns per call.
const MaxLimit = 200

// Record is a record of a People form. Fields holds its fields by label
// name as People sent them: mostly strings, numbers as json.Number (never
// float64), lookups and tabular sections as maps and slices.
type Record struct {
	// ID is the record id (People's key in getRecords, Zoho_ID).
	ID     string
	Fields map[string]any
}

// String returns a field as text ("" when absent).
func (r Record) String(field string) string {
	switch v := r.Fields[field].(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// Modified returns the record's ModifiedTime (epoch milliseconds in
// People's answers), and false when it has none.
func (r Record) Modified() (time.Time, bool) {
	ms, err := strconv.ParseInt(r.String("ModifiedTime"), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// ListOptions filter a record list.
type ListOptions struct {
	// PerPage is getRecords' limit, 1..200; zero means 200.
	PerPage int
	// ModifiedSince keeps the records added or modified at or after this
	// time (to the millisecond), for incremental pulls. People's
	// modifiedtime parameter means "after"; the list asks from one
	// millisecond earlier so that the bound is inclusive, and keeps the
	// latest Modified() seen as the next checkpoint.
	ModifiedSince time.Time
	// SearchColumn ("EMPLOYEEID" or "EMPLOYEEMAILALIAS") and SearchValue
	// look up one employee.
	SearchColumn, SearchValue string
}

// FormsService reads, adds and updates form records.
type FormsService struct{ c *Client }

// Records yields the records of the form formLinkName ("employee",
// "department", a custom form's link name), lazily, paging with sIndex and
// limit (200 a call); opts may be nil. People answers a list past its end
// with error 7024 ("No records found"), which ends the list quietly.
func (s *FormsService) Records(ctx context.Context, form string, opts *ListOptions) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if err := checkName("form link name", form); err != nil {
			yield(Record{}, fmt.Errorf("people: list %s records: %w", form, err))
			return
		}
		var o ListOptions
		if opts != nil {
			o = *opts
		}
		if o.PerPage < 0 || o.PerPage > MaxLimit {
			yield(Record{}, fmt.Errorf("people: list %s records: ListOptions.PerPage %d is outside 0..%d", form, o.PerPage, MaxLimit))
			return
		}
		if o.PerPage == 0 {
			o.PerPage = MaxLimit
		}
		base := url.Values{"limit": {strconv.Itoa(o.PerPage)}}
		if !o.ModifiedSince.IsZero() {
			base.Set("modifiedtime", strconv.FormatInt(o.ModifiedSince.UnixMilli()-1, 10))
		}
		if o.SearchColumn != "" || o.SearchValue != "" {
			base.Set("searchColumn", o.SearchColumn)
			base.Set("searchValue", o.SearchValue)
		}
		floor := o.ModifiedSince.Truncate(time.Millisecond)
		fetch := func(ctx context.Context, cursor string) ([]Record, string, error) {
			start := 1
			if cursor != "" {
				start, _ = strconv.Atoi(cursor)
			}
			q := url.Values{}
			for k, v := range base {
				q[k] = v
			}
			q.Set("sIndex", strconv.Itoa(start))
			var result json.RawMessage
			_, err := s.c.do(ctx, "GET", "/forms/"+form+"/getRecords", q, nil, &result)
			var ze *zoho.Error
			if errors.As(err, &ze) && ze.Code == codeNoRecords {
				return nil, "", nil
			}
			if err != nil {
				return nil, "", fmt.Errorf("people: list %s records: %w", form, err)
			}
			recs, n, err := decodeRecords(result)
			if err != nil {
				return nil, "", fmt.Errorf("people: list %s records: %w", form, err)
			}
			out := recs[:0]
			for _, r := range recs {
				if m, ok := r.Modified(); ok && !floor.IsZero() && m.Before(floor) {
					continue
				}
				out = append(out, r)
			}
			if n < o.PerPage {
				return out, "", nil
			}
			return out, strconv.Itoa(start + n), nil
		}
		for r, err := range zoho.Paginate(ctx, fetch) {
			if !yield(r, err) {
				return
			}
		}
	}
}

// decodeRecords reads getRecords' result, [{"<id>":[{fields}]}, ...], and
// returns the records and how many entries the page had.
func decodeRecords(raw json.RawMessage) ([]Record, int, error) {
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, 0, fmt.Errorf("result: %w", err)
	}
	var out []Record
	for _, e := range entries {
		for id, arr := range e {
			var objs []json.RawMessage
			if err := json.Unmarshal(arr, &objs); err != nil {
				objs = []json.RawMessage{arr} // a single object instead of an array
			}
			for _, o := range objs {
				fields, err := decodeFields(o)
				if err != nil {
					return nil, 0, fmt.Errorf("record %s: %w", id, err)
				}
				out = append(out, Record{ID: id, Fields: fields})
			}
		}
	}
	return out, len(entries), nil
}

func decodeFields(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// Get returns one record of the form.
func (s *FormsService) Get(ctx context.Context, form, recordID string) (Record, *zoho.Response, error) {
	if err := errors.Join(checkName("form link name", form), checkName("record id", recordID)); err != nil {
		return Record{}, nil, fmt.Errorf("people: get %s record: %w", form, err)
	}
	var result json.RawMessage
	resp, err := s.c.do(ctx, "GET", "/forms/"+form+"/getDataByID", url.Values{"recordId": {recordID}}, nil, &result)
	if err != nil {
		return Record{}, resp, fmt.Errorf("people: get %s record %s: %w", form, recordID, err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(result, &list); err != nil || len(list) == 0 {
		return Record{}, resp, fmt.Errorf("people: get %s record %s: the answer holds no record", form, recordID)
	}
	fields, err := decodeFields(list[0])
	if err != nil {
		return Record{}, resp, fmt.Errorf("people: get %s record %s: %w", form, recordID, err)
	}
	return Record{ID: recordID, Fields: fields}, resp, nil
}

// Add adds a record to the form (insertRecord) and returns its id. fields
// are by label name; People wants values as text ("2026-06-09" dates in
// the organisation's format).
func (s *FormsService) Add(ctx context.Context, form string, fields map[string]any) (string, *zoho.Response, error) {
	if err := checkName("form link name", form); err != nil {
		return "", nil, fmt.Errorf("people: add %s record: %w", form, err)
	}
	id, resp, err := s.write(ctx, "/forms/json/"+form+"/insertRecord", fields, nil)
	if err != nil {
		return "", resp, fmt.Errorf("people: add %s record: %w", form, err)
	}
	return id, resp, nil
}

// Update changes fields of a record (updateRecord) and returns its id.
func (s *FormsService) Update(ctx context.Context, form, recordID string, fields map[string]any) (string, *zoho.Response, error) {
	if err := errors.Join(checkName("form link name", form), checkName("record id", recordID)); err != nil {
		return "", nil, fmt.Errorf("people: update %s record: %w", form, err)
	}
	id, resp, err := s.write(ctx, "/forms/json/"+form+"/updateRecord", fields, url.Values{"recordId": {recordID}})
	if err != nil {
		return "", resp, fmt.Errorf("people: update %s record %s: %w", form, recordID, err)
	}
	return id, resp, nil
}

// write posts inputData (as a form body, so the record's fields, often
// personal data, stay out of URLs and access logs) and returns the pkId.
func (s *FormsService) write(ctx context.Context, path string, fields map[string]any, extra url.Values) (string, *zoho.Response, error) {
	if len(fields) == 0 {
		return "", nil, errors.New("no fields")
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return "", nil, fmt.Errorf("encoding the fields: %w", err)
	}
	form := url.Values{"inputData": {string(data)}}
	for k, v := range extra {
		form[k] = v
	}
	var result json.RawMessage
	resp, err := s.c.do(ctx, "POST", path, nil, form, &result)
	if err != nil {
		return "", resp, err
	}
	var r struct {
		PkID json.RawMessage `json:"pkId"`
	}
	if err := json.Unmarshal(result, &r); err != nil || finance.Scalar(r.PkID) == "" {
		return "", resp, errors.New("the answer holds no pkId")
	}
	return finance.Scalar(r.PkID), resp, nil
}

// do sends a People call and puts the envelope's result in result.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, result *json.RawMessage) (*zoho.Response, error) {
	req, err := c.zc.NewRequest(method, zoho.People, path, body)
	if err != nil {
		return nil, err
	}
	req.Query = query
	req.Check = CheckResponse
	var env envelope
	resp, err := c.zc.Do(ctx, req, &env)
	if err != nil {
		return resp, err
	}
	*result = env.Response.Result
	return resp, nil
}
