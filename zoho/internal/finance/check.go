package finance

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// Error codes of Books and Inventory that Check maps to sentinels. Only 1002
// is in Zoho's documentation; the others are what Zoho has been observed to
// answer (third-party code and fixtures), so Check keys on them but never
// depends on them for anything but the sentinel.
const (
	codeInvalidValue   = "2"    // "Invalid value passed for <param>" (400)
	codeInvalidURL     = "5"    // "Invalid URL Passed" (404)
	codeAuthentication = "14"   // no usable authentication value (401)
	codeRatePerMinute  = "44"   // the organisation's per-minute limit (429)
	codeRateDaily      = "45"   // the organisation's daily limit (429)
	codeNotAuthorized  = "57"   // a dead token (401) or a missing scope/permission
	codeNotFound       = "1002" // "<Resource> does not exist." (404)
	codeConcurrency    = "1070" // too many requests in process (429)
)

// Check is the zoho.CheckFunc of Books and Inventory. Their answers carry
// {"code":N,"message":"..."}: a code other than 0 is an error whatever the
// HTTP status, an answer without a code is judged by its status. The error
// is a *zoho.Error with the code in decimal ("1002") and Zoho's message; its
// Err names the condition for the codes whose status does not say it:
//
//	1002 "does not exist", 5 "Invalid URL"      → zoho.ErrNotFound
//	14, and 57 with HTTP 401                     → zoho.ErrInvalidToken (the client refreshes once)
//	57 otherwise                                  → zoho.ErrForbidden
//	44 per minute, 45 per day, 1070 concurrency  → zoho.ErrRateLimited
//	2 "Invalid value passed for ..."             → zoho.ErrInvalidData
//
// For the daily limit (45) RetryAfter is the time until the daily reset
// (X-Rate-Limit-Reset), so the client does not retry into a spent quota.
func Check(resp *http.Response, body []byte) error {
	ok := (resp.StatusCode >= 200 && resp.StatusCode < 300) || resp.StatusCode == http.StatusNotModified
	trimmed := bytes.TrimSpace(body)
	if ok && bytes.HasPrefix(trimmed, []byte(`{"code":0,`)) {
		return nil // the usual success answer, without parsing a long list twice
	}
	var env struct {
		Code    json.RawMessage `json:"code"`
		Message json.RawMessage `json:"message"`
	}
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &env) != nil {
		if ok {
			return nil // not an envelope; decoding the answer will say what is wrong
		}
		return classify(zoho.DecodeError(resp, body), resp)
	}
	code := Scalar(env.Code)
	if ok && (code == "" || code == "0") {
		return nil
	}
	if code == "" || code == "0" {
		return classify(zoho.DecodeError(resp, body), resp)
	}
	e := &zoho.Error{StatusCode: resp.StatusCode, Code: code, Message: Text(env.Message)}
	return classify(e, resp)
}

// classify sets Err (and RetryAfter for the daily limit) from the code.
func classify(e *zoho.Error, resp *http.Response) *zoho.Error {
	switch e.Code {
	case codeNotFound, codeInvalidURL:
		e.Err = zoho.ErrNotFound
	case codeAuthentication:
		e.Err = zoho.ErrInvalidToken
	case codeNotAuthorized:
		if e.StatusCode == http.StatusUnauthorized {
			e.Err = zoho.ErrInvalidToken
		} else {
			e.Err = zoho.ErrForbidden
		}
	case codeRatePerMinute, codeConcurrency:
		e.Err = zoho.ErrRateLimited
	case codeRateDaily:
		e.Err = zoho.ErrRateLimited
		if s, err := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Reset")); err == nil && s > 0 {
			e.Wait = time.Duration(s) * time.Second
		}
	case codeInvalidValue:
		e.Err = zoho.ErrInvalidData
	}
	return e
}

// Scalar renders a JSON string or number as text (a code, an id); other
// JSON is "". Zoho sends both forms for the same member.
func Scalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// Text renders a JSON string, or other JSON (an object of per-field
// messages) as it is; null is "".
func Text(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
