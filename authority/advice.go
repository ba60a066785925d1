package authority

import (
	"fmt"
	"slices"
	"strings"
)

// Strategy is how a flow moves data.
type Strategy string

// The three kinds of flow.
const (
	// Push sends events from Source to Target as they happen.
	Push Strategy = "push"
	// Pull reads what changed in Source on a schedule and updates Target.
	Pull Strategy = "pull"
	// Bidirectional lets both systems edit and syncs both ways; Source and
	// Target are then just the two systems.
	Bidirectional Strategy = "bidirectional"
)

// Flow is what Advise needs to know about one configured pipeline.
type Flow struct {
	Pipeline string
	DataType string
	Strategy Strategy
	// Source and Target are system names as the table knows them. For a
	// one-way flow data goes from Source to Target.
	Source, Target string
	// Fields optionally lists the canonical fields the flow carries; empty
	// means the whole record. With it, Advise can tell that a flow into a
	// type's authority carries only the fields the source owns by override.
	Fields []string
}

// AdviceKind classifies an AdviceItem.
type AdviceKind string

// The kinds of advice.
const (
	// OneWayWouldDo: a bidirectional flow where only one of the two systems
	// owns anything it carries; a one-way flow from that system would do,
	// with no conflicts to resolve.
	OneWayWouldDo AdviceKind = "one-way-would-do"
	// WritesIntoAuthority: a one-way flow writes data into the system that
	// owns it, overwriting the system of record.
	WritesIntoAuthority AdviceKind = "writes-into-authority"
	// NoAuthorityInFlow: a bidirectional flow between two systems neither
	// of which owns what it carries.
	NoAuthorityInFlow AdviceKind = "no-authority-in-flow"
	// NoRule: the flow's data type has no rule, so nothing can be checked
	// and the authority conflict resolver cannot decide for it.
	NoRule AdviceKind = "no-rule"
	// UnknownSystem: the flow names a system the table does not know.
	UnknownSystem AdviceKind = "unknown-system"
	// InvalidFlow: the flow itself is malformed (unknown strategy, missing
	// data type or system, source equal to target).
	InvalidFlow AdviceKind = "invalid-flow"
)

// AdviceItem is one finding about one flow.
type AdviceItem struct {
	Pipeline string
	DataType string
	Kind     AdviceKind
	// Message says what is wrong and what to do, in a sentence or two.
	Message string
}

// String reads like `pipeline "contacts-sync" (contacts): one-way-would-do: ...`.
func (a AdviceItem) String() string {
	return fmt.Sprintf("pipeline %q (%s): %s: %s", a.Pipeline, a.DataType, a.Kind, a.Message)
}

// Advice is the list of findings Advise returns, in the order of the flows.
type Advice []AdviceItem

// String renders one finding per line; it is empty when there is nothing to
// say.
func (a Advice) String() string {
	var b strings.Builder
	for _, item := range a {
		b.WriteString(item.String())
		b.WriteString("\n")
	}
	return b.String()
}

// Advise checks the flows a user configured against the table:
//
//   - a bidirectional flow where only one side owns what the flow carries
//     (the type's authority, with no field override giving the other side
//     ownership) is OneWayWouldDo: a one-way flow from that side avoids
//     conflicts altogether; where neither side owns anything it is
//     NoAuthorityInFlow;
//   - a one-way flow whose target owns some of what it carries is
//     WritesIntoAuthority: it overwrites the system of record;
//   - a flow whose data type has no rule is NoRule; malformed flows and
//     flows naming unknown systems are reported too, and not checked further.
//
// A bidirectional flow where each side owns some fields (the CRM the name,
// the ERP the delivery address) is what bidirectional sync is for, and gets
// no advice. Advise returns nil when all is well.
func (t *Table) Advise(flows []Flow) Advice {
	var out Advice
	for _, f := range flows {
		out = append(out, t.advise(f)...)
	}
	return out
}

