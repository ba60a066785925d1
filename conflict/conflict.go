// Package conflict decides what happens to a field that both systems of a
// bidirectional sync changed since the last sync, to different values.
//
// The sync engine describes each such field as a Conflict (the base value
// both sides started from, each side's value, system and modification time)
// and asks a Resolver for a Decision: take the left value, take the right
// value, use a given value, or hold the field for a person (Hold). A
// resolver may also Abstain, so that resolvers compose: a Chain asks each in
// turn and the first that decides wins.
//
// The resolvers:
//
//   - Latest: the later modification time wins, with a clock-skew tolerance
//     inside which a tie rule decides (a system, never a coin flip);
//   - Authority: the system that owns the field in an authority.Table wins;
//   - ManualReview: records the conflict for a person (ReviewRecorder) and
//     holds the field; the person's Resolution comes back later;
//   - Policy: a different resolver per field or data type;
//   - Chain: the first resolver that decides.
//
// Every resolver is deterministic and symmetric: see Resolver.
package conflict

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Conflict is one field (or, with an empty Field, one record) that both
// systems changed since the last sync, to different values.
//
// The two sides are called left and right; which system is which is up to
// the caller, and the resolvers' outcome does not depend on it (see
// Resolver).
type Conflict struct {
	// Pipeline names the pipeline the conflict arose in, for reviews and
	// reports. Optional.
	Pipeline string
	// DataType is the canonical data type ("customers").
	DataType string
	// Field is the canonical field name; empty when the conflict is about
	// the record as a whole.
	Field string

	// LeftID and RightID are the record's native IDs in each system.
	LeftID, RightID string
	// LeftSystem and RightSystem name the systems as the authority table
	// does ("CRM", "ERP").
	LeftSystem, RightSystem string

	// Base is the value both sides had at the last sync (nil when unknown or
	// absent); Left and Right are each side's current value. Values are
	// canonical field values: nil, bool, string, numbers, json.Number,
	// time.Time, []any, map[string]any.
	Base, Left, Right any

	// LeftModified and RightModified are each system's modification time of
	// the record (or field, where a system reports that); zero when
	// unknown. They are compared as instants, whatever their time zones.
	LeftModified, RightModified time.Time
}

// Swap returns the conflict seen from the other side: left and right
// exchanged, everything else unchanged. Resolvers must answer it with the
// mirror of their decision for c (see Resolver).
func (c Conflict) Swap() Conflict {
	c.LeftID, c.RightID = c.RightID, c.LeftID
	c.LeftSystem, c.RightSystem = c.RightSystem, c.LeftSystem
	c.Left, c.Right = c.Right, c.Left
	c.LeftModified, c.RightModified = c.RightModified, c.LeftModified
	return c
}

// String names the conflict for errors and logs without its values (which
// may be personal data): `customers.delivery_city (CRM 1001 / ERP C-7)`.
func (c Conflict) String() string {
	return fmt.Sprintf("%s (%s %s / %s %s)", c.what(), orDash(c.LeftSystem), orDash(c.LeftID), orDash(c.RightSystem), orDash(c.RightID))
}

