package conflict

import (
	"context"
	"errors"
	"fmt"

	"github.com/zohokit/zohokit/authority"
)

// Authority resolves a conflict in favour of the system that owns the field
// in an authority table: the system of the rule's field override that lists
// the field, else the data type's system.
//
// It abstains, with the reason, when the data type has no rule, when the
// owner is neither side, or when both sides are the owning system, so that
// a Chain can go on; used last in a Chain, that ends in an ErrUndecided
// error whose text names the data type. Data types without a rule are best
// caught before any conflict arises: authority.Table.Advise reports the
// flows whose data type has none.
type Authority struct {
	table *authority.Table
}

var _ Resolver = (*Authority)(nil)

// NewAuthority returns an Authority resolver over table.
func NewAuthority(table *authority.Table) (*Authority, error) {
	if table == nil {
		return nil, errors.New("conflict: NewAuthority: table is nil")
	}
	return &Authority{table: table}, nil
}

// Resolve takes the side that owns the field.
func (a *Authority) Resolve(_ context.Context, c Conflict) (Decision, error) {
	owner, err := a.table.FieldOwner(c.DataType, c.Field)
	if errors.Is(err, authority.ErrNoRule) {
		return Decision{Reason: fmt.Sprintf("no authority rule for data type %q", c.DataType)}, nil
	}
	if err != nil {
		return Decision{}, fmt.Errorf("conflict: %s: %w", c, err)
	}
	left, right := c.LeftSystem == owner.System, c.RightSystem == owner.System
	switch {
	case left && right:
		return Decision{Reason: fmt.Sprintf("%s, and both sides are %s", owner, owner.System)}, nil
	case left:
		return Decision{Action: TakeLeft, Reason: owner.String()}, nil
	case right:
		return Decision{Action: TakeRight, Reason: owner.String()}, nil
	default:
		return Decision{Reason: fmt.Sprintf("%s, which is neither side (%s, %s)", owner, orDash(c.LeftSystem), orDash(c.RightSystem))}, nil
	}
}
