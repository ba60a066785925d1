package zohotest

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// readSpec is what a bulk read job exports.
type readSpec struct {
	fields    []string // CSV columns after "id"
	criteria  string   // the criteria in search syntax, "" for none
	pred      predicate
	rawQuery  map[string]any // echoed in the job's details
	page      int
	offset    int // records before this page
	pageToken string
	// result, once completed
	count     int
	more      bool
	nextToken string
}

// bulkCriteria is Zoho's JSON criteria of a bulk read.
type bulkCriteria struct {
	Field *struct {
		APIName string `json:"api_name"`
	} `json:"field"`
	APIName       string          `json:"api_name"`
	Comparator    string          `json:"comparator"`
	Value         json.RawMessage `json:"value"`
	GroupOperator string          `json:"group_operator"`
	Group         []bulkCriteria  `json:"group"`
}

// searchSyntax turns JSON criteria into the search criteria syntax the
// fake's filter compiler reads.
func (b bulkCriteria) searchSyntax() (string, error) {
	if len(b.Group) > 0 {
		op := strings.ToLower(b.GroupOperator)
		if op != "and" && op != "or" {
			return "", fmt.Errorf("group_operator %q is not and/or", b.GroupOperator)
		}
		parts := make([]string, len(b.Group))
		for i, g := range b.Group {
			s, err := g.searchSyntax()
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "(" + strings.Join(parts, op) + ")", nil
	}
	field := b.APIName
	if b.Field != nil && b.Field.APIName != "" {
		field = b.Field.APIName
	}
	if field == "" {
		return "", fmt.Errorf("a condition names no field")
	}
	ops := map[string]string{
		"equal": "equals", "not_equal": "not_equal", "in": "in", "not_in": "not_in",
		"greater_than": "greater_than", "greater_equal": "greater_equal", "less_than": "less_than",
		"less_equal": "less_equal", "between": "between", "starts_with": "starts_with",
	}
	op, ok := ops[b.Comparator]
	if !ok {
		return "", fmt.Errorf("zohotest does not support the comparator %q", b.Comparator)
	}
	var vals []any
	var one any
	if err := decodeJSON(b.Value, &one); err != nil {
		return "", fmt.Errorf("value of %s: %w", field, err)
	}
	if list, isList := one.([]any); isList {
		vals = list
	} else {
		vals = []any{one}
	}
	texts := make([]string, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case string, json.Number, bool:
			texts[i] = escapeCriteria(fmt.Sprint(x))
		default:
			return "", fmt.Errorf("value of %s is not a string, number or boolean", field)
		}
	}
	return "(" + field + ":" + op + ":" + strings.Join(texts, ",") + ")", nil
}

func escapeCriteria(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, `,`, `\,`)
	return r.Replace(s)
}

