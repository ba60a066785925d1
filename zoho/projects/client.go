package projects

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Client is the Zoho Projects (API v3) client. Its services group the API
// by area: c.Tasks.UpdateStatus(ctx, portal, project, task, statusID). It
// is safe for concurrent use.
//
// Every call goes through the core client's Projects limiter
// (zoho.RateLimits.Projects, by default 90 requests per 2 minutes, below
// the 100 that lock a client out for 30 minutes), keyed by the core
// client's OrgID: all Projects calls of a zoho.Client share one budget, the
// safe reading of a limit Zoho counts per user and per API.
type Client struct {
	zc *zoho.Client

	// Portals lists the portals (organisations) of the user.
	Portals *PortalsService
	// Projects lists, reads and updates projects, their status included.
	Projects *ProjectsService
	// Tasks lists, reads and updates tasks, their status included.
	Tasks *TasksService
}

// New returns a Projects client on top of a core Zoho client; its
// DataCenter's Projects host is the API root ("https://projectsapi.zoho.eu"
// for EU).
func New(zc *zoho.Client) (*Client, error) {
	if zc == nil {
		return nil, errors.New("projects: New: the zoho.Client is nil")
	}
	if zc.DataCenter().Projects == "" {
		return nil, fmt.Errorf("projects: New: data centre %q has no Projects host (set DataCenter.Projects)", zc.DataCenter().Location)
	}
	c := &Client{zc: zc}
	c.Portals = &PortalsService{c: c}
	c.Projects = &ProjectsService{c: c}
	c.Tasks = &TasksService{c: c}
	return c, nil
}

// Zoho returns the core client, for endpoints this package does not model
// (zoho.Projects requests; set Request.Check to CheckResponse).
func (c *Client) Zoho() *zoho.Client { return c.zc }

// send makes one call and decodes the JSON answer into v.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body any, v any) (*zoho.Response, error) {
	req, err := c.zc.NewRequest(method, zoho.Projects, path, body)
	if err != nil {
		return nil, err
	}
	req.Query = query
	req.Check = CheckResponse
	if method == http.MethodPatch {
		req.Idempotent = true // setting fields to values is safe to repeat
	}
	return c.zc.Do(ctx, req, v)
}

// CheckResponse is the zoho.CheckFunc of Projects answers. Projects reports
// errors as {"error":{"status_code":..., "title":"...", "details":...}},
// sometimes with HTTP 200, so a body holding "error" is an error whatever
// the status. The *zoho.Error's Code is the title (or the code); its
// throttle, URL_ROLLING_THROTTLES_LIMIT_EXCEEDED, and HTTP 429 match
// zoho.ErrRateLimited with RetryAfter set to the lock-out's end (from
// Retry-After or from the message's "Try again after N minutes"), which is
// longer than the core client waits, so the error comes back at once.
func CheckResponse(resp *http.Response, body []byte) error {
	ok := (resp.StatusCode >= 200 && resp.StatusCode < 300) || resp.StatusCode == http.StatusNotModified
	trimmed := bytes.TrimSpace(body)
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	hasError := len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &env) == nil &&
		len(env.Error) > 0 && string(env.Error) != "null"
	if ok && !hasError {
		return nil
	}
	e := &zoho.Error{StatusCode: resp.StatusCode}
	if hasError {
		readError(e, env.Error)
	} else {
		e = zoho.DecodeError(resp, body)
	}
	switch {
	case e.Code == throttleTitle || resp.StatusCode == http.StatusTooManyRequests:
		e.Err = zoho.ErrRateLimited
		if d, ok := lockoutWait(resp.Header.Get("Retry-After"), e.Message); ok {
			e.Wait = d
		}
	case resp.StatusCode == http.StatusUnauthorized:
		e.Err = zoho.ErrInvalidToken
	case resp.StatusCode == http.StatusNotFound:
		e.Err = zoho.ErrNotFound
	}
	return e
}

// throttleTitle is Projects' lock-out error (observed; not in Zoho's docs).
const throttleTitle = "URL_ROLLING_THROTTLES_LIMIT_EXCEEDED"

// readError fills e from Projects' error object, tolerating a string.
func readError(e *zoho.Error, raw json.RawMessage) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		e.Code, e.Message = s, s
		return
	}
	var obj struct {
		StatusCode json.RawMessage `json:"status_code"`
		Code       json.RawMessage `json:"code"`
		Title      string          `json:"title"`
		Message    string          `json:"message"`
		Details    json.RawMessage `json:"details"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		e.Message = string(raw)
		return
	}
	e.Code = obj.Title
	if e.Code == "" {
		e.Code = finance.Scalar(obj.Code)
	}
	if e.Code == "" {
		e.Code = finance.Scalar(obj.StatusCode)
	}
	e.Message = obj.Message
	if len(obj.Details) > 0 && string(obj.Details) != "null" {
		e.Details = obj.Details
		var d struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(obj.Details, &d) == nil && d.Message != "" && e.Message == "" {
			e.Message = d.Message
		}
	}
	if e.Message == "" {
		e.Message = obj.Title
	}
}

var tryAfter = regexp.MustCompile(`(?i)try again after (\d+) (second|minute|hour)s?`)

// lockoutWait reads how long a lock-out lasts: Retry-After seconds, or
// "Try again after 22 minutes" in the message.
func lockoutWait(retryAfter, message string) (time.Duration, bool) {
	if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s > 0 {
		return time.Duration(s) * time.Second, true
	}
	m := tryAfter.FindStringSubmatch(message)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	unit := time.Second
	switch strings.ToLower(m[2]) {
	case "minute":
		unit = time.Minute
	case "hour":
		unit = time.Hour
	}
	return time.Duration(n) * unit, true
}

// checkID validates an id used in a path.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if strings.ContainsAny(id, "/?#%&=\\ \t\r\n") {
		return fmt.Errorf("%s %q is not an id", what, id)
	}
	return nil
}

// portalPath builds "/portal/{portal}/..." after checking the ids, given
// as name, value pairs after the portal.
func portalPath(portalID string, rest ...string) (string, error) {
	if err := checkID("portal id", portalID); err != nil {
		return "", err
	}
	p := "/portal/" + portalID
	for i := 0; i+1 < len(rest); i += 2 {
		p += "/" + rest[i]
		if rest[i+1] != "" {
			if err := checkID(strings.TrimSuffix(rest[i], "s")+" id", rest[i+1]); err != nil {
				return "", err
			}
			p += "/" + rest[i+1]
		}
	}
	return p, nil
}
