package finance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// MaxPerPage is the most records Books and Inventory return per page (also
// their default).
const MaxPerPage = 200

// TimeLayout is how Books and Inventory write date-times: seconds, and the
// organisation's UTC offset without a colon ("2026-06-09T16:22:34-0400").
const TimeLayout = "2006-01-02T15:04:05-0700"

// PageContext is the page_context of a list answer.
type PageContext struct {
	Page          int    `json:"page"`
	PerPage       int    `json:"per_page"`
	HasMorePage   bool   `json:"has_more_page"`
	ReportName    string `json:"report_name,omitempty"`
	AppliedFilter string `json:"applied_filter,omitempty"`
	SortColumn    string `json:"sort_column,omitempty"`
	SortOrder     string `json:"sort_order,omitempty"`
}

// ListSpec describes one list endpoint and the caller's filters.
type ListSpec[T any] struct {
	// Path of the list ("/invoices") and Key, the member holding the array
	// ("invoices").
	Path string
	Key  string
	// Query holds the filters; page, per_page and, for incremental reads,
	// last_modified_time and the sort are set by List. It is copied.
	Query url.Values
	// PerPage is the page size, 1..200; zero means 200.
	PerPage int
	// Since makes the read incremental: only records modified at or after
	// Since (to the second) are yielded, oldest change first. Zero lists
	// everything in Zoho's default order.
	Since time.Time
	// Stamp returns a record's id and last_modified_time (zero when the
	// list does not report it). Required with Since.
	Stamp func(T) (id string, modified time.Time)
}

func (s ListSpec[T]) validate() error {
	switch {
	case s.Path == "" || s.Key == "":
		return errors.New("list: Path or Key is empty")
	case s.PerPage < 0 || s.PerPage > MaxPerPage:
		return fmt.Errorf("per page %d is outside 1..%d", s.PerPage, MaxPerPage)
	case !s.Since.IsZero() && s.Stamp == nil:
		return errors.New("list: Since needs Stamp")
	}
	if !s.Since.IsZero() {
		for _, k := range []string{"sort_column", "sort_order", "last_modified_time"} {
			if s.Query.Get(k) != "" {
				return fmt.Errorf("an incremental read sorts by last_modified_time itself; do not set %s", k)
			}
		}
	}
	return nil
}

// fetchPage fetches one page. An answer without page_context has more
// pages when it is full.
func fetchPage[T any](ctx context.Context, c *Client, spec ListSpec[T], q url.Values, page int) ([]T, PageContext, error) {
	per := spec.PerPage
	if per == 0 {
		per = MaxPerPage
	}
	q.Set("page", strconv.Itoa(page))
	q.Set("per_page", strconv.Itoa(per))
	env := &listEnvelope[T]{key: spec.Key}
	if _, err := c.Send(ctx, Call{Method: "GET", Path: spec.Path, Query: q}, env); err != nil {
		return nil, PageContext{}, fmt.Errorf("%s: list %s: %w", c.name, spec.Key, err)
	}
	if !env.hasPC {
		env.pc = PageContext{Page: page, PerPage: per, HasMorePage: len(env.items) == per}
	}
	return env.items, env.pc, nil
}

// setIncremental asks for records modified since t, oldest first. It asks
// from one second before t: whether Zoho's last_modified_time filter is
// inclusive is not documented, and this way records modified in t's second
// come back either way (List drops what is older than t).
func setIncremental(q url.Values, t time.Time) {
	q.Set("last_modified_time", t.Add(-time.Second).UTC().Format(TimeLayout))
	q.Set("sort_column", "last_modified_time")
	q.Set("sort_order", "A")
}

// listEnvelope decodes {"<key>":[...],"page_context":{...}}.
type listEnvelope[T any] struct {
	key   string
	items []T
	pc    PageContext
	hasPC bool
}

