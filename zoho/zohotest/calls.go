package zohotest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Call is one request the server received, as recorded for API-efficiency
// assertions. Secrets never appear: the Authorization header is not kept and
// secret query parameters read "REDACTED".
type Call struct {
	Time   time.Time  // on the server's clock
	Method string     // "GET"
	Path   string     // "/crm/v8/Contacts"
	Route  string     // the fake's route, "GET /crm/v8/{module}"; "" when none matched
	Query  url.Values // the query string, secrets redacted
	Status int        // the status answered; 0 when an injected fault dropped the connection
	Fault  string     // the injected fault, "" when none
	Notes  []string   // what the fake noticed: ignored fields, rejected auth scheme, ...
}

// callLog is the server's request log.
type callLog struct {
	mu    sync.Mutex
	calls []Call
	epoch int // bumped by reset, so that requests in flight across a reset are not recorded into the new log
}

// isSecretParam reports whether a query parameter's value must never be
// recorded.
func isSecretParam(name string) bool {
	switch strings.ToLower(name) {
	case "access_token", "refresh_token", "client_secret", "code", "token", "authtoken":
		return true
	}
	return false
}

func redactQuery(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		if isSecretParam(k) {
			out[k] = []string{"REDACTED"}
			continue
		}
		out[k] = slices.Clone(v)
	}
	return out
}

// callRef identifies a call in flight.
type callRef struct{ idx, epoch int }

func (l *callLog) begin(s *Server, r *http.Request, rt *route) callRef {
	c := Call{
		Time:   s.clock.Now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  redactQuery(r.URL.Query()),
	}
	if rt != nil {
		c.Route = rt.key()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
	return callRef{idx: len(l.calls) - 1, epoch: l.epoch}
}

func (l *callLog) finish(ref callRef, status int, fault string, notes []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ref.epoch != l.epoch || ref.idx >= len(l.calls) {
		return
	}
	c := &l.calls[ref.idx]
	c.Status, c.Fault, c.Notes = status, fault, notes
}

// count counts the calls selected by route (see Calls) with the given
// status (0: any). It returns -1 when route is malformed.
func (s *Server) count(route string, status int) int {
	sel, err := parseCallSelector(route)
	if err != nil {
		if s.tb != nil {
			s.tb.Errorf("%v", err)
		}
		s.logger.Error(err.Error())
		return -1
	}
	l := &s.calls
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for i := range l.calls {
		c := &l.calls[i]
		pattern := ""
		if c.Route != "" {
			_, pattern, _ = strings.Cut(c.Route, " ")
		}
		if sel.matches(c.Method, c.Path, pattern) && (status == 0 || c.Status == status) {
			n++
		}
	}
	return n
}

// parseCallSelector accepts a selector as parseSelector does, and also a
// bare path ("/crm/v8/Contacts"), which matches every method.
func parseCallSelector(route string) (routeSelector, error) {
	if r := strings.TrimSpace(route); strings.HasPrefix(r, "/") {
		route = "* " + r
	}
	return parseSelector(route)
}

// Calls counts the requests received on route since the start or the last
// ResetCalls. route is "METHOD /path": a literal segment must equal the
// request's, a "{name}" segment matches where the fake's route has a
// parameter. So Calls("GET /crm/v8/{module}") counts every record list,
// Calls("GET /crm/v8/Contacts") the lists of Contacts, Calls("POST
// /oauth/v2/token") the token requests; "*" as the method matches any, a bare
// path means "* path", and "" counts everything. A malformed route counts -1
// (and fails the test of a server made by NewServer).
func (s *Server) Calls(route string) int { return s.count(route, 0) }

// CallsWithStatus is Calls restricted to the requests answered with status.
func (s *Server) CallsWithStatus(route string, status int) int { return s.count(route, status) }

// TotalCalls counts every request received since the start or the last
// ResetCalls.
func (s *Server) TotalCalls() int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return len(s.calls.calls)
}

// CallLog returns a copy of the request log, oldest first.
func (s *Server) CallLog() []Call {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	out := make([]Call, len(s.calls.calls))
	for i, c := range s.calls.calls {
		c.Query = redactQuery(c.Query)
		c.Notes = slices.Clone(c.Notes)
		out[i] = c
	}
	return out
}

// ResetCalls empties the request log (and so every count).
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.calls = nil
	s.calls.epoch++
}