func (t *Table) advise(f Flow) Advice {
	var out Advice
	say := func(kind AdviceKind, format string, args ...any) {
		out = append(out, AdviceItem{Pipeline: f.Pipeline, DataType: f.DataType, Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case f.Strategy != Push && f.Strategy != Pull && f.Strategy != Bidirectional:
		say(InvalidFlow, "unknown strategy %q (want %s, %s or %s)", f.Strategy, Push, Pull, Bidirectional)
	case blank(f.DataType):
		say(InvalidFlow, "the data type is empty")
	case blank(f.Source) || blank(f.Target):
		say(InvalidFlow, "the source or target system is empty")
	case f.Source == f.Target:
		say(InvalidFlow, "source and target are both %s", f.Source)
	}
	if len(out) > 0 {
		return out
	}
	for _, s := range []string{f.Source, f.Target} {
		if _, ok := t.bySys[s]; !ok {
			say(UnknownSystem, "%v", unknownSystem(s, t.systemNames()))
		}
	}
	if len(out) > 0 {
		return out
	}
	i, ok := t.byType[f.DataType]
	if !ok {
		say(NoRule, "no authority rule for data type %q: add one so that its flows can be checked and its conflicts decided by authority", f.DataType)
		return out
	}
	r := t.rules[i]
	srcOwns, tgtOwns := t.owned(i, f, f.Source), t.owned(i, f, f.Target)

	if f.Strategy != Bidirectional {
		if tgtOwns.any() {
			msg := fmt.Sprintf("%s flow %s → %s writes %s into %s, which owns %s: it overwrites the system of record",
				f.Strategy, f.Source, f.Target, tgtOwns.describe(r.DataType), f.Target, tgtOwns.pronoun())
			switch {
			case !tgtOwns.rest:
				msg += "; leave those fields out of the flow"
			case srcOwns.any():
				msg += fmt.Sprintf("; only %s, which %s owns, should flow this way: list them as the flow's fields",
					srcOwns.describe(r.DataType), f.Source)
			default:
				msg += fmt.Sprintf("; reverse it (%s → %s) or drop it", f.Target, f.Source)
			}
			say(WritesIntoAuthority, "%s", msg)
		}
		return out
	}
	switch {
	case srcOwns.any() && tgtOwns.any():
		// Each side owns part of the data: what bidirectional sync is for.
	case srcOwns.any() || tgtOwns.any():
		owner, other := f.Source, f.Target
		if tgtOwns.any() {
			owner, other = other, owner
		}
		say(OneWayWouldDo, "%s is the only owner of %s in this flow (no field override gives %s ownership): a one-way flow %s → %s would do, with no conflicts to resolve",
			owner, r.DataType, other, owner, other)
	default:
		say(NoAuthorityInFlow, "neither %s nor %s owns %s (%s does): syncing two copies both ways has no system of record; feed both one-way from %s",
			f.Source, f.Target, r.DataType, r.System, r.System)
	}
	return out
}

// ownership is what one system owns of what a flow carries.
type ownership struct {
	rest   bool     // the fields no override gives away (the system is the type's authority)
	fields []string // fields owned by name
}

func (o ownership) any() bool { return o.rest || len(o.fields) > 0 }

func (o ownership) describe(dataType string) string {
	if o.rest {
		return dataType
	}
	return fmt.Sprintf("the fields %s of %s", strings.Join(o.fields, ", "), dataType)
}

func (o ownership) pronoun() string {
	if o.rest {
		return "it"
	}
	return "them"
}

// owned returns what system owns of the fields flow f carries, under rule i.
func (t *Table) owned(i int, f Flow, system string) ownership {
	r := t.rules[i]
	var o ownership
	if len(f.Fields) == 0 {
		o.rest = r.System == system
		if o.rest {
			return o
		}
		for _, ov := range r.Overrides {
			if ov.System == system {
				o.fields = append(o.fields, ov.Fields...)
			}
		}
		return o
	}
	for _, field := range f.Fields {
		owner := r.System
		if j, ok := t.fields[i][field]; ok {
			owner = r.Overrides[j].System
		}
		if owner == system && !slices.Contains(o.fields, field) {
			o.fields = append(o.fields, field)
		}
	}
	return o
}

func (t *Table) systemNames() []string {
	names := make([]string, len(t.systems))
	for i, s := range t.systems {
		names[i] = s.Name
	}
	return names
}
