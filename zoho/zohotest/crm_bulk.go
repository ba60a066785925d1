package zohotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Bulk read and bulk write jobs. A job moves through Zoho's states as it
// is watched: created ADDED, IN PROGRESS at the first status read, and
// COMPLETED (or FAILURE/FAILED) at the status read given by
// BulkOptions.CompleteAtPoll, or at the first read once BulkOptions.Duration
// has passed on the server's clock, or when a test calls CompleteBulkJobs.
// The work (the export's zipped CSV, the import's record writes through the
// one change path, the result file) happens when the job completes; files
// are written to a temporary directory, streamed, never held in memory, and
// removed when the server closes. A job with a callback URL gets a POST when
// it finishes (see Deliveries).

// Zoho's bulk limits (bulk read and bulk write docs, Kaizen #12, #195).
const (
	bulkReadPageSize   = 200_000
	bulkDownloadsLimit = 10
	bulkDownloadWindow = time.Minute
	bulkMaxUploadBytes = 25 << 20
	bulkMaxWriteRows   = 25_000
)

// BulkOptions configures the fake's bulk jobs; set it with
// CRM.SetBulkOptions. The zero value gives the defaults.
type BulkOptions struct {
	// CompleteAtPoll is the status read (1 = the first) that finds a job
	// done; the reads before it answer IN PROGRESS. Default 2.
	CompleteAtPoll int
	// Duration, when positive, also completes a job at the first status
	// read once this much time has passed on the server's clock since the
	// job was created.
	Duration time.Duration
	// ReadPageSize is the records per bulk read page; default 200,000, as
	// in Zoho.
	ReadPageSize int
	// DownloadLimit and DownloadWindow: at most DownloadLimit result
	// downloads of bulk read jobs in any DownloadWindow (on the server's
	// clock); beyond, 429 TOO_MANY_REQUESTS. Defaults: 10 per minute.
	DownloadLimit  int
	DownloadWindow time.Duration
	// FailNext makes the next FailNext jobs to complete end in failure
	// (FAILURE for reads, FAILED for writes), without doing their work.
	FailNext int
	// TempDir is where the jobs' files go; default os.TempDir().
	TempDir string
}

func (o BulkOptions) resolved() (BulkOptions, error) {
	switch {
	case o.CompleteAtPoll < 0:
		return o, errors.New("zohotest: BulkOptions.CompleteAtPoll is negative")
	case o.Duration < 0:
		return o, errors.New("zohotest: BulkOptions.Duration is negative")
	case o.ReadPageSize < 0:
		return o, errors.New("zohotest: BulkOptions.ReadPageSize is negative")
	case o.DownloadLimit < 0:
		return o, errors.New("zohotest: BulkOptions.DownloadLimit is negative")
	case o.DownloadWindow < 0:
		return o, errors.New("zohotest: BulkOptions.DownloadWindow is negative")
	case o.FailNext < 0:
		return o, errors.New("zohotest: BulkOptions.FailNext is negative")
	}
	if o.CompleteAtPoll == 0 {
		o.CompleteAtPoll = 2
	}
	if o.ReadPageSize == 0 {
		o.ReadPageSize = bulkReadPageSize
	}
	if o.DownloadLimit == 0 {
		o.DownloadLimit = bulkDownloadsLimit
	}
	if o.DownloadWindow == 0 {
		o.DownloadWindow = bulkDownloadWindow
	}
	return o, nil
}

// bulkState is guarded by CRM.mu.
type bulkState struct {
	s         *Server
	opts      BulkOptions
	jobs      map[string]*bulkJob
	order     []*bulkJob
	uploads   map[string]string // file_id -> path of the uploaded zip
	tokens    map[string]readToken
	downloads []time.Time // starts of bulk read downloads, for the limit
	dir       string      // created with the first file; removed on Close
	closed    bool
}

// readToken is a bulk read next_page_token: where the next page starts.
type readToken struct {
	module string
	offset int
	page   int
}

func newBulkState(s *Server) *bulkState {
	o, _ := BulkOptions{}.resolved()
	return &bulkState{s: s, opts: o, jobs: map[string]*bulkJob{}, uploads: map[string]string{}, tokens: map[string]readToken{}}
}

