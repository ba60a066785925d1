package conflict

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Chain asks its resolvers in order; the first that decides wins. When all
// abstain, Resolve returns an error wrapping ErrUndecided that lists their
// reasons, so a conflict is never silently left undecided.
//
// A decision's Reason is prefixed with the reasons of the resolvers that
// abstained before it ("modified 1s apart, within skew 2s: no tie rule; CRM
// owns contacts"). An error from a resolver stops the chain: a weaker
// resolver must not decide because a stronger one failed. An error wrapping
// ErrUndecided (a nested Chain that nobody decided) counts as abstaining.
type Chain struct {
	resolvers []Resolver
}

var _ Resolver = (*Chain)(nil)

// NewChain returns a Chain of at least one resolver, none nil.
func NewChain(resolvers ...Resolver) (*Chain, error) {
	if len(resolvers) == 0 {
		return nil, errors.New("conflict: NewChain: no resolvers")
	}
	for i, r := range resolvers {
		if r == nil {
			return nil, fmt.Errorf("conflict: NewChain: resolver %d is nil", i)
		}
	}
	return &Chain{resolvers: append([]Resolver(nil), resolvers...)}, nil
}

// Resolve returns the first decision of its resolvers.
func (ch *Chain) Resolve(ctx context.Context, c Conflict) (Decision, error) {
	var reasons []string
	for i, r := range ch.resolvers {
		d, err := r.Resolve(ctx, c)
		switch {
		case errors.Is(err, ErrUndecided):
			d = Decision{Reason: undecidedReason(err)}
		case err != nil:
			return Decision{}, fmt.Errorf("conflict: %s: resolver %d of %d: %w", c, i+1, len(ch.resolvers), err)
		}
		if err := d.validate(); err != nil {
			return Decision{}, fmt.Errorf("conflict: %s: resolver %d of %d: %w", c, i+1, len(ch.resolvers), err)
		}
		if d.Decided() {
			if len(reasons) > 0 {
				d.Reason = strings.Join(append(reasons, d.Reason), "; ")
			}
			return d, nil
		}
		if d.Reason == "" {
			d.Reason = fmt.Sprintf("resolver %d abstained", i+1)
		}
		reasons = append(reasons, d.Reason)
	}
	why := strings.Join(reasons, "; ")
	return Decision{Reason: why}, &undecidedError{conflict: c.String(), reasons: why}
}

// undecidedError is ErrUndecided with the conflict and the reasons.
type undecidedError struct {
	conflict, reasons string
}

func (e *undecidedError) Error() string {
	return fmt.Sprintf("conflict: %s: %s (%s)", e.conflict, ErrUndecided, e.reasons)
}

func (e *undecidedError) Unwrap() error { return ErrUndecided }

func undecidedReason(err error) string {
	if ue, ok := errors.AsType[*undecidedError](err); ok {
		return ue.reasons
	}
	return err.Error()
}
