package zohotest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
)

// writeSpec is what a bulk write job imports.
type writeSpec struct {
	operation   string // insert, update, upsert
	fileID      string
	upload      string // path of the uploaded zip
	findBy      string
	ignoreEmpty bool
	mappings    []fieldMapping
	resource    map[string]any // echoed
	// result, once completed
	added, updated, skipped, total int
	resultName                     string
}

type fieldMapping struct {
	APIName string `json:"api_name"`
	Index   *int   `json:"index"`
}

// handleUpload serves POST /crm/v8/upload (on Zoho's content host): a
// multipart "file" that must be a zip, with the headers "feature:
// bulk-write" and "X-CRM-ORG: <org id>".
func (c *CRM) handleUpload(ex *exchange) {
	now := c.s.formatTime(c.s.now())
	feature, org := ex.r.Header.Get("feature"), ex.r.Header.Get("X-CRM-ORG")
	if feature == "" || org == "" || org != c.s.opts.OrgID {
		ex.note("upload: headers feature=%q X-CRM-ORG=%q (want bulk-write and %s)", feature, org, c.s.opts.OrgID)
		// Zoho's gateway answer for missing or wrong headers (bulk_write.json API_Exception).
		ex.json(http.StatusBadRequest, map[string]any{"ERROR_CODE": http.StatusBadRequest, "ERROR_MESSAGE": "Bad Request",
			"x-error": "check if headers [feature, X-CRM-ORG] are present and valid", "http_status": "400"})
		return
	}
	if feature != "bulk-write" {
		// Recorded from Zoho: an unknown feature is answered 200 with an error body.
		ex.json(http.StatusOK, map[string]any{"code": "NOT_SUPPORTED_FEATURE", "details": map[string]any{"created_time": now},
			"message": "Feature is not supported", "status": "error"})
		return
	}
	data, err := uploadedFile(ex)
	if err != nil {
		ex.apiError(http.StatusBadRequest, "INVALID_REQUEST", "zohotest: reading the multipart upload: "+err.Error(), map[string]any{"created_time": now})
		return
	}
	if len(data) > bulkMaxUploadBytes {
		ex.apiError(http.StatusRequestEntityTooLarge, "FILE_TOO_LARGE", "File size too large to process", map[string]any{"created_time": now})
		return
	}
	if _, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
		ex.apiError(http.StatusBadRequest, "INVALID_FILE_FORMAT", "invalid file format. only zip format is supported", map[string]any{"created_time": now})
		return
	}
	c.mu.Lock()
	f, err := c.bulk.createFile("upload-*.zip")
	var id string
	if err == nil {
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			id = c.s.ids.newID()
			c.bulk.uploads[id] = f.Name()
		}
	}
	c.mu.Unlock()
	if err != nil {
		ex.apiError(http.StatusInternalServerError, "INTERNAL_ERROR", "zohotest: storing the upload: "+err.Error(), nil)
		return
	}
	ex.json(http.StatusOK, map[string]any{"code": "FILE_UPLOAD_SUCCESS", "details": map[string]any{"created_time": now, "file_id": id},
		"message": "file uploaded.", "status": "success"})
}

// uploadedFile reads the "file" part of a multipart body.
func uploadedFile(ex *exchange) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(ex.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errors.New("the body is not multipart/form-data")
	}
	mr := multipart.NewReader(bytes.NewReader(ex.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, errors.New(`no "file" part`)
		}
		if err != nil {
			return nil, err
		}
		if p.FormName() == "file" {
			return io.ReadAll(p)
		}
	}
}

