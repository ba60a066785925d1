package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// BulkCriteria is the filter of a bulk read, in Zoho's JSON form: one
// condition (Field, Comparator, Value) or a group of criteria joined by
// GroupOperator. Build it with BulkCond, BulkAnd and BulkOr.
type BulkCriteria struct {
	Field      string
	Comparator string
	// Value is a string, a number, a bool, a Time, a Date, a time.Time, or a
	// slice of those for in, not_in and between.
	Value         any
	GroupOperator string // "and" or "or"
	Group         []BulkCriteria
}

// Bulk read comparators, for BulkCond.
const (
	CmpEqual        = "equal"
	CmpNotEqual     = "not_equal"
	CmpIn           = "in"
	CmpNotIn        = "not_in"
	CmpGreaterThan  = "greater_than"
	CmpGreaterEqual = "greater_equal"
	CmpLessThan     = "less_than"
	CmpLessEqual    = "less_equal"
	CmpBetween      = "between"
	CmpNotBetween   = "not_between"
	CmpStartsWith   = "starts_with"
	CmpEndsWith     = "ends_with"
	CmpContains     = "contains"
	CmpNotContains  = "not_contains"
)

// BulkCond is one condition of a bulk read's criteria.
func BulkCond(field, comparator string, value any) BulkCriteria {
	return BulkCriteria{Field: field, Comparator: comparator, Value: value}
}

// BulkAnd joins criteria with "and".
func BulkAnd(c ...BulkCriteria) BulkCriteria { return BulkCriteria{GroupOperator: "and", Group: c} }

// BulkOr joins criteria with "or".
func BulkOr(c ...BulkCriteria) BulkCriteria { return BulkCriteria{GroupOperator: "or", Group: c} }

func (b BulkCriteria) validate(path string) error {
	if len(b.Group) > 0 {
		if b.GroupOperator != "and" && b.GroupOperator != "or" {
			return fmt.Errorf("%s.GroupOperator %q is not and/or", path, b.GroupOperator)
		}
		if b.Field != "" || b.Comparator != "" {
			return fmt.Errorf("%s is a group and a condition at once", path)
		}
		for i, g := range b.Group {
			if err := g.validate(fmt.Sprintf("%s.Group[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case b.Field == "":
		return fmt.Errorf("%s.Field is empty", path)
	case b.Comparator == "":
		return fmt.Errorf("%s.Comparator is empty", path)
	}
	return nil
}

// MarshalJSON renders Zoho's criteria object.
func (b BulkCriteria) MarshalJSON() ([]byte, error) {
	if len(b.Group) > 0 {
		return json.Marshal(struct {
			GroupOperator string         `json:"group_operator"`
			Group         []BulkCriteria `json:"group"`
		}{b.GroupOperator, b.Group})
	}
	return json.Marshal(struct {
		Field      map[string]string `json:"field"`
		Comparator string            `json:"comparator"`
		Value      any               `json:"value"`
	}{map[string]string{"api_name": b.Field}, b.Comparator, bulkCriteriaValue(b.Value)})
}

// bulkCriteriaValue formats times with their offset and dates as yyyy-MM-dd.
func bulkCriteriaValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return FormatTime(x)
	case Time:
		return x.String()
	case Date:
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = bulkCriteriaValue(e)
		}
		return out
	case []string:
		return x
	}
	return v
}

// BulkRead describes a bulk read: which records of which module, which
// fields, from which page.
type BulkRead struct {
	// Module is the API name of the module to export. Required.
	Module string
	// Fields are the API names of the columns; empty means every field
	// (Zoho's default). The id is always exported.
	Fields []string
	// Criteria filters the records; the zero value exports them all.
	Criteria *BulkCriteria
	// CustomViewID exports the records of a custom view.
	CustomViewID string
	// Page is the first page to read (200,000 records each); zero means 1.
	Page int
	// CallbackURL, when set, is where Zoho POSTs when a job completes
	// (method post).
	CallbackURL string
	// Convert turns a CSV cell into a record value. Nil keeps every value
	// as its string; see TypedValues for conversion by the module's field
	// types. Empty cells never reach it: they are left out of the record.
	Convert func(field, value string) (any, error)
	// OnJob, when set, is called with each job as it completes, before its
	// records are yielded.
	OnJob func(*BulkReadJob)
}

// BulkReadJob is a bulk read job as Zoho describes it.
type BulkReadJob struct {
	ID          string          `json:"id"`
	Operation   string          `json:"operation"`
	State       string          `json:"state"` // JobAdded, JobQueued, JobInProgress, JobCompleted, JobFailure
	CreatedBy   MinifiedUser    `json:"created_by"`
	CreatedTime Time            `json:"created_time"`
	FileType    string          `json:"file_type"`
	Query       json.RawMessage `json:"query"`
	// Result is set once the job has completed.
	Result *BulkReadResult `json:"result"`
}

