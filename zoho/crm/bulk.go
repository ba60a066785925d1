package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// Bulk jobs (Zoho's Bulk Read and Bulk Write APIs) move whole modules
// through zipped CSV files instead of pages of JSON. This file holds what
// both share: the service, its options, waiting for a job with backoff, and
// downloading a result file into a temporary file.

// Zoho's bulk limits (bulk read and bulk write docs, Kaizen #12 and #195).
const (
	// BulkReadPageSize is the most records one bulk read job exports.
	BulkReadPageSize = 200_000
	// BulkWriteMaxRecords is the most records one bulk write file may hold.
	BulkWriteMaxRecords = 25_000
	// BulkWriteMaxBytes is the largest file bulk write accepts (25 MB).
	BulkWriteMaxBytes = 25_000_000
	// BulkDownloadsPerMinute is how many result downloads Zoho allows per
	// minute.
	BulkDownloadsPerMinute = 10
)

// Bulk job states, as Zoho names them.
const (
	JobAdded      = "ADDED"
	JobQueued     = "QUEUED"
	JobInProgress = "IN PROGRESS"
	JobCompleted  = "COMPLETED"
	JobFailure    = "FAILURE" // bulk read
	JobFailed     = "FAILED"  // bulk write
)

// ErrJobFailed is what a bulk job that Zoho reports as failed (FAILURE,
// FAILED) matches with errors.Is; the error is a *JobError.
var ErrJobFailed = errors.New("crm: bulk job failed")

// JobError reports a bulk job that ended in failure.
type JobError struct {
	Kind  string // "read" or "write"
	JobID string
	State string
}

// Error implements error.
func (e *JobError) Error() string {
	return fmt.Sprintf("crm: bulk %s job %s ended %s", e.Kind, e.JobID, e.State)
}

// Is matches ErrJobFailed.
func (e *JobError) Is(target error) bool { return target == ErrJobFailed }

// BulkOptions configures a BulkService. The zero value works.
type BulkOptions struct {
	// PollInterval is the first wait between two status reads of a job;
	// the waits double up to MaxPollInterval. Defaults: 2 seconds and 1
	// minute. Waits use the zoho.Client's clock and end with the context.
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// TempDir is where result files are downloaded and upload files built;
	// empty means os.TempDir(). Files are removed when done with.
	TempDir string
	// DownloadsPerMinute caps result downloads per minute, Zoho's limit
	// being 10 (beyond, it answers 429); zero means 10. The limit is per
	// BulkService: share one service per organisation.
	DownloadsPerMinute int
	// OrgID is the organisation id that uploads carry in X-CRM-ORG; empty
	// means the zoho.Client's OrgID, else the id read once from GET /org.
	OrgID string
	// Download fetches a result file from a host that is not one of the
	// zoho.Client's (bulk write results come from Zoho's download host,
	// e.g. download-accl.zoho.com, which the core client does not send the
	// access token to). Nil means through zoho.Client.Do, which refuses
	// such hosts with an error naming them.
	Download func(ctx context.Context, url string, w io.Writer) error
}

// BulkService runs bulk read and bulk write jobs. Create it with NewBulk
// and share it: it enforces the per-minute download limit.
type BulkService struct {
	c    *Client
	opts BulkOptions
	log  *slog.Logger

	mu        sync.Mutex
	downloads []time.Time // download starts in the last minute
	org       string      // the organisation id read from GET /org
}

// NewBulk returns the bulk service of c. opts may be nil.
func NewBulk(c *Client, opts *BulkOptions) (*BulkService, error) {
	if c == nil {
		return nil, errors.New("crm: NewBulk: the Client is nil")
	}
	var o BulkOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case o.PollInterval < 0:
		return nil, errors.New("crm: BulkOptions.PollInterval is negative")
	case o.MaxPollInterval < 0:
		return nil, errors.New("crm: BulkOptions.MaxPollInterval is negative")
	case o.DownloadsPerMinute < 0:
		return nil, errors.New("crm: BulkOptions.DownloadsPerMinute is negative")
	}
	if o.PollInterval == 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.MaxPollInterval == 0 {
		o.MaxPollInterval = time.Minute
	}
	if o.MaxPollInterval < o.PollInterval {
		return nil, errors.New("crm: BulkOptions.MaxPollInterval is below PollInterval")
	}
	if o.DownloadsPerMinute == 0 {
		o.DownloadsPerMinute = BulkDownloadsPerMinute
	}
	if o.TempDir != "" {
		if st, err := os.Stat(o.TempDir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("crm: BulkOptions.TempDir %q is not a directory", o.TempDir)
		}
	}
	return &BulkService{c: c, opts: o, log: c.zc.Logger()}, nil
}

