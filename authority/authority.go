// Package authority records which system owns which data: for each data type
// the one authoritative system (the system of record), why, and the fields
// of that type that another system owns instead (the CRM owns a customer's
// name and email, the ERP owns its delivery address).
//
// A Table is built from a Config, written in code or loaded from YAML or
// JSON (Parse, Load), and is validated as a whole: every problem is reported
// at once, each naming the rule and, for YAML and JSON sources, the line.
// The same Table answers the sync engine's look-ups (Owner, FieldOwner), is
// rendered as the Markdown table integrators hand to their clients
// (Markdown), and checks configured flows against the rules (Advise), so the
// documentation, the checks and the behaviour cannot drift apart.
//
// Default and DefaultYAML hold the usual Zoho assignments (contacts in Zoho
// CRM, invoices in Zoho Books, products and stock in the ERP, and so on) as a
// starting point to copy and edit.
package authority

import (
	"errors"
	"fmt"
	"slices"
)

// System is a system that can own data: Zoho CRM, Zoho Books, the client's
// ERP. Rules, field overrides and flows refer to it by Name.
type System struct {
	// Name identifies the system in rules, pipelines and conflict reasons
	// ("CRM", "ERP"). Required and unique (case-insensitively).
	Name string `yaml:"name" json:"name"`
	// Kind optionally says what sort of system it is ("zoho-crm", "erp").
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty"`
	// Description optionally says what it is, for people ("Zoho CRM, used by
	// the sales team").
	Description string `yaml:"description,omitempty" json:"description,omitempty"`

	line int // source line when decoded from YAML or JSON; 0 otherwise
}

// Override gives some fields of a data type to a system other than the
// type's authority.
type Override struct {
	// System owns the fields. Required; must be one of the Config's systems.
	System string `yaml:"system" json:"system"`
	// Fields are the canonical field names the system owns. At least one;
	// a field may appear in only one override of a rule.
	Fields []string `yaml:"fields" json:"fields"`
	// Rationale says why, for people. Optional.
	Rationale string `yaml:"rationale,omitempty" json:"rationale,omitempty"`

	line int
}

// Rule names the authoritative system of one data type.
type Rule struct {
	// DataType is the data type the rule covers, as pipelines name it
	// ("contacts", "invoices"). Required and unique (case-insensitively).
	DataType string `yaml:"data_type" json:"data_type"`
	// System is the authoritative system for every field not overridden.
	// Required; must be one of the Config's systems.
	System string `yaml:"system" json:"system"`
	// Rationale says why, for the people who read the rendered table.
	// Optional, but the table is more useful with it.
	Rationale string `yaml:"rationale,omitempty" json:"rationale,omitempty"`
	// Overrides give single fields to other systems.
	Overrides []Override `yaml:"overrides,omitempty" json:"overrides,omitempty"`

	line int
}

// Config is the authority section of a configuration file: the known
// systems and the rules. It is the `authority:` key of zohokit.yaml, and can
// be embedded in a larger configuration struct under that key; New turns it
// into a Table.
//
// Decoded with github.com/goccy/go-yaml, a Config remembers the line of each
// system, rule and override, so that New's errors name them, and it rejects
// keys it does not know (a misspelt "rationle:" is an error, not silently
// dropped) whatever options the enclosing document was decoded with.
// Decoded with encoding/json, it has the same shape but no line numbers, and
// unknown keys follow that decoder's settings.
type Config struct {
	Systems []System `yaml:"systems" json:"systems"`
	Rules   []Rule   `yaml:"rules" json:"rules"`
}

// Owner is the answer to "who owns this": the system, and why.
type Owner struct {
	DataType string
	// Field is the field asked about; empty when the question was about the
	// whole data type.
	Field string
	// System is the owning system's name.
	System string
	// Rationale is the override's rationale when ByOverride, else the rule's.
	Rationale string
	// ByOverride is true when a field override, not the type's rule, gave
	// the answer.
	ByOverride bool
}

// String says who owns what and how, for reasons and reports:
// `CRM owns contacts`, `CRM owns email of contacts as the type's authority`,
// `ERP owns delivery_city of customers by field override`.
func (o Owner) String() string {
	switch {
	case o.ByOverride:
		return fmt.Sprintf("%s owns %s of %s by field override", o.System, o.Field, o.DataType)
	case o.Field != "":
		return fmt.Sprintf("%s owns %s of %s as the type's authority", o.System, o.Field, o.DataType)
	default:
		return fmt.Sprintf("%s owns %s", o.System, o.DataType)
	}
}

