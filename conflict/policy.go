package conflict

import (
	"context"
	"errors"
	"fmt"
)

// PolicyRule assigns a resolver to a field, a data type, or a field of a
// data type.
type PolicyRule struct {
	// DataType limits the rule to one data type; empty means any.
	DataType string
	// Field limits the rule to one field; empty means any field (and
	// record-level conflicts).
	Field string
	// Resolver decides the conflicts the rule matches. Required.
	Resolver Resolver
}

// PolicyOptions configures a Policy.
type PolicyOptions struct {
	// Rules assign resolvers; at most one rule per (DataType, Field) pair.
	Rules []PolicyRule
	// Default decides conflicts no rule matches; nil means Policy abstains
	// on them.
	Default Resolver
}

// Policy resolves each conflict with the resolver its field or data type is
// assigned: manual review for delivery addresses, the authority table for
// invoices, latest timestamp for everything else.
//
// The most specific rule wins: one naming both the data type and the field,
// then one naming only the field (in any data type), then one naming only
// the data type, then Default. The chosen resolver's decision, abstention
// or error is Policy's.
type Policy struct {
	exact   map[[2]string]Resolver
	byField map[string]Resolver
	byType  map[string]Resolver
	def     Resolver
}

var _ Resolver = (*Policy)(nil)

// NewPolicy returns a Policy. Every problem in opts is reported at once,
// naming the rule.
func NewPolicy(opts *PolicyOptions) (*Policy, error) {
	var o PolicyOptions
	if opts != nil {
		o = *opts
	}
	p := &Policy{
		exact:   make(map[[2]string]Resolver),
		byField: make(map[string]Resolver),
		byType:  make(map[string]Resolver),
		def:     o.Default,
	}
	var errs []error
	first := make(map[[2]string]int)
	for i, r := range o.Rules {
		key := [2]string{r.DataType, r.Field}
		switch {
		case r.Resolver == nil:
			errs = append(errs, fmt.Errorf("conflict: PolicyOptions.Rules[%d] (%s): Resolver is nil", i, ruleName(r)))
			continue
		case r.DataType == "" && r.Field == "":
			errs = append(errs, fmt.Errorf("conflict: PolicyOptions.Rules[%d]: neither DataType nor Field is set (use Default)", i))
			continue
		}
		if j, dup := first[key]; dup {
			errs = append(errs, fmt.Errorf("conflict: PolicyOptions.Rules[%d] (%s): duplicate of Rules[%d]", i, ruleName(r), j))
			continue
		}
		first[key] = i
		switch {
		case r.DataType != "" && r.Field != "":
			p.exact[key] = r.Resolver
		case r.Field != "":
			p.byField[r.Field] = r.Resolver
		default:
			p.byType[r.DataType] = r.Resolver
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func ruleName(r PolicyRule) string {
	switch {
	case r.DataType != "" && r.Field != "":
		return fmt.Sprintf("field %q of %q", r.Field, r.DataType)
	case r.Field != "":
		return fmt.Sprintf("field %q", r.Field)
	default:
		return fmt.Sprintf("data type %q", r.DataType)
	}
}

// Resolve passes c to the resolver of the most specific matching rule.
func (p *Policy) Resolve(ctx context.Context, c Conflict) (Decision, error) {
	r := p.resolver(c)
	if r == nil {
		return Decision{Reason: fmt.Sprintf("no policy for %s", c.what())}, nil
	}
	d, err := r.Resolve(ctx, c)
	if err != nil {
		return Decision{}, err
	}
	if err := d.validate(); err != nil {
		return Decision{}, fmt.Errorf("conflict: %s: %w", c, err)
	}
	return d, nil
}

func (p *Policy) resolver(c Conflict) Resolver {
	if c.Field != "" {
		if r, ok := p.exact[[2]string{c.DataType, c.Field}]; ok {
			return r
		}
		if r, ok := p.byField[c.Field]; ok {
			return r
		}
	}
	if r, ok := p.byType[c.DataType]; ok {
		return r
	}
	return p.def
}
