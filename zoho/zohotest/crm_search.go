package zohotest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Search limits (search-records docs; asciisd/zoho#47 for the 2,000 cap).
const (
	maxCriteria   = 10
	searchCap     = 2000
	searchDefault = 200
)

// criteriaError is a criteria (or COQL) problem, answered as Zoho's
// INVALID_QUERY.
type criteriaError struct {
	reason string
	field  string
}

func (e *criteriaError) Error() string { return e.reason }

func (e *criteriaError) answer() answer {
	d := map[string]any{"reason": e.reason}
	if e.field != "" {
		d["api_name"] = e.field
	}
	return errAnswer(http.StatusBadRequest, "INVALID_QUERY", "invalid query formed", d)
}

// criteriaParser parses Zoho's search criteria:
//
//	((Field:operator:value)and(Field:operator:value))
//
// Groups nest; "and"/"or" may not mix in one group without parentheses.
// In values, "\(", "\)", "\," and "\\" stand for the characters themselves;
// "in" and "between" take comma-separated values.
type criteriaParser struct {
	c     *CRM
	m     *moduleState
	src   string
	pos   int
	count int
}

type predicate func(*storedRecord) bool

func (c *CRM) compileCriteria(m *moduleState, src string) (predicate, error) {
	p := &criteriaParser{c: c, m: m, src: src}
	pred, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.src) {
		return nil, &criteriaError{reason: fmt.Sprintf("unexpected %q at position %d", p.src[p.pos:], p.pos)}
	}
	return pred, nil
}

// expr := term (("and"|"or") term)*
func (p *criteriaParser) expr() (predicate, error) {
	first, err := p.term()
	if err != nil {
		return nil, err
	}
	terms := []predicate{first}
	conj := ""
	for {
		rest := strings.ToLower(p.src[p.pos:])
		var op string
		switch {
		case strings.HasPrefix(rest, "and("):
			op = "and"
		case strings.HasPrefix(rest, "or("):
			op = "or"
		default:
			return combine(conj, terms), nil
		}
		if conj != "" && conj != op {
			return nil, &criteriaError{reason: fmt.Sprintf("mixing and/or without parentheses at position %d", p.pos)}
		}
		conj = op
		p.pos += len(op)
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
}

func combine(conj string, terms []predicate) predicate {
	if len(terms) == 1 {
		return terms[0]
	}
	if conj == "and" {
		return func(r *storedRecord) bool {
			for _, t := range terms {
				if !t(r) {
					return false
				}
			}
			return true
		}
	}
	return func(r *storedRecord) bool {
		for _, t := range terms {
			if t(r) {
				return true
			}
		}
		return false
	}
}

// term := "(" expr ")" | "(" condition ")"
func (p *criteriaParser) term() (predicate, error) {
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, &criteriaError{reason: fmt.Sprintf("expected '(' at position %d", p.pos)}
	}
	p.pos++
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, &criteriaError{reason: fmt.Sprintf("expected ')' at position %d", p.pos)}
		}
		p.pos++
		return e, nil
	}
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != ')' {
		if p.src[p.pos] == '\\' {
			p.pos++
		}
		p.pos++
	}
	if p.pos >= len(p.src) {
		return nil, &criteriaError{reason: "unbalanced parentheses (escape '(' and ')' in values with a backslash)"}
	}
	raw := p.src[start:p.pos]
	p.pos++
	p.count++
	if p.count > maxCriteria {
		return nil, &criteriaError{reason: fmt.Sprintf("more than %d criteria", maxCriteria)}
	}
	return p.condition(raw)
}

// condition compiles "Field:operator:value".
func (p *criteriaParser) condition(raw string) (predicate, error) {
	field, rest, ok1 := strings.Cut(raw, ":")
	op, value, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 {
		return nil, &criteriaError{reason: fmt.Sprintf("%q is not field:operator:value", raw)}
	}
	field, op = strings.TrimSpace(field), strings.ToLower(strings.TrimSpace(op))
	ft := p.m.fieldType(field)
	if ft == "" {
		return nil, &criteriaError{reason: fmt.Sprintf("%s is not a field of %s", field, p.m.def.APIName), field: field}
	}
	k := kindOf(ft)
	values := splitEscaped(value)
	compile := func(raws []string) ([]operand, error) {
		out := make([]operand, len(raws))
		for i, r := range raws {
			o, err := compileOperand(ft, r)
			if err != nil {
				return nil, &criteriaError{reason: err.Error(), field: field}
			}
			out[i] = o
		}
		return out, nil
	}
	c := p.c
	get := func(r *storedRecord) any { return fieldValue(r, field) }
	switch op {
	case "equals", "not_equal", "in", "not_in":
		if (op == "equals" || op == "not_equal") && len(values) != 1 {
			values = []string{unescape(value)}
		}
		ops, err := compile(values)
		if err != nil {
			return nil, err
		}
		neg := op == "not_equal" || op == "not_in"
		return func(r *storedRecord) bool {
			v := get(r)
			for _, o := range ops {
				if cmp, ok := c.cmpStored(v, o); ok && cmp == 0 {
					return !neg
				}
			}
			return neg
		}, nil
	case "starts_with":
		prefix := strings.ToLower(unescape(value))
		return func(r *storedRecord) bool { return strings.HasPrefix(c.textOf(get(r)), prefix) }, nil
	case "greater_than", "greater_equal", "less_than", "less_equal", "between":
		if !k.ordered() {
			return nil, &criteriaError{reason: fmt.Sprintf("operator %s does not apply to %s (a %s field)", op, field, ft), field: field}
		}
		if op == "between" && len(values) != 2 {
			return nil, &criteriaError{reason: "between takes two comma-separated values", field: field}
		}
		if op != "between" {
			values = []string{unescape(value)}
		}
		ops, err := compile(values)
		if err != nil {
			return nil, err
		}
		return func(r *storedRecord) bool {
			cmp, ok := c.cmpStored(get(r), ops[0])
			if !ok {
				return false
			}
			switch op {
			case "greater_than":
				return cmp > 0
			case "greater_equal":
				return cmp >= 0
			case "less_than":
				return cmp < 0
			case "less_equal":
				return cmp <= 0
			}
			hi, ok := c.cmpStored(get(r), ops[1])
			return ok && cmp >= 0 && hi <= 0
		}, nil
	}
	return nil, &criteriaError{reason: fmt.Sprintf("unknown operator %q", op), field: field}
}

