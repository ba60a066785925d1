package zohotest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Zoho's write limit: "Cannot process more than 100 records at a time."
const maxWriteRecords = 100

// defaultTriggers is what Zoho runs when a write's body has no "trigger".
func defaultTriggers() []string { return []string{"approval", "workflow", "blueprint"} }

// answer is a response computed under the CRM lock and written after it.
type answer struct {
	status  int
	body    any // nil: no body (204, 304)
	changes []Change
}

// serve runs f under the CRM lock, publishes the changes it made, then
// writes its answer.
func (c *CRM) serve(ex *exchange, f func() answer) {
	c.mu.Lock()
	a := f()
	c.mu.Unlock()
	c.publish(a.changes)
	if a.body == nil {
		ex.empty(a.status)
		return
	}
	ex.json(a.status, a.body)
}

func errAnswer(status int, code, message string, details map[string]any) answer {
	return answer{status: status, body: zohoError(code, message, details)}
}

// moduleLocked resolves the {module} of the path (case-insensitively, as
// Zoho does) or returns Zoho's INVALID_MODULE answer.
func (c *CRM) moduleLocked(ex *exchange) (*moduleState, *answer) {
	name := ex.param("module")
	if m := c.module(name); m != nil {
		return m, nil
	}
	switch strings.ToLower(name) {
	case "settings", "users", "org", "actions", "__apis", "__features", "bulk", "coql":
		// Another CRM endpoint the fake does not serve, not a module.
		a := errAnswer(http.StatusNotFound, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one",
			map[string]any{"reason": "zohotest does not implement " + ex.r.Method + " " + ex.r.URL.Path})
		return nil, &a
	}
	a := errAnswer(http.StatusBadRequest, "INVALID_MODULE", "the module name given seems to be invalid",
		map[string]any{"resource_path_index": 0})
	return nil, &a
}

// unsupportedHeaders rejects what the fake does not model, rather than
// answering as if it did.
func unsupportedHeaders(ex *exchange) *answer {
	if ex.r.Header.Get("X-EXTERNAL") != "" {
		a := errAnswer(http.StatusBadRequest, "NOT_SUPPORTED", "zohotest does not support external-id (X-EXTERNAL) requests",
			map[string]any{"header": "X-EXTERNAL"})
		return &a
	}
	return nil
}

// prepareLocked validates one incoming record and returns the values to
// store. Unknown fields are ignored, as Zoho ignores them (the call log
// notes each); system and read-only fields are ignored too.
func (c *CRM) prepareLocked(m *moduleState, in map[string]any, create bool, idx int, ex *exchange) (map[string]any, *recordError) {
	out := make(map[string]any, len(in))
	for _, name := range sortedKeys(in) {
		path := fmt.Sprintf("$.data[%d].%s", idx, name)
		if systemField(name) || strings.HasPrefix(name, "$") {
			continue
		}
		f, ok := m.fields[name]
		if !ok {
			if ex != nil {
				ex.note("record %d: field %s is not a field of %s; ignored, as Zoho ignores it", idx, name, m.def.APIName)
			}
			continue
		}
		if f.ReadOnly {
			continue
		}
		v, err := c.normalize(f, in[name], path)
		if err != nil {
			return nil, err
		}
		out[name] = v // nil clears the field
	}
	for _, f := range m.def.Fields {
		if !f.Mandatory {
			continue
		}
		v, given := out[f.APIName]
		if (create && v == nil) || (!create && given && v == nil) {
			return nil, mandatoryMissing(f.APIName, fmt.Sprintf("$.data[%d].%s", idx, f.APIName))
		}
	}
	return out, nil
}

// uniqueLocked checks the Unique fields of values against other records.
func (c *CRM) uniqueLocked(m *moduleState, values map[string]any, self string, idx int) *recordError {
	for _, f := range m.def.Fields {
		v, ok := values[f.APIName]
		if !f.Unique || !ok || v == nil {
			continue
		}
		if dup := m.findBy(f.APIName, v, self); dup != nil {
			return &recordError{Code: "DUPLICATE_DATA", Message: "duplicate data", Details: map[string]any{
				"api_name":  f.APIName,
				"json_path": fmt.Sprintf("$.data[%d].%s", idx, f.APIName),
				"duplicate_record": map[string]any{
					"module": map[string]any{"api_name": m.def.APIName, "id": m.id},
					"id":     dup.id,
					"Owner":  c.renderValue(dup.values["Owner"]),
				},
			}}
		}
	}
	return nil
}

