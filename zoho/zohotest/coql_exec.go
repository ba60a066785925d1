package zohotest

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// COQL limits (COQL-Limitations, v4+ and v7+ pages; Kaizen #183).
const (
	coqlMaxLimit    = 2000
	coqlMaxReach    = 10000
	coqlMaxCriteria = 25
	coqlMaxIn       = 100
	coqlMaxColumns  = 500
)

// coqlField is a resolved column: a field, a system field, or Lookup.Field.
type coqlField struct {
	name  string
	ftype FieldType
	get   func(*storedRecord) any // the stored value
}

// invalidColumn is answered as INVALID_QUERY "column given seems to be
// invalid".
type invalidColumn struct{ name, reason string }

func (e *invalidColumn) Error() string { return e.reason }

func findField(m *moduleState, name string) (string, FieldType) {
	if t := m.fieldType(name); t != "" {
		return name, t
	}
	for _, f := range []string{"id", "Created_Time", "Modified_Time", "Created_By", "Modified_By"} {
		if strings.EqualFold(f, name) {
			return f, m.fieldType(f)
		}
	}
	for _, f := range m.def.Fields {
		if strings.EqualFold(f.APIName, name) {
			return f.APIName, f.Type
		}
	}
	return "", ""
}

func (c *CRM) resolveColumn(m *moduleState, name string) (coqlField, error) {
	head, tail, dotted := strings.Cut(name, ".")
	field, ft := findField(m, head)
	if field == "" {
		return coqlField{}, &invalidColumn{name: name, reason: fmt.Sprintf("%s is not a field of %s", head, m.def.APIName)}
	}
	if !dotted {
		return coqlField{name: name, ftype: ft, get: func(r *storedRecord) any { return fieldValue(r, field) }}, nil
	}
	if strings.EqualFold(tail, "id") && (ft == FieldLookup || ft == FieldOwner) {
		return coqlField{name: name, ftype: FieldBigInt, get: func(r *storedRecord) any {
			if v := fieldValue(r, field); v != nil {
				return toString(v)
			}
			return nil
		}}, nil
	}
	switch ft {
	case FieldOwner:
		u := c.s.opts.CurrentUser
		var val string
		switch strings.ToLower(tail) {
		case "name", "full_name":
			val = u.Name()
		case "first_name":
			val = u.FirstName
		case "last_name":
			val = u.LastName
		case "email":
			val = u.Email
		default:
			return coqlField{}, &invalidColumn{name: name, reason: fmt.Sprintf("users have no field %s here", tail)}
		}
		return coqlField{name: name, ftype: FieldText, get: func(r *storedRecord) any {
			if ref, ok := fieldValue(r, field).(userRef); ok && ref.id == u.ID {
				return val
			}
			return nil
		}}, nil
	case FieldLookup:
		target := c.module(m.fields[field].LookupModule)
		if target == nil {
			return coqlField{}, &invalidColumn{name: name, reason: "the lookup's module does not exist"}
		}
		tf, tt := findField(target, tail)
		if tf == "" || strings.Contains(tail, ".") {
			return coqlField{}, &invalidColumn{name: name, reason: fmt.Sprintf("%s is not a field of %s", tail, target.def.APIName)}
		}
		return coqlField{name: name, ftype: tt, get: func(r *storedRecord) any {
			ref, ok := fieldValue(r, field).(lookupRef)
			if !ok {
				return nil
			}
			if tr := target.byID[ref.id]; tr != nil {
				return fieldValue(tr, tf)
			}
			return nil
		}}, nil
	}
	return coqlField{}, &invalidColumn{name: name, reason: fmt.Sprintf("%s is not a lookup", head)}
}

// renderCOQL renders a value as COQL answers: lookups as {"id"} only.
func (c *CRM) renderCOQL(v any) any {
	switch x := v.(type) {
	case lookupRef:
		return map[string]any{"id": x.id}
	case userRef:
		return map[string]any{"id": x.id}
	}
	return c.renderValue(v)
}

// likeMatcher turns a COQL like pattern ('%' wildcards) into a matcher of
// lower-case text.
func likeMatcher(pattern string) func(string) bool {
	parts := strings.Split(strings.ToLower(pattern), "%")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$") // quoted, so always valid
	return re.MatchString
}

// compileWhere turns a where node into a predicate.
func (c *CRM) compileWhere(m *moduleState, e cexpr) (predicate, error) {
	switch x := e.(type) {
	case *cbin:
		l, err := c.compileWhere(m, x.l)
		if err != nil {
			return nil, err
		}
		r, err := c.compileWhere(m, x.r)
		if err != nil {
			return nil, err
		}
		if x.and {
			return func(rec *storedRecord) bool { return l(rec) && r(rec) }, nil
		}
		return func(rec *storedRecord) bool { return l(rec) || r(rec) }, nil
	case *ccond:
		return c.compileCond(m, x)
	}
	return nil, errors.New("zohotest: unknown where node")
}

