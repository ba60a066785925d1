package crm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// Zoho's limits on record reads (get-records docs, Kaizen #60).
const (
	// MaxFields is the most fields a list may ask for.
	MaxFields = 50
	// MaxPerPage is the largest page Zoho serves (and the default).
	MaxPerPage = 200
	// DiscretePagingLimit is how many records a list reaches with page
	// numbers; past it, Zoho wants page_token.
	DiscretePagingLimit = 2000
	// MaxIDs is the most ids one list or delete call may name.
	MaxIDs = 100
)

// Sort fields and orders for ListOptions.
const (
	SortByID           = "id"
	SortByCreatedTime  = "Created_Time"
	SortByModifiedTime = "Modified_Time"
	SortAsc            = "asc"
	SortDesc           = "desc"
)

// RecordsService reads and writes records of any module as open Records.
// For typed structs, use Module (c.Contacts(), NewModule[MyType]).
type RecordsService struct{ c *Client }

// Info is the "info" object of Zoho's list answers.
type Info struct {
	PerPage           int    `json:"per_page"`
	Count             int    `json:"count"`
	Page              int    `json:"page"`
	MoreRecords       bool   `json:"more_records"`
	SortBy            string `json:"sort_by"`
	SortOrder         string `json:"sort_order"`
	NextPageToken     string `json:"next_page_token"`
	PreviousPageToken string `json:"previous_page_token"`
	PageTokenExpiry   Time   `json:"page_token_expiry"`
}

// PageInfo describes one page of a list as fetched.
type PageInfo struct {
	Info
	// NotModified is true when Zoho answered 304 Not Modified to an
	// If-Modified-Since list: no record changed since then. (A list that
	// simply has no records is answered 204, NotModified false.)
	NotModified bool
	// Response is Zoho's answer (status, headers, attempts, quota).
	Response *zoho.Response
}

// Page is one page of a list: its records and how it was fetched.
type Page[T any] struct {
	PageInfo
	Records []T
}

// ListOptions selects and orders the records of a list. Fields is
// required for open Records; typed modules default it to their declared
// fields.
type ListOptions struct {
	// Fields are the API names of the fields to return (at most 50). The id
	// is always returned.
	Fields []string
	// SortBy is SortByID, SortByCreatedTime or SortByModifiedTime (Zoho
	// sorts by nothing else); empty means Zoho's default (id).
	SortBy string
	// SortOrder is SortAsc or SortDesc; empty means Zoho's default (desc).
	SortOrder string
	// CustomViewID (cvid) lists the records of a custom view; it cannot be
	// combined with SortBy.
	CustomViewID string
	// IDs restricts the list to these records (at most 100).
	IDs []string
	// ModifiedSince sends If-Modified-Since: only records modified after
	// it are listed, and when there are none Zoho answers 304, so the list
	// yields nothing (PageInfo.NotModified tells it apart from an empty
	// module).
	ModifiedSince time.Time
	// PerPage is the page size, at most 200; zero means 200. Past 2,000
	// records the list switches from page numbers to Zoho's page_token.
	PerPage int
	// OnPage, when set, is called with each page's information as it is
	// fetched, before its records are yielded.
	OnPage func(PageInfo)
}

// listParams is a validated copy of ListOptions.
type listParams struct {
	module  string
	query   url.Values
	since   string
	perPage int
	onPage  func(PageInfo)
}

func newListParams(module string, o *ListOptions, defFields []string) (*listParams, error) {
	if err := checkModule(module); err != nil {
		return nil, err
	}
	var opts ListOptions
	if o != nil {
		opts = *o
	}
	fields := opts.Fields
	if len(fields) == 0 {
		fields = defFields
	}
	fieldsParam, err := checkFields("ListOptions.Fields", fields, true)
	if err != nil {
		return nil, err
	}
	p := &listParams{module: module, query: url.Values{"fields": {fieldsParam}}, perPage: MaxPerPage, onPage: opts.OnPage}
	switch {
	case opts.PerPage < 0 || opts.PerPage > MaxPerPage:
		return nil, fmt.Errorf("ListOptions.PerPage %d is outside 1..%d", opts.PerPage, MaxPerPage)
	case opts.PerPage > 0:
		p.perPage = opts.PerPage
	}
	p.query.Set("per_page", strconv.Itoa(p.perPage))
	switch opts.SortBy {
	case "", SortByID, SortByCreatedTime, SortByModifiedTime:
	default:
		return nil, fmt.Errorf("ListOptions.SortBy %q: Zoho sorts only by id, Created_Time or Modified_Time", opts.SortBy)
	}
	switch opts.SortOrder {
	case "", SortAsc, SortDesc:
	default:
		return nil, fmt.Errorf("ListOptions.SortOrder %q is not asc or desc", opts.SortOrder)
	}
	if opts.CustomViewID != "" && opts.SortBy != "" {
		return nil, errors.New("ListOptions.CustomViewID cannot be combined with SortBy (Zoho rejects cvid with sort_by)")
	}
	setIf(p.query, "sort_by", opts.SortBy)
	setIf(p.query, "sort_order", opts.SortOrder)
	setIf(p.query, "cvid", opts.CustomViewID)
	if len(opts.IDs) > MaxIDs {
		return nil, fmt.Errorf("ListOptions.IDs has %d ids; Zoho takes at most %d", len(opts.IDs), MaxIDs)
	}
	for i, id := range opts.IDs {
		if err := checkID(id); err != nil {
			return nil, fmt.Errorf("ListOptions.IDs[%d]: %w", i, err)
		}
	}
	if len(opts.IDs) > 0 {
		p.query.Set("ids", strings.Join(opts.IDs, ","))
	}
	if !opts.ModifiedSince.IsZero() {
		p.since = FormatTime(opts.ModifiedSince)
	}
	return p, nil
}