// handleBulkReadCreate serves POST /crm/bulk/v8/read.
func (c *CRM) handleBulkReadCreate(ex *exchange) {
	c.serve(ex, func() answer {
		var body struct {
			Callback json.RawMessage `json:"callback"`
			FileType string          `json:"file_type"`
			Query    *struct {
				Module *struct {
					APIName string `json:"api_name"`
				} `json:"module"`
				CVID      *string         `json:"cvid"`
				Fields    []string        `json:"fields"`
				Page      *int            `json:"page"`
				PageToken string          `json:"page_token"`
				Criteria  json.RawMessage `json:"criteria"`
			} `json:"query"`
		}
		if len(ex.body) == 0 {
			return errAnswer(http.StatusBadRequest, "REQUEST_BODY_IS_EMPTY", "request body is empty", nil)
		}
		if err := decodeJSON(ex.body, &body); err != nil {
			return errAnswer(http.StatusBadRequest, "INVALID_REQUEST", "the body is not the expected JSON", map[string]any{"reason": err.Error()})
		}
		q := body.Query
		if q == nil || q.Module == nil || q.Module.APIName == "" {
			return errAnswer(http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "module"})
		}
		m := c.module(q.Module.APIName)
		if m == nil {
			return errAnswer(http.StatusBadRequest, "MODULE_NOT_AVAILABLE", fmt.Sprintf("Requested module '%s' is not available.", q.Module.APIName),
				map[string]any{"api_name": q.Module.APIName})
		}
		switch body.FileType {
		case "", "csv":
		default:
			return errAnswer(http.StatusBadRequest, "NOT_SUPPORTED_FEATURE", "zohotest exports CSV only", map[string]any{"api_name": "file_type"})
		}
		if q.CVID != nil && *q.CVID != "" {
			return errAnswer(http.StatusBadRequest, "CVID_NOT_SUPPORTED", "zohotest has no custom views", map[string]any{"api_name": "cvid"})
		}
		cb, bad := checkCallback(body.Callback)
		if bad != nil {
			return *bad
		}
		spec := &readSpec{page: 1}
		for _, f := range q.Fields {
			if f == "id" {
				continue
			}
			if m.fieldType(f) == "" {
				return errAnswer(http.StatusBadRequest, "FIELD_NOT_AVAILABLE", "the field is not available", map[string]any{"api_name": f, "module": m.def.APIName})
			}
			spec.fields = append(spec.fields, f)
		}
		if len(q.Fields) == 0 {
			for _, f := range m.def.Fields {
				spec.fields = append(spec.fields, f.APIName)
			}
			spec.fields = append(spec.fields, "Created_Time", "Modified_Time", "Created_By", "Modified_By")
		}
		if q.Criteria != nil && string(q.Criteria) != "null" {
			var crit bulkCriteria
			if err := json.Unmarshal(q.Criteria, &crit); err != nil {
				return errAnswer(http.StatusBadRequest, "INVALID_CRITERIA", "invalid criteria", map[string]any{"reason": err.Error()})
			}
			text, err := crit.searchSyntax()
			if err != nil {
				return errAnswer(http.StatusBadRequest, "CRITERIA_NOT_SUPPORTED", "criteria not supported", map[string]any{"reason": err.Error()})
			}
			pred, err := c.compileCriteria(m, text)
			if err != nil {
				return errAnswer(http.StatusBadRequest, "INVALID_CRITERIA", "invalid criteria", map[string]any{"reason": err.Error()})
			}
			spec.criteria, spec.pred = text, pred
		}
		size := c.bulk.opts.ReadPageSize
		switch {
		case q.PageToken != "":
			tok, ok := c.bulk.tokens[q.PageToken]
			if !ok || tok.module != m.def.APIName {
				return errAnswer(http.StatusBadRequest, "INVALID_DATA", "the page_token given seems to be invalid", map[string]any{"api_name": "page_token"})
			}
			spec.offset, spec.page, spec.pageToken = tok.offset, tok.page, q.PageToken
		case q.Page != nil:
			if *q.Page < 1 {
				return errAnswer(http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"api_name": "page"})
			}
			spec.page, spec.offset = *q.Page, (*q.Page-1)*size
		}
		var rawQuery map[string]any
		_ = decodeJSON(mustJSON(body.Query), &rawQuery)
		rawQuery["module"] = map[string]any{"api_name": m.def.APIName, "id": m.id}
		rawQuery["page"] = spec.page
		spec.rawQuery = rawQuery
		j := &bulkJob{id: c.s.ids.newID(), kind: "read", created: c.s.now(), state: "ADDED", callback: cb,
			createdBy: c.s.opts.CurrentUser, module: m.def.APIName, read: spec}
		c.addJobLocked(j)
		return answer{status: http.StatusCreated, body: map[string]any{
			"data": []any{map[string]any{"status": "success", "code": "ADDED_SUCCESSFULLY", "message": "Added successfully.",
				"details": map[string]any{"id": j.id, "operation": "read", "state": j.state,
					"created_by": map[string]any{"id": j.createdBy.ID, "name": j.createdBy.Name()}, "created_time": c.s.formatTime(j.created)}}},
			"info": map[string]any{},
		}}
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("{}")
	}
	return b
}

// readJobJSON is a bulk read job's details (Job_Detail).
func (c *CRM) readJobJSON(j *bulkJob) map[string]any {
	r := j.read
	out := map[string]any{
		"id": j.id, "operation": "read", "state": j.state, "query": r.rawQuery, "file_type": "csv",
		"created_by":   map[string]any{"id": j.createdBy.ID, "name": j.createdBy.Name()},
		"created_time": c.s.formatTime(j.created), "result": nil,
	}
	if j.state == "COMPLETED" {
		var next any
		if r.nextToken != "" {
			next = r.nextToken
		}
		out["result"] = map[string]any{
			"page": r.page, "per_page": c.bulk.opts.ReadPageSize, "count": r.count, "more_records": r.more,
			"next_page_token": next, "download_url": "/crm/bulk/v8/read/" + j.id + "/result",
		}
	}
	return out
}