// badValue is answered as INVALID_QUERY "value given seems to be invalid
// for the column".
type badValue struct{ column, reason string }

func (e *badValue) Error() string { return e.reason }

func (c *CRM) compileCond(m *moduleState, cond *ccond) (predicate, error) {
	col, err := c.resolveColumn(m, cond.field.text)
	if err != nil {
		return nil, err
	}
	k := kindOf(col.ftype)
	if cond.op == "in" && len(cond.values) > coqlMaxIn {
		return nil, &limitError{by: "in", limit: coqlMaxIn}
	}
	ops := make([]operand, len(cond.values))
	for i, v := range cond.values {
		if cond.op == "like" {
			break
		}
		o, err := compileOperand(col.ftype, v.text)
		if err != nil {
			return nil, &badValue{column: col.name, reason: err.Error()}
		}
		ops[i] = o
	}
	neg := cond.not
	switch cond.op {
	case "null":
		return func(r *storedRecord) bool {
			v := col.get(r)
			if l, ok := v.([]any); ok && len(l) == 0 {
				v = nil
			}
			return (v == nil) != neg
		}, nil
	case "like":
		if k != kindText && k != kindRef {
			return nil, &badValue{column: col.name, reason: "like applies to text fields"}
		}
		match := likeMatcher(cond.values[0].text)
		return func(r *storedRecord) bool {
			v := col.get(r)
			return v != nil && match(c.textOf(v)) != neg
		}, nil
	case "=", "!=", "in":
		if cond.op == "!=" {
			neg = true
		}
		return func(r *storedRecord) bool {
			v := col.get(r)
			if v == nil {
				return false
			}
			for _, o := range ops {
				if cmp, ok := c.cmpStored(v, o); ok && cmp == 0 {
					return !neg
				}
			}
			return neg
		}, nil
	}
	if !k.ordered() {
		return nil, &badValue{column: col.name, reason: fmt.Sprintf("operator %s does not apply to a %s field", cond.op, col.ftype)}
	}
	return func(r *storedRecord) bool {
		cmp, ok := c.cmpStored(col.get(r), ops[0])
		if !ok {
			return false
		}
		switch cond.op {
		case "<":
			return cmp < 0
		case "<=":
			return cmp <= 0
		case ">":
			return cmp > 0
		case ">=":
			return cmp >= 0
		}
		hi, ok := c.cmpStored(col.get(r), ops[1]) // between
		return ok && (cmp >= 0 && hi <= 0) != neg
	}, nil
}

// limitError is answered as LIMIT_EXCEEDED.
type limitError struct {
	by    string
	limit int
}

func (e *limitError) Error() string { return fmt.Sprintf("%s exceeds %d", e.by, e.limit) }

// idBounds narrows the scan through the id-ordered records using the
// conditions on id that the where clause requires (and-ed at the top), so
// keyset pagination ("where id > last order by id limit 2000") reads only
// what it returns.
func idBounds(e cexpr, recs []*storedRecord) (lo, hi int) {
	lo, hi = 0, len(recs)
	switch x := e.(type) {
	case *cbin:
		if x.and {
			l1, h1 := idBounds(x.l, recs)
			l2, h2 := idBounds(x.r, recs)
			return max(l1, l2), min(h1, h2)
		}
	case *ccond:
		if !strings.EqualFold(x.field.text, "id") || x.not || len(x.values) == 0 || !isDigits(x.values[0].text) {
			return
		}
		v := x.values[0].text
		at := func(f func(int) bool) int { return sort.Search(len(recs), f) }
		switch x.op {
		case ">":
			lo = at(func(i int) bool { return compareIDs(recs[i].id, v) > 0 })
		case ">=", "=":
			lo = at(func(i int) bool { return compareIDs(recs[i].id, v) >= 0 })
		}
		switch x.op {
		case "<":
			hi = at(func(i int) bool { return compareIDs(recs[i].id, v) >= 0 })
		case "<=", "=":
			hi = at(func(i int) bool { return compareIDs(recs[i].id, v) > 0 })
		}
	}
	return
}

