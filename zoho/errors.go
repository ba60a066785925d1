package zoho

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for the conditions callers branch on. Test with errors.Is;
// the typed errors of this package (*Error, *OAuthError, *TokenLimitError,
// *LimitError) match the sentinels that describe them.
var (
	// ErrRateLimited: Zoho answered 429 / TOO_MANY_REQUESTS, the token
	// endpoint throttled us, or a local limit could not be waited out.
	ErrRateLimited = errors.New("zoho: rate limited")
	// ErrNotFound: 404 or a NOT_FOUND-like code.
	ErrNotFound = errors.New("zoho: not found")
	// ErrInvalidToken: the access token was rejected: code INVALID_TOKEN,
	// INVALID_OAUTHTOKEN or AUTHENTICATION_FAILURE, or HTTP 401 without a
	// code. Client.Do answers it with one token refresh and one resend. A
	// 401 with another code (a scope mismatch, a Books permission error) is
	// only ErrUnauthorized, so it cannot burn the mint budget; a product
	// checker that knows its token codes sets Error.Err = ErrInvalidToken.
	ErrInvalidToken = errors.New("zoho: invalid access token")
	// ErrUnauthorized: authentication failed (HTTP 401, or the token
	// endpoint rejected the client or grant).
	ErrUnauthorized = errors.New("zoho: unauthorized")
	// ErrForbidden: authenticated but not allowed (HTTP 403, NO_PERMISSION,
	// OAUTH_SCOPE_MISMATCH).
	ErrForbidden = errors.New("zoho: forbidden")
	// ErrDuplicate: the write would create a duplicate (DUPLICATE_DATA).
	ErrDuplicate = errors.New("zoho: duplicate")
	// ErrInvalidData: the request was rejected as invalid (HTTP 400,
	// INVALID_DATA, MANDATORY_NOT_FOUND, ...).
	ErrInvalidData = errors.New("zoho: invalid data")
	// ErrServer: Zoho failed (HTTP 5xx).
	ErrServer = errors.New("zoho: server error")
	// ErrTokenLimit: minting another access token now would exceed Zoho's
	// limit per refresh token (10 per 10 minutes); see *TokenLimitError.
	ErrTokenLimit = errors.New("zoho: access-token mint limit reached")
	// ErrTokenThrottled: Zoho's token endpoint answered "too many requests"
	// (Access Denied). Zoho blocks further mints for a while; do not retry.
	ErrTokenThrottled = errors.New("zoho: token endpoint throttled")
)

// maxErrorBody caps how much of an error answer is read.
const maxErrorBody = 1 << 20

// Error is an error answer from a Zoho API (not the token endpoint, see
// OAuthError). It carries the HTTP status and Zoho's own code, so callers
// can branch with errors.Is on the sentinels or errors.As to *Error.
type Error struct {
	// Product and Operation say what was called, e.g. "crm" and
	// "GET /crm/v8/Contacts" (query strings are never included).
	Product   Product
	Operation string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code is Zoho's error code: CRM's strings ("INVALID_DATA") or the
	// decimal form of Books' numbers ("1002"). Empty when the body had none.
	Code string
	// Message is Zoho's message, or a short excerpt of a non-JSON body.
	Message string
	// Details is the raw JSON of Zoho's "details" (CRM), nil when absent.
	Details json.RawMessage
	// Wait is how long the server asked to wait before trying again (the
	// Retry-After header, a lock-out's or a daily quota's remaining time),
	// zero when it named none. RetryAfter returns it.
	Wait time.Duration
	// Err optionally names the condition for codes that the status does not
	// tell (a product package's checker sets it, e.g. Books' 1002 "does not
	// exist" → ErrNotFound). errors.Is and errors.Unwrap see it.
	Err error
}

// Error formats the error as "zoho: crm: GET /crm/v8/Contacts: 401 INVALID_TOKEN: invalid oauth token".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("zoho: ")
	if e.Product != "" {
		b.WriteString(string(e.Product))
		b.WriteString(": ")
	}
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Wait > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.Wait)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinels that the status and Zoho code describe.
func (e *Error) Is(target error) bool {
	code := strings.ToUpper(e.Code)
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests || code == "TOO_MANY_REQUESTS"
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || code == "NOT_FOUND" || code == "INVALID_URL_PATTERN" || code == "INVALID_MODULE"
	case ErrInvalidToken:
		return isInvalidTokenCode(code) || (e.StatusCode == http.StatusUnauthorized && code == "")
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || isInvalidTokenCode(code)
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden || code == "NO_PERMISSION" || code == "OAUTH_SCOPE_MISMATCH" || code == "AUTHORIZATION_FAILED"
	case ErrDuplicate:
		return code == "DUPLICATE_DATA"
	case ErrInvalidData:
		return e.StatusCode == http.StatusBadRequest || code == "INVALID_DATA" || code == "MANDATORY_NOT_FOUND" || code == "REQUIRED_PARAM_MISSING"
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// Retryable reports whether repeating the same request later may succeed:
// 429 and 5xx answers.
func (e *Error) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500 || strings.EqualFold(e.Code, "TOO_MANY_REQUESTS")
}

// RetryAfter returns Wait: the queue's Worker (package queue) schedules the
// next attempt of a job that failed with this error after it, instead of
// after its backoff, when it is positive.
func (e *Error) RetryAfter() time.Duration { return e.Wait }