// BulkReadResult is a completed bulk read job's page.
type BulkReadResult struct {
	Page          int    `json:"page"`
	PerPage       int    `json:"per_page"`
	Count         int    `json:"count"`
	DownloadURL   string `json:"download_url"`
	MoreRecords   bool   `json:"more_records"`
	NextPageToken string `json:"next_page_token"`
}

// readQuery is the body of POST /read.
type readQuery struct {
	Callback *callbackSpec `json:"callback,omitempty"`
	Query    struct {
		Module    map[string]string `json:"module"`
		CVID      string            `json:"cvid,omitempty"`
		Fields    []string          `json:"fields"` // [] exports every field
		Page      int               `json:"page"`
		PageToken string            `json:"page_token,omitempty"`
		Criteria  *BulkCriteria     `json:"criteria,omitempty"`
	} `json:"query"`
	FileType string `json:"file_type"`
}

type callbackSpec struct {
	URL    string `json:"url"`
	Method string `json:"method"`
}

func (r *BulkRead) validate() error {
	if err := checkModule(r.Module); err != nil {
		return err
	}
	for i, f := range r.Fields { // no 50-field cap here: a bulk read may export every field
		if f == "" || strings.ContainsAny(f, ", \t\r\n()") {
			return fmt.Errorf("BulkRead.Fields[%d] %q is not a field API name", i, f)
		}
	}
	if r.Page < 0 {
		return fmt.Errorf("BulkRead.Page %d is negative", r.Page)
	}
	if r.Criteria != nil {
		if err := r.Criteria.validate("BulkRead.Criteria"); err != nil {
			return err
		}
	}
	return nil
}

// CreateRead starts a bulk read job for one page: r.Page, with pageToken
// (a previous job's NextPageToken, for the page after it) when Zoho gave one. Most callers use Read,
// which runs the jobs and streams their records.
func (s *BulkService) CreateRead(ctx context.Context, r BulkRead, pageToken string) (*BulkReadJob, *zoho.Response, error) {
	fail := func(err error) (*BulkReadJob, *zoho.Response, error) {
		return nil, nil, fmt.Errorf("crm: bulk read %s: %w", r.Module, err)
	}
	if err := r.validate(); err != nil {
		return fail(err)
	}
	var body readQuery
	body.FileType = "csv"
	body.Query.Module = map[string]string{"api_name": r.Module}
	body.Query.CVID = r.CustomViewID
	body.Query.Fields = r.Fields
	if body.Query.Fields == nil {
		body.Query.Fields = []string{}
	}
	body.Query.Criteria = r.Criteria
	body.Query.Page = max(r.Page, 1)
	body.Query.PageToken = pageToken
	if r.CallbackURL != "" {
		body.Callback = &callbackSpec{URL: r.CallbackURL, Method: "post"}
	}
	req, err := s.c.bulkRequest(http.MethodPost, "/read", body)
	if err != nil {
		return fail(err)
	}
	var env struct {
		Data []struct {
			Status  string      `json:"status"`
			Code    string      `json:"code"`
			Message string      `json:"message"`
			Details BulkReadJob `json:"details"`
		} `json:"data"`
	}
	resp, err := s.c.get(ctx, req, &env)
	if err != nil {
		return nil, resp, fmt.Errorf("crm: bulk read %s: %w", r.Module, err)
	}
	if len(env.Data) == 0 || env.Data[0].Details.ID == "" {
		return nil, resp, fmt.Errorf("crm: bulk read %s: Zoho answered no job (HTTP %d)", r.Module, resp.StatusCode)
	}
	job := env.Data[0].Details
	return &job, resp, nil
}

// ReadJob reads a bulk read job's details.
func (s *BulkService) ReadJob(ctx context.Context, id string) (*BulkReadJob, *zoho.Response, error) {
	if err := checkID(id); err != nil {
		return nil, nil, fmt.Errorf("crm: bulk read job: %w", err)
	}
	req, err := s.c.bulkRequest(http.MethodGet, "/read/"+id, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("crm: bulk read job %s: %w", id, err)
	}
	var env struct {
		Data []BulkReadJob `json:"data"`
	}
	resp, err := s.c.get(ctx, req, &env)
	if err != nil {
		return nil, resp, fmt.Errorf("crm: bulk read job %s: %w", id, err)
	}
	if len(env.Data) == 0 {
		return nil, resp, fmt.Errorf("crm: bulk read job %s: no details (HTTP %d): %w", id, resp.StatusCode, zoho.ErrNotFound)
	}
	return &env.Data[0], resp, nil
}

