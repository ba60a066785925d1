package zohotest

import (
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Requests to the bulk and watch routes are validated against Zoho's
// bulk_read.json, bulk_write.json and notifications.json like every other
// CRM request (oas.go), except for a short list of defects of those
// documents that no correct request can satisfy. Each waiver names the document, the JSON
// pointer of the property (a regular expression, so array indexes match),
// the start of kin-openapi's reason, and why it is a defect. Everything else
// (paths, methods, parameters, the other properties and their types and
// enums) is still checked, and a waived problem is noted in the call log.
type oasWaiver struct {
	doc     string
	pointer *regexp.Regexp
	reason  string
	why     string
}

// oasWaivers is fixed at compile time and never changed.
var oasWaivers = []oasWaiver{
	{"bulk_read.json", regexp.MustCompile(`^/query/file_type$`), `property "file_type" is missing`,
		`Query requires file_type with enum ["ics"], which no CSV job can satisfy; Zoho takes file_type at the top level (Request_Wrapper)`},
	{"bulk_read.json", regexp.MustCompile(`^/query/criteria$`), `property "criteria" is missing`,
		`Query requires criteria; Zoho's bulk read docs make it optional (a job without criteria exports every record)`},
	{"bulk_read.json", regexp.MustCompile(`^/query/cvid$`), `property "cvid" is missing`,
		`Query requires cvid (nullable); Zoho's SDK sends only the keys that are set`},
	{"bulk_read.json", regexp.MustCompile(`^/query/(criteria/)?(group/\d+/)*value$`), `value must be an object`,
		`Criteria.value is typed object; Zoho's criteria values are strings, numbers and arrays (Kaizen #195)`},
	{"bulk_read.json", regexp.MustCompile(`^/query/(criteria/)?(group/\d+/)*type$`), `property "type" is missing`,
		`Criteria requires type (nullable); Zoho's examples send none`},
	{"bulk_read.json", regexp.MustCompile(`^/query/(criteria/)?(group/\d+/)*field/id$`), `property "id" is missing`,
		`Minified_Field requires id (nullable); Zoho's examples name the field by api_name only`},
	{"bulk_read.json", regexp.MustCompile(`^/query/module/id$`), `property "id" is missing`,
		`Minified_Module requires id (nullable); Zoho's examples and SDK name the module by api_name only`},
	{"bulk_write.json", regexp.MustCompile(`^/resource/\d+/module/id$`), `property "id" is missing`,
		`Minified_Module requires id (nullable); Zoho's examples and SDK name the module by api_name only`},
	{"bulk_write.json", regexp.MustCompile(`^/file$`), `value must be an object`,
		`File_Body_Wrapper types the multipart file part as an object; a file part is bytes`},
	{"notifications.json", regexp.MustCompile(`^/watch/\d+/channel_id$`), `value must be an object`,
		`Notification types channel_id as an object; Zoho's docs and SDKs send a long (or its digits as a string)`},
	{"notifications.json", regexp.MustCompile(`^/watch/\d+/notify_url$`), `string doesn't match the regular expression`,
		`Notification.notify_url has the pattern "www[.][a-z]{5}zoho[.]com", a placeholder no receiver's URL matches`},
}

func waived(doc, pointer, reason string) (oasWaiver, bool) {
	for _, w := range oasWaivers {
		if w.doc == doc && w.pointer.MatchString(pointer) && strings.HasPrefix(reason, w.reason) {
			return w, true
		}
	}
	return oasWaiver{}, false
}

// oasProblem is one problem kin-openapi found.
type oasProblem struct {
	prefix, pointer, reason string
}

func (p oasProblem) String() string {
	at := ""
	if p.pointer != "" {
		at = p.pointer + ": "
	}
	return p.prefix + at + p.reason
}

// oasProblems flattens kin-openapi's error tree.
func oasProblems(err error) []oasProblem {
	var out []oasProblem
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
				p = prefix + "parameter " + e.Parameter.Name + " in " + e.Parameter.In + ": "
			case e.RequestBody != nil:
				p = prefix + "request body: "
			}
			if e.Err != nil {
				walk(p, e.Err)
			} else {
				out = append(out, oasProblem{prefix: p, reason: e.Reason})
			}
		case *openapi3.SchemaError:
			ptr := ""
			if parts := e.JSONPointer(); len(parts) > 0 {
				ptr = "/" + strings.Join(parts, "/")
			}
			out = append(out, oasProblem{prefix: prefix, pointer: ptr, reason: e.Reason})
		default:
			out = append(out, oasProblem{prefix: prefix, reason: err.Error()})
		}
	}
	walk("", err)
	return out
}

// waive applies oasWaivers to a validation error of a request checked
// against doc (oas.go's validate calls it): it returns the reason of what
// is left, and true when every problem was a waived defect. Documents
// without waivers get describeOASError's reason unchanged.
func (s *Server) waive(ex *exchange, doc string, err error) (string, bool) {
	hasWaivers := false
	for _, w := range oasWaivers {
		hasWaivers = hasWaivers || w.doc == doc
	}
	if !hasWaivers {
		return describeOASError(err), false
	}
	var left []string
	for _, p := range oasProblems(err) {
		if w, ok := waived(doc, p.pointer, p.reason); ok {
			ex.note("OAS: waived a defect of %s at %s: %s", doc, p.pointer, w.why)
			continue
		}
		left = append(left, p.String())
	}
	return strings.Join(left, "; "), len(left) == 0
}
