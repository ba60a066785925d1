package zohotest

import (
	"fmt"
	"net/http"
	"strings"
)

// route is one endpoint of the fake. Each product registers its routes from
// its own file (oauth.go, crm_*.go; later books.go, inventory.go, ...)
// through Server.productRoutes, so adding a product never touches another
// product's code.
type route struct {
	method  string
	pattern string   // "/crm/v8/{module}/search"
	segs    []string // pattern split on "/"; "{name}" segments are parameters
	// auth: the route requires "Authorization: Zoho-oauthtoken <token>".
	auth bool
	// oasDoc names the Zoho OpenAPI document (a file in the OAS directory)
	// that describes this route; requests to it are validated against that
	// document when validation is on. Empty: not validated (OAuth, non-CRM).
	oasDoc  string
	handler func(*exchange)
}

// key is the route's name in call accounting and fault rules:
// "GET /crm/v8/{module}".
func (rt *route) key() string { return rt.method + " " + rt.pattern }

// newRoute builds a route from "METHOD /pattern" (constants of this
// package; TestRoutesWellFormed checks them).
func newRoute(spec string, auth bool, oasDoc string, h func(*exchange)) route {
	method, pattern, _ := strings.Cut(spec, " ")
	return route{method: method, pattern: pattern, segs: splitPath(pattern), auth: auth, oasDoc: oasDoc, handler: h}
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// router finds the route for a request: the one whose pattern matches the
// path with the most literal segments, earliest first, so that
// /crm/v8/{module}/search wins over /crm/v8/{module}/{id} and
// /crm/v8/settings/modules over both.
type router struct {
	routes []route
}

// match returns the route for method and path with its parameters. When the
// path matches some route but not with this method, it returns nil and
// methodMismatch true.
func (r *router) match(method, path string) (rt *route, params map[string]string, methodMismatch bool) {
	segs := splitPath(path)
	var best *route
	for i := range r.routes {
		cand := &r.routes[i]
		if !segsMatch(cand.segs, segs) {
			continue
		}
		if cand.method != method {
			methodMismatch = true
			continue
		}
		if best == nil || moreSpecific(cand.segs, best.segs) {
			best = cand
		}
	}
	if best == nil {
		return nil, nil, methodMismatch
	}
	params = make(map[string]string, 2)
	for i, s := range best.segs {
		if isParam(s) {
			params[s[1:len(s)-1]] = segs[i]
		}
	}
	return best, params, false
}

func segsMatch(pattern, segs []string) bool {
	if len(pattern) != len(segs) {
		return false
	}
	for i, p := range pattern {
		if segs[i] == "" {
			return false
		}
		if !isParam(p) && p != segs[i] {
			return false
		}
	}
	return true
}

// moreSpecific reports whether pattern a beats pattern b: at the first
// position where one is literal and the other a parameter, the literal wins.
func moreSpecific(a, b []string) bool {
	for i := range a {
		pa, pb := isParam(a[i]), isParam(b[i])
		if pa != pb {
			return !pa
		}
	}
	return false
}

// routeSelector is a parsed "METHOD /path" as used by fault rules and call
// counts. A literal path segment must equal the request's segment; a
// "{name}" segment matches where the fake's own route has a parameter. So
// "GET /crm/v8/{module}" selects every record list call, "GET
// /crm/v8/Contacts" only those on Contacts, and neither selects "GET
// /crm/v8/users". The method "*" and the selector "" match everything.
type routeSelector struct {
	any    bool
	method string
	segs   []string
}

func parseSelector(s string) (routeSelector, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return routeSelector{any: true}, nil
	}
	method, path, ok := strings.Cut(s, " ")
	path = strings.TrimSpace(path)
	if !ok || !strings.HasPrefix(path, "/") {
		return routeSelector{}, fmt.Errorf("zohotest: route %q: want \"METHOD /path\", e.g. \"GET /crm/v8/{module}\"", s)
	}
	if method != "*" && strings.ToUpper(method) != method {
		return routeSelector{}, fmt.Errorf("zohotest: route %q: method must be upper case", s)
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		return routeSelector{}, fmt.Errorf("zohotest: route %q: no query or fragment allowed", s)
	}
	return routeSelector{method: method, segs: splitPath(path)}, nil
}

// matches reports whether a request (method, concrete path, and the fake's
// route pattern, "" when unrouted) is selected.
func (sel routeSelector) matches(method, path, routePattern string) bool {
	if sel.any {
		return true
	}
	if sel.method != "*" && sel.method != method {
		return false
	}
	segs := splitPath(path)
	if len(segs) != len(sel.segs) {
		return false
	}
	var rsegs []string
	if routePattern != "" {
		rsegs = splitPath(routePattern)
	}
	for i, s := range sel.segs {
		if isParam(s) {
			if len(rsegs) != len(segs) || !isParam(rsegs[i]) {
				return false
			}
			continue
		}
		if s != segs[i] {
			return false
		}
	}
	return true
}

// statusWriter records the status a handler wrote, for call accounting.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