// SetBulkOptions configures bulk jobs created from now on (and the download
// limit at once).
func (c *CRM) SetBulkOptions(o BulkOptions) error {
	r, err := o.resolved()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.TempDir != c.bulk.opts.TempDir && c.bulk.dir != "" {
		return errors.New("zohotest: BulkOptions.TempDir cannot change once bulk files exist")
	}
	c.bulk.opts = r
	return nil
}

// bulkJob is one bulk read or write job.
type bulkJob struct {
	id        string
	kind      string // "read" or "write"
	created   time.Time
	polls     int
	state     string
	callback  string
	createdBy User
	module    string
	file      string // the result zip, once completed

	read  *readSpec
	write *writeSpec
}

// BulkJob is a bulk job as the fake holds it, for assertions.
type BulkJob struct {
	ID        string
	Kind      string // "read" or "write"
	Module    string
	State     string // ADDED, IN PROGRESS, COMPLETED, FAILURE (read) or FAILED (write)
	Polls     int    // status reads so far
	Created   time.Time
	Operation string // writes: insert, update or upsert
	Callback  string // the callback URL, if any
}

// BulkJobs returns the bulk jobs so far, oldest first.
func (c *CRM) BulkJobs() []BulkJob {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]BulkJob, 0, len(c.bulk.order))
	for _, j := range c.bulk.order {
		bj := BulkJob{ID: j.id, Kind: j.kind, Module: j.module, State: j.state, Polls: j.polls, Created: j.created, Callback: j.callback}
		if j.write != nil {
			bj.Operation = j.write.operation
		}
		out = append(out, bj)
	}
	return out
}