func (e *listEnvelope[T]) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if raw, ok := m["page_context"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &e.pc); err != nil {
			return fmt.Errorf("page_context: %w", err)
		}
		e.hasPC = true
	}
	raw, ok := m[e.key]
	if !ok || isNull(raw) {
		return nil // an empty list may come without its array
	}
	if err := json.Unmarshal(raw, &e.items); err != nil {
		return fmt.Errorf("%s: %w", e.key, err)
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// List yields every record of a list, fetching pages lazily through
// zoho.Paginate: breaking out of the loop stops fetching, an error is
// yielded once and ends the sequence.
//
// With spec.Since the read is incremental and ordered by modification time,
// and it pages by key rather than by page number: after each page it asks
// again for records modified since the last one it saw. A record that
// changes while the list is being read moves to the end of the order; with
// page numbers that would shift the records behind it and skip one, which an
// incremental sync would never see again. Records seen twice across the
// overlap are yielded once. When a whole page shares one second (a bulk
// import), it falls back to page numbers for that second.
func List[T any](ctx context.Context, c *Client, spec ListSpec[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if err := spec.validate(); err != nil {
			var zero T
			yield(zero, fmt.Errorf("%s: %w", c.name, err))
			return
		}
		spec.Query = cloneQuery(spec.Query)
		var fetch zoho.PageFunc[T]
		if spec.Since.IsZero() {
			fetch = func(ctx context.Context, cursor string) ([]T, string, error) {
				page := 1
				if cursor != "" {
					page, _ = strconv.Atoi(cursor)
				}
				items, pc, err := fetchPage[T](ctx, c, spec, cloneQuery(spec.Query), page)
				if err != nil || !pc.HasMorePage {
					return items, "", err
				}
				return items, strconv.Itoa(page + 1), nil
			}
		} else {
			st := &keyset[T]{c: c, spec: spec, floor: spec.Since.Truncate(time.Second), seen: map[string]time.Time{}}
			fetch = st.fetch
		}
		for it, err := range zoho.Paginate(ctx, fetch) {
			if !yield(it, err) {
				return
			}
		}
	}
}

// keyset is the state of one incremental read.
type keyset[T any] struct {
	c     *Client
	spec  ListSpec[T]
	floor time.Time            // records older than this are not yielded
	seen  map[string]time.Time // ids yielded whose time is inside the next request's overlap
}

// fetch's cursor is "<unix seconds>:<page>": the time asked from and the page
// within that request; "" is the first request.
func (k *keyset[T]) fetch(ctx context.Context, cursor string) ([]T, string, error) {
	from, page := k.floor, 1
	if cursor != "" {
		secs, p, _ := strings.Cut(cursor, ":")
		s, err1 := strconv.ParseInt(secs, 10, 64)
		n, err2 := strconv.Atoi(p)
		if err1 != nil || err2 != nil {
			return nil, "", fmt.Errorf("%s: list %s: bad cursor %q", k.c.name, k.spec.Key, cursor)
		}
		from, page = time.Unix(s, 0), n
	}
	q := cloneQuery(k.spec.Query)
	setIncremental(q, from)
	items, pc, err := fetchPage[T](ctx, k.c, k.spec, q, page)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		id, mod := k.spec.Stamp(it)
		if !mod.IsZero() && mod.Before(k.floor) {
			continue // asked from a second early; older than the caller wants
		}
		if t, dup := k.seen[id]; dup && id != "" && t.Equal(mod) {
			continue // yielded from the previous request's overlap (a record changed since comes again)
		}
		if !mod.IsZero() {
			k.seen[id] = mod
		}
		out = append(out, it)
	}
	if !pc.HasMorePage || len(items) == 0 {
		return out, "", nil
	}
	_, last := k.spec.Stamp(items[len(items)-1])
	last = last.Truncate(time.Second)
	overlap := last.Add(-time.Second) // the next request starts here
	progress := false
	for _, it := range items {
		if _, mod := k.spec.Stamp(it); !mod.IsZero() && mod.Before(overlap) {
			progress = true // some of this page lies before the next start: the key moves on
			break
		}
	}
	if last.IsZero() || !last.After(from) || !progress {
		// No usable key (no times, or one second filling the whole page):
		// the next page of the same request.
		return out, fmt.Sprintf("%d:%d", from.Unix(), page+1), nil
	}
	for id, t := range k.seen {
		if t.Before(overlap) {
			delete(k.seen, id)
		}
	}
	return out, fmt.Sprintf("%d:1", last.Unix()), nil
}

