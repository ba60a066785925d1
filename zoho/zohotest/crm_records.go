package zohotest

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Zoho's paging limits (Kaizen #60, get-records docs).
const (
	maxPerPage       = 200
	maxFields        = 50
	discreteLimit    = 2000    // records reachable with page (not page_token)
	pageTokenLimit   = 100_000 // records reachable with page_token
	pageTokenTTL     = 24 * time.Hour
	maxIDsPerRequest = 100
	maxPageTokens    = 200_000 // live page tokens a fake keeps; beyond, some are forgotten
)

func (s *Server) crmRoutes() []route {
	c := s.crm
	const rec = "record.json"
	return slices.Concat(c.bulkRoutes(), c.watchRoutes(), []route{
		newRoute("GET /crm/v8/{module}", true, rec, c.handleList),
		newRoute("POST /crm/v8/{module}", true, rec, c.handleWrite("insert")),
		newRoute("PUT /crm/v8/{module}", true, rec, c.handleWrite("update")),
		newRoute("DELETE /crm/v8/{module}", true, rec, c.handleDelete),
		newRoute("GET /crm/v8/{module}/{id}", true, rec, c.handleGet),
		newRoute("PUT /crm/v8/{module}/{id}", true, rec, c.handleWrite("update")),
		newRoute("DELETE /crm/v8/{module}/{id}", true, rec, c.handleDelete),
		newRoute("POST /crm/v8/{module}/upsert", true, rec, c.handleWrite("upsert")),
		newRoute("GET /crm/v8/{module}/search", true, rec, c.handleSearch),
		newRoute("GET /crm/v8/{module}/deleted", true, rec, c.handleDeleted),
		newRoute("GET /crm/v8/{module}/actions/count", true, rec, c.handleCount),
		newRoute("POST /crm/v8/coql", true, "coql.json", c.handleCOQL),
		newRoute("GET /crm/v8/settings/modules", true, "modules.json", c.handleModules),
		newRoute("GET /crm/v8/settings/modules/{module}", true, "modules.json", c.handleModule),
		newRoute("GET /crm/v8/settings/fields", true, "fields.json", c.handleFields),
		newRoute("GET /crm/v8/users", true, "users.json", c.handleUsers),
		newRoute("GET /crm/v8/org", true, "org.json", c.handleOrg),
	})
}

// badParam is Zoho's INVALID_DATA answer for a query parameter.
func badParam(name, message string) answer {
	if message == "" {
		message = "invalid data"
	}
	return errAnswer(http.StatusBadRequest, "INVALID_DATA", message, map[string]any{"param_name": name})
}

// intParam reads a positive integer parameter.
func intParam(q url.Values, name string, def, max int) (int, *answer) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || (max > 0 && n > max) {
		a := badParam(name, "")
		return 0, &a
	}
	return n, nil
}

