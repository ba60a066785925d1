package transform

import (
	"errors"
	"slices"
	"strings"
)

// inverseSuffix marks the name of an inverted mapping.
const inverseSuffix = " (inverse)"

// Invert returns the mapping in the other direction: target records back to source records.
// Each field rule is reversed with its converters inverted in reverse order; a computed field
// becomes its inverse (WithInverse); rules marked OneWay are left out and their target paths
// ignored. Options carry over with Ignore and IgnoreTarget swapped. Defaults apply forward only.
//
// Where a rule has no exact inverse (a many-to-one value map, a computed field without an
// inverse, a constant, a lossy rounding, a look-up without a reverse function, a date-time
// that loses precision) or two rules read the same source path (their inverses would both
// write it), Invert returns every such problem at once, each a *RuleError naming the field and
// wrapping ErrNotInvertible or ErrInvalidMapping.
//
// For invertible mappings, applying the mapping and then its inverse gives back the record
// (see the package documentation for the exact guarantees), and inverting twice gives a
// mapping that behaves like the original.
func (m *Mapping) Invert() (*Mapping, error) {
	name := m.name + inverseSuffix
	if base, ok := strings.CutSuffix(m.name, inverseSuffix); ok {
		name = base
	}
	var rules []Rule
	var errs []error
	ignore := slices.Clone(m.opts.IgnoreTarget)
	for _, c := range m.rules {
		if c.oneWay {
			for _, w := range c.writes() {
				ignore = append(ignore, w.String())
			}
			continue
		}
		r, err := invertRule(c.Rule, c.index)
		if err != nil {
			errs = append(errs, &RuleError{Mapping: m.name, Index: c.index, Rule: c.Rule.String(), Line: c.line, Err: err})
			continue
		}
		rules = append(rules, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return New(name, rules, &Options{Unmapped: m.opts.Unmapped, Ignore: ignore, IgnoreTarget: m.opts.Ignore})
}

// invertRule reverses one rule.
func invertRule(r Rule, index int) (Rule, error) {
	inv := Rule{line: r.line, name: r.name, at: index + 1}
	switch r.kind {
	case kindConst:
		return Rule{}, notInvertible("a constant has no source field to write back to (mark it one_way to leave it out of the inverse)")
	case kindComputed:
		if r.split == nil {
			return Rule{}, notInvertible("computed field has no inverse (give one, or mark it one_way)")
		}
		inv.kind, inv.from, inv.reads, inv.split, inv.compute = kindSplit, r.to, r.reads, r.split, r.compute
		return inv, nil
	case kindSplit:
		inv.kind, inv.to, inv.reads, inv.compute, inv.split = kindComputed, r.from, r.reads, r.compute, r.split
		return inv, nil
	}
	inv.kind, inv.from, inv.to = kindField, r.to, r.from
	var errs []error
	for i := len(r.convs) - 1; i >= 0; i-- {
		c, err := inverseOf(r.convs[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		inv.convs = append(inv.convs, c)
	}
	return inv, errors.Join(errs...)
}