// splitEscaped splits a value on unescaped commas and unescapes the parts.
func splitEscaped(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case s[i] == ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(out, b.String())
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// searchFilter compiles the search parameters: exactly one of criteria,
// email, phone, word.
func (c *CRM) searchFilter(m *moduleState, q url.Values, required bool) (string, predicate, *answer) {
	var given []string
	for _, p := range []string{"criteria", "email", "phone", "word"} {
		if strings.TrimSpace(q.Get(p)) != "" {
			given = append(given, p)
		}
	}
	switch {
	case len(given) == 0 && !required:
		return "", nil, nil
	case len(given) == 0:
		a := errAnswer(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param_name": "criteria"})
		return "", nil, &a
	case len(given) > 1:
		a := errAnswer(http.StatusBadRequest, "INVALID_QUERY", "invalid query formed",
			map[string]any{"reason": "give exactly one of criteria, email, phone and word; got " + strings.Join(given, ", ")})
		return "", nil, &a
	}
	param, value := given[0], q.Get(given[0])
	key := param + "=" + value
	var types []FieldType
	switch param {
	case "criteria":
		pred, err := c.compileCriteria(m, value)
		if err != nil {
			a := err.(*criteriaError).answer()
			return "", nil, &a
		}
		return key, pred, nil
	case "email":
		types = []FieldType{FieldEmail}
	case "phone":
		types = []FieldType{FieldPhone}
	case "word":
		types = []FieldType{FieldText, FieldTextArea, FieldEmail, FieldPhone, FieldWebsite, FieldPicklist}
	}
	var fields []string
	for _, f := range m.def.Fields {
		for _, t := range types {
			if f.Type == t {
				fields = append(fields, f.APIName)
			}
		}
	}
	needle := strings.ToLower(strings.TrimSpace(value))
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	return key, func(r *storedRecord) bool {
		for _, f := range fields {
			v := strings.ToLower(toString(r.values[f]))
			switch {
			case v == "":
			case param == "email" && v == needle,
				param == "phone" && digits(needle) != "" && strings.Contains(digits(v), digits(needle)),
				param == "word" && strings.Contains(v, needle):
				return true
			}
		}
		return false
	}, nil
}

// handleSearch serves GET /{module}/search.
func (c *CRM) handleSearch(ex *exchange) {
	c.serve(ex, func() answer {
		m, bad := c.moduleLocked(ex)
		if bad != nil {
			return *bad
		}
		if bad := unsupportedHeaders(ex); bad != nil {
			return *bad
		}
		q := ex.r.URL.Query()
		if q.Has("cvid") {
			return errAnswer(http.StatusBadRequest, "NOT_SUPPORTED", "zohotest has no custom views", map[string]any{"param_name": "cvid"})
		}
		key, pred, bad := c.searchFilter(m, q, true)
		if bad != nil {
			return *bad
		}
		fields, bad := fieldsParam(ex, m, false)
		if bad != nil {
			return *bad
		}
		perPage, bad := intParam(q, "per_page", searchDefault, maxPerPage)
		if bad != nil {
			return *bad
		}
		page, bad := intParam(q, "page", 1, 0)
		if bad != nil {
			return *bad
		}
		conv, bad := flagParam(q, "converted", "true")
		if bad != nil {
			return *bad
		}
		appr, bad := flagParam(q, "approved", "false")
		if bad != nil {
			return *bad
		}
		if page*perPage > searchCap {
			return errAnswer(http.StatusBadRequest, "LIMIT_EXCEEDED", "search returns the first 2000 records only",
				map[string]any{"limit": searchCap})
		}
		recs := m.viewLocked(viewKey{sortBy: "id", desc: true, search: key, none: conv || appr}, pred)
		total := min(len(recs), searchCap)
		start := (page - 1) * perPage
		if start >= total {
			return answer{status: http.StatusNoContent}
		}
		end := min(start+perPage, total)
		data := make([]any, 0, end-start)
		for _, r := range recs[start:end] {
			data = append(data, c.render(m, r, fields))
		}
		// more_records says whether more records match, also past the
		// 2,000 a search can reach (whether Zoho says so at its cap is not
		// verified; the CRM client handles both answers).
		return answer{status: http.StatusOK, body: map[string]any{"data": data,
			"info": map[string]any{"per_page": perPage, "count": len(data), "page": page, "more_records": end < len(recs)}}}
	})
}

// handleCount serves GET /{module}/actions/count (with the search filters).
func (c *CRM) handleCount(ex *exchange) {
	c.serve(ex, func() answer {
		m, bad := c.moduleLocked(ex)
		if bad != nil {
			return *bad
		}
		key, pred, bad := c.searchFilter(m, ex.r.URL.Query(), false)
		if bad != nil {
			return *bad
		}
		n := len(m.records)
		if pred != nil {
			n = len(m.viewLocked(viewKey{sortBy: "id", desc: true, search: key}, pred))
		}
		return answer{status: http.StatusOK, body: map[string]any{"count": n}}
	})
}
