package zohotest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

type faultKind int

const (
	faultPass faultKind = iota
	faultTooMany
	faultServerError
	faultSlow
	faultDrop
	faultExpireToken
	faultRecord
	faultRespond
)

// Fault is what an injected failure does to one request. Build one with
// TooManyRequests, ServerError, Slow, DropConnection, ExpireToken,
// FailRecord, Respond or Pass.
type Fault struct {
	kind   faultKind
	status int
	delay  time.Duration
	body   any
	record RecordFailure
}

// RecordFailure makes one record of a write (insert, update, upsert, delete)
// fail with the given per-record error while the others are processed, so
// the call answers 207 Multi-Status (or 400 when it was the only record).
type RecordFailure struct {
	Index   int            // 0-based position in the request's data array (or ids list of a delete)
	Code    string         // e.g. "RECORD_LOCKED"; default "INTERNAL_ERROR"
	Message string         // default "injected failure"
	Details map[string]any // default {}
}

// TooManyRequests answers Zoho's rate-limit error: HTTP 429 with
// {"code":"TOO_MANY_REQUESTS",...}. On the token endpoint it answers the
// accounts server's throttle instead (HTTP 200 "Access Denied").
func TooManyRequests() Fault { return Fault{kind: faultTooMany, status: http.StatusTooManyRequests} }

// ServerError answers a 5xx status (0 means 500) with Zoho's INTERNAL_ERROR
// body.
func ServerError(status int) Fault {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return Fault{kind: faultServerError, status: status}
}

// Slow delays the request by d, then serves it normally. The delay ends
// early when the client gives up (the request's context ends) or the server
// closes; a client with a shorter timeout sees its own timeout.
func Slow(d time.Duration) Fault { return Fault{kind: faultSlow, delay: d} }

// DropConnection closes the connection without an answer, as a network
// failure or a crashed proxy would.
func DropConnection() Fault { return Fault{kind: faultDrop} }

// ExpireToken invalidates the access token the request carries, so the
// request (and every later one with that token) gets 401 INVALID_TOKEN,
// as when Zoho expires or evicts a token early.
func ExpireToken() Fault { return Fault{kind: faultExpireToken} }

// FailRecord makes one record of a write fail (see RecordFailure). On a
// request that is not a record write it has no effect.
func FailRecord(f RecordFailure) Fault {
	if f.Code == "" {
		f.Code = "INTERNAL_ERROR"
	}
	if f.Message == "" {
		f.Message = "injected failure"
	}
	return Fault{kind: faultRecord, record: f}
}

// Respond answers status with body: a string or []byte is sent as is, any
// other value as JSON. Use it for answers the other faults do not cover
// (INVALID_HOST, a 403 NO_PERMISSION, an HTML error page from a proxy).
func Respond(status int, body any) Fault {
	return Fault{kind: faultRespond, status: status, body: body}
}

// Pass serves the request normally; use it inside a script ("429, then
// normal, then 500").
func Pass() Fault { return Fault{kind: faultPass} }

// String names the fault for the call log.
func (f Fault) String() string {
	switch f.kind {
	case faultTooMany:
		return "429 TOO_MANY_REQUESTS"
	case faultServerError:
		return fmt.Sprintf("%d INTERNAL_ERROR", f.status)
	case faultSlow:
		return "slow " + f.delay.String()
	case faultDrop:
		return "dropped connection"
	case faultExpireToken:
		return "expired token"
	case faultRecord:
		return fmt.Sprintf("record %d fails with %s", f.record.Index, f.record.Code)
	case faultRespond:
		return fmt.Sprintf("respond %d", f.status)
	}
	return "pass"
}

func (f Fault) validate() error {
	switch f.kind {
	case faultServerError:
		if f.status < 500 || f.status > 599 {
			return fmt.Errorf("ServerError status %d is not 5xx", f.status)
		}
	case faultSlow:
		if f.delay <= 0 {
			return fmt.Errorf("Slow delay %v is not positive", f.delay)
		}
	case faultRecord:
		if f.record.Index < 0 {
			return fmt.Errorf("FailRecord index %d is negative", f.record.Index)
		}
	case faultRespond:
		if f.status < 100 || f.status > 599 {
			return fmt.Errorf("Respond status %d is not an HTTP status", f.status)
		}
	}
	return nil
}

// apply does the fault to the request. It reports whether the request has
// been answered (or abandoned); false means serve it normally.
func (f Fault) apply(ex *exchange) bool {
	switch f.kind {
	case faultTooMany:
		if strings.HasPrefix(ex.r.URL.Path, "/oauth/") {
			ex.json(ex.s.opts.TokenThrottleStatus, map[string]any{
				"error_description": "You have made too many requests continuously. Please try again after some time.",
				"error":             "Access Denied",
				"status":            "failure",
			})
			return true
		}
		ex.apiError(http.StatusTooManyRequests, "TOO_MANY_REQUESTS",
			"Number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for the app is exceeded.", nil)
		return true
	case faultServerError:
		ex.apiError(f.status, "INTERNAL_ERROR", "Internal server error occurred.", nil)
		return true
	case faultSlow:
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
			return false
		case <-ex.ctx().Done():
			return true
		case <-ex.s.done:
			ex.apiError(http.StatusServiceUnavailable, "INTERNAL_ERROR", "zohotest: server closing", nil)
			return true
		}
	case faultDrop:
		hj, ok := ex.raw.(http.Hijacker)
		if !ok {
			ex.apiError(http.StatusInternalServerError, "INTERNAL_ERROR", "zohotest: cannot drop this connection", nil)
			return true
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return true
	case faultExpireToken:
		if tok, ok := strings.CutPrefix(ex.r.Header.Get("Authorization"), "Zoho-oauthtoken "); ok {
			ex.s.oauth.invalidateAccessToken(tok)
		}
		return false
	case faultRecord:
		rf := f.record
		ex.recordFault = &rf
		return false
	case faultRespond:
		switch b := f.body.(type) {
		case string:
			ex.w.WriteHeader(f.status)
			_, _ = ex.w.Write([]byte(b))
		case []byte:
			ex.w.WriteHeader(f.status)
			_, _ = ex.w.Write(b)
		default:
			ex.json(f.status, b)
		}
		return true
	}
	return false
}

