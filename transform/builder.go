package transform

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ComputeFunc computes one target field from the whole source record (a display name from
// first and last names, a flag from several fields). It must not modify src. It returns
// ErrSkip to leave the target field unset.
type ComputeFunc func(ctx context.Context, src map[string]any) (any, error)

// SplitFunc is the inverse of a computed field: from the computed value it returns the source
// fields it was computed from, keyed by the paths declared as the rule's reads (a subset is
// fine). It returns ErrSkip to leave them unset.
type SplitFunc func(ctx context.Context, v any) (map[string]any, error)

// Computation is a computed field as a YAML registry holds it: the function and its optional
// inverse.
type Computation struct {
	Compute ComputeFunc
	Inverse SplitFunc
}

// ruleKind says what a rule does.
type ruleKind int

const (
	kindField    ruleKind = iota // copy (and convert) one source path to one target path
	kindConst                    // write a constant
	kindComputed                 // compute one target path from the whole record
	kindSplit                    // the inverse of a computed field: one path to several
)

// Rule is one line of a mapping: a field copied (and converted) from the source to the target,
// a constant, or a computed field. Build rules with Field, Const and Computed, and refine them
// with the methods, which return copies. Mistakes are reported by New, naming the rule.
type Rule struct {
	kind       ruleKind
	from, to   string
	reads      []string // computed: the source paths it reads; split: the paths it writes
	convs      []Converter
	def        any
	hasDefault bool
	value      any
	compute    ComputeFunc
	split      SplitFunc
	oneWay     bool
	name       string // registry name of a computation, for messages
	line       int    // YAML line
	at         int    // 1 + the index to report (a YAML field's, or the original's of an inverted rule); 0: its position
}

// Field copies the value at the source path from to the target path to, through the converters
// in order. A missing source field leaves the target unset; a null stays null (converters are
// not called), so that clearing a field propagates.
func Field(from, to string, convs ...Converter) Rule {
	return Rule{kind: kindField, from: from, to: to, convs: convs}
}

// Const writes v at the target path in every record. It has no inverse (there is no source
// field to write back to) unless marked OneWay, which leaves it out of the inverse.
func Const(to string, v any) Rule {
	return Rule{kind: kindConst, to: to, value: v}
}

// Computed writes the result of f at the target path. reads declares the source paths f uses:
// they count as mapped (see Options.Unmapped) and are what an inverse (WithInverse) writes back.
func Computed(to string, f ComputeFunc, reads ...string) Rule {
	return Rule{kind: kindComputed, to: to, compute: f, reads: reads}
}

// Default returns a copy of a field rule that uses v when the source field is missing or null.
// The default is a source-side value: it goes through the converters like any other. The
// inverse has no default (it maps values that are there).
func (r Rule) Default(v any) Rule {
	r.def, r.hasDefault = v, true
	return r
}

// WithInverse returns a copy of a computed rule that Invert can reverse with f.
func (r Rule) WithInverse(f SplitFunc) Rule {
	r.split = f
	return r
}

// OneWay returns a copy that Invert leaves out instead of failing on; the inverse then ignores
// the rule's target fields (they are not reported as unmapped).
func (r Rule) OneWay() Rule {
	r.oneWay = true
	return r
}

// String describes the rule for error messages: "Industry → industry_code".
func (r Rule) String() string {
	switch r.kind {
	case kindConst:
		return "const → " + r.to
	case kindComputed:
		name := "computed"
		if r.name != "" {
			name = fmt.Sprintf("computed %q", r.name)
		}
		if len(r.reads) > 0 {
			name += " from " + strings.Join(r.reads, ", ")
		}
		return name + " → " + r.to
	case kindSplit:
		return r.from + " → " + strings.Join(r.reads, ", ")
	}
	return r.from + " → " + r.to
}

// compiled is a validated rule with parsed paths.
type compiled struct {
	Rule
	index  int
	fromP  Path
	toP    Path
	readPs []Path
	def    any
	value  any
}

// writes returns the target paths a rule writes.
func (c *compiled) writes() []Path {
	switch c.kind {
	case kindSplit:
		return c.readPs
	}
	return []Path{c.toP}
}

// sources returns the source paths a rule reads.
func (c *compiled) sources() []Path {
	switch c.kind {
	case kindField, kindSplit:
		return []Path{c.fromP}
	case kindComputed:
		return c.readPs
	}
	return nil
}

// compile validates one rule and returns every problem it has.
func compile(r Rule, index int) (*compiled, []error) {
	c := &compiled{Rule: r, index: index}
	c.convs, c.reads = slices.Clone(r.convs), slices.Clone(r.reads) // the caller may reuse its slices
	var errs []error
	path := func(what, s string) Path {
		p, err := ParsePath(s)
		if err != nil {
			errs = append(errs, invalid("%s: %v", what, err))
		}
		return p
	}
	paths := func(what string, ss []string) []Path {
		ps := make([]Path, len(ss))
		for i, s := range ss {
			ps[i] = path(fmt.Sprintf("%s[%d]", what, i), s)
		}
		return ps
	}
	switch r.kind {
	case kindField:
		c.fromP, c.toP = path("from", r.from), path("to", r.to)
		for i, conv := range r.convs {
			if conv == nil {
				errs = append(errs, invalid("converter %d is nil", i))
				continue
			}
			if err := validateConverter(conv); err != nil {
				errs = append(errs, fmt.Errorf("converter %d (%s): %w", i, converterName(conv), wrapInvalid(err)))
			}
		}
	case kindConst:
		c.toP = path("to", r.to)
		v, err := Canonical(r.value)
		if err != nil {
			errs = append(errs, invalid("constant: %v", err))
		}
		c.value = v
	case kindComputed:
		c.toP = path("to", r.to)
		c.readPs = paths("reads", r.reads)
		if r.compute == nil {
			errs = append(errs, invalid("computed field has no function"))
		}
		if r.split != nil && len(r.reads) == 0 {
			errs = append(errs, invalid("computed field has an inverse but declares no reads for it to write"))
		}
	case kindSplit:
		c.fromP = path("from", r.from)
		c.readPs = paths("to", r.reads)
		if r.split == nil {
			errs = append(errs, invalid("split has no function"))
		}
	}
	if r.hasDefault {
		if r.kind != kindField {
			errs = append(errs, invalid("a default applies to field rules only"))
		}
		v, err := Canonical(r.def)
		if err != nil {
			errs = append(errs, invalid("default: %v", err))
		}
		c.def = v
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// wrapInvalid makes a converter's validation error wrap ErrInvalidMapping.
func wrapInvalid(err error) error {
	if errors.Is(err, ErrInvalidMapping) {
		return err
	}
	return invalid("%w", err)
}