// checkFields validates a list of field API names and joins them.
func checkFields(name string, fields []string, required bool) (string, error) {
	if len(fields) == 0 {
		if required {
			return "", fmt.Errorf("%s is empty: Zoho requires the API names of the fields to return (at most %d)", name, MaxFields)
		}
		return "", nil
	}
	if len(fields) > MaxFields {
		return "", fmt.Errorf("%s has %d fields; Zoho returns at most %d per call", name, len(fields), MaxFields)
	}
	for i, f := range fields {
		if f == "" || strings.ContainsAny(f, ", \t\r\n()") {
			return "", fmt.Errorf("%s[%d] %q is not a field API name", name, i, f)
		}
	}
	return strings.Join(fields, ","), nil
}

func setIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

// errSeq is a sequence that yields err once.
func errSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// List yields the records of module, fetching pages lazily as the loop
// ranges and switching from page numbers to page_token past 2,000 records.
// An error is yielded once and ends the sequence; 204 (no records) and 304
// (nothing modified since ListOptions.ModifiedSince) yield nothing.
func (s *RecordsService) List(ctx context.Context, module string, opts *ListOptions) iter.Seq2[Record, error] {
	return listItems[Record](ctx, s.c, module, opts, nil)
}

// Pages is List page by page: each page with its Info and Response. The
// first answer is always yielded, even when it is empty (204) or not
// modified (304).
func (s *RecordsService) Pages(ctx context.Context, module string, opts *ListOptions) iter.Seq2[*Page[Record], error] {
	return listPages[Record](ctx, s.c, module, opts, nil)
}

func listItems[T any](ctx context.Context, c *Client, module string, opts *ListOptions, defFields []string) iter.Seq2[T, error] {
	p, err := newListParams(module, opts, defFields)
	if err != nil {
		return errSeq[T](fmt.Errorf("crm: list %s: %w", module, err))
	}
	return zoho.Paginate(ctx, func(ctx context.Context, cursor string) ([]T, string, error) {
		page, next, err := fetchList[T](ctx, c, p, cursor)
		if err != nil {
			return nil, "", err
		}
		return page.Records, next, nil
	})
}

func listPages[T any](ctx context.Context, c *Client, module string, opts *ListOptions, defFields []string) iter.Seq2[*Page[T], error] {
	p, err := newListParams(module, opts, defFields)
	if err != nil {
		return errSeq[*Page[T]](fmt.Errorf("crm: list %s: %w", module, err))
	}
	return zoho.Paginate(ctx, func(ctx context.Context, cursor string) ([]*Page[T], string, error) {
		page, next, err := fetchList[T](ctx, c, p, cursor)
		if err != nil {
			return nil, "", err
		}
		return []*Page[T]{page}, next, nil
	})
}

