package crm

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/zohokit/zohokit/zoho"
)

// Bulk write operations.
const (
	BulkInsert = "insert"
	BulkUpdate = "update"
	BulkUpsert = "upsert"
)

// Bulk write row statuses, as Zoho's result file names them.
const (
	RowAdded       = "ADDED"
	RowUpdated     = "UPDATED"
	RowSkipped     = "SKIPPED"
	RowUnprocessed = "UNPROCESSED"
)

// BulkWrite describes a bulk write: which records go where, and how.
type BulkWrite struct {
	// Operation is BulkInsert, BulkUpdate or BulkUpsert. Required.
	Operation string
	// Module is the API name of the module to write. Required.
	Module string
	// Fields are the API names of the CSV columns, in order. Required by
	// WriteSeq; Write defaults them to every key of the records, sorted.
	// Keys of a record that are not among them are an error, not dropped.
	Fields []string
	// FindBy names the field by which update and upsert find existing
	// records: "id" or a unique field. Required for update and upsert; it
	// must be one of Fields.
	FindBy string
	// IgnoreEmpty makes Zoho skip empty cells instead of clearing fields.
	IgnoreEmpty bool
	// CallbackURL, when set, is where Zoho POSTs when each job completes.
	CallbackURL string
	// MaxRecordsPerFile and MaxFileBytes split a large write into several
	// files, and so several jobs: zero means Zoho's limits, 25,000 records
	// and 25 MB. The byte limit counts the CSV before compression, which
	// bounds the zip.
	MaxRecordsPerFile int
	MaxFileBytes      int64
}

func (w *BulkWrite) validate() error {
	switch w.Operation {
	case BulkInsert, BulkUpdate, BulkUpsert:
	default:
		return fmt.Errorf("BulkWrite.Operation %q is not insert, update or upsert", w.Operation)
	}
	if err := checkModule(w.Module); err != nil {
		return err
	}
	switch {
	case w.MaxRecordsPerFile < 0 || w.MaxRecordsPerFile > BulkWriteMaxRecords:
		return fmt.Errorf("BulkWrite.MaxRecordsPerFile %d is outside 0..%d", w.MaxRecordsPerFile, BulkWriteMaxRecords)
	case w.MaxFileBytes < 0 || w.MaxFileBytes > BulkWriteMaxBytes:
		return fmt.Errorf("BulkWrite.MaxFileBytes %d is outside 0..%d", w.MaxFileBytes, BulkWriteMaxBytes)
	case w.Operation != BulkInsert && w.FindBy == "":
		return fmt.Errorf("BulkWrite.FindBy is empty: %s needs the field that finds existing records", w.Operation)
	}
	seen := map[string]bool{}
	for i, f := range w.Fields {
		if f == "" || strings.ContainsAny(f, ",\r\n\"") {
			return fmt.Errorf("BulkWrite.Fields[%d] %q is not a field API name", i, f)
		}
		if seen[f] {
			return fmt.Errorf("BulkWrite.Fields names %s twice", f)
		}
		seen[f] = true
	}
	if w.FindBy != "" && !seen[w.FindBy] && len(w.Fields) > 0 {
		return fmt.Errorf("BulkWrite.FindBy %s is not one of the Fields", w.FindBy)
	}
	return nil
}

// BulkWriteResult is the outcome of one record of a bulk write, at the
// record's position in the input.
type BulkWriteResult struct {
	// Index is the record's position in the input.
	Index int
	// ID is the record's id in Zoho, when it was written.
	ID string
	// Status is RowAdded, RowUpdated, RowSkipped or RowUnprocessed (empty
	// when the record's job failed as a whole).
	Status string
	// Errors are Zoho's errors for the row, each a code and the columns it
	// concerns ("MANDATORY_NOT_FOUND-Last_Name").
	Errors []BulkFieldError
	// Err is nil for a record written; a *BulkRowError when Zoho skipped
	// it; the job's error when its whole job failed.
	Err error
}

// OK reports whether the record was written.
func (r BulkWriteResult) OK() bool { return r.Err == nil }