// Object decodes an answer holding one record under Key:
// {"code":0,"message":"...","invoice":{...}}.
type Object[T any] struct {
	Key   string
	Value T
	// Found reports whether the answer had the member.
	Found bool
}

// UnmarshalJSON reads the member Key.
func (o *Object[T]) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	raw, ok := m[o.Key]
	if !ok || isNull(raw) {
		return nil
	}
	o.Found = true
	if err := json.Unmarshal(raw, &o.Value); err != nil {
		return fmt.Errorf("%s: %w", o.Key, err)
	}
	return nil
}

// Get reads one record: GET path, the record under key.
func Get[T any](ctx context.Context, c *Client, path, key string) (T, *zoho.Response, error) {
	return Write[T](ctx, c, Call{Method: "GET", Path: path}, key)
}

// Write sends call and returns the record the answer holds under key. An
// answer without it is an error (Zoho reports the record it wrote).
func Write[T any](ctx context.Context, c *Client, call Call, key string) (T, *zoho.Response, error) {
	obj := &Object[T]{Key: key}
	resp, err := c.Send(ctx, call, obj)
	if err != nil {
		return obj.Value, resp, err
	}
	if !obj.Found {
		return obj.Value, resp, fmt.Errorf("the answer has no %q", key)
	}
	return obj.Value, resp, nil
}

// ListParams are the options every list takes (books.ListOptions).
type ListParams struct {
	ModifiedSince         time.Time
	PerPage               int
	SortColumn, SortOrder string
	Query                 url.Values
}

// BuildQuery validates p and returns the list's query (filters and sort;
// page, per_page and the incremental parameters are set by List).
func BuildQuery(p ListParams) (url.Values, error) {
	q := url.Values{}
	for k, vs := range p.Query {
		switch k {
		case "page", "per_page", "organization_id":
			return nil, fmt.Errorf("ListOptions.Query: %q is set by the list itself", k)
		}
		q[k] = append([]string(nil), vs...)
	}
	if p.PerPage < 0 || p.PerPage > MaxPerPage {
		return nil, fmt.Errorf("ListOptions.PerPage %d is outside 0..%d", p.PerPage, MaxPerPage)
	}
	if !p.ModifiedSince.IsZero() && (p.SortColumn != "" || p.SortOrder != "") {
		return nil, errors.New("ListOptions: ModifiedSince orders by last_modified_time itself; leave SortColumn and SortOrder empty")
	}
	if p.SortColumn != "" {
		q.Set("sort_column", p.SortColumn)
	}
	switch strings.ToUpper(p.SortOrder) {
	case "":
	case "A", "D":
		q.Set("sort_order", strings.ToUpper(p.SortOrder))
	default:
		return nil, fmt.Errorf("ListOptions.SortOrder %q is neither A nor D", p.SortOrder)
	}
	return q, nil
}

// SetFilter sets a filter when it is not empty.
func SetFilter(q url.Values, name, value string) {
	if value != "" {
		q.Set(name, value)
	}
}

// ErrSeq is a sequence that yields err once: a list whose options were
// wrong.
func ErrSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// NewSpec returns the spec of a list endpoint for the options p and the
// filters q (from BuildQuery, plus the endpoint's own).
func NewSpec[T any](path, key string, p ListParams, q url.Values, stamp func(T) (string, time.Time)) ListSpec[T] {
	return ListSpec[T]{Path: path, Key: key, Query: q, PerPage: p.PerPage, Since: p.ModifiedSince, Stamp: stamp}
}
