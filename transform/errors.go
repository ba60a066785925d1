package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Errors returned by this package wrap them, so callers test with errors.Is
// (through a *MappingError too: it unwraps to every field error).
var (
	// ErrInvalidValue: a converter cannot read a value (wrong type, unparsable text, out of range).
	ErrInvalidValue = errors.New("invalid value")
	// ErrUnknownValue: a picklist value is not in the value map and the unknown policy is "error".
	ErrUnknownValue = errors.New("value not in the value map")
	// ErrInexact: a decimal has more fraction digits than the target scale and the rounding mode is
	// RoundExact.
	ErrInexact = errors.New("value needs rounding")
	// ErrNotFound is what a LookupFunc returns (wrapped or not) when an id has no counterpart in
	// the other system; the sync engine can test for it to park a record until its parent exists.
	ErrNotFound = errors.New("no match")
	// ErrUnmapped: a source field that no rule reads, when Options.Unmapped is UnmappedError.
	ErrUnmapped = errors.New("unmapped source field")
	// ErrSkip is returned by a ComputeFunc or SplitFunc to leave its target fields unset.
	ErrSkip = errors.New("skip field")
	// ErrNotInvertible: Invert met a rule or converter that has no exact inverse.
	ErrNotInvertible = errors.New("not invertible")
	// ErrInvalidMapping: New (or a YAML Build) met a rule that cannot work.
	ErrInvalidMapping = errors.New("invalid mapping")
)

// FieldError is one field that failed while a mapping was applied.
type FieldError struct {
	// Path is where the offending value is: the source path for field rules, the target path for
	// constants and computed fields, the source path of an unmapped field.
	Path string
	// Value is the offending value as read from the source record (nil when it was missing).
	Value any
	// Err says what was wrong; it wraps one of the sentinels or the error of a user function.
	Err error
}

// Error formats the error as "path: value: reason".
func (e FieldError) Error() string {
	return e.Path + ": " + formatValue(e.Value) + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e FieldError) Unwrap() error { return e.Err }

// MappingError is what Apply returns when fields fail: every failing field, not only the first.
type MappingError struct {
	// Mapping is the name of the mapping.
	Mapping string
	// Errors lists the failures in rule order, then unmapped fields in path order.
	Errors []FieldError
}

// Error lists every field error.
func (e *MappingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transform: mapping %q: ", e.Mapping)
	if len(e.Errors) == 1 {
		b.WriteString(e.Errors[0].Error())
		return b.String()
	}
	fmt.Fprintf(&b, "%d field errors: ", len(e.Errors))
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Unwrap returns every field error, so errors.Is and errors.As look into all of them.
func (e *MappingError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		errs[i] = fe
	}
	return errs
}

// RuleError is a problem with one rule of a mapping, found while building it (New, YAML Build)
// or inverting it (Invert). Several are returned together with errors.Join.
type RuleError struct {
	// Mapping is the name of the mapping.
	Mapping string
	// Index is the rule's position in the mapping (0-based), or -1 for a mapping-level option.
	Index int
	// Rule describes the rule ("Industry → industry_code") or names the option ("ignore").
	Rule string
	// Line is the rule's line in the YAML file, 0 when the mapping was built in Go.
	Line int
	// Err is the cause; it wraps ErrInvalidMapping or ErrNotInvertible.
	Err error
}

// Error names the mapping, the rule, its line and the cause.
func (e *RuleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transform: mapping %q: ", e.Mapping)
	if e.Index >= 0 {
		fmt.Fprintf(&b, "field %d (%s)", e.Index, e.Rule)
	} else {
		b.WriteString(e.Rule)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *RuleError) Unwrap() error { return e.Err }

// invalid returns an error wrapping ErrInvalidMapping.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidMapping}, args...)...)
}

// notInvertible returns an error wrapping ErrNotInvertible.
func notInvertible(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotInvertible}, args...)...)
}

// badValue returns an error wrapping ErrInvalidValue.
func badValue(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidValue}, args...)...)
}

// maxValueText caps how much of a value an error message shows.
const maxValueText = 80

// formatValue renders a value for an error message: strings quoted, numbers plain, long values
// cut short.
func formatValue(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > maxValueText {
			return strconv.Quote(x[:maxValueText]) + "…"
		}
		return strconv.Quote(x)
	case json.Number:
		s = string(x)
	case time.Time:
		s = x.Format(time.RFC3339Nano)
	default:
		s = fmt.Sprintf("%v", x)
	}
	if len(s) > maxValueText {
		s = s[:maxValueText] + "…"
	}
	return s
}