// handleBulkWriteCreate serves POST /crm/bulk/v8/write.
func (c *CRM) handleBulkWriteCreate(ex *exchange) {
	c.serve(ex, func() answer {
		var body struct {
			Operation   string          `json:"operation"`
			Callback    json.RawMessage `json:"callback"`
			IgnoreEmpty bool            `json:"ignore_empty"`
			Resource    []struct {
				Type   string `json:"type"`
				Module *struct {
					APIName string `json:"api_name"`
				} `json:"module"`
				FileID        json.RawMessage `json:"file_id"`
				FindBy        string          `json:"find_by"`
				IgnoreEmpty   *bool           `json:"ignore_empty"`
				FieldMappings []fieldMapping  `json:"field_mappings"`
			} `json:"resource"`
		}
		if err := decodeJSON(ex.body, &body); err != nil {
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "the body is not the expected JSON", map[string]any{"reason": err.Error()})
		}
		switch body.Operation {
		case "insert", "update", "upsert":
		case "":
			return errAnswer(http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required key operation is not found in request body.", map[string]any{"api_name": "operation"})
		default:
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"api_name": "operation"})
		}
		cb, bad := checkCallback(body.Callback)
		if bad != nil {
			return *bad
		}
		if len(body.Resource) != 1 {
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "zohotest takes exactly one resource per job", map[string]any{"api_name": "resource"})
		}
		res := body.Resource[0]
		if res.Module == nil || res.Module.APIName == "" {
			return errAnswer(http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "module"})
		}
		m := c.module(res.Module.APIName)
		if m == nil {
			return errAnswer(http.StatusBadRequest, "MODULE_NOT_AVAILABLE", fmt.Sprintf("Requested module '%s' is not available.", res.Module.APIName), nil)
		}
		fileID := refID(decodeAnyJSON(res.FileID))
		upload, ok := c.bulk.uploads[fileID]
		if !ok {
			return errAnswer(http.StatusBadRequest, "INVALID_FILE_ID", "improper file id", map[string]any{"api_name": "file_id"})
		}
		if len(res.FieldMappings) == 0 {
			return errAnswer(http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "field_mappings"})
		}
		mapped := map[string]bool{}
		for i, fm := range res.FieldMappings {
			if fm.Index == nil || *fm.Index < 0 {
				return errAnswer(http.StatusBadRequest, "MISSING_REQUIRED_KEY", fmt.Sprintf("required key index for field %s is not found in request body.", fm.APIName),
					map[string]any{"api_name": fm.APIName, "json_path": fmt.Sprintf("$.resource[0].field_mappings[%d].index", i)})
			}
			if fm.APIName != "id" && (m.fieldType(fm.APIName) == "" || systemField(fm.APIName)) {
				return errAnswer(http.StatusBadRequest, "INVALID_DATA", fmt.Sprintf("invalid mapping. invalid api_name %s.", fm.APIName),
					map[string]any{"api_name": fm.APIName})
			}
			mapped[fm.APIName] = true
		}
		switch {
		case body.Operation != "insert" && res.FindBy == "":
			return errAnswer(http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "find_by"})
		case res.FindBy != "" && res.FindBy != "id" && m.fieldType(res.FindBy) == "":
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"api_name": "find_by"})
		case res.FindBy != "" && !mapped[res.FindBy]:
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "the find_by field is not mapped", map[string]any{"api_name": "find_by"})
		}
		if body.Operation == "insert" {
			for _, f := range m.def.Fields {
				if f.Mandatory && !mapped[f.APIName] {
					return errAnswer(http.StatusBadRequest, "MANDATORY_FIELDS_NOT_MAPPED", "All mandatory fields are not mapped for the layout",
						map[string]any{"api_name": f.APIName})
				}
			}
		}
		ignore := body.IgnoreEmpty
		if res.IgnoreEmpty != nil {
			ignore = *res.IgnoreEmpty
		}
		var echo map[string]any
		_ = decodeJSON(mustJSON(res), &echo)
		echo["module"] = map[string]any{"api_name": m.def.APIName, "id": m.id}
		echo["file_id"] = fileID
		j := &bulkJob{id: c.s.ids.newID(), kind: "write", created: c.s.now(), state: "ADDED", callback: cb,
			createdBy: c.s.opts.CurrentUser, module: m.def.APIName,
			write: &writeSpec{operation: body.Operation, fileID: fileID, upload: upload, findBy: res.FindBy,
				ignoreEmpty: ignore, mappings: res.FieldMappings, resource: echo}}
		c.addJobLocked(j)
		return answer{status: http.StatusCreated, body: map[string]any{"status": "success", "code": "SUCCESS", "message": "success",
			"details": map[string]any{"id": j.id, "created_by": map[string]any{"id": j.createdBy.ID, "name": j.createdBy.Name()}}}}
	})
}