// what names the data type and field: `customers.delivery_city`.
func (c Conflict) what() string {
	if c.Field == "" {
		return c.DataType
	}
	return c.DataType + "." + c.Field
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// side names one side of c for reasons: `right (ERP)`, or `right` when the
// system is not known.
func (c Conflict) side(s Side) string {
	name, system := "left", c.LeftSystem
	if s == Right {
		name, system = "right", c.RightSystem
	}
	if system == "" {
		return name
	}
	return name + " (" + system + ")"
}

// Side is one side of a conflict.
type Side uint8

// The sides. The zero Side is none.
const (
	NoSide Side = iota
	Left
	Right
)

// String returns "left", "right" or "none".
func (s Side) String() string {
	switch s {
	case Left:
		return "left"
	case Right:
		return "right"
	case NoSide:
		return "none"
	default:
		return fmt.Sprintf("Side(%d)", uint8(s))
	}
}

// Action is what a Decision does with the field.
type Action uint8

// The actions. The zero Action is Abstain, so that a zero Decision never
// takes a side by accident.
const (
	// Abstain: this resolver does not decide; a Chain asks the next one. A
	// top-level Abstain leaves the conflict undecided (see ErrUndecided).
	Abstain Action = iota
	// TakeLeft: the left value wins and is written to the right side.
	TakeLeft
	// TakeRight: the right value wins and is written to the left side.
	TakeRight
	// UseValue: Decision.Value is written to both sides.
	UseValue
	// Hold: neither side is written; the field keeps its conflicting values
	// until a person decides (Decision.ReviewID names the review).
	Hold
)

// name returns the action's name, and false for an Action that does not
// exist.
func (a Action) name() (string, bool) {
	switch a {
	case Abstain:
		return "abstain", true
	case TakeLeft:
		return "take-left", true
	case TakeRight:
		return "take-right", true
	case UseValue:
		return "use-value", true
	case Hold:
		return "hold", true
	default:
		return "", false
	}
}

// String returns the action's name: "abstain", "take-left", "take-right",
// "use-value" or "hold".
func (a Action) String() string {
	if name, ok := a.name(); ok {
		return name
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// MarshalText encodes the action as its name, for run reports and JSON.
func (a Action) MarshalText() ([]byte, error) {
	name, ok := a.name()
	if !ok {
		return nil, fmt.Errorf("conflict: unknown action %d", uint8(a))
	}
	return []byte(name), nil
}

// UnmarshalText decodes an action's name.
func (a *Action) UnmarshalText(text []byte) error {
	for b := Abstain; b <= Hold; b++ {
		if name, _ := b.name(); string(text) == name {
			*a = b
			return nil
		}
	}
	return fmt.Errorf("conflict: unknown action %q (want abstain, take-left, take-right, use-value or hold)", text)
}

// Mirror returns the action for the swapped conflict: TakeLeft and
// TakeRight exchange, the others stay.
func (a Action) Mirror() Action {
	switch a {
	case TakeLeft:
		return TakeRight
	case TakeRight:
		return TakeLeft
	default:
		return a
	}
}

// Decision is a resolver's answer for one conflict.
type Decision struct {
	Action Action
	// Value is the value to write, for UseValue only.
	Value any
	// ReviewID names the review holding the field, for Hold from
	// ManualReview.
	ReviewID string
	// Reason explains the decision in a few words, for run reports and the
	// dashboard: "right (ERP) is newer by 3m12s", "ERP owns delivery_city of
	// customers by field override". An abstaining resolver says why it did
	// not decide.
	Reason string
}

// Mirror returns the decision for the swapped conflict: TakeLeft and
// TakeRight exchange; Value, ReviewID and Reason stay.
func (d Decision) Mirror() Decision {
	d.Action = d.Action.Mirror()
	return d
}

// Decided reports whether the decision is anything but Abstain.
func (d Decision) Decided() bool { return d.Action != Abstain }

// Apply returns the value the decision gives the field of c, and false for
// Hold and Abstain (nothing is written).
func (d Decision) Apply(c Conflict) (any, bool) {
	switch d.Action {
	case TakeLeft:
		return c.Left, true
	case TakeRight:
		return c.Right, true
	case UseValue:
		return d.Value, true
	default:
		return nil, false
	}
}

// ErrUndecided is returned (wrapped, naming the conflict and the reasons
// given) when no resolver decided a conflict.
var ErrUndecided = errors.New("no resolver decided")

// ErrInvalidDecision is returned (wrapped) by Chain and Policy when a
// resolver answers with an Action that does not exist.
var ErrInvalidDecision = errors.New("invalid decision")

func (d Decision) validate() error {
	if d.Action > Hold {
		return fmt.Errorf("%w: unknown action %d", ErrInvalidDecision, uint8(d.Action))
	}
	return nil
}

// Resolver decides conflicts.
//
// The contract every resolver in this package keeps, and that the sync
// engine relies on:
//
//   - Deterministic: the same Conflict always gets the same Decision (no
//     randomness, no wall clock, no map iteration order).
//   - Symmetric: Resolve(ctx, c.Swap()) returns Resolve(ctx, c).Mirror() in
//     Action, Value and ReviewID; only Reason may differ, since it names the
//     sides. Which system the engine calls left can never change the outcome.
//     (The one deliberate exception is a tie rule that names a fixed side,
//     LatestOptions.TieSide, which asks for exactly that.)
//   - Abstain, with a Reason, when it has no opinion; an error only when it
//     could not do its work (a review store that is down).
//
// Resolvers must not modify the conflict's values, which they share with
// the engine.
type Resolver interface {
	Resolve(ctx context.Context, c Conflict) (Decision, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, c Conflict) (Decision, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(ctx context.Context, c Conflict) (Decision, error) {
	return f(ctx, c)
}

var _ Resolver = ResolverFunc(nil)
