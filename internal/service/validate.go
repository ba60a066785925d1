package service

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho"
)

// validator collects every problem of a configuration.
type validator struct {
	name            string
	file            *ast.File
	lookup          func(string) (string, bool)
	optionalSecrets bool
	loaded          *Loaded
	problems        []*Problem
}

func (v *validator) addf(path, format string, args ...any) {
	v.problems = append(v.problems, &Problem{File: v.name, Line: lineOf(v.file, path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// addLine records a problem whose line is already known (from a package
// that tracked it), falling back to the path's line.
func (v *validator) addLine(line int, path, msg string) {
	if line == 0 {
		line = lineOf(v.file, path)
	}
	v.problems = append(v.problems, &Problem{File: v.name, Line: line, Path: path, Msg: msg})
}

func sortProblems(ps []*Problem) {
	slices.SortStableFunc(ps, func(a, b *Problem) int { return a.Line - b.Line })
}

// duration parses the duration at path; empty is zero unless required.
func (v *validator) duration(path, s string, required bool) time.Duration {
	if s == "" {
		if required {
			v.addf(path, "is required (a duration such as 30s or 15m)")
		}
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		v.addf(path, "%q is not a duration (use 30s, 15m, 1h)", s)
		return 0
	}
	v.loaded.durations[path] = d
	return d
}

// secret reads the variable named at path. The value never appears in a
// problem.
func (v *validator) secret(path, envName string, required bool) string {
	if envName == "" {
		if required {
			v.addf(path, "is required: name the environment variable that holds the secret")
		}
		return ""
	}
	val, ok := v.lookup(envName)
	if (!ok || val == "") && v.optionalSecrets {
		return ""
	}
	if !ok || val == "" {
		if !envVarName(envName) {
			// Not a usual name: perhaps the secret itself was written
			// here, so it is not repeated.
			v.addf(path, "names an environment variable that is not set, and the name is not of letters, digits and '_': if it is the secret itself, move it into a variable and name the variable here")
			return ""
		}
		v.addf(path, "environment variable %s is not set", envName)
		return ""
	}
	v.loaded.Secrets[envName] = val
	return val
}

// envVarName reports whether s is a portable environment variable name:
// letters, digits and underscores, not starting with a digit.
func envVarName(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func oneOf(s string, allowed ...string) bool { return slices.Contains(allowed, s) }

func names[T any](items []T, name func(T) string) string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, name(it))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func (v *validator) validate(reg *transform.Registry) {
	c := &v.loaded.Config
	v.service()
	v.database()
	v.tokens()
	conns := v.connections()
	v.authority()
	v.mappings(reg)
	adapters := v.adapters(conns)
	pipes := v.pipelines(adapters)
	v.webhooks(pipes)
	v.dashboard()
	v.duration("worker.poll_interval", c.Worker.PollInterval, false)
	v.duration("worker.shutdown_timeout", c.Worker.ShutdownTimeout, false)
	if c.Worker.Concurrency < 0 {
		v.addf("worker.concurrency", "must not be negative")
	}
}

// serviceListen is the service's listen address: the configured one, else
// ":$PORT" when PORT is set (Cloud Run), else 127.0.0.1:8080.
func serviceListen(c ServiceConfig, lookup func(string) (string, bool)) string {
	if c.Listen != "" {
		return c.Listen
	}
	if port, ok := lookup("PORT"); ok && port != "" {
		return ":" + port
	}
	return "127.0.0.1:8080"
}

func (v *validator) service() {
	c := &v.loaded.Config.Service
	v.duration("service.shutdown_timeout", c.ShutdownTimeout, false)
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			v.addf("service.listen", "%q is not a host:port address", c.Listen)
		}
	}
}

func (v *validator) database() {
	c := &v.loaded.Config.Database
	switch c.Driver {
	case "", "sqlite":
		if c.URLEnv != "" {
			v.addf("database.url_env", "is for driver postgres (driver is sqlite)")
		}
	case "postgres":
		v.secret("database.url_env", c.URLEnv, true)
		if c.Path != "" {
			v.addf("database.path", "is for driver sqlite (driver is postgres)")
		}
	default:
		v.addf("database.driver", "unknown driver %q (want sqlite or postgres)", c.Driver)
	}
}

func (v *validator) tokens() {
	c := &v.loaded.Config.Tokens
	if !oneOf(c.Store, "", "file", "database") {
		v.addf("tokens.store", "unknown store %q (want file or database)", c.Store)
	}
	if c.Store == "database" && c.Path != "" {
		v.addf("tokens.path", "is for the file store (store is database)")
	}
}

func (v *validator) connections() map[string]int {
	seen := map[string]int{}
	for i, c := range v.loaded.Config.Zoho {
		p := fmt.Sprintf("zoho[%d]", i)
		switch _, dup := seen[c.Name]; {
		case c.Name == "":
			v.addf(p+".name", "is required")
		case dup:
			v.addf(p+".name", "duplicate connection name %q", c.Name)
		default:
			seen[c.Name] = i
		}
		if c.ClientID == "" {
			v.addf(p+".client_id", "is required")
		}
		v.secret(p+".client_secret_env", c.ClientSecretEnv, true)
		v.secret(p+".refresh_token_env", c.RefreshTokenEnv, false)
		if c.Hosts == "" {
			if _, err := zoho.ParseLocation(orDefault(c.DataCenter, "us")); err != nil {
				v.addf(p+".data_center", "unknown data centre %q (want us, eu, in, au, jp, cn, ca, sa, uk or ae)", c.DataCenter)
			}
		} else if !strings.HasPrefix(c.Hosts, "http://") && !strings.HasPrefix(c.Hosts, "https://") {
			v.addf(p+".hosts", "%q is not an http(s) URL", c.Hosts)
		}
		if c.CRMEdition != "" && zoho.Edition(c.CRMEdition).Concurrency() == 0 {
			v.addf(p+".crm_edition", "unknown edition %q (want free, standard, professional, enterprise or ultimate)", c.CRMEdition)
		}
	}
	return seen
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (v *validator) authority() {
	cfg := v.loaded.Config.Authority
	if cfg == nil {
		v.loaded.Authority = authority.Default()
		return
	}
	t, err := authority.New(*cfg)
	if err == nil {
		v.loaded.Authority = t
		return
	}
	for _, e := range unjoin(err) {
		var ve *authority.ValidationError
		if errors.As(e, &ve) {
			msg := ve.Err.Error()
			if ve.Name != "" {
				msg = fmt.Sprintf("%q: %s", ve.Name, msg)
			}
			v.addLine(ve.Line, "authority."+ve.Path, msg)
			continue
		}
		v.addf("authority", "%v", e)
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

func (v *validator) mappings(reg *transform.Registry) {
	v.loaded.Mappings = map[string]*transform.Mapping{}
	for _, name := range slices.Sorted(maps.Keys(v.loaded.Config.Mappings)) {
		mc := v.loaded.Config.Mappings[name]
		m, err := mc.Build(name, reg)
		if err != nil {
			v.ruleErrors("mappings."+name, err)
			continue
		}
		v.loaded.Mappings[name] = m
	}
}

// ruleErrors reports transform's rule errors under base, each at its
// rule's line.
func (v *validator) ruleErrors(base string, err error) {
	for _, e := range unjoin(err) {
		var re *transform.RuleError
		if errors.As(e, &re) {
			path := base
			if re.Index >= 0 {
				path = fmt.Sprintf("%s.fields[%d]", base, re.Index)
			}
			msg := re.Err.Error()
			if re.Rule != "" {
				msg = re.Rule + ": " + msg
			}
			v.addLine(re.Line, path, msg)
			continue
		}
		v.addf(base, "%v", e)
	}
}

// booksEntities are the Books entities the zoho-books adapter syncs.
var booksEntities = []string{"contacts", "items", "invoices"}

// adapterKinds are the kinds of adapter the service builds, with the
// authority system name each defaults to.
var adapterKinds = map[string]string{"zoho-crm": "CRM", "zoho-books": "Books", "sql": "ERP", "csv": "ERP"}

func (v *validator) adapters(conns map[string]int) map[string]AdapterConfig {
	out := map[string]AdapterConfig{}
	for i, a := range v.loaded.Config.Adapters {
		p := fmt.Sprintf("adapters[%d]", i)
		if a.Name == "" {
			v.addf(p+".name", "is required")
		} else if _, dup := out[a.Name]; dup {
			v.addf(p+".name", "duplicate adapter name %q", a.Name)
		}
		sys, known := adapterKinds[a.Kind]
		if !known {
			v.addf(p+".kind", "unknown adapter kind %q (want zoho-crm, zoho-books, sql or csv)", a.Kind)
		}
		if a.System == "" {
			a.System = sys
		}
		zohoKind := a.Kind == "zoho-crm" || a.Kind == "zoho-books"
		only := func(field string, set bool, kinds string) {
			if set && known && !strings.Contains(kinds, a.Kind) {
				v.addf(p+"."+field, "is not a setting of kind %s (only of %s)", a.Kind, kinds)
			}
		}
		only("connection", a.Connection != "", "zoho-crm, zoho-books")
		only("modules", a.Modules != nil, "zoho-crm")
		only("organization_id", a.OrganizationID != "", "zoho-books")
		only("entities", a.Entities != nil, "zoho-books")
		only("driver", a.Driver != "", "sql")
		only("path", a.Path != "", "sql")
		only("url_env", a.URLEnv != "", "sql")
		only("tables", a.Tables != nil, "sql")
		only("folders", a.Folders != nil, "csv")
		if zohoKind {
			if _, ok := conns[a.Connection]; !ok {
				if a.Connection == "" {
					v.addf(p+".connection", "is required for kind %s", a.Kind)
				} else {
					v.addf(p+".connection", "no Zoho connection named %q (have: %s)", a.Connection,
						names(v.loaded.Config.Zoho, func(c ConnectionConfig) string { return c.Name }))
				}
			}
		}
		switch a.Kind {
		case "zoho-crm":
			for mod, mc := range a.Modules {
				if len(mc.Fields) > 50 {
					v.addf(p+".modules."+mod+".fields", "lists %d fields; Zoho returns at most 50", len(mc.Fields))
				}
				if mc.KeyField != "" && len(mc.MatchFields) > 0 {
					v.addf(p+".modules."+mod+".key_field", "set key_field or match_fields, not both")
				}
			}
		case "zoho-books":
			for dt, ec := range a.Entities {
				if e := orDefault(ec.Entity, dt); !slices.Contains(booksEntities, e) {
					v.addf(p+".entities."+dt+".entity", "unknown Books entity %q (want %s)", e, strings.Join(booksEntities, ", "))
				}
			}
		case "sql":
			switch a.Driver {
			case "", "sqlite":
				if a.Path == "" {
					v.addf(p+".path", "is required for driver sqlite")
				}
			case "postgres":
				v.secret(p+".url_env", a.URLEnv, true)
			default:
				v.addf(p+".driver", "unknown driver %q (want sqlite or postgres)", a.Driver)
			}
			for dt, tc := range a.Tables {
				for _, col := range []struct{ field, name string }{{"table", tc.Table}, {"id_column", tc.IDColumn},
					{"updated_at_column", tc.UpdatedAtColumn}, {"soft_delete_column", tc.SoftDeleteColumn}, {"key_column", tc.KeyColumn}} {
					if col.name != "" && !validIdent(col.name) {
						v.addf(p+".tables."+dt+"."+col.field, "%q is not a plain SQL identifier", col.name)
					}
				}
			}
		case "csv":
			if len(a.Folders) == 0 {
				v.addf(p+".folders", "is required for kind csv (the inbox and outbox folders by data type)")
			}
			for dt, fc := range a.Folders {
				if len([]rune(fc.Comma)) > 1 {
					v.addf(p+".folders."+dt+".comma", "%q is not one character", fc.Comma)
				}
			}
		}
		if a.Name != "" {
			out[a.Name] = a
		}
	}
	return out
}

// validIdent accepts the identifiers the sql adapter quotes: letters,
// digits, underscores and one optional schema dot.
func validIdent(s string) bool {
	if s == "" || strings.Count(s, ".") > 1 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || (part[0] >= '0' && part[0] <= '9') {
			return false
		}
		for _, r := range part {
			if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

func (v *validator) dashboard() {
	c := &v.loaded.Config.Dashboard
	for i, u := range c.Users {
		p := fmt.Sprintf("dashboard.users[%d]", i)
		if u.User == "" {
			v.addf(p+".user", "is required")
		}
		if pw := v.secret(p+".password_env", u.PasswordEnv, true); pw != "" && len(pw) < 8 {
			v.addf(p+".password_env", "the password in %s is shorter than 8 bytes", u.PasswordEnv)
		}
	}
	for i, t := range c.Tokens {
		p := fmt.Sprintf("dashboard.tokens[%d]", i)
		if t.Name == "" {
			v.addf(p+".name", "is required")
		}
		if tok := v.secret(p+".token_env", t.TokenEnv, true); tok != "" && len(tok) < 8 {
			v.addf(p+".token_env", "the token in %s is shorter than 8 bytes", t.TokenEnv)
		}
	}
	listen := c.Listen
	if listen == "" {
		listen = serviceListen(v.loaded.Config.Service, v.lookup)
	}
	if c.InsecureNoAuth && !loopbackAddr(listen) {
		v.addf("dashboard.insecure_no_auth", "is allowed only on a loopback listener (127.0.0.1:port), not %q", listen)
	}
	if len(c.Users) == 0 && len(c.Tokens) == 0 && !c.InsecureNoAuth {
		v.addf("dashboard", "needs users or tokens (credentials from environment variables)")
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			v.addf("dashboard.listen", "%q is not a host:port address", c.Listen)
		}
	}
	if c.BasePath != "" && (!strings.HasPrefix(c.BasePath, "/") || strings.HasSuffix(c.BasePath, "/")) {
		v.addf("dashboard.base_path", "%q must start with / and not end with one", c.BasePath)
	}
}

// loopbackAddr reports whether a listen address binds a loopback interface
// only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
