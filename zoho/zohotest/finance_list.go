package zohotest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// finListSpec describes one finance list endpoint to finList.
type finListSpec[T finRecord] struct {
	key     string // the array's member, "invoices"
	report  string // page_context.report_name, "Invoices"
	records []T
	// summary renders a record as lists show it.
	summary func(T) map[string]any
	// text are the string filters: exact (case-insensitive), and the
	// <name>_startswith and <name>_contains variants.
	text map[string]func(T) string
	// keep applies the endpoint's other filters (status); a non-nil answer
	// is an error for a bad filter value.
	keep func(q url.Values) (func(T) bool, *finAnswer)
	// sorts are the sort columns besides created_time and
	// last_modified_time.
	sorts map[string]func(a, b T) int
}

// finList answers a list: filters, last_modified_time (records modified at
// or after it: inclusive), sort_column/sort_order (default created_time,
// descending), page/per_page (at most 200; more is capped) and
// page_context.
func finList[T finRecord](ex *exchange, spec finListSpec[T]) finAnswer {
	q := ex.r.URL.Query()
	recs := slices.Clone(spec.records)

	for name, get := range spec.text {
		for _, v := range []struct {
			param string
			match func(have, want string) bool
		}{
			{name, func(h, w string) bool { return strings.EqualFold(h, w) }},
			{name + "_startswith", func(h, w string) bool { return strings.HasPrefix(strings.ToLower(h), strings.ToLower(w)) }},
			{name + "_contains", func(h, w string) bool { return strings.Contains(strings.ToLower(h), strings.ToLower(w)) }},
		} {
			if !q.Has(v.param) {
				continue
			}
			want := q.Get(v.param)
			recs = slices.DeleteFunc(recs, func(r T) bool { return !v.match(get(r), want) })
		}
	}
	if spec.keep != nil {
		keep, bad := spec.keep(q)
		if bad != nil {
			return *bad
		}
		if keep != nil {
			recs = slices.DeleteFunc(recs, func(r T) bool { return !keep(r) })
		}
	}
	if q.Has("last_modified_time") {
		since, ok := finParseTime(q.Get("last_modified_time"))
		if !ok {
			return finInvalid("last_modified_time")
		}
		recs = slices.DeleteFunc(recs, func(r T) bool { return r.meta().modified.Before(since) })
	}

	column := q.Get("sort_column")
	if column == "" {
		column = "created_time"
	}
	var cmp func(a, b T) int
	switch column {
	case "created_time":
		cmp = func(a, b T) int { return a.meta().created.Compare(b.meta().created) }
	case "last_modified_time":
		cmp = func(a, b T) int { return a.meta().modified.Compare(b.meta().modified) }
	default:
		cmp = spec.sorts[column]
		if cmp == nil {
			return finInvalid("sort_column")
		}
	}
	order := q.Get("sort_order")
	switch order {
	case "":
		order = "D"
	case "A", "D":
	default:
		return finInvalid("sort_order")
	}
	slices.SortStableFunc(recs, func(a, b T) int {
		c := cmp(a, b)
		if c == 0 {
			c = compareIDs(a.meta().id, b.meta().id)
		}
		if order == "D" {
			return -c
		}
		return c
	})

	page, per := 1, finMaxPerPage
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return finInvalid("page")
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return finInvalid("per_page")
		}
		if n > finMaxPerPage {
			ex.note("per_page %d capped at %d", n, finMaxPerPage)
			n = finMaxPerPage
		}
		per = n
	}
	start := min((page-1)*per, len(recs))
	end := min(start+per, len(recs))
	list := make([]any, 0, end-start)
	for _, r := range recs[start:end] {
		list = append(list, spec.summary(r))
	}
	return finOK(0, "success", map[string]any{
		spec.key: list,
		"page_context": map[string]any{
			"page":           page,
			"per_page":       per,
			"has_more_page":  end < len(recs),
			"report_name":    spec.report,
			"applied_filter": "Status.All",
			"sort_column":    column,
			"sort_order":     order,
		},
	})
}

// finParseTime reads a finance date-time filter: "-0400" offsets, RFC 3339,
// or a bare date (its midnight in UTC).
func finParseTime(s string) (time.Time, bool) {
	s = strings.ReplaceAll(s, " ", "+") // a "+" offset that was not escaped
	for _, layout := range []string{finTimeLayout, time.RFC3339Nano, finDateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
