package zohotest

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// recordError is a per-record error: {"code","details","message","status":"error"}.
type recordError struct {
	Code    string
	Message string
	Details map[string]any
}

func (e *recordError) body() map[string]any { return zohoError(e.Code, e.Message, e.Details) }

// RecordError is the error a CRM helper returns when Zoho would have
// rejected the record: Code is Zoho's per-record code (MANDATORY_NOT_FOUND,
// INVALID_DATA, DUPLICATE_DATA).
type RecordError struct {
	Module  string
	Code    string
	Message string
	Details map[string]any
}

func (e *RecordError) Error() string {
	if name, ok := e.Details["api_name"]; ok {
		return fmt.Sprintf("zohotest: %s: %s %v: %s", e.Module, e.Code, name, e.Message)
	}
	return fmt.Sprintf("zohotest: %s: %s: %s", e.Module, e.Code, e.Message)
}

func invalidData(f *Field, path string, expected string) *recordError {
	d := map[string]any{"api_name": f.APIName, "json_path": path}
	if expected != "" {
		d["expected_data_type"] = expected
	}
	return &recordError{Code: "INVALID_DATA", Message: "invalid data", Details: d}
}

func mandatoryMissing(name, path string) *recordError {
	return &recordError{Code: "MANDATORY_NOT_FOUND", Message: "required field not found",
		Details: map[string]any{"api_name": name, "json_path": path}}
}

func (f *Field) maxLength() int {
	if f.MaxLength > 0 {
		return f.MaxLength
	}
	switch f.Type {
	case FieldTextArea:
		return 32000
	case FieldEmail:
		return 100
	}
	return 255
}

// looksLikeEmail is the shape check Zoho applies to email fields.
func looksLikeEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n,;<>()") {
		return false
	}
	dom := s[at+1:]
	dot := strings.LastIndexByte(dom, '.')
	return dot > 0 && dot < len(dom)-1
}

// numberOf reads a JSON number (or a numeric string, which Zoho accepts).
func numberOf(v any) (json.Number, bool) {
	switch x := v.(type) {
	case json.Number:
		return x, true
	case string:
		if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return json.Number(strings.TrimSpace(x)), true
		}
	}
	return "", false
}

// normalize checks a written value against its field and returns the value
// to store: strings, json.Number, bool, []any, time.Time (date-times),
// lookupRef, userRef. nil clears the field.
func (c *CRM) normalize(f *Field, v any, path string) (any, *recordError) {
	if v == nil {
		return nil, nil
	}
	switch f.Type {
	case FieldText, FieldTextArea, FieldEmail, FieldPhone, FieldWebsite, FieldPicklist:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number: // Zoho stores a number sent to a text field as its text
			s = x.String()
		default:
			return nil, invalidData(f, path, string(f.Type))
		}
		if utf8.RuneCountInString(s) > f.maxLength() {
			e := invalidData(f, path, "")
			e.Details["maximum_length"] = f.maxLength()
			return nil, e
		}
		if f.Type == FieldEmail && s != "" && !looksLikeEmail(s) {
			return nil, invalidData(f, path, "email")
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case FieldMultiSelect:
		list, ok := v.([]any)
		if !ok {
			return nil, invalidData(f, path, "jsonarray")
		}
		out := make([]any, 0, len(list))
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				return nil, invalidData(f, path, "jsonarray")
			}
			out = append(out, s)
		}
		return out, nil
	case FieldInteger, FieldBigInt:
		n, ok := numberOf(v)
		if !ok {
			return nil, invalidData(f, path, string(f.Type))
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil || (f.Type == FieldInteger && (i > math.MaxInt32 || i < math.MinInt32)) {
			return nil, invalidData(f, path, string(f.Type))
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case FieldDouble, FieldCurrency:
		n, ok := numberOf(v)
		if !ok {
			return nil, invalidData(f, path, string(f.Type))
		}
		return n, nil
	case FieldBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, invalidData(f, path, "boolean")
		}
		return b, nil
	case FieldDate:
		s, ok := v.(string)
		if !ok {
			return nil, invalidData(f, path, "date")
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, invalidData(f, path, "date")
		}
		return s, nil
	case FieldDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, invalidData(f, path, "datetime")
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, invalidData(f, path, "datetime")
		}
		return t.Truncate(time.Second), nil
	case FieldLookup:
		id := refID(v)
		target := c.module(f.LookupModule)
		if id == "" || target == nil || target.byID[id] == nil {
			e := invalidData(f, path, "")
			e.Message = "the related id given seems to be invalid"
			return nil, e
		}
		return lookupRef{module: target.def.APIName, id: id}, nil
	case FieldOwner:
		id := refID(v)
		if id != c.s.opts.CurrentUser.ID {
			e := invalidData(f, path, "")
			e.Message = "the owner id given seems to be invalid"
			return nil, e
		}
		return userRef{id: id}, nil
	}
	return nil, invalidData(f, path, string(f.Type))
}