// WaitRead polls a bulk read job until it completes, with waits that grow
// from BulkOptions.PollInterval. A job that ends in FAILURE is a *JobError.
func (s *BulkService) WaitRead(ctx context.Context, id string) (*BulkReadJob, error) {
	var job *BulkReadJob
	err := s.poll(ctx, func(ctx context.Context) (string, error) {
		j, _, err := s.ReadJob(ctx, id)
		if err != nil {
			return "", err
		}
		job = j
		return j.State, nil
	})
	if err != nil {
		return nil, err
	}
	if job.State != JobCompleted {
		return job, &JobError{Kind: "read", JobID: id, State: job.State}
	}
	if job.Result == nil {
		return job, fmt.Errorf("crm: bulk read job %s: completed without a result", id)
	}
	return job, nil
}

// Read runs bulk read jobs for r, page after page (following Zoho's
// more_records and next_page_token), and yields their records one by one
// as it decodes them. Each page's zipped CSV is streamed to a temporary
// file and read from there: memory holds one CSV row at a time, whatever the
// export's size. The file is removed once its records are yielded, or when
// the loop stops early. An error is yielded once and ends the sequence.
//
// Values are strings (or what r.Convert makes of them); an empty cell is
// left out of the record, so that a field without a value reads as absent,
// as a null does in the JSON API (CSV cannot tell null from "").
func (s *BulkService) Read(ctx context.Context, r BulkRead) iter.Seq2[Record, error] {
	if err := r.validate(); err != nil {
		return errSeq[Record](fmt.Errorf("crm: bulk read %s: %w", r.Module, err))
	}
	r.Fields = append([]string(nil), r.Fields...)
	return func(yield func(Record, error) bool) {
		token := ""
		for {
			job, _, err := s.CreateRead(ctx, r, token)
			if err != nil {
				yield(nil, err)
				return
			}
			job, err = s.WaitRead(ctx, job.ID)
			if err != nil {
				yield(nil, fmt.Errorf("crm: bulk read %s: %w", r.Module, err))
				return
			}
			if r.OnJob != nil {
				r.OnJob(job)
			}
			if !s.yieldJob(ctx, r, job, yield) {
				return
			}
			res := job.Result
			if !res.MoreRecords {
				return
			}
			// The next page: its number, and Zoho's token for it when given.
			token, r.Page = res.NextPageToken, res.Page+1
		}
	}
}

// yieldJob downloads a completed job's file and yields its records. It
// reports whether the loop goes on: never after an error, which ends the
// sequence even when the consumer's loop continues past it (the next page
// would silently skip the rest of this one).
func (s *BulkService) yieldJob(ctx context.Context, r BulkRead, job *BulkReadJob, yield func(Record, error) bool) bool {
	fail := func(err error) bool {
		yield(nil, err)
		return false
	}
	if job.Result.Count == 0 && !job.Result.MoreRecords {
		return true // nothing to download
	}
	req, err := s.c.bulkRequest(http.MethodGet, "/read/"+job.ID+"/result", nil)
	if err != nil {
		return fail(fmt.Errorf("crm: bulk read %s: %w", r.Module, err))
	}
	f, size, err := s.download(ctx, req, "")
	if err != nil {
		return fail(fmt.Errorf("crm: bulk read %s: downloading job %s: %w", r.Module, job.ID, err))
	}
	defer dropFile(f)
	rows, err := openZippedCSV(f, size)
	if err != nil {
		return fail(fmt.Errorf("crm: bulk read %s: job %s: %w", r.Module, job.ID, err))
	}
	defer rows.Close()
	header, err := rows.Read()
	if err != nil {
		return fail(fmt.Errorf("crm: bulk read %s: job %s: reading the CSV header: %w", r.Module, job.ID, err))
	}
	header = append([]string(nil), header...)
	for line := 2; ; line++ {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		cells, err := rows.Read()
		if errors.Is(err, errEndOfRows) {
			return true
		}
		if err != nil {
			return fail(fmt.Errorf("crm: bulk read %s: job %s: CSV line %d: %w", r.Module, job.ID, line, err))
		}
		rec, err := csvRecord(header, cells, r.Convert)
		if err != nil {
			return fail(fmt.Errorf("crm: bulk read %s: job %s: CSV line %d: %w", r.Module, job.ID, line, err))
		}
		if !yield(rec, nil) {
			return false
		}
	}
}
