package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// Search limits (search-records docs; asciisd/zoho#47 for the cap).
const (
	// SearchLimit is the most records a search can reach: page × per_page
	// may not pass 2,000.
	SearchLimit = 2000
	// MaxCriteria is the most conditions one search criteria may hold.
	MaxCriteria = 10
)

// ErrSearchLimit is yielded (wrapped) after the 2,000th record of a search
// that has more matches: Zoho serves no more. Narrow the criteria, or list
// with ListOptions.ModifiedSince, or use COQL (COQLService.All).
var ErrSearchLimit = errors.New("crm: search matches more records than Zoho returns (2,000)")

// Criteria is a search condition in Zoho's criteria syntax,
// "((Field:operator:value)and(Field:operator:value))". Build it with the
// condition functions (Equals, StartsWith, In, Between, ...) and combine
// with And and Or: values are escaped (backslash before "(", ")", "," and
// "\") and formatted for Zoho (date-times with their offset, dates as
// yyyy-MM-dd). The zero Criteria is "no criteria".
type Criteria struct {
	text  string
	conds int
	err   error
}

// String returns the criteria text as sent in the criteria parameter
// (before URL encoding, which the client does).
func (c Criteria) String() string { return c.text }

// Err returns the first error met while building the criteria (an unusable
// field name or value), or nil.
func (c Criteria) Err() error { return c.err }

// IsZero reports whether c is the zero Criteria.
func (c Criteria) IsZero() bool { return c.text == "" && c.err == nil }

// Conditions returns the number of conditions in c.
func (c Criteria) Conditions() int { return c.conds }

// Search operators, for Cond.
const (
	OpEquals       = "equals"
	OpNotEqual     = "not_equal"
	OpStartsWith   = "starts_with"
	OpIn           = "in"
	OpNotIn        = "not_in"
	OpGreaterThan  = "greater_than"
	OpGreaterEqual = "greater_equal"
	OpLessThan     = "less_than"
	OpLessEqual    = "less_equal"
	OpBetween      = "between"
)

// Cond is one condition "(field:op:values)"; several values are joined with
// commas (for in, not_in and between). The other condition functions are
// shorthands for it.
func Cond(field, op string, values ...any) Criteria {
	fail := func(format string, args ...any) Criteria {
		return Criteria{err: fmt.Errorf("crm: criteria: "+format, args...)}
	}
	if field == "" || strings.ContainsAny(field, "():, \t\r\n\\") {
		return fail("%q is not a field API name", field)
	}
	if op == "" || strings.ContainsAny(op, "():, \t\r\n\\") {
		return fail("%q is not an operator", op)
	}
	if len(values) == 0 {
		return fail("%s:%s has no value", field, op)
	}
	var b strings.Builder
	b.WriteString("(")
	b.WriteString(field)
	b.WriteString(":")
	b.WriteString(op)
	b.WriteString(":")
	for i, v := range values {
		s, err := criteriaValue(v)
		if err != nil {
			return fail("%s:%s: value %d: %v", field, op, i, err)
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(escapeCriteria(s))
	}
	b.WriteString(")")
	return Criteria{text: b.String(), conds: 1}
}

// Equals is (field:equals:value).
func Equals(field string, value any) Criteria { return Cond(field, OpEquals, value) }

// NotEqual is (field:not_equal:value).
func NotEqual(field string, value any) Criteria { return Cond(field, OpNotEqual, value) }

// StartsWith is (field:starts_with:prefix).
func StartsWith(field, prefix string) Criteria { return Cond(field, OpStartsWith, prefix) }

// In is (field:in:v1,v2,...).
func In(field string, values ...any) Criteria { return Cond(field, OpIn, values...) }

// GreaterThan is (field:greater_than:value).
func GreaterThan(field string, value any) Criteria { return Cond(field, OpGreaterThan, value) }

// GreaterEqual is (field:greater_equal:value).
func GreaterEqual(field string, value any) Criteria { return Cond(field, OpGreaterEqual, value) }

// LessThan is (field:less_than:value).
func LessThan(field string, value any) Criteria { return Cond(field, OpLessThan, value) }

// LessEqual is (field:less_equal:value).
func LessEqual(field string, value any) Criteria { return Cond(field, OpLessEqual, value) }

// Between is (field:between:lo,hi), both ends included.
func Between(field string, lo, hi any) Criteria { return Cond(field, OpBetween, lo, hi) }

// And is the conjunction of cs: ((a)and(b)and(c)). One criteria is
// returned as is; none is an error.
func And(cs ...Criteria) Criteria { return join("and", cs) }

// Or is the disjunction of cs: ((a)or(b)).
func Or(cs ...Criteria) Criteria { return join("or", cs) }

func join(op string, cs []Criteria) Criteria {
	switch len(cs) {
	case 0:
		return Criteria{err: fmt.Errorf("crm: criteria: %s of nothing", op)}
	case 1:
		return cs[0]
	}
	var b strings.Builder
	n := 0
	b.WriteString("(")
	for i, c := range cs {
		switch {
		case c.err != nil:
			return c
		case c.text == "":
			return Criteria{err: fmt.Errorf("crm: criteria: %s: operand %d is empty", op, i)}
		}
		if i > 0 {
			b.WriteString(op)
		}
		b.WriteString(c.text)
		n += c.conds
	}
	b.WriteString(")")
	return Criteria{text: b.String(), conds: n}
}

// RawCriteria is criteria text written by hand, sent as is (the caller
// escapes values). Its conditions are counted as the unescaped "(" not
// followed by another "(".
func RawCriteria(text string) Criteria {
	if strings.TrimSpace(text) == "" {
		return Criteria{err: errors.New("crm: criteria: RawCriteria is empty")}
	}
	n := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '(':
			if i+1 < len(text) && text[i+1] != '(' {
				n++
			}
		}
	}
	return Criteria{text: text, conds: n}
}