// refID reads a lookup as Zoho accepts it: {"id": "..."} or the id itself.
func refID(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case map[string]any:
		return refID(x["id"])
	}
	return ""
}

// renderValue turns a stored value into its JSON form.
func (c *CRM) renderValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return c.s.formatTime(x)
	case lookupRef:
		var name any
		if m := c.module(x.module); m != nil {
			if r := m.byID[x.id]; r != nil {
				name = m.displayName(r)
			}
		}
		return map[string]any{"name": name, "id": x.id}
	case userRef:
		if u := c.s.opts.CurrentUser; u.ID == x.id {
			return u.minified()
		}
		return map[string]any{"name": nil, "id": x.id}
	case []any:
		return append([]any(nil), x...)
	}
	return v
}

// render returns a record as the API shows it: the requested fields (nil:
// all fields of the module) with null for those without a value, plus id.
func (c *CRM) render(m *moduleState, r *storedRecord, fields []string) map[string]any {
	out := make(map[string]any, len(fields)+6)
	out["id"] = r.id
	put := func(name string) {
		switch name {
		case "id":
		case "Created_Time":
			out[name] = c.s.formatTime(r.created)
		case "Modified_Time":
			out[name] = c.s.formatTime(r.modified)
		case "Created_By":
			out[name] = r.createdBy.minified()
		case "Modified_By":
			out[name] = r.modifiedBy.minified()
		default:
			if _, ok := m.fields[name]; ok {
				out[name] = c.renderValue(r.values[name])
			}
		}
	}
	if fields == nil {
		for _, f := range m.def.Fields {
			put(f.APIName)
		}
		for _, s := range []string{"Created_Time", "Modified_Time", "Created_By", "Modified_By"} {
			put(s)
		}
		return out
	}
	for _, name := range fields {
		put(name)
	}
	return out
}

// fieldValue returns a record's value of a field (system fields included)
// in stored form, for filters and sorting.
func fieldValue(r *storedRecord, name string) any {
	switch name {
	case "id":
		return r.id
	case "Created_Time":
		return r.created
	case "Modified_Time":
		return r.modified
	case "Created_By":
		return userRef{id: r.createdBy.ID}
	case "Modified_By":
		return userRef{id: r.modifiedBy.ID}
	}
	return r.values[name]
}

// fieldType returns the type of a field, system fields included; "" when
// the module has no such field.
func (m *moduleState) fieldType(name string) FieldType {
	switch name {
	case "id":
		return FieldBigInt
	case "Created_Time", "Modified_Time":
		return FieldDateTime
	case "Created_By", "Modified_By":
		return FieldOwner
	}
	if f, ok := m.fields[name]; ok {
		return f.Type
	}
	return ""
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case lookupRef:
		return x.id
	case userRef:
		return x.id
	}
	return fmt.Sprint(v)
}

func equalValues(a, b any) bool {
	ta, aok := a.(time.Time)
	tb, bok := b.(time.Time)
	if aok && bok {
		return ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}

// plain turns helper input (Go values: ints, time.Time, structs) into the
// JSON shapes the API receives, so helpers and the API validate alike.
func plain(rec map[string]any) (map[string]any, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := decodeJSON(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}