// FaultRule injects faults into the requests on a route. Exactly one of
// Script and Fault is set.
//
//   - Script: the first matching request gets Script[0], the next Script[1],
//     and so on; after the script, requests are served normally.
//   - Fault with Probability 0: every matching request gets it (the next
//     Times ones, when Times > 0).
//   - Fault with Probability p in (0, 1]: each matching request gets it with
//     probability p, drawn from a generator seeded by Options.FaultSeed and
//     the rule's position, so runs repeat; at most Times injections when
//     Times > 0.
//
// Rules are consulted in the order added; the first that injects a fault
// wins. A rule consulted counts the request (a script advances).
type FaultRule struct {
	// Route selects requests as Calls does: "GET /crm/v8/{module}" (every
	// record list), "POST /crm/v8/Contacts/upsert", "POST /oauth/v2/token";
	// "" selects every request.
	Route       string
	Script      []Fault
	Fault       Fault
	Probability float64
	Times       int
	// Skip lets the first Skip matching requests through untouched.
	Skip int
}

type ruleState struct {
	rule     FaultRule
	sel      routeSelector
	seen     int // matching requests consulted, after Skip
	skipped  int
	injected int
	rng      *rand.Rand
}

// faultSet holds the server's fault rules.
type faultSet struct {
	mu    sync.Mutex
	seed  uint64
	rules []*ruleState
	added uint64 // rules ever added; gives each a distinct random stream
}

// AddFault adds a fault rule. It fails when the route is malformed or the
// rule is inconsistent.
func (s *Server) AddFault(rule FaultRule) error {
	sel, err := parseSelector(rule.Route)
	if err != nil {
		return err
	}
	hasFault := rule.Fault.kind != faultPass
	switch {
	case len(rule.Script) > 0 && (hasFault || rule.Probability != 0):
		return errors.New("zohotest: FaultRule: set Script or Fault (with Probability), not both")
	case len(rule.Script) == 0 && !hasFault:
		return errors.New("zohotest: FaultRule: neither Script nor Fault is set")
	case rule.Probability < 0 || rule.Probability > 1:
		return fmt.Errorf("zohotest: FaultRule.Probability %v is outside [0, 1]", rule.Probability)
	case rule.Times < 0:
		return fmt.Errorf("zohotest: FaultRule.Times %d is negative", rule.Times)
	case rule.Skip < 0:
		return fmt.Errorf("zohotest: FaultRule.Skip %d is negative", rule.Skip)
	}
	for i, f := range append([]Fault{rule.Fault}, rule.Script...) {
		if err := f.validate(); err != nil {
			if i == 0 {
				return fmt.Errorf("zohotest: FaultRule.Fault: %w", err)
			}
			return fmt.Errorf("zohotest: FaultRule.Script[%d]: %w", i-1, err)
		}
	}
	fs := &s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.added++
	fs.rules = append(fs.rules, &ruleState{rule: rule, sel: sel, rng: rand.New(rand.NewPCG(fs.seed, fs.added))})
	return nil
}

// Script injects faults into the next requests on route, one each, then
// serves normally: Script("GET /crm/v8/Contacts", TooManyRequests(),
// ServerError(500), Slow(time.Second)) answers 429, then 500, then a slow
// but normal answer, then normal answers.
func (s *Server) Script(route string, faults ...Fault) error {
	return s.AddFault(FaultRule{Route: route, Script: faults})
}

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rules = nil
}

// pick returns the fault for a request, if a rule injects one.
func (fs *faultSet) pick(method, path, routeKey string) (Fault, bool) {
	pattern := ""
	if routeKey != "" {
		_, pattern, _ = strings.Cut(routeKey, " ")
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, rs := range fs.rules {
		if !rs.sel.matches(method, path, pattern) {
			continue
		}
		if rs.skipped < rs.rule.Skip {
			rs.skipped++
			continue
		}
		n := rs.seen
		rs.seen++
		r := rs.rule
		if len(r.Script) > 0 {
			if n < len(r.Script) && r.Script[n].kind != faultPass {
				return r.Script[n], true
			}
			continue
		}
		if r.Times > 0 && rs.injected >= r.Times {
			continue
		}
		if r.Probability > 0 && rs.rng.Float64() >= r.Probability {
			continue
		}
		rs.injected++
		return r.Fault, true
	}
	return Fault{}, false
}