// writeOne is one record of a write request, or of a helper.
type writeOne struct {
	op       string // "insert", "update", "upsert", "replace"
	in       map[string]any
	idx      int
	id       string   // update: the id from the path (else in["id"])
	dup      []string // upsert: duplicate-check fields in order
	source   string
	triggers []string
	mu       mutation // helpers: id/time overrides for inserts
}

// writeOneLocked validates and applies one record. It returns the success
// details, the stored record and its change, or the per-record error.
func (c *CRM) writeOneLocked(m *moduleState, w writeOne, ex *exchange) (map[string]any, *storedRecord, *Change, *recordError) {
	op := w.op
	id := w.id
	if id == "" && op != "insert" {
		id = refID(w.in["id"])
	}
	var existing *storedRecord
	dupField := ""
	switch op {
	case "update", "replace":
		if id == "" {
			return nil, nil, nil, mandatoryMissing("id", fmt.Sprintf("$.data[%d].id", w.idx))
		}
		if existing = m.byID[id]; existing == nil {
			return nil, nil, nil, &recordError{Code: "INVALID_DATA", Message: "the id given seems to be invalid",
				Details: map[string]any{"id": id, "json_path": fmt.Sprintf("$.data[%d].id", w.idx)}}
		}
	case "upsert":
		values, err := c.prepareLocked(m, w.in, false, w.idx, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, f := range w.dup {
			if v, ok := values[f]; ok && v != nil {
				if existing = m.findBy(f, v, ""); existing != nil {
					dupField = f
					break
				}
			}
		}
		op = "insert"
		if existing != nil {
			op = "update"
		}
	}
	values, err := c.prepareLocked(m, w.in, op == "insert" || op == "replace", w.idx, ex)
	if err != nil {
		return nil, nil, nil, err
	}
	self := ""
	if existing != nil {
		self = existing.id
	}
	if err := c.uniqueLocked(m, values, self, w.idx); err != nil {
		return nil, nil, nil, err
	}
	mu := w.mu
	mu.values, mu.source, mu.triggers = values, w.source, w.triggers
	switch op {
	case "insert":
		mu.op = "create"
	case "update":
		mu.op, mu.id = "edit", existing.id
	case "replace":
		mu.op, mu.id = "replace", existing.id
	}
	rec, ch := c.applyLocked(m, mu)
	details := map[string]any{
		"Modified_Time": c.s.formatTime(rec.modified),
		"Modified_By":   rec.modifiedBy.minified(),
		"Created_Time":  c.s.formatTime(rec.created),
		"id":            rec.id,
		"Created_By":    rec.createdBy.minified(),
	}
	result := map[string]any{"code": "SUCCESS", "details": details, "status": "success", "message": "record updated"}
	if op == "insert" {
		result["message"] = "record added"
	}
	if w.op == "upsert" {
		result["action"] = op
		if dupField != "" {
			result["duplicate_field"] = dupField
		} else {
			result["duplicate_field"] = nil
		}
	}
	return result, rec, &ch, nil
}

// writeBody is the body of insert, update and upsert (Zoho's Body_Wrapper).
type writeBody struct {
	Data                 []map[string]any `json:"data"`
	Trigger              *[]string        `json:"trigger"`
	DuplicateCheckFields []string         `json:"duplicate_check_fields"`
}

// batchStatus is Zoho's status for a batch: all succeeded → ok (201 for
// inserts, 200 otherwise); some failed → 207 Multi-Status; all failed → 400
// with the per-record errors in data.
func batchStatus(ok, failed, okStatus int) int {
	switch {
	case failed == 0:
		return okStatus
	case ok == 0:
		return http.StatusBadRequest
	}
	return http.StatusMultiStatus
}

// handleWrite serves POST /{module} (insert), PUT /{module} and
// PUT /{module}/{id} (update), POST /{module}/upsert.
func (c *CRM) handleWrite(op string) func(*exchange) {
	return func(ex *exchange) {
		c.serve(ex, func() answer {
			m, bad := c.moduleLocked(ex)
			if bad != nil {
				return *bad
			}
			if bad := unsupportedHeaders(ex); bad != nil {
				return *bad
			}
			var body writeBody
			if err := decodeJSON(ex.body, &body); err != nil {
				return errAnswer(http.StatusBadRequest, "INVALID_DATA", "body", map[string]any{"reason": "the body is not the expected JSON: " + err.Error()})
			}
			pathID := ex.param("id")
			switch {
			case len(body.Data) == 0:
				return errAnswer(http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "data"})
			case len(body.Data) > maxWriteRecords:
				return errAnswer(http.StatusBadRequest, "LIMIT_EXCEEDED", "Record count exceeded", map[string]any{"api_name": "data", "limit": maxWriteRecords})
			case pathID != "" && len(body.Data) > 1:
				return errAnswer(http.StatusBadRequest, "LIMIT_EXCEEDED", "Record count exceeded", map[string]any{"api_name": "data", "limit": 1})
			}
			triggers, specified := defaultTriggers(), false
			if body.Trigger != nil {
				triggers, specified = append([]string{}, (*body.Trigger)...), true
			}
			var dup []string
			if op == "upsert" {
				if body.DuplicateCheckFields != nil {
					for i, f := range body.DuplicateCheckFields {
						if m.fieldType(f) == "" || systemField(f) {
							return errAnswer(http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{
								"api_name": f, "json_path": fmt.Sprintf("$.duplicate_check_fields[%d]", i)})
						}
					}
					dup = body.DuplicateCheckFields
				} else {
					dup = m.defaultDuplicateFields()
				}
			}
			results := make([]any, len(body.Data))
			var changes []Change
			var ok, failed int
			var ids []string
			for i, in := range body.Data {
				if rf := ex.recordFault; rf != nil && rf.Index == i {
					results[i] = zohoError(rf.Code, rf.Message, rf.Details)
					failed++
					continue
				}
				res, rec, ch, rerr := c.writeOneLocked(m, writeOne{op: op, in: in, idx: i, id: pathID, dup: dup, source: "api", triggers: triggers}, ex)
				if rerr != nil {
					results[i] = rerr.body()
					failed++
					continue
				}
				results[i] = res
				changes = append(changes, *ch)
				ids = append(ids, rec.id)
				ok++
			}
			c.writes = append(c.writes, Write{Time: c.s.clock.Now(), Module: m.def.APIName, Operation: op,
				Triggers: triggers, TriggerSpecified: specified, Records: len(body.Data), Succeeded: ids})
			okStatus := http.StatusOK
			if op == "insert" {
				okStatus = http.StatusCreated
			}
			return answer{status: batchStatus(ok, failed, okStatus), body: map[string]any{"data": results}, changes: changes}
		})
	}
}