// BulkFieldError is one error of a bulk write row.
type BulkFieldError struct {
	Code    string   // MANDATORY_NOT_FOUND, INVALID_DATA, DUPLICATE_DATA, ...
	Columns []string // the CSV columns (field API names) it concerns
}

// BulkRowError is Zoho's refusal of one row of a bulk write. It matches
// the zoho sentinels of its first code with errors.Is, as RecordError does.
type BulkRowError struct {
	Module string
	Index  int
	Status string
	Errors []BulkFieldError
}

// Error formats the error as "crm: bulk upsert Contacts: record 3: SKIPPED: MANDATORY_NOT_FOUND (Last_Name)".
func (e *BulkRowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "crm: bulk write %s: record %d: %s", e.Module, e.Index, e.Status)
	for i, fe := range e.Errors {
		sep := ": "
		if i > 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%s%s", sep, fe.Code)
		if len(fe.Columns) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(fe.Columns, ", "))
		}
	}
	return b.String()
}

// Is matches the zoho sentinels of the row's first error code.
func (e *BulkRowError) Is(target error) bool {
	if len(e.Errors) == 0 {
		return false
	}
	return (&RecordError{Code: e.Errors[0].Code}).Is(target)
}

// parseRowErrors reads Zoho's ERRORS cell:
// "MANDATORY_NOT_FOUND-Company,Last_Name:DUPLICATE_DATA-Email".
func parseRowErrors(cell string) []BulkFieldError {
	if strings.TrimSpace(cell) == "" {
		return nil
	}
	var out []BulkFieldError
	for _, part := range strings.Split(cell, ":") {
		code, cols, _ := strings.Cut(strings.TrimSpace(part), "-")
		fe := BulkFieldError{Code: code}
		if cols != "" {
			fe.Columns = strings.Split(cols, ",")
		}
		out = append(out, fe)
	}
	return out
}

