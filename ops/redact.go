package ops

import (
	"cmp"
	"encoding/json"
	"html/template"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// redacted replaces a secret wherever the dashboard would show one.
const redacted = "[REDACTED]"

// redactor scrubs secrets from what the dashboard renders. It works at two
// levels: strings taken from data (errors, values, payloads) are scrubbed
// before they are escaped into HTML or JSON (string), and every response
// body is scrubbed once more, for the secrets and their HTML, JSON and URL
// encodings, as a last net (bytes).
type redactor struct {
	plain   *strings.Replacer // the secrets as given
	output  *strings.Replacer // the secrets and their encodings, for bodies
	hook    func(string) string
	longest int // the length of the longest secret as given
}

// patterns catch credentials that were never configured: header values,
// query or JSON parameters whose name ends in token, secret, password or
// api key (access_token, authtoken, zapikey, webhook_secret, db_password),
// and the password of a URL (postgres://user:password@host).
var patterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?i)\b(Zoho-oauthtoken|Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{4,}`), "${1}${2}" + redacted},
	{regexp.MustCompile(`(?i)\b([a-z0-9_.-]*(?:token|secret|password|passwd|api[_-]?key))=[^&\s"',;]+`), "${1}=" + redacted},
	{regexp.MustCompile(`(?i)"([a-z0-9_.-]*(?:token|secret|password|passwd|api[_-]?key))"(\s*:\s*)"(?:[^"\\]|\\.)*"`), `"${1}"${2}"` + redacted + `"`},
	{regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^\s:/?#@]*):[^\s@/?#]+@`), "${1}:" + redacted + "@"},
}

func newRedactor(secrets []string, hook func(string) string) *redactor {
	// A secret may reach a string quoted by %q (an error echoing input), so
	// its Go-quoted forms count as the secret too.
	var plain []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		plain = append(plain, s, unquote(strconv.Quote(s)), unquote(strconv.QuoteToASCII(s)))
	}
	// Bodies may hold any of those escaped for HTML, JSON or a URL.
	var all []string
	for _, s := range plain {
		all = append(all, s, template.HTMLEscapeString(s), jsonEscape(s), url.QueryEscape(s), url.PathEscape(s))
	}
	longest := 0
	for _, s := range plain {
		longest = max(longest, len(s))
	}
	return &redactor{plain: replacer(plain), output: replacer(all), hook: hook, longest: longest}
}

// Scrubber returns the scrubbing the dashboard applies to strings taken
// from data (job errors, review values, run errors): the given secrets,
// also as %q quotes them, and credential shapes that were never configured
// (authorization values, token=..., a URL's password) become [REDACTED].
// Tools that print the same data, such as `zohokit dead list`, use it so
// they show no more than the dashboard does.
func Scrubber(secrets []string) func(string) string {
	return newRedactor(secrets, nil).string
}

// replacer replaces each of olds with redacted, longer ones first so that
// a secret containing another is replaced whole.
func replacer(olds []string) *strings.Replacer {
	olds = slices.Clone(olds)
	slices.SortStableFunc(olds, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	seen := make(map[string]bool, len(olds))
	var pairs []string
	for _, s := range olds {
		if s != "" && !seen[s] {
			seen[s] = true
			pairs = append(pairs, s, redacted)
		}
	}
	return strings.NewReplacer(pairs...)
}

func unquote(q string) string { return q[1 : len(q)-1] }

// jsonEscape returns s as encoding/json writes it inside a string.
func jsonEscape(s string) string {
	b, err := json.Marshal(s)
	if err != nil || len(b) < 2 {
		return s
	}
	return string(b[1 : len(b)-1])
}

// prefix scrubs s and returns at most its first n bytes (cut on a
// character boundary), and whether it was cut. It scrubs before it cuts,
// so that a secret across the cut is not shown in part, but no more of a
// long s than the cut and the longest secret need.
func (r *redactor) prefix(s string, n int) (string, bool) {
	cut := len(s) > n+r.longest
	if cut {
		s = s[:n+r.longest]
	}
	s = r.string(s)
	if len(s) <= n {
		return s, cut
	}
	return strings.ToValidUTF8(s[:n], ""), true
}

// string scrubs a string taken from data.
func (r *redactor) string(s string) string {
	if s == "" {
		return s
	}
	s = r.plain.Replace(s)
	for _, p := range patterns {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	if r.hook != nil {
		s = r.hook(s)
	}
	return s
}

// bytes scrubs a whole response body.
func (r *redactor) bytes(b []byte) []byte {
	return []byte(r.output.Replace(string(b)))
}

// value scrubs every string inside a canonical value (and map keys), and
// makes it encodable as JSON: floats that JSON cannot hold (NaN,
// infinities) and malformed json.Numbers become strings.
func (r *redactor) value(v any) any {
	switch x := v.(type) {
	case string:
		return r.string(x)
	case json.Number:
		if !json.Valid([]byte(x)) {
			return r.string(string(x))
		}
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return formatFloat(x)
		}
		return x
	case float32:
		return r.value(float64(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[r.string(k)] = r.value(e)
		}
		return out
	default:
		return v
	}
}