// ErrNoRule is returned (wrapped, naming the data type) by look-ups for a
// data type that has no rule.
var ErrNoRule = errors.New("no authority rule for data type")

// Table is a validated set of authority rules. It is immutable and safe for
// concurrent use; build one with New, Parse, Load or Default.
type Table struct {
	systems []System
	rules   []Rule
	byType  map[string]int // data type → index in rules
	bySys   map[string]int // system name → index in systems
	// fields holds, per rule index, field → index in that rule's overrides.
	fields []map[string]int
}

// New validates cfg and returns the Table it describes. All problems are
// reported together (errors.Join of *ValidationError values, each wrapping
// one of ErrEmpty, ErrDuplicate or ErrUnknownSystem).
func New(cfg Config) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.clone()
	t := &Table{
		systems: cfg.Systems,
		rules:   cfg.Rules,
		byType:  make(map[string]int, len(cfg.Rules)),
		bySys:   make(map[string]int, len(cfg.Systems)),
		fields:  make([]map[string]int, len(cfg.Rules)),
	}
	for i, s := range cfg.Systems {
		t.bySys[s.Name] = i
	}
	for i, r := range cfg.Rules {
		t.byType[r.DataType] = i
		for j, o := range r.Overrides {
			for _, f := range o.Fields {
				if t.fields[i] == nil {
					t.fields[i] = make(map[string]int)
				}
				t.fields[i][f] = j
			}
		}
	}
	return t, nil
}

// Config returns a copy of the table's configuration, for editing and
// passing to New again, or for encoding.
func (t *Table) Config() Config {
	return Config{Systems: t.Systems(), Rules: t.Rules()}
}

// Systems returns the known systems in the order they were configured.
func (t *Table) Systems() []System {
	out := slices.Clone(t.systems)
	for i := range out {
		out[i].line = 0
	}
	return out
}

// System returns the system with that name.
func (t *Table) System(name string) (System, bool) {
	i, ok := t.bySys[name]
	if !ok {
		return System{}, false
	}
	s := t.systems[i]
	s.line = 0
	return s, true
}

// Rules returns the rules in the order they were configured.
func (t *Table) Rules() []Rule {
	out := make([]Rule, len(t.rules))
	for i, r := range t.rules {
		out[i] = r.clone()
	}
	return out
}

// Rule returns the rule for a data type.
func (t *Table) Rule(dataType string) (Rule, bool) {
	i, ok := t.byType[dataType]
	if !ok {
		return Rule{}, false
	}
	return t.rules[i].clone(), true
}

// Owner returns the authoritative system of a data type as a whole. A data
// type without a rule is an error wrapping ErrNoRule.
func (t *Table) Owner(dataType string) (Owner, error) {
	return t.FieldOwner(dataType, "")
}

// FieldOwner returns the system that owns one field of a data type: the
// system of the rule's override that lists the field, else the rule's
// system. An empty field asks about the data type as a whole. A data type
// without a rule is an error wrapping ErrNoRule.
func (t *Table) FieldOwner(dataType, field string) (Owner, error) {
	i, ok := t.byType[dataType]
	if !ok {
		return Owner{}, fmt.Errorf("authority: %w %q", ErrNoRule, dataType)
	}
	r := t.rules[i]
	if j, ok := t.fields[i][field]; ok && field != "" {
		o := r.Overrides[j]
		return Owner{DataType: dataType, Field: field, System: o.System, Rationale: o.Rationale, ByOverride: true}, nil
	}
	return Owner{DataType: dataType, Field: field, System: r.System, Rationale: r.Rationale}, nil
}

// clone returns a deep copy of c, so that a Table never shares slices with
// the caller's Config.
func (c Config) clone() Config {
	out := Config{Systems: slices.Clone(c.Systems)}
	if c.Rules != nil {
		out.Rules = make([]Rule, len(c.Rules))
		for i, r := range c.Rules {
			out.Rules[i] = r.cloneKeepLines()
		}
	}
	return out
}

func (r Rule) cloneKeepLines() Rule {
	if r.Overrides != nil {
		ov := make([]Override, len(r.Overrides))
		for i, o := range r.Overrides {
			o.Fields = slices.Clone(o.Fields)
			ov[i] = o
		}
		r.Overrides = ov
	}
	return r
}

// clone returns a deep copy without source lines: what callers of the Table
// see, so that a rule built in code and the same rule loaded from a file
// compare equal.
func (r Rule) clone() Rule {
	r = r.cloneKeepLines()
	r.line = 0
	for i := range r.Overrides {
		r.Overrides[i].line = 0
	}
	return r
}