// Write writes records with bulk write jobs, in files of at most
// MaxRecordsPerFile records and MaxFileBytes bytes, each built as a zipped
// CSV in a temporary file, uploaded to the data centre's upload host, run
// as a job, waited for, and its result file read back. It returns one
// result per record, in input order. The error is nil unless arguments were
// invalid (no result) or whole jobs failed: their records' results carry
// the job's error, and the error joins them.
func (s *BulkService) Write(ctx context.Context, w BulkWrite, records []Record) ([]BulkWriteResult, error) {
	if len(w.Fields) == 0 {
		keys := map[string]bool{}
		for _, r := range records {
			for k := range r {
				keys[k] = true
			}
		}
		for k := range keys {
			w.Fields = append(w.Fields, k)
		}
		slices.Sort(w.Fields)
	}
	// The records are all here: check each one before any file is sent, so
	// that a bad record is an argument error with nothing written, not a
	// failure after the files before it were.
	if w.validate() == nil {
		check := &csvZip{s: s, w: &w}
		for i, r := range records {
			if _, err := check.cells(r, i); err != nil {
				return nil, fmt.Errorf("crm: bulk %s %s: %w", w.Operation, w.Module, err)
			}
		}
	}
	return s.WriteSeq(ctx, w, func(yield func(Record, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	})
}

// WriteSeq is Write for records that come from a sequence (a database
// cursor, another iterator), which is read once, as the files are built:
// only the current file's records are ever on disk, and none in memory. A
// sequence error stops the write after the jobs already run; it is
// returned with their results. w.Fields is required.
func (s *BulkService) WriteSeq(ctx context.Context, w BulkWrite, records iter.Seq2[Record, error]) ([]BulkWriteResult, error) {
	fail := func(err error) ([]BulkWriteResult, error) {
		return nil, fmt.Errorf("crm: bulk %s %s: %w", w.Operation, w.Module, err)
	}
	if err := w.validate(); err != nil {
		return fail(err)
	}
	if len(w.Fields) == 0 {
		return fail(errors.New("BulkWrite.Fields is empty: name the CSV columns"))
	}
	w.Fields = slices.Clone(w.Fields)
	if w.MaxRecordsPerFile == 0 {
		w.MaxRecordsPerFile = BulkWriteMaxRecords
	}
	if w.MaxFileBytes == 0 {
		w.MaxFileBytes = BulkWriteMaxBytes
	}
	var results []BulkWriteResult
	var jobErrs []error
	var stop error
	b := &csvZip{s: s, w: &w}
	defer b.discard()
	flush := func() {
		first, n := len(results), b.rows
		if n == 0 {
			return
		}
		results = append(results, make([]BulkWriteResult, n)...)
		chunk := results[first:]
		for i := range chunk {
			chunk[i].Index = first + i
		}
		if stop == nil {
			stop = ctx.Err()
		}
		if stop != nil {
			b.discard()
			err := fmt.Errorf("crm: bulk %s %s: records %d-%d not sent: %w", w.Operation, w.Module, first, first+n-1, stop)
			fillFailed(chunk, err)
			jobErrs = append(jobErrs, err)
			return
		}
		if err := s.runWriteFile(ctx, &w, b, first, chunk); err != nil {
			err = fmt.Errorf("crm: bulk %s %s: records %d-%d: %w", w.Operation, w.Module, first, first+n-1, err)
			fillFailed(chunk, err)
			jobErrs = append(jobErrs, err)
			if stopsAll(err) {
				stop = err
			}
		}
	}
	index := 0
	for rec, err := range records {
		if err != nil {
			flush()
			return results, errors.Join(append(jobErrs, fmt.Errorf("crm: bulk %s %s: reading record %d: %w", w.Operation, w.Module, index, err))...)
		}
		row, err := b.cells(rec, index)
		if err != nil {
			b.discard()
			return results, errors.Join(append(jobErrs, fmt.Errorf("crm: bulk %s %s: %w", w.Operation, w.Module, err))...)
		}
		if b.rows > 0 && (b.rows >= w.MaxRecordsPerFile || b.bytes+rowBytes(row) > w.MaxFileBytes) {
			flush()
		}
		if err := b.add(row); err != nil {
			b.discard()
			return results, errors.Join(append(jobErrs, fmt.Errorf("crm: bulk %s %s: building the file: %w", w.Operation, w.Module, err))...)
		}
		index++
	}
	flush()
	return results, errors.Join(jobErrs...)
}

func fillFailed(chunk []BulkWriteResult, err error) {
	for i := range chunk {
		chunk[i].Status, chunk[i].Err = "", err
	}
}

// rowBytes is a row's size in the CSV (an upper bound: quotes counted
// twice).
func rowBytes(row []string) int64 {
	n := int64(len(row)) // separators and newline
	for _, c := range row {
		n += int64(len(c))
		if strings.ContainsAny(c, "\",\r\n") {
			n += int64(len(c)) + 2
		}
	}
	return n
}

// csvZip is the file being built: a zip with one CSV, written to a
// temporary file as rows arrive.
type csvZip struct {
	s     *BulkService
	w     *BulkWrite
	f     *os.File
	bw    *bufio.Writer
	zw    *zip.Writer
	cw    *csv.Writer
	rows  int
	bytes int64
	cols  map[string]int
	row   []string
}

// cells renders a record as a CSV row (valid until the next call).
func (b *csvZip) cells(rec Record, index int) ([]string, error) {
	if b.cols == nil {
		b.cols = make(map[string]int, len(b.w.Fields))
		for i, f := range b.w.Fields {
			b.cols[f] = i
		}
		b.row = make([]string, len(b.w.Fields))
	}
	clear(b.row)
	for k, v := range rec {
		i, ok := b.cols[k]
		if !ok {
			return nil, fmt.Errorf("record %d: field %s is not one of BulkWrite.Fields", index, k)
		}
		cell, err := csvCell(v)
		if err != nil {
			return nil, fmt.Errorf("record %d: field %s: %w", index, k, err)
		}
		b.row[i] = cell
	}
	if b.w.Operation == BulkUpdate && b.row[b.cols[b.w.FindBy]] == "" {
		return nil, fmt.Errorf("record %d: no value for %s, the field that finds the record to update", index, b.w.FindBy)
	}
	return b.row, nil
}

// add appends a row, starting a file when none is open.
func (b *csvZip) add(row []string) error {
	if b.f == nil {
		f, err := os.CreateTemp(b.s.opts.TempDir, "zohokit-bulk-write-*.zip")
		if err != nil {
			return err
		}
		b.f, b.bw = f, bufio.NewWriterSize(f, 64<<10)
		b.zw = zip.NewWriter(b.bw)
		entry, err := b.zw.Create(b.w.Module + ".csv")
		if err != nil {
			return err
		}
		b.cw = csv.NewWriter(entry)
		if err := b.cw.Write(b.w.Fields); err != nil {
			return err
		}
		b.rows, b.bytes = 0, rowBytes(b.w.Fields)
	}
	b.rows++
	b.bytes += rowBytes(row)
	return b.cw.Write(row)
}

// finish completes the zip and returns the file rewound, with its size.
func (b *csvZip) finish() (*os.File, int64, error) {
	b.cw.Flush()
	if err := b.cw.Error(); err != nil {
		return nil, 0, err
	}
	if err := b.zw.Close(); err != nil {
		return nil, 0, err
	}
	if err := b.bw.Flush(); err != nil {
		return nil, 0, err
	}
	size, err := b.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, err
	}
	_, err = b.f.Seek(0, io.SeekStart)
	return b.f, size, err
}