// wait waits d on the client's clock, or until ctx ends.
func (s *BulkService) wait(ctx context.Context, d time.Duration) error {
	return zoho.Sleep(ctx, s.c.zc.Clock(), d)
}

// poll reads a job's status until it is finished: fetch returns the state.
// Waits start at PollInterval and double up to MaxPollInterval.
func (s *BulkService) poll(ctx context.Context, fetch func(ctx context.Context) (string, error)) error {
	wait := s.opts.PollInterval
	for {
		state, err := fetch(ctx)
		if err != nil {
			return err
		}
		switch state {
		case JobCompleted, JobFailure, JobFailed:
			return nil
		}
		if err := s.wait(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, s.opts.MaxPollInterval)
	}
}

// acquireDownload waits for a download slot: at most DownloadsPerMinute
// starts in any minute, on the client's clock.
func (s *BulkService) acquireDownload(ctx context.Context) error {
	clk := s.c.zc.Clock()
	for {
		s.mu.Lock()
		now := clk.Now()
		kept := s.downloads[:0]
		for _, t := range s.downloads {
			if now.Sub(t) < time.Minute {
				kept = append(kept, t)
			}
		}
		s.downloads = kept
		if len(kept) < s.opts.DownloadsPerMinute {
			s.downloads = append(s.downloads, now)
			s.mu.Unlock()
			return nil
		}
		wait := kept[0].Add(time.Minute).Sub(now)
		s.mu.Unlock()
		s.log.Debug("crm: bulk: waiting for a download slot", "wait", wait)
		if err := s.wait(ctx, wait); err != nil {
			return err
		}
	}
}

// download fetches a result file into a new temporary file and returns it
// rewound, with its size. The caller closes and removes it (see dropFile).
func (s *BulkService) download(ctx context.Context, req *zoho.Request, url string) (*os.File, int64, error) {
	f, err := os.CreateTemp(s.opts.TempDir, "zohokit-bulk-*.zip")
	if err != nil {
		return nil, 0, fmt.Errorf("creating a temporary file: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			dropFile(f)
		}
	}()
	if err := s.acquireDownload(ctx); err != nil {
		return nil, 0, err
	}
	if req != nil {
		req.Header.Set("Accept", "application/zip, application/octet-stream, */*")
		if _, err := s.c.zc.Do(ctx, req, f); err != nil {
			return nil, 0, err
		}
	} else if err := s.opts.Download(ctx, url, f); err != nil {
		return nil, 0, err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	ok = true
	return f, size, nil
}

// dropFile closes and removes a temporary file.
func dropFile(f *os.File) {
	if f == nil {
		return
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
}

// bulkRequest builds a request on the bulk API (/crm/bulk/v8).
func (c *Client) bulkRequest(method, path string, body any) (*zoho.Request, error) {
	return c.zc.NewRequest(method, zoho.CRMBulk, path, body)
}

// orgID returns the id uploads carry in X-CRM-ORG.
func (s *BulkService) orgID(ctx context.Context) (string, error) {
	if s.opts.OrgID != "" {
		return s.opts.OrgID, nil
	}
	if id := s.c.zc.OrgID(); id != "" {
		return id, nil
	}
	s.mu.Lock()
	id := s.org
	s.mu.Unlock()
	if id != "" {
		return id, nil
	}
	org, _, err := s.c.Org.Get(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the organisation id for X-CRM-ORG: %w", err)
	}
	s.mu.Lock()
	s.org = org.OrgID()
	s.mu.Unlock()
	return org.OrgID(), nil
}

// MinifiedUser is a user as bulk job details name it.
type MinifiedUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// jsonID reads an id sent as a string or a number.
func jsonID(raw json.RawMessage) string {
	v, err := decodeAny(raw)
	if err != nil {
		return ""
	}
	return idString(v)
}

// checkBody is CheckResponse, plus: bulk answers that carry
// {"status":"error","code":...} with a 2xx status are errors too (Zoho's
// upload endpoint answers some errors with HTTP 200).
func checkBody(resp *http.Response, body []byte) error {
	if err := zoho.CheckResponse(resp, body); err != nil {
		return err
	}
	var env struct {
		Status string `json:"status"`
		Code   string `json:"code"`
	}
	if json.Unmarshal(body, &env) == nil && env.Status == "error" {
		return zoho.DecodeError(resp, body)
	}
	return nil
}