// CompleteBulkJobs finishes every unfinished bulk job now, as if Zoho had
// got to them, and queues their callbacks. For tests that wait for a
// callback instead of polling.
func (c *CRM) CompleteBulkJobs() error {
	c.mu.Lock()
	var changes []Change
	var errs []error
	for _, j := range c.bulk.order {
		if j.finished() {
			continue
		}
		ch, err := c.completeLocked(j)
		changes = append(changes, ch...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	c.mu.Unlock()
	c.publish(changes)
	return errors.Join(errs...)
}

func (j *bulkJob) finished() bool {
	switch j.state {
	case "COMPLETED", "FAILURE", "FAILED":
		return true
	}
	return false
}

// pollLocked counts a status read and moves the job on. It returns the
// changes a completed write made, for the caller to publish.
func (c *CRM) pollLocked(j *bulkJob) ([]Change, error) {
	if j.finished() {
		j.polls++
		return nil, nil
	}
	j.polls++
	o := c.bulk.opts
	due := j.polls >= o.CompleteAtPoll || (o.Duration > 0 && !c.s.clock.Now().Before(j.created.Add(o.Duration)))
	if !due {
		j.state = "IN PROGRESS"
		return nil, nil
	}
	return c.completeLocked(j)
}

// completeLocked does a job's work and queues its callback.
func (c *CRM) completeLocked(j *bulkJob) ([]Change, error) {
	var changes []Change
	var err error
	switch {
	case c.bulk.opts.FailNext > 0:
		c.bulk.opts.FailNext--
		j.state = "FAILURE"
		if j.kind == "write" {
			j.state = "FAILED"
		}
	case j.kind == "read":
		err = c.runReadLocked(j)
	default:
		changes, err = c.runWriteLocked(j)
	}
	if err != nil {
		// The fake failed to write its own files: report it as the job's
		// failure, and to the test.
		j.state = "FAILURE"
		if j.kind == "write" {
			j.state = "FAILED"
		}
		c.s.logger.Error("zohotest: bulk job failed", "job", j.id, "error", err)
		err = fmt.Errorf("zohotest: bulk %s job %s: %w", j.kind, j.id, err)
	}
	if j.callback != "" {
		body, merr := json.Marshal(c.callbackBody(j))
		if merr == nil {
			c.out.enqueue("bulk", j.callback, "", body)
		}
	}
	return changes, err
}

func (c *CRM) callbackBody(j *bulkJob) map[string]any {
	if j.kind == "read" {
		d := c.readJobJSON(j)
		d["job_id"] = j.id
		return d
	}
	d := c.writeJobJSON(j)
	d["job_id"] = j.id
	return d
}

// createFile creates a file in the server's bulk directory.
func (b *bulkState) createFile(pattern string) (*os.File, error) {
	if b.closed {
		return nil, errors.New("server closed")
	}
	if b.dir == "" {
		b.s.crm.out.ensureJanitor()
		d, err := os.MkdirTemp(b.opts.TempDir, "zohotest-bulk-*")
		if err != nil {
			return nil, err
		}
		b.dir = d
	}
	return os.CreateTemp(b.dir, pattern)
}

// removeFiles removes the bulk directory (the server is closing).
func (b *bulkState) removeFiles() {
	c := b.s.crm
	c.mu.Lock()
	defer c.mu.Unlock()
	b.closed = true
	if b.dir != "" {
		if err := os.RemoveAll(b.dir); err != nil {
			b.s.logger.Error("zohotest: removing bulk files", "dir", b.dir, "error", err)
		}
		b.dir = ""
	}
}

func (c *CRM) bulkRoutes() []route {
	// bulk_read.json and bulk_write.json have defects no correct request
	// satisfies; they are waived (crm_bulk_oas.go).
	const rd, wr = "bulk_read.json", "bulk_write.json"
	return []route{
		newRoute("POST /crm/bulk/v8/read", true, rd, c.handleBulkReadCreate),
		newRoute("GET /crm/bulk/v8/read/{job_id}", true, rd, c.handleBulkReadStatus),
		newRoute("GET /crm/bulk/v8/read/{job_id}/result", true, rd, c.handleBulkReadResult),
		newRoute("POST /crm/v8/upload", true, wr, c.handleUpload),
		newRoute("POST /crm/bulk/v8/write", true, wr, c.handleBulkWriteCreate),
		newRoute("GET /crm/bulk/v8/write/{job_id}", true, wr, c.handleBulkWriteStatus),
		// Zoho serves bulk write results from a download host
		// (https://download-accl.zoho.com/v2/crm/{org}/bulk-write/{id}/{id}.zip);
		// the fake serves them from its own URL under the same path.
		newRoute("GET /v2/crm/{org}/bulk-write/{job_id}/{file}", true, "", c.handleBulkWriteResult),
	}
}

// checkCallback validates a job's callback: {"url": http(s), "method": "post"}.
func checkCallback(raw json.RawMessage) (string, *answer) {
	if raw == nil || string(raw) == "null" {
		return "", nil
	}
	var cb struct {
		URL    string `json:"url"`
		Method string `json:"method"`
	}
	if err := json.Unmarshal(raw, &cb); err != nil {
		a := errAnswer(http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"api_name": "callback"})
		return "", &a
	}
	if cb.Method != "post" {
		a := errAnswer(http.StatusBadRequest, "INVALID_CALLBACK_METHOD", "invalid callback method",
			map[string]any{"supported_callback_methods": []string{"post"}})
		return "", &a
	}
	u, err := url.Parse(cb.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		a := errAnswer(http.StatusBadRequest, "INVALID_CALLBACK_URL", "invalid callback url", map[string]any{"api_name": "url"})
		return "", &a
	}
	return cb.URL, nil
}

// serveFile streams a result zip.
func (c *CRM) serveFile(ex *exchange, path, name string) {
	f, err := os.Open(path)
	if err != nil {
		ex.apiError(http.StatusInternalServerError, "INTERNAL_ERROR", "zohotest: opening the result file: "+err.Error(), nil)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		ex.apiError(http.StatusInternalServerError, "INTERNAL_ERROR", "zohotest: reading the result file: "+err.Error(), nil)
		return
	}
	h := ex.w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	h.Set("Content-Length", fmt.Sprint(st.Size()))
	ex.w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(ex.w, f)
}

// jobLocked finds a job of a kind by the path's job_id.
func (c *CRM) jobLocked(ex *exchange, kind string) (*bulkJob, *answer) {
	j := c.bulk.jobs[ex.param("job_id")]
	if j == nil || j.kind != kind {
		a := errAnswer(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The requested resource doesn't exist.",
			map[string]any{"resource": "job_id"})
		return nil, &a
	}
	return j, nil
}

func (c *CRM) addJobLocked(j *bulkJob) {
	c.bulk.jobs[j.id] = j
	c.bulk.order = append(c.bulk.order, j)
}

// baseName is the name of a path without directory and extension.
func baseName(p string) string {
	b := filepath.Base(p)
	return b[:len(b)-len(filepath.Ext(b))]
}