// defaultDuplicateFields is upsert's default: the system duplicate-check
// fields, then the user-defined unique fields.
func (m *moduleState) defaultDuplicateFields() []string {
	out := slices.Clone(m.def.DuplicateCheckFields)
	for _, f := range m.def.Fields {
		if f.Unique && !slices.Contains(out, f.APIName) {
			out = append(out, f.APIName)
		}
	}
	return out
}

// handleDelete serves DELETE /{module}?ids=... and DELETE /{module}/{id}.
func (c *CRM) handleDelete(ex *exchange) {
	c.serve(ex, func() answer {
		m, bad := c.moduleLocked(ex)
		if bad != nil {
			return *bad
		}
		if bad := unsupportedHeaders(ex); bad != nil {
			return *bad
		}
		q := ex.r.URL.Query()
		var ids []string
		if id := ex.param("id"); id != "" {
			ids = []string{id}
		} else {
			ids = splitList(q.Get("ids"))
		}
		switch {
		case len(ids) == 0:
			return errAnswer(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param_name": "ids"})
		case len(ids) > maxWriteRecords:
			return errAnswer(http.StatusBadRequest, "LIMIT_EXCEEDED", "Record count exceeded", map[string]any{"param_name": "ids", "limit": maxWriteRecords})
		}
		triggers, specified := []string{"workflow"}, false
		switch q.Get("wf_trigger") {
		case "", "true":
			specified = q.Has("wf_trigger")
		case "false":
			triggers, specified = []string{}, true
		default:
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"param_name": "wf_trigger"})
		}
		results := make([]any, len(ids))
		var changes []Change
		var ok, failed int
		var done []string
		for i, id := range ids {
			if rf := ex.recordFault; rf != nil && rf.Index == i {
				results[i] = zohoError(rf.Code, rf.Message, rf.Details)
				failed++
				continue
			}
			if m.byID[id] == nil {
				results[i] = zohoError("INVALID_DATA", "the id given seems to be invalid", map[string]any{"id": id})
				failed++
				continue
			}
			_, ch := c.applyLocked(m, mutation{op: "delete", id: id, source: "api", triggers: triggers})
			changes = append(changes, ch)
			done = append(done, id)
			results[i] = map[string]any{"code": "SUCCESS", "details": map[string]any{"id": id}, "message": "record deleted", "status": "success"}
			ok++
		}
		c.writes = append(c.writes, Write{Time: c.s.clock.Now(), Module: m.def.APIName, Operation: "delete",
			Triggers: triggers, TriggerSpecified: specified, Records: len(ids), Succeeded: done})
		return answer{status: batchStatus(ok, failed, http.StatusOK), body: map[string]any{"data": results}, changes: changes}
	})
}

// splitList splits a comma-separated parameter, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
