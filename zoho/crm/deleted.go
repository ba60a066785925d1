package crm

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// Kinds of deleted records, for DeletedOptions.Type.
const (
	DeletedAll       = "all"       // both
	DeletedRecycle   = "recycle"   // in the recycle bin
	DeletedPermanent = "permanent" // deleted for good
)

// DeletedRecord is an entry of a module's deleted-records list.
type DeletedRecord struct {
	ID          string      `json:"id"`
	DisplayName string      `json:"display_name"`
	Type        string      `json:"type"` // DeletedRecycle or DeletedPermanent
	DeletedBy   *UserLookup `json:"deleted_by"`
	CreatedBy   *UserLookup `json:"created_by"`
	DeletedTime Time        `json:"deleted_time"`
}

// DeletedOptions selects deleted records.
type DeletedOptions struct {
	// Type is DeletedAll (the default), DeletedRecycle or DeletedPermanent.
	Type string
	// ModifiedSince sends If-Modified-Since: only records deleted after it
	// are listed; when there are none, Zoho answers 304 and the list yields
	// nothing.
	ModifiedSince time.Time
	// PerPage is the page size, at most 200; zero means 200.
	PerPage int
	// OnPage, when set, is called with each page's information
	// (PageInfo.NotModified tells a 304 apart).
	OnPage func(PageInfo)
}

// Deleted yields the deleted records of module, newest deletion first,
// page by page. 204 and 304 yield nothing.
func (s *RecordsService) Deleted(ctx context.Context, module string, opts *DeletedOptions) iter.Seq2[DeletedRecord, error] {
	fail := func(err error) iter.Seq2[DeletedRecord, error] {
		return errSeq[DeletedRecord](fmt.Errorf("crm: deleted %s: %w", module, err))
	}
	if err := checkModule(module); err != nil {
		return fail(err)
	}
	var o DeletedOptions
	if opts != nil {
		o = *opts
	}
	switch o.Type {
	case "", DeletedAll, DeletedRecycle, DeletedPermanent:
	default:
		return fail(fmt.Errorf("DeletedOptions.Type %q is not all, recycle or permanent", o.Type))
	}
	perPage := MaxPerPage
	switch {
	case o.PerPage < 0 || o.PerPage > MaxPerPage:
		return fail(fmt.Errorf("DeletedOptions.PerPage %d is outside 1..%d", o.PerPage, MaxPerPage))
	case o.PerPage > 0:
		perPage = o.PerPage
	}
	since := ""
	if !o.ModifiedSince.IsZero() {
		since = FormatTime(o.ModifiedSince)
	}
	c := s.c
	return zoho.Paginate(ctx, func(ctx context.Context, cursor string) ([]DeletedRecord, string, error) {
		page := 1
		if cursor != "" {
			page, _ = strconv.Atoi(cursor)
		}
		q := url.Values{"per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
		setIf(q, "type", o.Type)
		req, err := c.newRequest(http.MethodGet, "/"+module+"/deleted", q, nil)
		if err != nil {
			return nil, "", fmt.Errorf("crm: deleted %s: %w", module, err)
		}
		if since != "" {
			req.Header.Set("If-Modified-Since", since)
		}
		var env struct {
			Data []DeletedRecord `json:"data"`
			Info Info            `json:"info"`
		}
		resp, err := c.get(ctx, req, &env)
		if err != nil {
			return nil, "", fmt.Errorf("crm: deleted %s: %w", module, err)
		}
		if o.OnPage != nil {
			o.OnPage(PageInfo{Info: env.Info, Response: resp, NotModified: resp.StatusCode == http.StatusNotModified})
		}
		next := ""
		if env.Info.MoreRecords && len(env.Data) > 0 {
			next = strconv.Itoa(page + 1)
		}
		return env.Data, next, nil
	})
}