// fieldsParam reads "fields": comma-separated API names, at most 50.
// Unknown names are ignored (the call log notes them). required makes a
// missing "fields" Zoho's REQUIRED_PARAM_MISSING.
func fieldsParam(ex *exchange, m *moduleState, required bool) ([]string, *answer) {
	q := ex.r.URL.Query()
	if !q.Has("fields") || strings.TrimSpace(q.Get("fields")) == "" {
		if required {
			a := errAnswer(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param_name": "fields"})
			return nil, &a
		}
		return nil, nil
	}
	fields := splitList(q.Get("fields"))
	if len(fields) > maxFields {
		a := errAnswer(http.StatusBadRequest, "LIMIT_EXCEEDED", "Max field limit exceeded", map[string]any{"param_name": "fields", "limit": maxFields})
		return nil, &a
	}
	for _, f := range fields {
		if m.fieldType(f) == "" {
			ex.note("fields: %s is not a field of %s; ignored", f, m.def.APIName)
		}
	}
	return fields, nil
}

// imsHeader reads If-Modified-Since (RFC 3339 with offset, as Zoho wants).
func imsHeader(ex *exchange) (time.Time, bool, *answer) {
	h := ex.r.Header.Get("If-Modified-Since")
	if h == "" {
		return time.Time{}, false, nil
	}
	t, err := time.Parse(time.RFC3339, h)
	if err != nil {
		a := errAnswer(http.StatusBadRequest, "INVALID_DATA", "invalid data",
			map[string]any{"header": "If-Modified-Since", "reason": "want an ISO 8601 date-time with offset, e.g. 2019-07-25T15:26:49+05:30"})
		return time.Time{}, false, &a
	}
	return t, true, nil
}

// flagParam checks converted/approved: the fake holds neither converted nor
// unapproved records, so "true" (converted) or "false" (approved) empties
// the result.
func flagParam(q url.Values, name, emptying string) (bool, *answer) {
	switch v := q.Get(name); v {
	case "", "both", "true", "false":
		return v == emptying, nil
	}
	a := badParam(name, "")
	return false, &a
}

// viewKey identifies an ordered, filtered list of a module's records.
type viewKey struct {
	sortBy string
	desc   bool
	ims    int64 // If-Modified-Since (Unix seconds) when hasIMS
	hasIMS bool
	ids    string // the ids filter, joined
	none   bool   // a filter (converted/approved) that matches nothing
	search string // a search filter (its query string); viewLocked gets its predicate
}

// view is a cached ordered list; views are dropped on every change, so
// paging through an unchanged module costs one sort, then a slice per page.
type view struct{ recs []*storedRecord }

const maxViews = 16

// viewLocked returns the records selected by k (and pred, the compiled
// search filter when k.search is set), in k's order.
func (m *moduleState) viewLocked(k viewKey, pred func(*storedRecord) bool) []*storedRecord {
	if v, ok := m.views[k]; ok {
		return v.recs
	}
	var ids map[string]bool
	if k.ids != "" {
		ids = map[string]bool{}
		for _, id := range strings.Split(k.ids, ",") {
			ids[id] = true
		}
	}
	recs := make([]*storedRecord, 0, len(m.records))
	if !k.none {
		for _, r := range m.records {
			if ids != nil && !ids[r.id] {
				continue
			}
			if k.hasIMS && r.modified.Unix() <= k.ims {
				continue
			}
			if pred != nil && !pred(r) {
				continue
			}
			recs = append(recs, r)
		}
	}
	if k.sortBy != "id" {
		sort.SliceStable(recs, func(i, j int) bool { return sortCmp(k.sortBy, recs[i], recs[j]) < 0 })
	}
	if k.desc {
		slices.Reverse(recs)
	}
	if len(m.views) >= maxViews {
		clear(m.views)
	}
	m.views[k] = &view{recs: recs}
	return recs
}

// sortCmp orders records by a sort field, ties by id.
func sortCmp(sortBy string, a, b *storedRecord) int {
	switch sortBy {
	case "Created_Time":
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
	case "Modified_Time":
		if c := a.modified.Compare(b.modified); c != 0 {
			return c
		}
	}
	return compareIDs(a.id, b.id)
}

// pageToken is the state behind an info.next_page_token: where the next
// page starts, as a position in the order (keyset), so records added or
// removed meanwhile do not shift it.
type pageToken struct {
	module  string
	key     viewKey
	after   *storedRecord // a copy of the sort keys of the last record before the page; nil: from the start
	offset  int           // records before the page
	page    int
	expires time.Time
}

func (c *CRM) issueTokenLocked(m *moduleState, k viewKey, recs []*storedRecord, start, page int) (string, time.Time) {
	now := c.s.clock.Now()
	if len(c.tokens) >= c.tokenPruneAt {
		// Amortized: prune when the map has doubled since the last prune.
		for t, pt := range c.tokens {
			if !now.Before(pt.expires) {
				delete(c.tokens, t)
			}
		}
		for t := range c.tokens { // still too many live ones: forget some
			if len(c.tokens) <= maxPageTokens/2 {
				break
			}
			delete(c.tokens, t)
		}
		c.tokenPruneAt = max(2*len(c.tokens), 10_000)
	}
	pt := &pageToken{module: m.def.APIName, key: k, offset: start, page: page, expires: now.Add(pageTokenTTL)}
	if start > 0 {
		r := recs[start-1]
		pt.after = &storedRecord{id: r.id, created: r.created, modified: r.modified}
	}
	tok := randomHex(24)
	c.tokens[tok] = pt
	return tok, pt.expires
}

// handleList serves GET /{module}: Zoho's Get Records.
func (c *CRM) handleList(ex *exchange) {
	c.serve(ex, func() answer {
		m, bad := c.moduleLocked(ex)
		if bad != nil {
			return *bad
		}
		if bad := unsupportedHeaders(ex); bad != nil {
			return *bad
		}
		q := ex.r.URL.Query()
		fields, bad := fieldsParam(ex, m, true)
		if bad != nil {
			return *bad
		}
		if q.Has("cvid") {
			return errAnswer(http.StatusBadRequest, "NOT_SUPPORTED", "zohotest has no custom views", map[string]any{"param_name": "cvid"})
		}
		perPage, bad := intParam(q, "per_page", maxPerPage, maxPerPage)
		if bad != nil {
			return *bad
		}
		page, bad := intParam(q, "page", 1, 0)
		if bad != nil {
			return *bad
		}
		tokenStr := q.Get("page_token")
		if tokenStr != "" && q.Has("page") {
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "page and page_token cannot be given together", map[string]any{"param_name": "page"})
		}
		k := viewKey{sortBy: q.Get("sort_by"), desc: true}
		switch k.sortBy {
		case "":
			k.sortBy = "id"
		case "id", "Created_Time", "Modified_Time":
		default:
			return badParam("sort_by", "sort_by must be id, Created_Time or Modified_Time")
		}
		switch q.Get("sort_order") {
		case "", "desc":
		case "asc":
			k.desc = false
		default:
			return badParam("sort_order", "")
		}
		conv, bad := flagParam(q, "converted", "true")
		if bad != nil {
			return *bad
		}
		appr, bad := flagParam(q, "approved", "false")
		if bad != nil {
			return *bad
		}
		k.none = conv || appr
		if ids := splitList(q.Get("ids")); len(ids) > 0 {
			if len(ids) > maxIDsPerRequest {
				return errAnswer(http.StatusBadRequest, "LIMIT_EXCEEDED", "Record count exceeded", map[string]any{"param_name": "ids", "limit": maxIDsPerRequest})
			}
			slices.Sort(ids)
			k.ids = strings.Join(ids, ",")
		}
		ims, hasIMS, bad := imsHeader(ex)
		if bad != nil {
			return *bad
		}
		if hasIMS {
			k.hasIMS, k.ims = true, ims.Unix()
		}
		start := (page - 1) * perPage
		if tokenStr != "" {
			pt := c.tokens[tokenStr]
			if pt == nil || pt.module != m.def.APIName || !c.s.clock.Now().Before(pt.expires) {
				return badParam("page_token", "the page_token given seems to be invalid or expired")
			}
			k, page = pt.key, pt.page
			recs := m.viewLocked(k, nil)
			start = 0
			if pt.after != nil {
				dir := 1
				if k.desc {
					dir = -1
				}
				start = sort.Search(len(recs), func(i int) bool { return dir*sortCmp(k.sortBy, recs[i], pt.after) > 0 })
			}
			if pt.offset >= pageTokenLimit {
				return errAnswer(http.StatusBadRequest, "LIMIT_EXCEEDED", "page_token can reach the first 100000 records only",
					map[string]any{"param_name": "page_token", "limit": pageTokenLimit})
			}
			return c.pageAnswer(m, k, recs, start, pt.offset, page, perPage, fields)
		}
		if page*perPage > discreteLimit {
			return errAnswer(http.StatusBadRequest, "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
				"You can only get the first 2000 records without using page_token param", map[string]any{"limit": discreteLimit})
		}
		return c.pageAnswer(m, k, m.viewLocked(k, nil), start, start, page, perPage, fields)
	})
}

