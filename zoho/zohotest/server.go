package zohotest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configures a Server. The zero value works: a real clock, users in
// UTC+05:30, one-hour access tokens, Zoho's token-mint limit, and OAS
// validation when Zoho's documents can be found.
type Options struct {
	// Clock is where the server reads the time. Default: the system clock.
	// Use a *FakeClock to expire tokens, pass the token-mint window or
	// separate Modified_Times without waiting.
	Clock Clock

	// TimeZone is the acting user's time zone: Created_Time, Modified_Time
	// and every date-time value come back in it, as Zoho formats them
	// ("2019-01-02T14:44:13+05:30"). Default: UTC+05:30, so that a client
	// that compares Zoho timestamps as strings or drops the offset fails in
	// tests rather than in production.
	TimeZone *time.Location

	// AccessTokenLifetime is how long an access token lives; default one
	// hour, as in Zoho. The token response's expires_in says the same.
	AccessTokenLifetime time.Duration

	// TokenMintLimit and TokenMintWindow: at most TokenMintLimit access tokens
	// per refresh token in any TokenMintWindow; beyond it the token endpoint
	// answers Zoho's "Access Denied" throttle body. Defaults: 10 per 10
	// minutes, Zoho's limits.
	TokenMintLimit  int
	TokenMintWindow time.Duration

	// TokenThrottleStatus is the HTTP status of the throttle answer: Zoho has
	// been seen answering it with 200 (the default) and with 400.
	TokenThrottleStatus int

	// LegacyExpiresIn makes the token endpoint answer as some Zoho accounts
	// servers still do: expires_in in milliseconds, plus expires_in_sec in
	// seconds.
	LegacyExpiresIn bool

	// CurrentUser is the CRM user every access token acts as (Created_By,
	// Modified_By, Owner, GET /users?type=CurrentUser). Empty fields get
	// defaults.
	CurrentUser User

	// OrgID is the organization id (the zgid), as GET /crm/v8/org reports it
	// and as bulk write's X-CRM-ORG header and client-credentials' soid
	// ("ZohoCRM.<OrgID>") carry it. Default "60012345678".
	OrgID string

	// CompanyName is the organization's name in GET /crm/v8/org. Default
	// "Zylker Test Org".
	CompanyName string

	// OASDir is the directory of Zoho's CRM v8 OpenAPI documents. Default:
	// $ZOHOKIT_ZOHO_OAS, else ../shared/zoho-oas/crm-v8 next to the zohokit
	// module root. When the directory does not exist validation is off (a
	// log line says so); RequireOAS lets a test insist on it.
	OASDir string

	// DisableOAS turns request validation off even when the documents exist.
	DisableOAS bool

	// FaultSeed seeds the random numbers of probabilistic fault rules, so a
	// test run is repeatable. Zero is a valid seed.
	FaultSeed uint64

	// Logger receives the server's notes: validation off, ignored fields,
	// injected faults. Default: discard.
	Logger *slog.Logger
}

// User is a CRM user as the fake presents it.
type User struct {
	ID        string // default: a 19-digit id
	FirstName string // default "Test"
	LastName  string // default "User"
	Email     string // default "test.user@example.com"
}

// Name is the user's full name as Zoho shows it in lookups.
func (u User) Name() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// minified is the user as a lookup value: {"name","id","email"}.
func (u User) minified() map[string]any {
	return map[string]any{"name": u.Name(), "id": u.ID, "email": u.Email}
}

const defaultOrgID = "60012345678"