// List cursors: "" (page 1), "p:N" (page N), "t:TOKEN" (a page_token),
// "x:N" (Zoho listed more records after page N but gave no token: the
// error is returned by the fetch after the page's records were yielded).
func fetchList[T any](ctx context.Context, c *Client, p *listParams, cursor string) (*Page[T], string, error) {
	q := maps.Clone(p.query)
	page, token := 1, ""
	switch {
	case cursor == "":
	case strings.HasPrefix(cursor, "p:"):
		page, _ = strconv.Atoi(cursor[2:])
	case strings.HasPrefix(cursor, "t:"):
		token = cursor[2:]
	case strings.HasPrefix(cursor, "x:"):
		return nil, "", fmt.Errorf("crm: list %s: Zoho reported more records after %s records but no next_page_token; they cannot be reached", p.module, cursor[2:])
	}
	if token != "" {
		q.Set("page_token", token)
	} else {
		q.Set("page", strconv.Itoa(page))
	}
	req, err := c.newRequest(http.MethodGet, "/"+p.module, q, nil)
	if err != nil {
		return nil, "", fmt.Errorf("crm: list %s: %w", p.module, err)
	}
	if p.since != "" {
		req.Header.Set("If-Modified-Since", p.since)
	}
	var env struct {
		Data []T  `json:"data"`
		Info Info `json:"info"`
	}
	resp, err := c.get(ctx, req, &env)
	if err != nil {
		return nil, "", fmt.Errorf("crm: list %s: %w", p.module, err)
	}
	pg := &Page[T]{PageInfo: PageInfo{Info: env.Info, NotModified: resp.StatusCode == http.StatusNotModified, Response: resp}, Records: env.Data}
	if p.onPage != nil {
		p.onPage(pg.PageInfo)
	}
	next := ""
	if env.Info.MoreRecords && len(env.Data) > 0 && !notModifiedOrEmpty(resp) {
		switch {
		case token == "" && (page+1)*p.perPage <= DiscretePagingLimit:
			next = "p:" + strconv.Itoa(page+1)
		case env.Info.NextPageToken != "":
			next = "t:" + env.Info.NextPageToken
		default:
			next = "x:" + strconv.Itoa(env.Info.Page*p.perPage)
		}
	}
	return pg, next, nil
}

// GetOptions selects the fields of a record read.
type GetOptions struct {
	// Fields are the API names of the fields to return; empty means all.
	Fields []string
}

// Get reads one record. An id Zoho does not know (or a deleted record)
// gives an error matching zoho.ErrNotFound.
func (s *RecordsService) Get(ctx context.Context, module, id string, opts *GetOptions) (Record, *zoho.Response, error) {
	return getRecord[Record](ctx, s.c, module, id, opts)
}

func getRecord[T any](ctx context.Context, c *Client, module, id string, opts *GetOptions) (T, *zoho.Response, error) {
	var zero T
	fail := func(err error) (T, *zoho.Response, error) {
		return zero, nil, fmt.Errorf("crm: get %s %s: %w", module, id, err)
	}
	if err := checkModule(module); err != nil {
		return fail(err)
	}
	if err := checkID(id); err != nil {
		return fail(err)
	}
	var o GetOptions
	if opts != nil {
		o = *opts
	}
	fields, err := checkFields("GetOptions.Fields", o.Fields, false)
	if err != nil {
		return fail(err)
	}
	q := url.Values{}
	setIf(q, "fields", fields)
	req, err := c.newRequest(http.MethodGet, "/"+module+"/"+id, q, nil)
	if err != nil {
		return fail(err)
	}
	req.Check = checkGet
	var env struct {
		Data []T `json:"data"`
	}
	resp, err := c.get(ctx, req, &env)
	if err != nil {
		return zero, resp, fmt.Errorf("crm: get %s %s: %w", module, id, err)
	}
	if len(env.Data) == 0 {
		return zero, resp, fmt.Errorf("crm: get %s %s: no record (HTTP %d): %w", module, id, resp.StatusCode, zoho.ErrNotFound)
	}
	return env.Data[0], resp, nil
}

// checkGet is CheckResponse, plus: Zoho answers an unknown record id with
// 400 INVALID_DATA "the id given seems to be invalid", which is a not-found
// condition for a caller.
func checkGet(resp *http.Response, body []byte) error {
	err := zoho.CheckResponse(resp, body)
	var ze *zoho.Error
	if errors.As(err, &ze) && ze.Code == "INVALID_DATA" &&
		(strings.Contains(string(ze.Details), "resource_path_index") || strings.Contains(ze.Message, "id given")) {
		ze.Err = zoho.ErrNotFound
	}
	return err
}

// CountOptions filters a record count, like a search (at most one of
// Criteria, Email, Phone, Word), or by custom view.
type CountOptions struct {
	Criteria     Criteria
	Email        string
	Phone        string
	Word         string
	CustomViewID string
}

// Count returns the number of records of module, or of those matching
// the options' filter (GET /{module}/actions/count).
func (s *RecordsService) Count(ctx context.Context, module string, opts *CountOptions) (int, *zoho.Response, error) {
	fail := func(err error) (int, *zoho.Response, error) {
		return 0, nil, fmt.Errorf("crm: count %s: %w", module, err)
	}
	if err := checkModule(module); err != nil {
		return fail(err)
	}
	var o CountOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{}
	if err := searchFilter(q, "CountOptions", o.Criteria, o.Email, o.Phone, o.Word, false); err != nil {
		return fail(err)
	}
	setIf(q, "cvid", o.CustomViewID)
	req, err := s.c.newRequest(http.MethodGet, "/"+module+"/actions/count", q, nil)
	if err != nil {
		return fail(err)
	}
	var env struct {
		Count int `json:"count"`
	}
	resp, err := s.c.get(ctx, req, &env)
	if err != nil {
		return 0, resp, fmt.Errorf("crm: count %s: %w", module, err)
	}
	return env.Count, resp, nil
}
