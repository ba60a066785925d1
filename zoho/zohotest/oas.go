package zohotest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/zohokit/zohokit/internal/testenv"
)

// OASEnv is the environment variable naming the directory of Zoho's CRM v8
// OpenAPI documents.
const OASEnv = "ZOHOKIT_ZOHO_OAS"

const modulePath = "github.com/zohokit/zohokit"

// OASDir returns the directory the server reads Zoho's OpenAPI documents
// from when Options.OASDir is empty: $ZOHOKIT_ZOHO_OAS, else
// ../shared/zoho-oas/crm-v8 relative to the root of the zohokit module
// (found by walking up from the working directory to the go.mod that names
// it); "" when neither applies.
func OASDir() string {
	if d := os.Getenv(OASEnv); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if isZohokitRoot(dir) {
			return filepath.Join(dir, "..", "shared", "zoho-oas", "crm-v8")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isZohokitRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`) == modulePath
		}
	}
	return false
}

// RequireOAS makes a test insist on OAS validation: it skips the test (fails
// it under CI) when Zoho's documents are not found, and fails it when they do
// not load. Call it before NewServer in tests that must validate.
func RequireOAS(tb testing.TB) {
	tb.Helper()
	dir := OASDir()
	if st, err := os.Stat(dir); dir == "" || err != nil || !st.IsDir() {
		testenv.Unavailable(tb, "Zoho's CRM v8 OpenAPI documents are not at %q; set %s to their directory (they live in ../shared/zoho-oas/crm-v8 next to the repository)", dir, OASEnv)
		return
	}
	if _, err := loadOAS(dir); err != nil {
		tb.Fatalf("zohotest: %v", err)
	}
}

// oasSet is the loaded documents: one router per document.
type oasSet struct {
	dir      string
	routers  map[string]routers.Router // by file name, e.g. "record.json"
	names    []string                  // sorted file names
	skipped  map[string]string         // documents that failed to load, with why
	loadTime time.Duration
}

// oasCache holds the documents loaded in this process, by directory. The
// 102 documents take a fraction of a second to load and many megabytes of
// memory, and every test builds its own server, so they are loaded once per
// process. This is the package's one global; it only ever caches immutable
// results.
var oasCache struct {
	mu   sync.Mutex
	sets map[string]*oasSet
}

func loadOAS(dir string) (*oasSet, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("zohotest: OAS directory %q: %w", dir, err)
	}
	oasCache.mu.Lock()
	defer oasCache.mu.Unlock()
	if set, ok := oasCache.sets[abs]; ok {
		return set, nil
	}
	set, err := loadOASUncached(abs)
	if err != nil {
		return nil, err
	}
	if oasCache.sets == nil {
		oasCache.sets = map[string]*oasSet{}
	}
	oasCache.sets[abs] = set
	return set, nil
}

// loadOASUncached loads every *.json document of dir with one loader (so
// cross-file references load once), and builds a router per document. A
// document that fails to load is skipped and reported; Zoho's notes.json,
// for one, refers to a parameter it does not define.
func loadOASUncached(dir string) (*oasSet, error) {
	start := time.Now()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("zohotest: OAS directory %q: %w", dir, err)
	}
	set := &oasSet{dir: dir, routers: map[string]routers.Router{}, skipped: map[string]string{}}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	for _, f := range files {
		name := filepath.Base(f)
		doc, err := loader.LoadFromFile(f)
		if err != nil {
			set.skipped[name] = err.Error()
			continue
		}
		if doc.Paths == nil || doc.Paths.Len() == 0 {
			continue // not an OpenAPI document with operations
		}
		// Every fake listens on its own port while the documents are shared
		// by the process, so the servers entry is emptied: the routers then
		// match any host, which for each fake means its own URL.
		doc.Servers = nil
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			set.skipped[name] = err.Error()
			continue
		}
		set.routers[name] = r
		set.names = append(set.names, name)
	}
	sort.Strings(set.names)
	if len(set.routers) == 0 {
		return nil, fmt.Errorf("zohotest: no OpenAPI document loaded from %q", dir)
	}
	set.loadTime = time.Since(start)
	return set, nil
}

// setupOAS turns validation on when the documents are there.
func (s *Server) setupOAS() error {
	if s.opts.DisableOAS {
		s.oasOff = "disabled by Options.DisableOAS"
		return nil
	}
	dir := s.opts.OASDir
	if dir == "" {
		dir = OASDir()
	}
	if st, err := os.Stat(dir); dir == "" || err != nil || !st.IsDir() {
		s.oasOff = fmt.Sprintf("Zoho's CRM OpenAPI documents not found at %q (set %s or Options.OASDir)", dir, OASEnv)
		if s.tb != nil {
			s.tb.Logf("zohotest: OAS validation off: %s", s.oasOff)
		}
		s.logger.Info("zohotest: OAS validation off", "reason", s.oasOff)
		return nil
	}
	set, err := loadOAS(dir)
	if err != nil {
		return err
	}
	for name, why := range set.skipped {
		s.logger.Warn("zohotest: OpenAPI document skipped", "document", name, "error", why)
	}
	s.oas = set
	return nil
}

// ValidatesOAS reports whether requests are validated against Zoho's
// OpenAPI documents, and if not, why.
func (s *Server) ValidatesOAS() (bool, string) {
	return s.oas != nil, s.oasOff
}

// Violation is a request that did not match Zoho's CRM OpenAPI documents.
type Violation struct {
	Method    string
	Path      string // path and query, secrets redacted
	Document  string // the document checked, e.g. "record.json"; "" when no operation matched
	Operation string // its operationId, e.g. "Get Records"
	Reason    string
}

func (v Violation) String() string {
	where := ""
	if v.Document != "" {
		where = fmt.Sprintf(" [%s: %s]", v.Document, v.Operation)
	}
	return fmt.Sprintf("%s %s%s: %s", v.Method, v.Path, where, v.Reason)
}

func formatViolations(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  " + v.String() + "\n")
	}
	return b.String()
}

type violationLog struct {
	mu   sync.Mutex
	list []Violation
}

// Violations returns the requests that did not match Zoho's documents so
// far. A server made by NewServer fails its test at cleanup when there are
// any.
func (s *Server) Violations() []Violation {
	s.viol.mu.Lock()
	defer s.viol.mu.Unlock()
	return append([]Violation(nil), s.viol.list...)
}

// TakeViolations returns the violations and forgets them, for tests that
// send invalid requests on purpose.
func (s *Server) TakeViolations() []Violation {
	s.viol.mu.Lock()
	defer s.viol.mu.Unlock()
	v := s.viol.list
	s.viol.list = nil
	return v
}

// validate checks a CRM request against the documents and records a
// violation when it does not match. A request no fake route serves but
// some document describes is not a violation: the fake lacks the endpoint,
// which the 404 then says.
func (s *Server) validate(ex *exchange) *Violation {
	req := ex.r.Clone(ex.ctx())
	req.Body = io.NopCloser(bytes.NewReader(ex.body))
	var (
		route  *routers.Route
		params map[string]string
		doc    string
		err    error
	)
	switch {
	case ex.route != nil && ex.route.oasDoc != "":
		doc = ex.route.oasDoc
		r, ok := s.oas.routers[doc]
		if !ok {
			return nil // the document did not load (reported at setup)
		}
		if route, params, err = r.FindRoute(req); err != nil {
			return s.violate(ex, Violation{Document: doc, Reason: "no operation of " + doc + " matches: " + err.Error()})
		}
	case ex.route == nil:
		methodMismatch := false
		for _, name := range s.oas.names {
			rt, _, err := s.oas.routers[name].FindRoute(req)
			if err == nil {
				ex.unimplementedOp = fmt.Sprintf("%s (%s)", rt.Operation.OperationID, name)
				return nil
			}
			methodMismatch = methodMismatch || errors.Is(err, routers.ErrMethodNotAllowed)
		}
		reason := "no operation in Zoho's CRM v8 OpenAPI documents matches this path"
		if methodMismatch {
			reason = "Zoho's CRM v8 OpenAPI documents do not allow this method on this path"
		}
		return s.violate(ex, Violation{Reason: reason})
	default:
		return nil
	}
	err = openapi3filter.ValidateRequest(ex.ctx(), &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			// The fake authenticates every CRM route itself; the documents'
			// oauth2 scheme cannot express Zoho's "Zoho-oauthtoken" header.
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			MultiError:          true,
			SkipSettingDefaults: true,
		},
	})
	if err == nil {
		return nil
	}
	reason, allWaived := s.waive(ex, doc, err) // known defects of Zoho's documents (crm_bulk_oas.go)
	if allWaived {
		return nil
	}
	return s.violate(ex, Violation{Document: doc, Operation: route.Operation.OperationID, Reason: reason})
}

func (s *Server) violate(ex *exchange, v Violation) *Violation {
	v.Method = ex.r.Method
	v.Path = ex.r.URL.Path
	if q := redactQuery(ex.r.URL.Query()); len(q) > 0 {
		v.Path += "?" + q.Encode()
	}
	ex.note("OAS violation: %s", v.Reason)
	s.logger.Error("zohotest: request does not match Zoho's OpenAPI documents", "request", v.String())
	s.viol.mu.Lock()
	s.viol.list = append(s.viol.list, v)
	s.viol.mu.Unlock()
	return &v
}

// describeOASError turns kin-openapi's errors (which embed whole schemas)
// into one line per problem.
func describeOASError(err error) string {
	var parts []string
	var walk func(prefix string, err error)
	walk = func(prefix string, err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(prefix, inner)
			}
		case *openapi3filter.RequestError:
			p := prefix
			switch {
			case e.Parameter != nil:
				p = fmt.Sprintf("%sparameter %q in %s: ", prefix, e.Parameter.Name, e.Parameter.In)
			case e.RequestBody != nil:
				p = prefix + "request body: "
			}
			if e.Err != nil {
				walk(p, e.Err)
			} else {
				parts = append(parts, p+e.Reason)
			}
		case *openapi3.SchemaError:
			at := ""
			if ptr := e.JSONPointer(); len(ptr) > 0 {
				at = "/" + strings.Join(ptr, "/") + ": "
			}
			parts = append(parts, prefix+at+e.Reason)
		default:
			parts = append(parts, prefix+err.Error())
		}
	}
	walk("", err)
	return strings.Join(parts, "; ")
}

var _ http.Handler = (*Server)(nil)
