package transform

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// UnmappedPolicy says what Apply does with source fields that no rule reads.
type UnmappedPolicy string

// Unmapped-field policies. The zero value is UnmappedDrop.
const (
	UnmappedDrop  UnmappedPolicy = "drop"  // leave them out of the result
	UnmappedError UnmappedPolicy = "error" // fail with one ErrUnmapped field error per field
)

// Options tunes a mapping. The zero value works: unmapped source fields are dropped.
type Options struct {
	// Unmapped is the policy for source fields no rule reads: UnmappedDrop (default) or
	// UnmappedError, so that a new field in the source system gets noticed.
	Unmapped UnmappedPolicy `yaml:"unmapped,omitempty" json:"unmapped,omitempty"`
	// Ignore lists source paths that are not reported as unmapped (with everything under them):
	// system fields such as "id", "Created_Time", "Owner.name".
	Ignore []string `yaml:"ignore,omitempty" json:"ignore,omitempty"`
	// IgnoreTarget lists target paths that the inverse mapping ignores (they become its
	// Ignore): the other system's own fields.
	IgnoreTarget []string `yaml:"ignore_target,omitempty" json:"ignore_target,omitempty"`

	line int // the YAML line of the mapping, for errors about these options
}

// Mapping turns records of one schema into records of another. Build one with New or from
// YAML; it is immutable and safe for concurrent use.
type Mapping struct {
	name   string
	rules  []*compiled
	opts   Options
	read   *trie // source paths read or ignored, for the unmapped check
	source []string
	target []string
}

