package authority

import (
	"errors"
	"fmt"
	"strings"
)

// The conditions validation reports. Each *ValidationError wraps one of
// them, so callers can test with errors.Is on the joined error New returns.
var (
	// ErrEmpty: a required name (system name, data type, system reference,
	// field) is empty or blank, or an override lists no fields.
	ErrEmpty = errors.New("is empty")
	// ErrDuplicate: a system name or data type appears twice (names are
	// compared case-insensitively), or a field is overridden twice in a rule.
	ErrDuplicate = errors.New("duplicate")
	// ErrUnknownSystem: a rule or override names a system that is not in the
	// Config's systems.
	ErrUnknownSystem = errors.New("unknown system")
)

// ValidationError is one problem in a Config, naming where it is.
type ValidationError struct {
	// File is the file name when the Config came from Load.
	File string
	// Path locates the entry: "systems[1]", "rules[2]",
	// "rules[2].overrides[0]" (indexes from 0, in the order written).
	Path string
	// Name is the system's name for systems, the rule's data type for rules
	// and their overrides; empty when that is what is missing.
	Name string
	// Line is the 1-based line of the entry in the YAML or JSON source; 0
	// when the Config was built in code.
	Line int
	// Err is the problem; it wraps ErrEmpty, ErrDuplicate or
	// ErrUnknownSystem.
	Err error
}

// Error reads like
// `authority: line 12: rule "contacts" (rules[2]): unknown system "CMR" (...)`.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("authority: ")
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Name != "" {
		kind := "rule"
		if strings.HasPrefix(e.Path, "systems") {
			kind = "system"
		}
		fmt.Fprintf(&b, "%s %q (%s)", kind, e.Name, e.Path)
	} else {
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the problem, which wraps the condition sentinel.
func (e *ValidationError) Unwrap() error { return e.Err }

// Validate reports every problem in c at once: an errors.Join of
// *ValidationError values in the order of the entries, or nil.
//
// The checks: system names are non-empty and unique; each rule has a
// non-empty, unique data type and names a known system; each override names
// a known system and lists at least one field, every field non-empty and in
// no other override of the same rule. Names are compared case-insensitively
// for uniqueness ("CRM" and "crm" would be one system twice), but look-ups
// are exact.
func (c Config) Validate() error {
	var errs []error
	for _, e := range c.problems() {
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

func (c Config) problems() []*ValidationError {
	var errs []*ValidationError
	add := func(path, name string, line int, err error) {
		errs = append(errs, &ValidationError{Path: path, Name: name, Line: line, Err: err})
	}

	type seen struct {
		index int
		name  string
		line  int
	}
	systems := make(map[string]seen, len(c.Systems))
	var known []string
	for i, s := range c.Systems {
		path := fmt.Sprintf("systems[%d]", i)
		if blank(s.Name) {
			add(path, "", s.line, fmt.Errorf("name %w", ErrEmpty))
			continue
		}
		key := strings.ToLower(s.Name)
		if first, dup := systems[key]; dup {
			add(path, s.Name, s.line, fmt.Errorf("%w system name %q (%s)", ErrDuplicate, s.Name,
				firstAt("systems", first.index, first.name, s.Name, first.line)))
			continue
		}
		systems[key] = seen{index: i, name: s.Name, line: s.line}
		known = append(known, s.Name)
	}
	exact := make(map[string]bool, len(known))
	for _, name := range known {
		exact[name] = true
	}
	checkSystem := func(path, name string, line int, ref string) {
		switch {
		case blank(ref):
			add(path, name, line, fmt.Errorf("system %w", ErrEmpty))
		case !exact[ref]:
			add(path, name, line, unknownSystem(ref, known))
		}
	}

	types := make(map[string]seen, len(c.Rules))
	for i, r := range c.Rules {
		path := fmt.Sprintf("rules[%d]", i)
		name := r.DataType
		if blank(r.DataType) {
			name = ""
			add(path, "", r.line, fmt.Errorf("data type %w", ErrEmpty))
		} else {
			key := strings.ToLower(r.DataType)
			if first, dup := types[key]; dup {
				add(path, name, r.line, fmt.Errorf("%w data type %q (%s)", ErrDuplicate, r.DataType,
					firstAt("rules", first.index, first.name, r.DataType, first.line)))
			} else {
				types[key] = seen{index: i, name: r.DataType, line: r.line}
			}
		}
		checkSystem(path, name, r.line, r.System)

		fields := make(map[string]seen)
		for j, o := range r.Overrides {
			opath := fmt.Sprintf("%s.overrides[%d]", path, j)
			checkSystem(opath, name, o.line, o.System)
			if len(o.Fields) == 0 {
				add(opath, name, o.line, fmt.Errorf("fields %w: an override lists at least one field", ErrEmpty))
			}
			for k, f := range o.Fields {
				if blank(f) {
					add(opath, name, o.line, fmt.Errorf("fields[%d] %w", k, ErrEmpty))
					continue
				}
				if first, dup := fields[f]; dup {
					where := "earlier in this override"
					if first.index != j {
						where = fmt.Sprintf("already in overrides[%d]", first.index)
						if first.line > 0 {
							where += fmt.Sprintf(", line %d", first.line)
						}
					}
					add(opath, name, o.line, fmt.Errorf("%w field %q (%s)", ErrDuplicate, f, where))
					continue
				}
				fields[f] = seen{index: j, name: f, line: o.line}
			}
		}
	}
	return errs
}

// firstAt describes the first occurrence of a duplicated name.
func firstAt(section string, index int, firstName, name string, line int) string {
	s := fmt.Sprintf("first at %s[%d]", section, index)
	if firstName != name {
		s = fmt.Sprintf("differs only in case from %q at %s[%d]", firstName, section, index)
	}
	if line > 0 {
		s += fmt.Sprintf(", line %d", line)
	}
	return s
}

func unknownSystem(ref string, known []string) error {
	var hint string
	for _, k := range known {
		if strings.EqualFold(k, ref) {
			hint = fmt.Sprintf("did you mean %q? ", k)
			break
		}
	}
	if len(known) == 0 {
		return fmt.Errorf("%w %q (%sno systems are declared)", ErrUnknownSystem, ref, hint)
	}
	return fmt.Errorf("%w %q (%sknown systems: %s)", ErrUnknownSystem, ref, hint, strings.Join(known, ", "))
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }
