package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/zohokit/zohokit/zoho"
)

// Bulk write jobs: creating one for an uploaded file, reading its status,
// waiting for it, and reading its result file back into per-record results.

// BulkWriteJob is a bulk write job as Zoho describes it.
type BulkWriteJob struct {
	ID          string          `json:"id"`
	Status      string          `json:"status"` // JobAdded, JobInProgress, JobCompleted, JobFailed
	Operation   string          `json:"operation"`
	CreatedBy   MinifiedUser    `json:"created_by"`
	CreatedTime Time            `json:"created_time"`
	Resource    json.RawMessage `json:"resource"`
	Result      *struct {
		DownloadURL string `json:"download_url"`
	} `json:"result"`
}

// createWrite starts a bulk write job for an uploaded file.
func (s *BulkService) createWrite(ctx context.Context, w *BulkWrite, fileID string) (*BulkWriteJob, error) {
	type mapping struct {
		APIName string `json:"api_name"`
		Index   int    `json:"index"`
	}
	type resource struct {
		Type          string            `json:"type"`
		Module        map[string]string `json:"module"`
		FileID        string            `json:"file_id"`
		FindBy        string            `json:"find_by,omitempty"`
		FieldMappings []mapping         `json:"field_mappings"`
	}
	body := struct {
		Operation   string        `json:"operation"`
		IgnoreEmpty bool          `json:"ignore_empty,omitempty"`
		Callback    *callbackSpec `json:"callback,omitempty"`
		Resource    []resource    `json:"resource"`
	}{Operation: w.Operation, IgnoreEmpty: w.IgnoreEmpty}
	if w.CallbackURL != "" {
		body.Callback = &callbackSpec{URL: w.CallbackURL, Method: "post"}
	}
	res := resource{Type: "data", Module: map[string]string{"api_name": w.Module}, FileID: fileID, FindBy: w.FindBy}
	for i, f := range w.Fields {
		res.FieldMappings = append(res.FieldMappings, mapping{APIName: f, Index: i})
	}
	body.Resource = []resource{res}
	req, err := s.c.bulkRequest(http.MethodPost, "/write", body)
	if err != nil {
		return nil, err
	}
	req.Check = checkBody
	var env struct {
		Status  string `json:"status"`
		Code    string `json:"code"`
		Details struct {
			ID        json.RawMessage `json:"id"`
			CreatedBy MinifiedUser    `json:"created_by"`
		} `json:"details"`
	}
	// Decoded by Do, not streamed (get): checkBody needs the body to see a
	// "status":"error" answered with HTTP 200.
	resp, err := s.c.zc.Do(ctx, req, &env)
	if err != nil {
		return nil, fmt.Errorf("creating the job: %w", err)
	}
	id := jsonID(env.Details.ID)
	if id == "" {
		return nil, fmt.Errorf("creating the job: Zoho answered no job id (HTTP %d)", resp.StatusCode)
	}
	return &BulkWriteJob{ID: id, Status: JobAdded, Operation: w.Operation, CreatedBy: env.Details.CreatedBy}, nil
}

// WriteJob reads a bulk write job's details.
func (s *BulkService) WriteJob(ctx context.Context, id string) (*BulkWriteJob, *zoho.Response, error) {
	if err := checkID(id); err != nil {
		return nil, nil, fmt.Errorf("crm: bulk write job: %w", err)
	}
	req, err := s.c.bulkRequest(http.MethodGet, "/write/"+id, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("crm: bulk write job %s: %w", id, err)
	}
	var raw json.RawMessage
	resp, err := s.c.get(ctx, req, &raw)
	if err != nil {
		return nil, resp, fmt.Errorf("crm: bulk write job %s: %w", id, err)
	}
	// Zoho answers the job itself; accept a {"data":[job]} envelope too.
	var env struct {
		Data []BulkWriteJob `json:"data"`
	}
	var job BulkWriteJob
	if json.Unmarshal(raw, &env) == nil && len(env.Data) > 0 {
		job = env.Data[0]
	} else if err := json.Unmarshal(raw, &job); err != nil {
		return nil, resp, fmt.Errorf("crm: bulk write job %s: decoding answer: %w", id, err)
	}
	if job.ID == "" {
		job.ID = id
	}
	return &job, resp, nil
}

// WaitWrite polls a bulk write job until it completes, with waits that
// grow from BulkOptions.PollInterval. A job that ends FAILED is a
// *JobError.
func (s *BulkService) WaitWrite(ctx context.Context, id string) (*BulkWriteJob, error) {
	var job *BulkWriteJob
	err := s.poll(ctx, func(ctx context.Context) (string, error) {
		j, _, err := s.WriteJob(ctx, id)
		if err != nil {
			return "", err
		}
		job = j
		return j.Status, nil
	})
	if err != nil {
		return nil, err
	}
	if job.Status != JobCompleted {
		return job, &JobError{Kind: "write", JobID: id, State: job.Status}
	}
	return job, nil
}

// readWriteResult downloads a job's result file and fills chunk from it:
// one row per record, in the order of the uploaded file.
func (s *BulkService) readWriteResult(ctx context.Context, job *BulkWriteJob, first int, chunk []BulkWriteResult) error {
	url := job.Result.DownloadURL
	var req *zoho.Request
	if s.opts.Download == nil {
		var err error
		if req, err = s.c.zc.NewRequest(http.MethodGet, zoho.CRM, url, nil); err != nil {
			return fmt.Errorf("job %s result: %w", job.ID, err)
		}
	}
	f, size, err := s.download(ctx, req, url)
	if err != nil {
		return fmt.Errorf("downloading job %s's result: %w", job.ID, err)
	}
	defer dropFile(f)
	rows, err := openZippedCSV(f, size)
	if err != nil {
		return fmt.Errorf("job %s result: %w", job.ID, err)
	}
	defer rows.Close()
	header, err := rows.Read()
	if err != nil {
		return fmt.Errorf("job %s result: reading the header: %w", job.ID, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToUpper(strings.TrimSpace(h))] = i
	}
	idCol, okID := col["RECORD_ID"]
	stCol, okSt := col["STATUS"]
	errCol, okErr := col["ERRORS"]
	if !okID || !okSt || !okErr {
		return fmt.Errorf("job %s result: the header %q lacks RECORD_ID, STATUS or ERRORS", job.ID, header)
	}
	cell := func(row []string, i int) string {
		if i < len(row) {
			return row[i]
		}
		return ""
	}
	n := 0
	for ; ; n++ {
		row, err := rows.Read()
		if errors.Is(err, errEndOfRows) {
			break
		}
		if err != nil {
			return fmt.Errorf("job %s result: row %d: %w", job.ID, n+1, err)
		}
		if n >= len(chunk) {
			return fmt.Errorf("job %s result: more rows than the %d records sent", job.ID, len(chunk))
		}
		r := &chunk[n]
		r.Status = strings.ToUpper(strings.TrimSpace(cell(row, stCol)))
		r.Errors = parseRowErrors(cell(row, errCol))
		switch r.Status {
		case RowAdded, RowUpdated:
			r.ID = cell(row, idCol)
		default:
			r.Err = &BulkRowError{Module: job.moduleName(), Index: first + n, Status: r.Status, Errors: r.Errors}
		}
	}
	for ; n < len(chunk); n++ {
		chunk[n].Status = RowUnprocessed
		chunk[n].Err = &BulkRowError{Module: job.moduleName(), Index: first + n, Status: RowUnprocessed}
	}
	return nil
}

// moduleName reads the module from the job's resource, for errors.
func (j *BulkWriteJob) moduleName() string {
	var res []struct {
		Module struct {
			APIName string `json:"api_name"`
		} `json:"module"`
	}
	if json.Unmarshal(j.Resource, &res) == nil && len(res) > 0 {
		return res[0].Module.APIName
	}
	return ""
}