// escapeCriteria escapes the characters that Zoho's criteria syntax
// reserves: a backslash before "\", "(", ")" and ",".
func escapeCriteria(s string) string {
	if !strings.ContainsAny(s, `\(),`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\', '(', ')', ',':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// criteriaValue formats one value for a criteria.
func criteriaValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case Time:
		if x.IsZero() {
			return "", errors.New("zero Time")
		}
		return FormatTime(x.Time), nil
	case time.Time:
		if x.IsZero() {
			return "", errors.New("zero time.Time")
		}
		return FormatTime(x), nil
	case Date:
		if x.IsZero() {
			return "", errors.New("zero Date")
		}
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a number Zoho takes", x)
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case json.Number:
		return x.String(), nil
	case Lookup:
		return x.ID, nil
	case fmt.Stringer:
		return x.String(), nil
	case nil:
		return "", errors.New("nil (Zoho's criteria have no null literal; use COQL's is null)")
	}
	return "", fmt.Errorf("unsupported value type %T", v)
}

// searchFilter sets the one search parameter in q. prefix names the options
// struct in errors.
func searchFilter(q url.Values, prefix string, c Criteria, email, phone, word string, required bool) error {
	var given []string
	if !c.IsZero() {
		if c.err != nil {
			return fmt.Errorf("%s.Criteria: %w", prefix, c.err)
		}
		if c.conds > MaxCriteria {
			return fmt.Errorf("%s.Criteria has %d conditions; Zoho takes at most %d", prefix, c.conds, MaxCriteria)
		}
		q.Set("criteria", c.text)
		given = append(given, "Criteria")
	}
	for _, p := range []struct{ name, param, value string }{
		{"Email", "email", email}, {"Phone", "phone", phone}, {"Word", "word", word},
	} {
		if strings.TrimSpace(p.value) != "" {
			q.Set(p.param, p.value)
			given = append(given, p.name)
		}
	}
	switch {
	case len(given) > 1:
		return fmt.Errorf("%s: set one of Criteria, Email, Phone and Word, not %s", prefix, strings.Join(given, " and "))
	case len(given) == 0 && required:
		return fmt.Errorf("%s: set one of Criteria, Email, Phone and Word", prefix)
	}
	return nil
}

// SearchOptions is a search: exactly one of Criteria, Email, Phone and
// Word, plus what to return.
type SearchOptions struct {
	// Criteria matches records by field conditions.
	Criteria Criteria
	// Email matches records whose email fields equal it.
	Email string
	// Phone matches records whose phone fields contain it.
	Phone string
	// Word matches records whose text fields contain it.
	Word string
	// Fields are the API names of the fields to return; empty means all
	// (typed modules ask for their declared fields).
	Fields []string
	// PerPage is the page size, at most 200; zero means 200. A search
	// reaches at most 2,000 records: use a size that divides 2,000.
	PerPage int
	// OnPage, when set, is called with each page's information.
	OnPage func(PageInfo)
}