// New builds a mapping from rules and checks it: every path parses, every converter is valid,
// and no two rules write the same or overlapping target paths. All problems are returned
// together (errors.Join of *RuleError, each wrapping ErrInvalidMapping). opts may be nil.
func New(name string, rules []Rule, opts *Options) (*Mapping, error) {
	m := &Mapping{name: name, read: &trie{}}
	if opts != nil {
		m.opts = Options{Unmapped: opts.Unmapped, Ignore: slices.Clone(opts.Ignore), IgnoreTarget: slices.Clone(opts.IgnoreTarget), line: opts.line}
	}
	var errs []error
	option := func(what string, err error) {
		errs = append(errs, &RuleError{Mapping: name, Index: -1, Rule: what, Line: m.opts.line, Err: err})
	}
	if name == "" {
		option("name", invalid("empty mapping name"))
	}
	switch m.opts.Unmapped {
	case "":
		m.opts.Unmapped = UnmappedDrop
	case UnmappedDrop, UnmappedError:
	default:
		option("unmapped", invalid("unknown policy %q (want drop or error)", m.opts.Unmapped))
	}
	for i, s := range m.opts.Ignore {
		p, err := ParsePath(s)
		if err != nil {
			option(fmt.Sprintf("ignore[%d]", i), invalid("%v", err))
			continue
		}
		m.read.add(p)
	}
	for i, s := range m.opts.IgnoreTarget {
		if _, err := ParsePath(s); err != nil {
			option(fmt.Sprintf("ignore_target[%d]", i), invalid("%v", err))
		}
	}
	for i, r := range rules {
		if r.at > 0 {
			i = r.at - 1 // an inverted rule keeps the index of its original in messages
		}
		c, problems := compile(r, i)
		for _, err := range problems {
			errs = append(errs, &RuleError{Mapping: name, Index: i, Rule: r.String(), Line: r.line, Err: err})
		}
		if c == nil {
			continue
		}
		for _, w := range c.writes() {
			for _, prev := range m.rules {
				for _, pw := range prev.writes() {
					if why := clash(pw, w); why != "" {
						errs = append(errs, &RuleError{Mapping: name, Index: i, Rule: r.String(), Line: r.line,
							Err: invalid("target %s: %s, with field %d (%s)", w, why, prev.index, prev.Rule)})
					}
				}
			}
			m.target = append(m.target, w.String())
		}
		for _, p := range c.sources() {
			m.read.add(p)
			m.source = append(m.source, p.String())
		}
		m.rules = append(m.rules, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// Name returns the mapping's name.
func (m *Mapping) Name() string { return m.name }

// SourcePaths returns the source paths the rules read, in rule order.
func (m *Mapping) SourcePaths() []string { return slices.Clone(m.source) }

// TargetPaths returns the target paths the rules write, in rule order. A record of the target
// system restricted to these paths is what Apply's output compares with.
func (m *Mapping) TargetPaths() []string { return slices.Clone(m.target) }

// Apply maps a source record to a new target record. Every field that fails is reported in one
// *MappingError (with its path, value and cause), not only the first; the result is then nil.
// Look-ups and computed fields may do I/O: Apply returns ctx.Err() when ctx ends. The output
// holds canonical values only (see the package documentation), shares nothing with src, and
// is deep-equal for equal inputs.
func (m *Mapping) Apply(ctx context.Context, src map[string]any) (map[string]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m.rules))
	var fes []FieldError
	for _, c := range m.rules {
		fes = c.apply(ctx, src, out, fes)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if m.opts.Unmapped == UnmappedError {
		var rec any = src
		if c, err := Canonical(src); err == nil {
			rec = c // walk other map and slice types as objects and arrays
		}
		fes = m.read.unmapped(rec, fes)
	}
	if len(fes) > 0 {
		return nil, &MappingError{Mapping: m.name, Errors: fes}
	}
	return out, nil
}

// apply runs one rule, appending its failures to fes.
func (c *compiled) apply(ctx context.Context, src, out map[string]any, fes []FieldError) []FieldError {
	fail := func(path string, v any, err error) []FieldError {
		return append(fes, FieldError{Path: path, Value: v, Err: err})
	}
	// write stores a result; a failure is reported with the value read from the source.
	write := func(p Path, v any, path string, read any) []FieldError {
		cv, err := Canonical(v)
		if err == nil {
			err = p.Set(out, cv)
		}
		if err != nil {
			return fail(path, read, fmt.Errorf("result %s: %w", formatValue(v), err))
		}
		return fes
	}
	switch c.kind {
	case kindConst:
		return write(c.toP, c.value, c.to, nil)
	case kindField:
		v, ok := c.fromP.Get(src)
		if (!ok || v == nil) && c.hasDefault {
			v, ok = c.def, true
		}
		if !ok {
			return fes
		}
		orig := v
		for _, conv := range c.convs {
			if v == nil {
				break
			}
			var err error
			if v, err = conv.Convert(ctx, v); err != nil {
				return fail(c.from, orig, fmt.Errorf("%s: %w", converterName(conv), err))
			}
		}
		return write(c.toP, v, c.from, orig)
	case kindComputed:
		v, err := c.compute(ctx, src)
		if errors.Is(err, ErrSkip) {
			return fes
		}
		if err != nil {
			return fail(c.to, nil, err)
		}
		return write(c.toP, v, c.to, nil)
	case kindSplit:
		v, ok := c.fromP.Get(src)
		if !ok {
			return fes
		}
		parts, err := c.split(ctx, v)
		if errors.Is(err, ErrSkip) {
			return fes
		}
		if err != nil {
			return fail(c.from, v, err)
		}
		for _, p := range c.readPs {
			if pv, ok := parts[p.String()]; ok {
				fes = write(p, pv, c.from, v)
			}
		}
		keys := make([]string, 0, len(parts))
		for k := range parts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !slices.ContainsFunc(c.readPs, func(p Path) bool { return p.String() == k }) {
				fes = fail(c.from, v, fmt.Errorf("inverse returned %q, which is not one of its declared paths (%s)", k, strings.Join(c.reads, ", ")))
			}
		}
	}
	return fes
}

// trie holds the source paths a mapping reads or ignores.
type trie struct {
	children map[segment]*trie
	leaf     bool
}

func (t *trie) add(p Path) {
	for _, s := range p.segs {
		if t.children == nil {
			t.children = map[segment]*trie{}
		}
		next := t.children[s]
		if next == nil {
			next = &trie{}
			t.children[s] = next
		}
		t = next
	}
	t.leaf = true
}

// unmapped appends an ErrUnmapped error for every source field that no rule reads.
func (t *trie) unmapped(src any, fes []FieldError) []FieldError {
	var walk func(t *trie, v any, path string)
	walk = func(t *trie, v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				p := k
				if path != "" {
					p = path + "." + k
				}
				t.visit(segment{key: k, index: -1}, x[k], p, walk, &fes)
			}
			return
		case []any:
			for i, e := range x {
				if e != nil {
					t.visit(segment{index: i}, e, path+"["+strconv.Itoa(i)+"]", walk, &fes)
				}
			}
			return
		}
		fes = append(fes, FieldError{Path: path, Value: v, Err: ErrUnmapped})
	}
	if m, ok := src.(map[string]any); ok {
		walk(t, m, "")
	}
	return fes
}

// visit checks one child value against the trie.
func (t *trie) visit(s segment, v any, path string, walk func(*trie, any, string), fes *[]FieldError) {
	child := t.children[s]
	switch {
	case child == nil:
		*fes = append(*fes, FieldError{Path: path, Value: v, Err: ErrUnmapped})
	case child.leaf:
	default:
		walk(child, v, path)
	}
}