// handleCOQL serves POST /crm/v8/coql.
func (c *CRM) handleCOQL(ex *exchange) {
	c.serve(ex, func() answer {
		var body struct {
			Query *string `json:"select_query"`
		}
		if err := decodeJSON(ex.body, &body); err != nil {
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "body", map[string]any{"reason": "the body is not the expected JSON: " + err.Error()})
		}
		if body.Query == nil || strings.TrimSpace(*body.Query) == "" {
			return errAnswer(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param_name": "select_query"})
		}
		src := *body.Query
		a, err := c.runCOQL(src)
		if err == nil {
			return a
		}
		var se *syntaxError
		var ic *invalidColumn
		var bv *badValue
		var le *limitError
		switch {
		case errors.As(err, &se):
			line, col := 1, se.col
			if nl := strings.LastIndexByte(src[:min(se.col-1, len(src))], '\n'); nl >= 0 {
				line, col = strings.Count(src[:nl+1], "\n")+1, se.col-nl-1
			}
			return errAnswer(http.StatusBadRequest, "SYNTAX_ERROR", "invalid query formed",
				map[string]any{"line": line, "column": col, "near": se.near, "reason": se.reason})
		case errors.As(err, &ic):
			return errAnswer(http.StatusBadRequest, "INVALID_QUERY", "column given seems to be invalid",
				map[string]any{"column_name": ic.name, "reason": ic.reason})
		case errors.As(err, &bv):
			return errAnswer(http.StatusBadRequest, "INVALID_QUERY", "value given seems to be invalid for the column",
				map[string]any{"column_name": bv.column, "reason": bv.reason})
		case errors.As(err, &le):
			return errAnswer(http.StatusBadRequest, "LIMIT_EXCEEDED", "limit exceeded", map[string]any{"by": le.by, "limit": le.limit})
		}
		return errAnswer(http.StatusBadRequest, "INVALID_QUERY", "invalid query formed", map[string]any{"reason": err.Error()})
	})
}

func (c *CRM) runCOQL(src string) (answer, error) {
	q, err := parseCOQL(src)
	if err != nil {
		return answer{}, err
	}
	m := c.module(q.module.text)
	if m == nil {
		return answer{}, fmt.Errorf("%s is not a module", q.module.text)
	}
	switch {
	case len(q.fields) > coqlMaxColumns:
		return answer{}, &limitError{by: "select", limit: coqlMaxColumns}
	case q.criteria > coqlMaxCriteria:
		return answer{}, &limitError{by: "where", limit: coqlMaxCriteria}
	case q.limit > coqlMaxLimit:
		return answer{}, &limitError{by: "limit", limit: coqlMaxLimit}
	case q.offset+q.limit > coqlMaxReach:
		return answer{}, &limitError{by: "offset", limit: coqlMaxReach}
	}
	cols := make([]coqlField, len(q.fields))
	for i, f := range q.fields {
		if cols[i], err = c.resolveColumn(m, f.text); err != nil {
			return answer{}, err
		}
	}
	pred := func(*storedRecord) bool { return true }
	if q.where != nil {
		if pred, err = c.compileWhere(m, q.where); err != nil {
			return answer{}, err
		}
	}
	order := make([]coqlField, len(q.order))
	for i, o := range q.order {
		if order[i], err = c.resolveColumn(m, o.field.text); err != nil {
			return answer{}, err
		}
	}
	byID := len(order) == 0 || (len(order) == 1 && order[0].name != "" && strings.EqualFold(order[0].name, "id"))
	desc := byID && len(order) == 1 && q.order[0].desc
	lo, hi := 0, len(m.records)
	if q.where != nil {
		lo, hi = idBounds(q.where, m.records)
	}
	need := q.offset + q.limit + 1
	var matches []*storedRecord
	for i := range max(hi-lo, 0) {
		j := lo + i
		if desc {
			j = hi - 1 - i
		}
		if r := m.records[j]; pred(r) {
			matches = append(matches, r)
			if byID && len(matches) >= need {
				break
			}
		}
	}
	if !byID {
		slices.SortStableFunc(matches, func(a, b *storedRecord) int {
			for i, o := range order {
				if d := c.cmpValues(o.ftype, o.get(a), o.get(b)); d != 0 {
					if q.order[i].desc {
						return -d
					}
					return d
				}
			}
			return compareIDs(a.id, b.id)
		})
	}
	if q.offset >= len(matches) {
		return answer{status: http.StatusNoContent}, nil
	}
	end := min(q.offset+q.limit, len(matches))
	data := make([]any, 0, end-q.offset)
	for _, r := range matches[q.offset:end] {
		row := map[string]any{"id": r.id}
		for _, col := range cols {
			row[col.name] = c.renderCOQL(col.get(r))
		}
		data = append(data, row)
	}
	return answer{status: http.StatusOK, body: map[string]any{"data": data,
		"info": map[string]any{"count": len(data), "more_records": len(matches) > end}}}, nil
}

// cmpValues orders two stored values of a field type; nulls first.
func (c *CRM) cmpValues(t FieldType, a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	k := kindOf(t)
	if k == kindBool {
		ab, _ := a.(bool)
		bb, _ := b.(bool)
		switch {
		case ab == bb:
			return 0
		case !ab:
			return -1
		}
		return 1
	}
	if k.ordered() {
		if o, err := compileOperand(t, operandText(b)); err == nil {
			if d, ok := c.cmpStored(a, o); ok {
				return d
			}
		}
	}
	return strings.Compare(c.textOf(a), c.textOf(b))
}

// operandText renders a stored value as literal text for compileOperand.
func operandText(v any) string {
	if b, ok := v.(bool); ok {
		if b {
			return "true"
		}
		return "false"
	}
	return toString(v)
}
