package people

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Client is the Zoho People client. It is safe for concurrent use.
//
// People counts calls per day, per licence: Zoho documents 250 calls a day
// per user licence, capped by edition (5,000 a day on Essential HR up to
// 25,000 on Enterprise), shared by every integration of the organisation,
// plus per-API thresholds (getRecords: 400 a minute, then a 5-minute lock).
// The core client does not know the licence count, so its People limiter
// is off by default: set zoho.RateLimits.People to your share, e.g. for 40
// licences of which this integration may use half:
//
//	zoho.Limit{Requests: 5000, Window: 24 * time.Hour, MaxWait: time.Minute}
//
// A call that would exceed it then waits up to MaxWait for room, or fails
// at once with a *zoho.LimitError (zoho.ErrRateLimited) and no request sent.
type Client struct {
	zc *zoho.Client

	// Forms reads, adds and updates the records of People forms (employee,
	// department, leave, custom forms).
	Forms *FormsService
}

// New returns a People client on top of a core Zoho client; its
// DataCenter's People host is used ("https://people.zoho.eu" for EU): the
// token's api_domain does not give it.
func New(zc *zoho.Client) (*Client, error) {
	if zc == nil {
		return nil, errors.New("people: New: the zoho.Client is nil")
	}
	if zc.DataCenter().People == "" {
		return nil, fmt.Errorf("people: New: data centre %q has no People host (set DataCenter.People)", zc.DataCenter().Location)
	}
	c := &Client{zc: zc}
	c.Forms = &FormsService{c: c}
	return c, nil
}

// Zoho returns the core client, for endpoints this package does not model
// (zoho.People requests; set Request.Check to CheckResponse).
func (c *Client) Zoho() *zoho.Client { return c.zc }

// People's error codes that CheckResponse maps to sentinels (Zoho's
// "Error Codes & Cause" page).
var codeSentinels = map[string]error{
	"7011": zoho.ErrNotFound, // form name is invalid
	"7012": zoho.ErrNotFound, // invalid view name
	"7024": zoho.ErrNotFound, // no records found
	"7048": zoho.ErrNotFound, // no such user
	"7049": zoho.ErrNotFound, // no record for the id
	"7037": zoho.ErrForbidden,
	"7038": zoho.ErrForbidden,
	"7039": zoho.ErrForbidden,
	"7040": zoho.ErrForbidden,
	"9000": zoho.ErrForbidden,
	"7051": zoho.ErrDuplicate, // value already exists
	"7016": zoho.ErrInvalidData,
	"7019": zoho.ErrInvalidData,
	"7020": zoho.ErrInvalidData,
	"7021": zoho.ErrInvalidData, // more than 200 records asked
	"7034": zoho.ErrInvalidData,
	"7042": zoho.ErrInvalidData,
	"7050": zoho.ErrInvalidData,
	"7052": zoho.ErrInvalidData,
	"7053": zoho.ErrInvalidData,
	"7054": zoho.ErrInvalidData,
	"7055": zoho.ErrInvalidData,
	"7056": zoho.ErrInvalidData,
	"7057": zoho.ErrInvalidData,
	"7058": zoho.ErrInvalidData,
}

// codeNoRecords is People's answer to a list past its end.
const codeNoRecords = "7024"

// envelope is People's {"response":{...}}.
type envelope struct {
	Response struct {
		Result  json.RawMessage `json:"result"`
		Status  json.RawMessage `json:"status"`
		Message json.RawMessage `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	} `json:"response"`
}

// CheckResponse is the zoho.CheckFunc of People answers. People wraps
// answers in {"response":{"result":...,"status":0,"message":"..."}} and
// reports errors with status 1 and "errors" (an object or an array of
// {"code","message"}), often with HTTP 200. Such an answer is a *zoho.Error
// with People's code ("7049") and message, whatever the HTTP status; codes
// for a missing form or record match zoho.ErrNotFound, permission codes
// zoho.ErrForbidden, "already exists" zoho.ErrDuplicate, input errors
// zoho.ErrInvalidData, HTTP 401 zoho.ErrInvalidToken and 429
// zoho.ErrRateLimited. Other codes (7202, say) keep their code and message
// without a sentinel.
func CheckResponse(resp *http.Response, body []byte) error {
	ok := (resp.StatusCode >= 200 && resp.StatusCode < 300) || resp.StatusCode == http.StatusNotModified
	trimmed := bytes.TrimSpace(body)
	var env envelope
	parsed := len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &env) == nil
	r := env.Response
	failed := parsed && ((len(r.Errors) > 0 && string(r.Errors) != "null") || (len(r.Status) > 0 && finance.Scalar(r.Status) != "0" && finance.Scalar(r.Status) != ""))
	if ok && !failed {
		return nil
	}
	var e *zoho.Error
	if parsed && (failed || len(r.Message) > 0) {
		e = &zoho.Error{StatusCode: resp.StatusCode, Message: finance.Text(r.Message)}
		readErrors(e, r.Errors)
	} else {
		e = zoho.DecodeError(resp, body)
	}
	if err, known := codeSentinels[e.Code]; known {
		e.Err = err
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Err = zoho.ErrInvalidToken
	case http.StatusTooManyRequests:
		e.Err = zoho.ErrRateLimited
	}
	return e
}

// readErrors takes the first error of "errors": {"code","message"} or an
// array of them; a message that is an object (per-field messages) goes to
// Details.
func readErrors(e *zoho.Error, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	if raw[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
			return
		}
		raw = list[0]
	}
	var obj struct {
		Code    json.RawMessage `json:"code"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		if s := finance.Text(raw); s != "" {
			e.Message = s
		}
		return
	}
	e.Code = finance.Scalar(obj.Code)
	m := bytes.TrimSpace(obj.Message)
	switch {
	case len(m) == 0:
	case m[0] == '"':
		e.Message = finance.Text(m)
	default:
		e.Details = append(json.RawMessage(nil), m...)
	}
}

// checkName validates a form link name or record id used in a path or
// query.
func checkName(what, v string) error {
	if v == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if strings.ContainsAny(v, "/?#%&=\\ \t\r\n") {
		return fmt.Errorf("%s %q contains a character that would change the URL", what, v)
	}
	return nil
}