// discard removes the file being built, if any.
func (b *csvZip) discard() {
	dropFile(b.f)
	b.f, b.bw, b.zw, b.cw, b.rows, b.bytes = nil, nil, nil, nil, 0, 0
}

// runWriteFile uploads the built file, runs its job and fills chunk from
// the result file.
func (s *BulkService) runWriteFile(ctx context.Context, w *BulkWrite, b *csvZip, first int, chunk []BulkWriteResult) error {
	f, size, err := b.finish()
	if err != nil {
		b.discard()
		return fmt.Errorf("building the file: %w", err)
	}
	fileID, err := s.upload(ctx, f, size, w.Module+".zip")
	b.discard()
	if err != nil {
		return err
	}
	job, err := s.createWrite(ctx, w, fileID)
	if err != nil {
		return err
	}
	job, err = s.WaitWrite(ctx, job.ID)
	if err != nil {
		return err
	}
	if job.Result == nil || job.Result.DownloadURL == "" {
		return fmt.Errorf("job %s completed without a download_url", job.ID)
	}
	return s.readWriteResult(ctx, job, first, chunk)
}

// upload sends a zip to the upload host (POST {content}/crm/v8/upload,
// multipart "file", headers feature and X-CRM-ORG) and returns its file id.
// The core client sends a request body from memory, so the file (at most
// 25 MB) is read into one buffer here.
func (s *BulkService) upload(ctx context.Context, f *os.File, size int64, name string) (string, error) {
	org, err := s.orgID(ctx)
	if err != nil {
		return "", err
	}
	var body bytes.Buffer
	body.Grow(int(size) + 512)
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(part, f); err != nil {
		return "", fmt.Errorf("reading the file to upload: %w", err)
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	req, err := s.c.zc.NewRequest(http.MethodPost, zoho.CRMUpload, "/upload", nil)
	if err != nil {
		return "", err
	}
	req.SetBody(mw.FormDataContentType(), body.Bytes())
	req.Header.Set("feature", "bulk-write")
	req.Header.Set("X-CRM-ORG", org)
	req.Idempotent = true // a repeated upload only leaves an unused file
	req.Check = checkBody
	var env struct {
		Status  string `json:"status"`
		Code    string `json:"code"`
		Details struct {
			FileID json.RawMessage `json:"file_id"`
		} `json:"details"`
	}
	resp, err := s.c.zc.Do(ctx, req, &env)
	if err != nil {
		return "", fmt.Errorf("uploading the file: %w", err)
	}
	id := jsonID(env.Details.FileID)
	if id == "" {
		return "", fmt.Errorf("uploading the file: Zoho answered no file_id (HTTP %d, code %q)", resp.StatusCode, env.Code)
	}
	return id, nil
}