// Search yields the records of module that match opts, page by page. Zoho
// answers at most 2,000 records: when more match, the sequence ends with an
// error wrapping ErrSearchLimit after the 2,000th (when Zoho does not say
// that more match, a record count with the same filter, one more call,
// tells). No match (204) yields nothing.
func (s *RecordsService) Search(ctx context.Context, module string, opts *SearchOptions) iter.Seq2[Record, error] {
	return searchItems[Record](ctx, s.c, module, opts, nil)
}

func searchItems[T any](ctx context.Context, c *Client, module string, opts *SearchOptions, defFields []string) iter.Seq2[T, error] {
	fail := func(err error) iter.Seq2[T, error] { return errSeq[T](fmt.Errorf("crm: search %s: %w", module, err)) }
	if err := checkModule(module); err != nil {
		return fail(err)
	}
	var o SearchOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{}
	if err := searchFilter(q, "SearchOptions", o.Criteria, o.Email, o.Phone, o.Word, true); err != nil {
		return fail(err)
	}
	countQ := maps.Clone(q)
	fieldList := o.Fields
	if len(fieldList) == 0 {
		fieldList = defFields
	}
	fields, err := checkFields("SearchOptions.Fields", fieldList, false)
	if err != nil {
		return fail(err)
	}
	setIf(q, "fields", fields)
	perPage := MaxPerPage
	switch {
	case o.PerPage < 0 || o.PerPage > MaxPerPage:
		return fail(fmt.Errorf("SearchOptions.PerPage %d is outside 1..%d", o.PerPage, MaxPerPage))
	case o.PerPage > 0:
		perPage = o.PerPage
	}
	q.Set("per_page", strconv.Itoa(perPage))
	onPage := o.OnPage
	return zoho.Paginate(ctx, func(ctx context.Context, cursor string) ([]T, string, error) {
		page := 1
		switch {
		case cursor == "":
		case cursor == "cap":
			return nil, "", fmt.Errorf("crm: search %s: %d records read and more match: %w", module, SearchLimit, ErrSearchLimit)
		case cursor == "count":
			// Zoho may say "no more records" at its cap although more
			// match; a count with the same filter tells.
			req, err := c.newRequest(http.MethodGet, "/"+module+"/actions/count", countQ, nil)
			if err != nil {
				return nil, "", fmt.Errorf("crm: search %s: %w", module, err)
			}
			var env struct {
				Count int `json:"count"`
			}
			if _, err := c.get(ctx, req, &env); err != nil {
				return nil, "", fmt.Errorf("crm: search %s: counting the matches past %d: %w", module, SearchLimit, err)
			}
			if env.Count > SearchLimit {
				return nil, "", fmt.Errorf("crm: search %s: %d records read of %d that match: %w", module, SearchLimit, env.Count, ErrSearchLimit)
			}
			return nil, "", nil
		default:
			page, _ = strconv.Atoi(cursor)
		}
		pq := maps.Clone(q)
		pq.Set("page", strconv.Itoa(page))
		req, err := c.newRequest(http.MethodGet, "/"+module+"/search", pq, nil)
		if err != nil {
			return nil, "", fmt.Errorf("crm: search %s: %w", module, err)
		}
		var env struct {
			Data []T  `json:"data"`
			Info Info `json:"info"`
		}
		resp, err := c.get(ctx, req, &env)
		if err != nil {
			return nil, "", fmt.Errorf("crm: search %s: %w", module, err)
		}
		if onPage != nil {
			onPage(PageInfo{Info: env.Info, Response: resp, NotModified: resp.StatusCode == http.StatusNotModified})
		}
		next := ""
		atCap := page*perPage >= SearchLimit && len(env.Data) == perPage
		switch {
		case env.Info.MoreRecords && len(env.Data) > 0 && (page+1)*perPage <= SearchLimit:
			next = strconv.Itoa(page + 1)
		case env.Info.MoreRecords && len(env.Data) > 0:
			next = "cap"
		case atCap:
			next = "count"
		}
		return env.Data, next, nil
	})
}