func decodeAnyJSON(raw json.RawMessage) any {
	var v any
	if len(raw) == 0 || decodeJSON(raw, &v) != nil {
		return nil
	}
	return v
}

// writeJobJSON is a bulk write job's details (Bulk_Write_Response).
func (c *CRM) writeJobJSON(j *bulkJob) map[string]any {
	w := j.write
	res := map[string]any{}
	for k, v := range w.resource {
		res[k] = v
	}
	res["status"] = j.state
	if j.state == "FAILED" {
		res["status"] = "FAILED"
	}
	fileStatus := j.state
	res["file"] = map[string]any{"status": fileStatus, "name": path.Base(w.upload), "added_count": w.added,
		"skipped_count": w.skipped, "updated_count": w.updated, "total_count": w.total}
	out := map[string]any{
		"status": j.state, "character_encoding": "UTF-8", "resource": []any{res}, "id": j.id, "operation": w.operation,
		"created_by":   map[string]any{"id": j.createdBy.ID, "name": j.createdBy.Name()},
		"created_time": c.s.formatTime(j.created),
	}
	if j.callback != "" {
		out["callback"] = map[string]any{"url": j.callback, "method": "post"}
	}
	if j.state == "COMPLETED" {
		out["result"] = map[string]any{"download_url": fmt.Sprintf("%s/v2/crm/%s/bulk-write/%s/%s.zip", c.s.URL(), c.s.opts.OrgID, j.id, j.id)}
	}
	return out
}

// handleBulkWriteStatus serves GET /crm/bulk/v8/write/{job_id}.
func (c *CRM) handleBulkWriteStatus(ex *exchange) {
	c.serve(ex, func() answer {
		j, bad := c.jobLocked(ex, "write")
		if bad != nil {
			return *bad
		}
		changes, err := c.pollLocked(j)
		if err != nil {
			ex.note("%v", err)
		}
		return answer{status: http.StatusOK, body: c.writeJobJSON(j), changes: changes}
	})
}

// handleBulkWriteResult serves the result zip of a completed write job.
func (c *CRM) handleBulkWriteResult(ex *exchange) {
	c.mu.Lock()
	j, bad := c.jobLocked(ex, "write")
	if bad == nil && (j.state != "COMPLETED" || ex.param("file") != j.id+".zip" || ex.param("org") != c.s.opts.OrgID) {
		a := errAnswer(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The requested resource doesn't exist.", map[string]any{"resource": "download_url"})
		bad = &a
	}
	var file, name string
	if bad == nil {
		file, name = j.file, j.write.resultName
	}
	c.mu.Unlock()
	if bad != nil {
		ex.json(bad.status, bad.body)
		return
	}
	c.serveFile(ex, file, name+".zip")
}

// runWriteLocked imports the uploaded CSV row by row through the same
// validation and change path as the API, and writes the result file: the
// first three columns of the upload, then RECORD_ID, STATUS and ERRORS.
func (c *CRM) runWriteLocked(j *bulkJob) ([]Change, error) {
	w := j.write
	m := c.module(j.module)
	if m == nil {
		return nil, fmt.Errorf("module %s is gone", j.module)
	}
	zr, err := zip.OpenReader(w.upload)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var entry *zip.File
	for _, f := range zr.File {
		if strings.EqualFold(path.Ext(f.Name), ".csv") {
			entry = f
			break
		}
	}
	if entry == nil {
		return nil, errors.New("the uploaded zip holds no CSV file")
	}
	in, err := entry.Open()
	if err != nil {
		return nil, err
	}
	defer in.Close()
	cr := csv.NewReader(bufio.NewReader(in))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	w.resultName = m.def.APIName + "-" + baseName(entry.Name)

	out, err := c.bulk.createFile("write-" + j.id + "-*.zip")
	if err != nil {
		return nil, err
	}
	defer out.Close()
	bw := bufio.NewWriter(out)
	zw := zip.NewWriter(bw)
	ze, err := zw.Create(w.resultName + ".csv")
	if err != nil {
		return nil, err
	}
	cw := csv.NewWriter(ze)
	keep := min(3, len(header))
	if err := cw.Write(append(append([]string{}, header[:keep]...), "RECORD_ID", "STATUS", "ERRORS")); err != nil {
		return nil, err
	}
	column := func(api string) string { // the header of the column mapped to api
		for _, fm := range w.mappings {
			if fm.APIName == api && *fm.Index < len(header) {
				return header[*fm.Index]
			}
		}
		return api
	}
	var changes []Change
	for rowNum := 0; ; rowNum++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading CSV row %d: %w", rowNum+1, err)
		}
		w.total++
		id, status, errs, ch := c.writeRowLocked(m, w, row, rowNum, column)
		if ch != nil {
			changes = append(changes, *ch)
		}
		switch status {
		case "ADDED":
			w.added++
		case "UPDATED":
			w.updated++
		default:
			w.skipped++
		}
		first := make([]string, keep)
		for i := range first {
			if i < len(row) {
				first[i] = row[i]
			}
		}
		if err := cw.Write(append(first, id, status, errs)); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	c.writes = append(c.writes, Write{Time: c.s.clock.Now(), Module: m.def.APIName, Operation: w.operation,
		Triggers: defaultTriggers(), Records: w.total})
	j.file = out.Name()
	j.state = "COMPLETED"
	return changes, nil
}