// handleBulkReadStatus serves GET /crm/bulk/v8/read/{job_id}.
func (c *CRM) handleBulkReadStatus(ex *exchange) {
	c.serve(ex, func() answer {
		j, bad := c.jobLocked(ex, "read")
		if bad != nil {
			return *bad
		}
		if _, err := c.pollLocked(j); err != nil {
			ex.note("%v", err)
		}
		return answer{status: http.StatusOK, body: map[string]any{"data": []any{c.readJobJSON(j)}}}
	})
}

// handleBulkReadResult serves GET /crm/bulk/v8/read/{job_id}/result: the
// zipped CSV, within the download limit.
func (c *CRM) handleBulkReadResult(ex *exchange) {
	c.mu.Lock()
	j, bad := c.jobLocked(ex, "read")
	if bad == nil && j.state != "COMPLETED" {
		a := errAnswer(http.StatusBadRequest, "RESOURCE_NOT_FOUND", "The requested resource doesn't exist.",
			map[string]any{"resource": "result", "reason": "the job is " + j.state})
		bad = &a
	}
	if bad == nil {
		o := c.bulk.opts
		now := c.s.clock.Now()
		kept := c.bulk.downloads[:0]
		for _, t := range c.bulk.downloads {
			if now.Sub(t) < o.DownloadWindow {
				kept = append(kept, t)
			}
		}
		c.bulk.downloads = kept
		if len(kept) >= o.DownloadLimit {
			a := errAnswer(http.StatusTooManyRequests, "TOO_MANY_REQUESTS",
				fmt.Sprintf("only %d downloads are allowed in %s", o.DownloadLimit, o.DownloadWindow), nil)
			bad = &a
		} else {
			c.bulk.downloads = append(c.bulk.downloads, now)
		}
	}
	var path string
	if bad == nil {
		path = j.file
	}
	c.mu.Unlock()
	if bad != nil {
		ex.json(bad.status, bad.body)
		return
	}
	c.serveFile(ex, path, j.id+".zip")
}

// runReadLocked writes the job's page of records as a zipped CSV, streaming
// rows from the store into the file: no copy of the page is held.
func (c *CRM) runReadLocked(j *bulkJob) error {
	r := j.read
	m := c.module(j.module)
	if m == nil {
		return fmt.Errorf("module %s is gone", j.module)
	}
	size := c.bulk.opts.ReadPageSize
	f, err := c.bulk.createFile("read-" + j.id + "-*.zip")
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 64<<10)
	zw := zip.NewWriter(bw)
	entry, err := zw.Create(j.id + ".csv")
	if err != nil {
		return err
	}
	cw := csv.NewWriter(entry)
	row := make([]string, 0, len(r.fields)+1)
	row = append(row, "id")
	row = append(row, r.fields...)
	if err := cw.Write(row); err != nil {
		return err
	}
	seen, written := 0, 0
	more := false
	for _, rec := range m.records {
		if r.pred != nil && !r.pred(rec) {
			continue
		}
		seen++
		if seen <= r.offset {
			continue
		}
		if written == size {
			more = true
			break
		}
		row = row[:0]
		row = append(row, rec.id)
		for _, fld := range r.fields {
			row = append(row, c.csvValue(fieldValue(rec, fld)))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
		written++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	r.count, r.more = written, more
	if more {
		tok := "brt." + randomHex(16)
		c.bulk.tokens[tok] = readToken{module: m.def.APIName, offset: r.offset + written, page: r.page + 1}
		r.nextToken = tok
	}
	j.file = f.Name()
	j.state = "COMPLETED"
	return nil
}

// csvValue renders a stored value as Zoho's bulk read CSV does: text as is,
// date-times in ISO 8601 with the user's offset, lookups and users by id,
// multi-select picklists joined with ";", nothing as "".
func (c *CRM) csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return c.s.formatTime(x)
	case lookupRef:
		return x.id
	case userRef:
		return x.id
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = toString(e)
		}
		return strings.Join(parts, ";")
	}
	return toString(v)
}
