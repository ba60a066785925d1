package conflict

import (
	"context"
	"fmt"
	"time"
)

// LatestOptions configures Latest. The zero value compares exact instants
// and abstains on ties.
type LatestOptions struct {
	// Skew is the clock-skew tolerance: modification times at most Skew
	// apart are a tie, decided by the tie rule, because the two systems'
	// clocks cannot be trusted to order them. Zero means only equal instants
	// tie. Must not be negative.
	Skew time.Duration
	// TieSystem names the system that wins ties ("CRM"), typically the data
	// type's authority. It applies when exactly one side is that system.
	// To let the authority table break ties instead, leave the tie rule
	// empty and chain Latest with Authority.
	TieSystem string
	// TieSide makes a fixed side win ties that TieSystem did not decide.
	// It breaks the symmetry contract of Resolver on purpose (the winner
	// depends on which system the engine calls left), so prefer TieSystem.
	TieSide Side
}

// Latest resolves a conflict in favour of the side modified last.
//
// Modification times are compared as instants: 10:00+02:00 and 08:00Z are
// the same time. When they are at most Skew apart, or when either is zero
// (the system did not say when it changed the record), the tie rule
// decides: TieSystem if exactly one side is that system, else TieSide if
// set, else Latest abstains so that a Chain can go on (to Authority or
// ManualReview, say). It never picks at random.
type Latest struct {
	skew      time.Duration
	tieSystem string
	tieSide   Side
}

var _ Resolver = (*Latest)(nil)

// NewLatest returns a Latest resolver. opts may be nil.
func NewLatest(opts *LatestOptions) (*Latest, error) {
	var o LatestOptions
	if opts != nil {
		o = *opts
	}
	if o.Skew < 0 {
		return nil, fmt.Errorf("conflict: LatestOptions.Skew is negative (%s)", o.Skew)
	}
	if o.TieSide > Right {
		return nil, fmt.Errorf("conflict: LatestOptions.TieSide is not a side (%s)", o.TieSide)
	}
	return &Latest{skew: o.Skew, tieSystem: o.TieSystem, tieSide: o.TieSide}, nil
}

// Resolve takes the side modified last, or applies the tie rule.
func (l *Latest) Resolve(_ context.Context, c Conflict) (Decision, error) {
	// Round(0) drops monotonic clock readings, so that only the instants
	// count.
	lt, rt := c.LeftModified.Round(0), c.RightModified.Round(0)
	var why string
	switch {
	case lt.IsZero() && rt.IsZero():
		why = "both modification times unknown"
	case lt.IsZero():
		why = c.side(Left) + " modification time unknown"
	case rt.IsZero():
		why = c.side(Right) + " modification time unknown"
	case lt.Equal(rt):
		why = "modified at the same instant"
	default:
		newer, apart := Left, lt.Sub(rt)
		if rt.After(lt) {
			newer, apart = Right, rt.Sub(lt)
		}
		if apart > l.skew {
			return Decision{Action: take(newer), Reason: fmt.Sprintf("%s is newer by %s", c.side(newer), apart)}, nil
		}
		why = fmt.Sprintf("modified %s apart, within skew %s", apart, l.skew)
	}
	return l.tie(c, why), nil
}

// tie applies the tie rule.
func (l *Latest) tie(c Conflict, why string) Decision {
	if l.tieSystem != "" {
		switch {
		case c.LeftSystem == l.tieSystem && c.RightSystem != l.tieSystem:
			return Decision{Action: TakeLeft, Reason: why + ": tie goes to " + l.tieSystem}
		case c.RightSystem == l.tieSystem && c.LeftSystem != l.tieSystem:
			return Decision{Action: TakeRight, Reason: why + ": tie goes to " + l.tieSystem}
		}
	}
	if l.tieSide != NoSide {
		return Decision{Action: take(l.tieSide), Reason: why + ": tie goes to the " + l.tieSide.String() + " side"}
	}
	if l.tieSystem != "" {
		return Decision{Reason: fmt.Sprintf("%s: tie rule names %s, and not exactly one side is %s", why, l.tieSystem, l.tieSystem)}
	}
	return Decision{Reason: why + ": no tie rule"}
}

// take returns the action that takes side s.
func take(s Side) Action {
	if s == Left {
		return TakeLeft
	}
	return TakeRight
}