// pageAnswer renders the page of recs starting at start. offset is the
// number of records the caller has been through before it (it differs from
// start when a page token follows a list that changed).
func (c *CRM) pageAnswer(m *moduleState, k viewKey, recs []*storedRecord, start, offset, page, perPage int, fields []string) answer {
	if len(recs) == 0 && k.hasIMS {
		return answer{status: http.StatusNotModified}
	}
	if start >= len(recs) {
		return answer{status: http.StatusNoContent}
	}
	end := min(start+perPage, len(recs))
	data := make([]any, 0, end-start)
	for _, r := range recs[start:end] {
		data = append(data, c.render(m, r, fields))
	}
	more := end < len(recs)
	order := "desc"
	if !k.desc {
		order = "asc"
	}
	info := map[string]any{
		"per_page": perPage, "count": len(data), "page": page, "more_records": more,
		"sort_by": k.sortBy, "sort_order": order,
		"next_page_token": nil, "previous_page_token": nil, "page_token_expiry": nil,
	}
	if more {
		tok, exp := c.issueTokenLocked(m, k, recs, end, page+1)
		c.tokens[tok].offset = offset + len(data)
		info["next_page_token"], info["page_token_expiry"] = tok, c.s.formatTime(exp)
	}
	if page > 1 {
		prev := max(start-perPage, 0)
		tok, exp := c.issueTokenLocked(m, k, recs, prev, page-1)
		c.tokens[tok].offset = max(offset-perPage, 0)
		info["previous_page_token"], info["page_token_expiry"] = tok, c.s.formatTime(exp)
	}
	return answer{status: http.StatusOK, body: map[string]any{"data": data, "info": info}}
}

