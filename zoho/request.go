package zoho

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Product selects the API base a request's path is relative to, and the
// rate limit it counts against.
type Product string

// Products and their bases. {api} is the token's api_domain (else the data
// centre's API host); the other hosts come from the DataCenter.
const (
	CRM       Product = "crm"       // {api}/crm/v8
	CRMBulk   Product = "crm-bulk"  // {api}/crm/bulk/v8
	CRMUpload Product = "crm-files" // {Content}/crm/v8: bulk-write file uploads
	Books     Product = "books"     // {api}/books/v3
	Inventory Product = "inventory" // {api}/inventory/v1
	Projects  Product = "projects"  // {Projects}/api/v3
	People    Product = "people"    // {People}/people/api
	APIRoot   Product = "api"       // {api}: for paths of other products or versions ("/crm/v2.1/...")
)

// limitGroup is the RateLimits field a product counts against.
func (p Product) limitGroup() string {
	switch p {
	case CRM, CRMBulk, CRMUpload:
		return "crm"
	case Books, Inventory, Projects, People:
		return string(p)
	}
	return ""
}

// Request is an API call to send with Client.Do. Build it with NewRequest;
// product packages set the optional fields before sending. A Request holds
// its body as bytes, so every attempt replays it exactly; it can be sent
// again once Do returns.
type Request struct {
	Method  string
	Product Product
	// Path is relative to the product's base ("/Contacts/123"), may carry a
	// query ("/Contacts?fields=Email"), or is an absolute URL on one of the
	// client's hosts (such as a download_url Zoho returned): the token is
	// never sent to any other host.
	Path string
	// Query is merged into the URL's query.
	Query url.Values
	// Header is sent with the request (Authorization is set by the client).
	Header http.Header
	// Idempotent marks a request that is safe to repeat after a 5xx or a
	// network error although its method is not (a CRM upsert, a COQL or
	// search POST). GET, HEAD, OPTIONS, PUT and DELETE are always so.
	Idempotent bool
	// OrgID is the organisation the request is for, the key of its rate
	// limiter (Books' organization_id, say); empty means the client's OrgID.
	// It does not change the URL.
	OrgID string
	// Check decides whether the answer is an error; nil means
	// CheckResponse. Product packages whose envelope reports errors in the
	// body (Books: "code" != 0) supply their own.
	Check CheckFunc

	body        []byte
	contentType string
}

// NewRequest builds a request for path under product's base. body is
// encoded by type:
//
//   - nil: no body;
//   - url.Values: an application/x-www-form-urlencoded form;
//   - json.RawMessage: sent as is, as JSON;
//   - []byte or io.Reader: sent as is (read now), as application/octet-stream
//     (use SetBody to name another type, e.g. multipart);
//   - anything else: encoded as JSON.
//
// NewRequest does no I/O: the base URL is resolved when the request is
// sent, from the token's api_domain.
func (c *Client) NewRequest(method string, product Product, path string, body any) (*Request, error) {
	if method == "" {
		return nil, errors.New("zoho: NewRequest: method is empty")
	}
	if _, err := c.base(product, "https://api.invalid"); err != nil {
		return nil, err
	}
	if strings.ContainsAny(path, " \n\r\t") {
		return nil, fmt.Errorf("zoho: NewRequest: path %q contains white space (escape it)", path)
	}
	r := &Request{Method: strings.ToUpper(method), Product: product, Path: path, Header: http.Header{}}
	switch b := body.(type) {
	case nil:
	case url.Values:
		r.SetBody("application/x-www-form-urlencoded", []byte(b.Encode()))
	case json.RawMessage:
		r.SetBody("application/json", b)
	case []byte:
		r.SetBody("application/octet-stream", b)
	case io.Reader:
		data, err := io.ReadAll(b)
		if err != nil {
			return nil, fmt.Errorf("zoho: NewRequest: reading body: %w", err)
		}
		r.SetBody("application/octet-stream", data)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("zoho: NewRequest: encoding body: %w", err)
		}
		r.SetBody("application/json", data)
	}
	return r, nil
}

// SetBody replaces the body with data of the given content type.
func (r *Request) SetBody(contentType string, data []byte) {
	r.body = append([]byte(nil), data...)
	r.contentType = contentType
}

// Body returns a copy of the body bytes (nil when none).
func (r *Request) Body() []byte { return append([]byte(nil), r.body...) }

// base returns the base URL of product given the API domain in use.
func (c *Client) base(p Product, apiDomain string) (string, error) {
	host := func(field, h string) (string, error) {
		if h == "" {
			return "", fmt.Errorf("zoho: data centre %q has no %s host (set DataCenter.%s)", c.dc.Location, strings.ToLower(field), field)
		}
		return h, nil
	}
	switch p {
	case CRM:
		return apiDomain + "/crm/v8", nil
	case CRMBulk:
		return apiDomain + "/crm/bulk/v8", nil
	case CRMUpload:
		h, err := host("Content", c.dc.Content)
		return h + "/crm/v8", err
	case Books:
		return apiDomain + "/books/v3", nil
	case Inventory:
		return apiDomain + "/inventory/v1", nil
	case Projects:
		h, err := host("Projects", c.dc.Projects)
		return h + "/api/v3", err
	case People:
		h, err := host("People", c.dc.People)
		return h + "/people/api", err
	case APIRoot:
		return apiDomain, nil
	}
	return "", fmt.Errorf("zoho: unknown product %q", p)
}

// resolve returns the absolute URL of req given the API domain in use.
func (c *Client) resolve(req *Request, apiDomain string) (*url.URL, error) {
	var u *url.URL
	var err error
	if strings.HasPrefix(req.Path, "https://") || strings.HasPrefix(req.Path, "http://") {
		u, err = url.Parse(req.Path)
		if err != nil {
			return nil, fmt.Errorf("zoho: request URL: %w", err)
		}
		if !c.ownHost(u, apiDomain) {
			return nil, fmt.Errorf("zoho: request URL host %q is not one of the client's Zoho hosts; the access token is not sent there", u.Host)
		}
	} else {
		base, err := c.base(req.Product, apiDomain)
		if err != nil {
			return nil, err
		}
		u, err = url.Parse(base + "/" + strings.TrimPrefix(req.Path, "/"))
		if err != nil {
			return nil, fmt.Errorf("zoho: request path %q: %w", req.Path, err)
		}
	}
	if len(req.Query) > 0 {
		q := u.Query()
		for k, vs := range req.Query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// ownHost reports whether u is on the API domain or a host of the data
// centre (the accounts server excluded: it takes no access tokens).
func (c *Client) ownHost(u *url.URL, apiDomain string) bool {
	origin := u.Scheme + "://" + u.Host
	for _, h := range []string{apiDomain, c.dc.API, c.dc.Content, c.dc.Projects, c.dc.People} {
		if h != "" && strings.EqualFold(origin, h) {
			return true
		}
	}
	return false
}