// writeRowLocked writes one CSV row; it returns the record id, Zoho's row
// status (ADDED, UPDATED, SKIPPED) and errors ("CODE-column").
func (c *CRM) writeRowLocked(m *moduleState, w *writeSpec, row []string, rowNum int, column func(string) string) (string, string, string, *Change) {
	values := map[string]any{}
	findValue := ""
	for _, fm := range w.mappings {
		cell := ""
		if *fm.Index < len(row) {
			cell = row[*fm.Index]
		}
		if fm.APIName == w.findBy {
			findValue = cell
		}
		if fm.APIName == "id" {
			continue
		}
		if cell == "" && w.ignoreEmpty {
			continue
		}
		values[fm.APIName] = csvInput(m.fields[fm.APIName], cell)
	}
	one := writeOne{op: w.operation, in: values, idx: rowNum, source: "api", triggers: defaultTriggers()}
	switch {
	case w.operation == "insert":
	case w.findBy == "id":
		one.id = findValue
		if w.operation == "upsert" {
			one.op = "update"
			if findValue == "" || m.byID[findValue] == nil {
				one.op, one.id = "insert", ""
			}
		}
	case w.operation == "update":
		f := m.fields[w.findBy]
		v, nerr := c.normalize(f, csvInput(f, findValue), "")
		var found *storedRecord
		if nerr == nil && v != nil {
			found = m.findBy(w.findBy, v, "")
		}
		if found == nil {
			return "", "SKIPPED", "RESOURCE_NOT_FOUND-" + column(w.findBy), nil
		}
		one.id = found.id
	default: // upsert by a field
		one.dup = []string{w.findBy}
	}
	res, rec, ch, rerr := c.writeOneLocked(m, one, nil)
	if rerr != nil {
		api, _ := rerr.Details["api_name"].(string)
		return "", "SKIPPED", rerr.Code + "-" + column(api), nil
	}
	status := "ADDED"
	if act, _ := res["action"].(string); act == "update" || one.op == "update" {
		status = "UPDATED"
	}
	return rec.id, status, "", ch
}

// csvInput turns a CSV cell into the JSON value the field takes.
func csvInput(f *Field, cell string) any {
	if cell == "" {
		return nil
	}
	if f == nil {
		return cell
	}
	switch f.Type {
	case FieldBoolean:
		switch strings.ToLower(cell) {
		case "true":
			return true
		case "false":
			return false
		}
	case FieldMultiSelect:
		parts := strings.Split(cell, ";")
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out
	}
	return cell
}