// handleGet serves GET /{module}/{id}.
func (c *CRM) handleGet(ex *exchange) {
	c.serve(ex, func() answer {
		m, bad := c.moduleLocked(ex)
		if bad != nil {
			return *bad
		}
		if bad := unsupportedHeaders(ex); bad != nil {
			return *bad
		}
		fields, bad := fieldsParam(ex, m, false)
		if bad != nil {
			return *bad
		}
		ims, hasIMS, bad := imsHeader(ex)
		if bad != nil {
			return *bad
		}
		r := m.byID[ex.param("id")]
		if r == nil {
			// Zoho answers an unknown (or deleted) id with INVALID_DATA.
			return errAnswer(http.StatusBadRequest, "INVALID_DATA", "the id given seems to be invalid", map[string]any{"resource_path_index": 1})
		}
		if hasIMS && r.modified.Unix() <= ims.Unix() {
			return answer{status: http.StatusNotModified}
		}
		return answer{status: http.StatusOK, body: map[string]any{"data": []any{c.render(m, r, fields)}}}
	})
}

// handleDeleted serves GET /{module}/deleted.
func (c *CRM) handleDeleted(ex *exchange) {
	c.serve(ex, func() answer {
		m, bad := c.moduleLocked(ex)
		if bad != nil {
			return *bad
		}
		q := ex.r.URL.Query()
		typ := q.Get("type")
		switch typ {
		case "":
			typ = "all"
		case "all", "recycle", "permanent":
		default:
			return badParam("type", "type must be all, recycle or permanent")
		}
		perPage, bad := intParam(q, "per_page", maxPerPage, maxPerPage)
		if bad != nil {
			return *bad
		}
		page, bad := intParam(q, "page", 1, 0)
		if bad != nil {
			return *bad
		}
		ims, hasIMS, bad := imsHeader(ex)
		if bad != nil {
			return *bad
		}
		var list []*deletedEntry // newest deletion first
		for i := len(m.deleted) - 1; i >= 0; i-- {
			d := m.deleted[i]
			if (typ == "all" || typ == d.typ()) && (!hasIMS || d.deleted.Unix() > ims.Unix()) {
				list = append(list, d)
			}
		}
		if len(list) == 0 && hasIMS {
			return answer{status: http.StatusNotModified}
		}
		start := (page - 1) * perPage
		if start >= len(list) {
			return answer{status: http.StatusNoContent}
		}
		end := min(start+perPage, len(list))
		data := make([]any, 0, end-start)
		for _, d := range list[start:end] {
			var display any = d.display
			if d.display == "" {
				display = nil
			}
			data = append(data, map[string]any{
				"id": d.id, "display_name": display, "type": d.typ(),
				"deleted_by": d.deletedBy.minified(), "created_by": d.createdBy.minified(),
				"deleted_time": c.s.formatTime(d.deleted),
			})
		}
		return answer{status: http.StatusOK, body: map[string]any{"data": data,
			"info": map[string]any{"per_page": perPage, "count": len(data), "page": page, "more_records": end < len(list)}}}
	})
}
