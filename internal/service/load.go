package service

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/transform"
)

// Problem is one thing wrong with a configuration file, located by file,
// line and field path: `zohokit.yaml:23: pipelines[1].mapping: no mapping
// named "x" (have: a, b)`.
type Problem struct {
	File string
	Line int    // 1-based; 0 when unknown
	Path string // "pipelines[1].mapping"; empty for the file as a whole
	Msg  string
}

// Error formats the problem as file:line: path: message.
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	if p.Path != "" {
		b.WriteString(": " + p.Path)
	}
	b.WriteString(": " + p.Msg)
	return b.String()
}

// ConfigError lists every problem of a configuration file, in file order.
type ConfigError struct {
	Problems []*Problem
}

// Error lists the problems, one per line.
func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.As.
func (e *ConfigError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// Options are what loading needs besides the file.
type Options struct {
	// LookupEnv reads the environment variables that secrets come from;
	// nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Registry holds the look-ups, computed fields and converters that
	// mappings name; nil means none.
	Registry *transform.Registry
	// OptionalSecrets reads the secrets that are set and does not require
	// the others: for commands that need only part of the configuration
	// (authority prints the table; auth exchange needs the token store).
	OptionalSecrets bool
}

// Loaded is a validated configuration with everything resolved that needs
// no I/O: durations, secrets, the authority table and the mappings.
type Loaded struct {
	File   string
	Config Config
	// Authority is the configured table, or authority.Default.
	Authority *authority.Table
	// Mappings are the built mappings by name.
	Mappings map[string]*transform.Mapping
	// Secrets holds the values of the environment variables the file
	// names, by variable name. Never print them.
	Secrets map[string]string

	durations map[string]time.Duration // by path
	pipelines []*PipelineSpec
}

// Duration returns the parsed duration at a field path (zero when unset).
func (l *Loaded) Duration(path string) time.Duration { return l.durations[path] }

// SecretValues returns every secret value, for scrubbing output.
func (l *Loaded) SecretValues() []string {
	out := make([]string, 0, len(l.Secrets))
	for _, v := range l.Secrets {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Load reads and validates the configuration file at path. Relative file
// paths in it (databases, the token file, CSV folders) are made relative
// to the file's directory, and the default database is the file
// zohokit.db there, so that every command given the same file opens the
// same files wherever it runs.
func Load(path string, opts *Options) (*Loaded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	l, err := Parse(filepath.Base(path), data, opts)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	l.resolvePaths(dir)
	return l, nil
}

// resolvePaths makes the configuration's relative file paths relative to
// dir, and names the default SQLite database there.
func (l *Loaded) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	c := &l.Config
	if c.Database.Driver == "" || c.Database.Driver == "sqlite" {
		c.Database.Path = orDefault(c.Database.Path, defaultDatabasePath)
		abs(&c.Database.Path)
	}
	abs(&c.Tokens.Path)
	for i := range c.Adapters {
		a := &c.Adapters[i]
		if a.Kind == "sql" && (a.Driver == "" || a.Driver == "sqlite") {
			abs(&a.Path)
		}
		for dt, f := range a.Folders {
			for _, p := range []*string{&f.Inbox, &f.Work, &f.Archive, &f.Rejected, &f.Outbox} {
				abs(p)
			}
			a.Folders[dt] = f
		}
	}
}

// Parse validates a configuration document; name is the file name its
// errors carry. Every problem is reported at once in a *ConfigError.
// Relative file paths are left as they are (relative to the working
// directory); Load makes them relative to the file.
func Parse(name string, data []byte, opts *Options) (*Loaded, error) {
	if opts == nil {
		opts = &Options{}
	}
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, &ConfigError{Problems: []*Problem{decodeProblem(name, nil, err)}}
	}
	var cfg Config
	if err := yaml.UnmarshalWithOptions(data, &cfg, yaml.DisallowUnknownField()); err != nil {
		return nil, &ConfigError{Problems: []*Problem{decodeProblem(name, file, err)}}
	}
	v := &validator{
		name: name, file: file, lookup: lookup, optionalSecrets: opts.OptionalSecrets,
		loaded: &Loaded{File: name, Config: cfg, Secrets: map[string]string{}, durations: map[string]time.Duration{}},
	}
	v.validate(opts.Registry)
	if len(v.problems) > 0 {
		sortProblems(v.problems)
		return nil, &ConfigError{Problems: v.problems}
	}
	return v.loaded, nil
}

// decodeProblem turns a decoder error into a Problem, with the line and,
// when the node can be found, the field path.
func decodeProblem(name string, file *ast.File, err error) *Problem {
	p := &Problem{File: name, Msg: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		p.Msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			p.Line = tk.Position.Line
			p.Path = nodePath(file, tk)
		}
	}
	return p
}

// nodePath finds the path of the node that holds tk.
func nodePath(file *ast.File, tk *token.Token) string {
	if file == nil {
		return ""
	}
	var found string
	for _, doc := range file.Docs {
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if found != "" {
				return false
			}
			if nt := n.GetToken(); nt != nil && nt.Position != nil &&
				nt.Position.Line == tk.Position.Line && nt.Position.Column == tk.Position.Column {
				if p := strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), "."); p != "" {
					found = p
					return false
				}
			}
			return true
		}), doc)
	}
	return found
}

type visitFunc func(ast.Node) bool

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

// lineOf returns the line of the node at path ("pipelines[1].mapping"),
// or of its nearest ancestor that exists.
func lineOf(file *ast.File, path string) int {
	for path != "" {
		if line := exactLine(file, path); line > 0 {
			return line
		}
		i := max(strings.LastIndexByte(path, '.'), strings.LastIndexByte(path, '['))
		if i <= 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

func exactLine(file *ast.File, path string) int {
	b := (&yaml.PathBuilder{}).Root()
	for _, seg := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(seg, "[")
		b = b.Child(key)
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			n, err := strconv.ParseUint(num, 10, 32)
			if !ok || err != nil {
				return 0
			}
			b = b.Index(uint(n))
			rest = strings.TrimPrefix(after, "[")
		}
	}
	node, err := b.Build().FilterFile(file)
	if err != nil || node == nil {
		return 0
	}
	// A mapping value's own token may be on the key's line or the next
	// one; the key's line is what people look for.
	if tk := node.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}