// resolve validates o and fills in defaults. ids provides the user id.
func (o *Options) resolve(ids *idGen) (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Clock == nil {
		r.Clock = systemClock{}
	}
	if r.TimeZone == nil {
		r.TimeZone = time.FixedZone("IST", 5*3600+30*60)
	}
	switch {
	case r.AccessTokenLifetime < 0:
		return r, errors.New("zohotest: Options.AccessTokenLifetime is negative")
	case r.AccessTokenLifetime == 0:
		r.AccessTokenLifetime = time.Hour
	case r.AccessTokenLifetime < time.Second:
		return r, errors.New("zohotest: Options.AccessTokenLifetime is under a second (expires_in counts seconds)")
	}
	switch {
	case r.TokenMintLimit < 0:
		return r, errors.New("zohotest: Options.TokenMintLimit is negative")
	case r.TokenMintLimit == 0:
		r.TokenMintLimit = 10
	}
	switch {
	case r.TokenMintWindow < 0:
		return r, errors.New("zohotest: Options.TokenMintWindow is negative")
	case r.TokenMintWindow == 0:
		r.TokenMintWindow = 10 * time.Minute
	}
	switch {
	case r.TokenThrottleStatus == 0:
		r.TokenThrottleStatus = http.StatusOK
	case r.TokenThrottleStatus < 100 || r.TokenThrottleStatus > 599:
		return r, fmt.Errorf("zohotest: Options.TokenThrottleStatus %d is not an HTTP status", r.TokenThrottleStatus)
	}
	if r.CurrentUser.ID == "" {
		r.CurrentUser.ID = ids.newID()
	}
	if r.CurrentUser.FirstName == "" && r.CurrentUser.LastName == "" {
		r.CurrentUser.FirstName, r.CurrentUser.LastName = "Test", "User"
	}
	if r.CurrentUser.Email == "" {
		r.CurrentUser.Email = "test.user@example.com"
	}
	if r.OrgID == "" {
		r.OrgID = defaultOrgID
	}
	if strings.ContainsAny(r.OrgID, ". /") {
		return r, fmt.Errorf("zohotest: Options.OrgID %q contains '.', '/' or a space", r.OrgID)
	}
	if r.CompanyName == "" {
		r.CompanyName = "Zylker Test Org"
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r, nil
}

// Server is a fake Zoho: the accounts server (OAuth) and the CRM v8 API on
// one httptest server. Point a client's accounts URL and API domain at URL().
// All methods are safe for concurrent use.
type Server struct {
	opts   Options
	clock  Clock
	logger *slog.Logger
	tb     testing.TB
	hs     *httptest.Server
	ids    *idGen
	router router

	done      chan struct{} // closed by Close: ends injected delays
	closeOnce sync.Once

	oauth  *oauthState
	crm    *CRM
	fin    *finState // Books and Inventory (finance*.go)
	proj   *projState
	people *peopleState
	faults faultSet
	calls  callLog
	oas    *oasSet // nil when validation is off
	oasOff string  // why validation is off, when it is
	viol   violationLog
}

// NewServer starts a fake Zoho for a test and closes it when the test ends.
// Construction errors (bad Options, unreadable OAS documents) fail the test.
// Requests that did not match Zoho's OpenAPI documents fail the test at
// cleanup, each named with the reason (see TakeViolations).
//
// tb is required; a program without a testing.TB (the offline demo) uses
// Start. With a nil tb NewServer behaves like Start and returns nil when
// Start fails.
func NewServer(tb testing.TB, opts *Options) *Server {
	if tb == nil {
		s, err := Start(opts)
		if err != nil {
			return nil
		}
		return s
	}
	tb.Helper()
	s, err := start(tb, opts)
	if err != nil {
		tb.Fatal(err)
		return nil
	}
	tb.Cleanup(func() {
		s.Close()
		if v := s.Violations(); len(v) > 0 {
			tb.Errorf("zohotest: %d request(s) did not match Zoho's CRM OpenAPI documents:\n%s", len(v), formatViolations(v))
		}
	})
	return s
}

// Start starts a fake Zoho outside a test. The caller must Close it.
func Start(opts *Options) (*Server, error) {
	return start(nil, opts)
}

func start(tb testing.TB, opts *Options) (*Server, error) {
	ids := newIDGen()
	o, err := opts.resolve(ids)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:   o,
		clock:  o.Clock,
		logger: o.Logger,
		tb:     tb,
		ids:    ids,
		done:   make(chan struct{}),
	}
	s.oauth = newOAuthState(s)
	s.crm = newCRM(s)
	s.fin = newFinState(s)
	s.proj = newProjState(s)
	s.people = newPeopleState(s)
	s.faults.seed = o.FaultSeed
	s.router.routes = s.productRoutes()
	if err := s.setupOAS(); err != nil {
		return nil, err
	}
	s.hs = httptest.NewServer(s)
	return s, nil
}

// productRoutes lists every route the server mounts. Each product
// contributes its own list from its own file; a new product (Books,
// Inventory, Projects, People) adds one line here.
func (s *Server) productRoutes() []route {
	return slices.Concat(
		s.oauthRoutes(),
		s.crmRoutes(),
		s.booksRoutes(),
		s.inventoryRoutes(),
		s.projectsRoutes(),
		s.peopleRoutes(),
	)
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234". It serves as
// the accounts server and as the API domain (the token response's
// api_domain names it).
func (s *Server) URL() string { return s.hs.URL }

// Client returns an *http.Client configured for the server.
func (s *Server) Client() *http.Client { return s.hs.Client() }

// Clock returns the clock the server reads.
func (s *Server) Clock() Clock { return s.clock }

// OrgID returns the organization id (zgid).
func (s *Server) OrgID() string { return s.opts.OrgID }

// CurrentUser returns the user every token acts as.
func (s *Server) CurrentUser() User { return s.opts.CurrentUser }

// Close shuts the server down: injected delays end, and Close waits for the
// requests in progress.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.hs.Close()
	})
}

// now is the server's current time, truncated to the second like every
// Zoho timestamp.
func (s *Server) now() time.Time { return s.clock.Now().Truncate(time.Second) }

// formatTime renders t as Zoho does: RFC 3339 in the user's offset, no
// fraction, never "Z".
func (s *Server) formatTime(t time.Time) string {
	return t.In(s.opts.TimeZone).Format("2006-01-02T15:04:05-07:00")
}

const maxBodyBytes = 32 << 20