func isInvalidTokenCode(code string) bool {
	return code == "INVALID_TOKEN" || code == "INVALID_OAUTHTOKEN" || code == "AUTHENTICATION_FAILURE"
}

// CheckFunc decides whether an answer is an error. It gets the answer (its
// Body already consumed) and the body bytes (read through a 1 MiB cap for
// non-2xx answers) and returns nil for success or an error, typically an
// *Error. Product packages supply one per request when their envelope
// differs from CRM's (Books reports errors as "code" != 0, even with HTTP
// 200); CheckResponse is the default.
type CheckFunc func(resp *http.Response, body []byte) error

// CheckResponse is the default CheckFunc: any 2xx or 304 answer is a success
// (CRM's 207 multi-status included: per-record errors are the product
// package's business), anything else becomes an *Error decoded by
// DecodeError.
func CheckResponse(resp *http.Response, body []byte) error {
	if (resp.StatusCode >= 200 && resp.StatusCode < 300) || resp.StatusCode == http.StatusNotModified {
		return nil
	}
	return DecodeError(resp, body)
}

// DecodeError builds an *Error from an answer, whatever its status, reading
// the shapes Zoho uses, tolerantly:
//
//	{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}   CRM
//	{"data":[{"code":"INVALID_DATA","details":{...},"message":"...","status":"error"}]}     CRM, per record
//	{"code":1002,"message":"Invoice does not exist."}                                        Books, Inventory
//	{"error":{"code":..., "message":...}}, {"error":"...","error_description":"..."}         others
//
// A body in none of these shapes gives an *Error with only the status and a
// short excerpt of the body as Message. Product, Operation and Wait
// are left for the caller to fill (Client.Do fills them).
func DecodeError(resp *http.Response, body []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		e.Message = http.StatusText(resp.StatusCode)
		return e
	}
	var env struct {
		Code             json.RawMessage `json:"code"`
		Message          string          `json:"message"`
		Details          json.RawMessage `json:"details"`
		Data             json.RawMessage `json:"data"`
		Error            json.RawMessage `json:"error"`
		ErrorDescription string          `json:"error_description"`
		Title            string          `json:"title"`
	}
	if err := json.Unmarshal(trimmed, &env); err != nil {
		e.Message = excerpt(trimmed)
		return e
	}
	e.Code = codeString(env.Code)
	e.Message = env.Message
	e.Details = nonEmptyJSON(env.Details)
	if e.Code == "" && len(env.Data) > 0 {
		var items []struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
			Details json.RawMessage `json:"details"`
		}
		if json.Unmarshal(env.Data, &items) == nil && len(items) > 0 {
			e.Code = codeString(items[0].Code)
			e.Message = items[0].Message
			e.Details = nonEmptyJSON(items[0].Details)
		}
	}
	if e.Code == "" && len(env.Error) > 0 {
		var s string
		if json.Unmarshal(env.Error, &s) == nil {
			e.Code = s
			if e.Message == "" {
				e.Message = env.ErrorDescription
			}
		} else {
			var obj struct {
				Code       json.RawMessage `json:"code"`
				StatusCode json.RawMessage `json:"status_code"`
				Message    string          `json:"message"`
				Title      string          `json:"title"`
				Details    json.RawMessage `json:"details"`
			}
			if json.Unmarshal(env.Error, &obj) == nil {
				e.Code = codeString(obj.Code)
				if e.Code == "" {
					e.Code = codeString(obj.StatusCode)
				}
				e.Message = firstNonEmpty(obj.Message, obj.Title)
				e.Details = nonEmptyJSON(obj.Details)
			}
		}
	}
	if e.Message == "" {
		e.Message = firstNonEmpty(env.Title, http.StatusText(resp.StatusCode))
	}
	return e
}

// codeString renders a JSON string or number as a code; other JSON is "".
func codeString(raw json.RawMessage) string {
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

func nonEmptyJSON(raw json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" || string(t) == "{}" {
		return nil
	}
	return append(json.RawMessage(nil), t...)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// excerpt returns at most 200 bytes of a non-JSON body, on one line.
func excerpt(b []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// LimitError says that a local rate limit (see RateLimits) could not be
// waited out: the wait would outlast the context's deadline or the limit's
// MaxWait. It matches ErrRateLimited. No request was sent.
type LimitError struct {
	Product Product
	Key     string        // the limiter key, e.g. "books:123456" (an organisation id, never a secret)
	Wait    time.Duration // how long until a request could start
}

// Error describes the limit and the wait.
func (e *LimitError) Error() string {
	return fmt.Sprintf("zoho: %s: local rate limit %q: next request possible in %s", e.Product, e.Key, e.Wait.Round(time.Millisecond))
}

// Is matches ErrRateLimited.
func (e *LimitError) Is(target error) bool { return target == ErrRateLimited }

// RetryAfter returns how long to wait before trying again after err, when
// err (or an error it wraps) says so: a server's Retry-After (*Error), a
// local limit's wait (*LimitError) or the next free token-mint slot
// (*TokenLimitError). It returns false when err names no wait.
func RetryAfter(err error) (time.Duration, bool) {
	var le *LimitError
	if errors.As(err, &le) {
		return le.Wait, true
	}
	var tl *TokenLimitError
	if errors.As(err, &tl) {
		return tl.Wait, true
	}
	var ze *Error
	if errors.As(err, &ze) && ze.Wait > 0 {
		return ze.Wait, true
	}
	return 0, false
}