// ServeHTTP routes a request through the fake: accounting, fault injection,
// authentication, OAS validation, then the route's handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			http.Error(w, "zohotest: reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		body = b
	}
	rt, params, methodMismatch := s.router.match(r.Method, r.URL.Path)
	sw := &statusWriter{ResponseWriter: w}
	ex := &exchange{s: s, w: sw, raw: w, r: r, route: rt, params: params, body: body}
	call := s.calls.begin(s, r, rt)
	defer func() { s.calls.finish(call, sw.status, ex.fault, ex.notes) }()

	// Validate first so that every CRM request is checked, including those
	// that a fault or a failed authentication will answer.
	var violation *Violation
	if s.oas != nil && strings.HasPrefix(r.URL.Path, "/crm/") {
		violation = s.validate(ex)
	}

	if f, ok := s.faults.pick(r.Method, r.URL.Path, ex.routeKey()); ok {
		ex.fault = f.String()
		s.logger.Info("zohotest: injecting fault", "route", ex.routeKey(), "path", r.URL.Path, "fault", ex.fault)
		if f.apply(ex) {
			return
		}
	}
	if len(body) > maxBodyBytes {
		ex.apiError(http.StatusRequestEntityTooLarge, "LIMIT_EXCEEDED", "request body too large", map[string]any{"limit": maxBodyBytes})
		return
	}
	if rt != nil && rt.auth && !s.authenticate(ex) {
		return
	}
	if violation != nil {
		ex.json(http.StatusBadRequest, zohoError("INVALID_REQUEST",
			"zohotest: the request does not match Zoho's CRM v8 OpenAPI documents",
			map[string]any{"reason": violation.Reason, "document": violation.Document, "operation": violation.Operation}))
		return
	}
	if rt == nil {
		s.notFound(ex, methodMismatch)
		return
	}
	rt.handler(ex)
}

// notFound answers a request no route matched, as Zoho does.
func (s *Server) notFound(ex *exchange, methodMismatch bool) {
	if methodMismatch {
		// Kaizen #25 lists INVALID_REQUEST_METHOD among the HTTP 400 errors.
		ex.apiError(http.StatusBadRequest, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one", nil)
		return
	}
	details := map[string]any{}
	if op := ex.unimplementedOp; op != "" {
		details["reason"] = "zohotest does not implement " + op
	}
	ex.apiError(http.StatusNotFound, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", details)
}

// authenticate checks "Authorization: Zoho-oauthtoken <token>" and answers
// Zoho's 401 INVALID_TOKEN when it is missing, unknown, expired or sent
// with another scheme (Zoho rejects "Bearer" although its token responses
// say token_type Bearer).
func (s *Server) authenticate(ex *exchange) bool {
	h := ex.r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Zoho-oauthtoken ")
	switch {
	case h == "":
		ex.note("no Authorization header")
	case !ok:
		scheme, _, _ := strings.Cut(h, " ")
		ex.note("Authorization scheme %q rejected: Zoho wants \"Zoho-oauthtoken <token>\"", scheme)
	case !s.oauth.validAccessToken(tok):
		ex.note("access token unknown, revoked or expired")
		ok = false
	}
	if !ok {
		ex.json(http.StatusUnauthorized, zohoError("INVALID_TOKEN", "invalid oauth token", nil))
		return false
	}
	return true
}

// exchange is one request in flight.
type exchange struct {
	s      *Server
	w      http.ResponseWriter // records the status
	raw    http.ResponseWriter // the server's writer, for hijacking
	r      *http.Request
	route  *route
	params map[string]string
	body   []byte

	fault           string         // the injected fault, for the call log
	recordFault     *RecordFailure // a per-record failure injected into this write
	notes           []string
	unimplementedOp string // set by validation: Zoho has this operation, the fake does not
}

func (ex *exchange) routeKey() string {
	if ex.route == nil {
		return ""
	}
	return ex.route.key()
}

func (ex *exchange) param(name string) string { return ex.params[name] }

func (ex *exchange) ctx() context.Context { return ex.r.Context() }

// note adds a line to the call log entry of this request.
func (ex *exchange) note(format string, args ...any) {
	ex.notes = append(ex.notes, fmt.Sprintf(format, args...))
}

// json writes v as the JSON body with the given status.
func (ex *exchange) json(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(zohoError("INTERNAL_ERROR", "zohotest: encoding the response: "+err.Error(), nil))
	}
	ex.w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	ex.w.WriteHeader(status)
	_, _ = ex.w.Write(b)
}

// empty answers a status without a body (204, 304).
func (ex *exchange) empty(status int) {
	ex.w.WriteHeader(status)
}

// apiError writes Zoho's top-level error body.
func (ex *exchange) apiError(status int, code, message string, details map[string]any) {
	ex.json(status, zohoError(code, message, details))
}

// zohoError is Zoho's error object: {"code","details","message","status":"error"}.
func zohoError(code, message string, details map[string]any) map[string]any {
	if details == nil {
		details = map[string]any{}
	}
	return map[string]any{"code": code, "details": details, "message": message, "status": "error"}
}

// decodeJSON parses a request body, keeping numbers as json.Number so they
// are stored and echoed exactly.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}
