package transform

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Case is a case conversion for Normalize.
type Case string

// Case conversions.
const (
	CaseKeep  Case = ""      // leave the case alone
	CaseLower Case = "lower" // Unicode lower case
	CaseUpper Case = "upper" // Unicode upper case
)

// Normalize is a string converter: trim, collapse runs of white space, change case, NFC, and
// turn an empty result into null. The zero value passes strings through unchanged. It also is
// the YAML shape of the `string:` converter. A value that is not a string is an error.
//
// Invertibility: trimming, collapsing, NFC and empty-as-null are projections (applying them
// twice changes nothing), so the inverse is the same normalisation: both sides stay normalised,
// and values that were not normalised come back normalised. A case conversion loses the
// original case, so a Normalize with a Case has no inverse.
type Normalize struct {
	// Trim removes leading and trailing white space.
	Trim bool `yaml:"trim,omitempty" json:"trim,omitempty"`
	// CollapseSpaces replaces every run of white space with one space.
	CollapseSpaces bool `yaml:"collapse_spaces,omitempty" json:"collapse_spaces,omitempty"`
	// Case converts to lower or upper case.
	Case Case `yaml:"case,omitempty" json:"case,omitempty"`
	// NFC puts the string in Unicode normalisation form C (composed characters), so that "é"
	// typed two ways compares equal.
	NFC bool `yaml:"nfc,omitempty" json:"nfc,omitempty"`
	// EmptyAsNull writes null instead of an empty string (after trimming): one system's "" and
	// the other's null then compare equal.
	EmptyAsNull bool `yaml:"empty_as_null,omitempty" json:"empty_as_null,omitempty"`
}

// Trim returns a converter that trims white space and collapses inner runs of it.
func Trim() Normalize { return Normalize{Trim: true, CollapseSpaces: true} }

// Convert normalises a string.
func (n Normalize) Convert(_ context.Context, v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, badValue("want a string, got %T", v)
	}
	if n.NFC {
		s = norm.NFC.String(s)
	}
	if n.CollapseSpaces {
		s = collapseSpaces(s)
	}
	if n.Trim {
		s = strings.TrimSpace(s)
	}
	switch n.Case {
	case CaseLower:
		s = strings.ToLower(s)
	case CaseUpper:
		s = strings.ToUpper(s)
	}
	if n.EmptyAsNull && s == "" {
		return nil, nil
	}
	return s, nil
}

// collapseSpaces replaces each run of Unicode white space with one ASCII space.
func collapseSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inSpace := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !inSpace {
				b.WriteByte(' ')
			}
			inSpace = true
			continue
		}
		inSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

// Inverse returns the same normalisation, or an error when it changes case.
func (n Normalize) Inverse() (Converter, error) {
	if n.Case != CaseKeep {
		return nil, notInvertible("case conversion to %s is many-to-one", n.Case)
	}
	return n, nil
}

// Validate checks the case name.
func (n Normalize) Validate() error {
	switch n.Case {
	case CaseKeep, CaseLower, CaseUpper:
		return nil
	}
	return invalid("unknown case %q (want lower or upper)", n.Case)
}

// String describes the converter.
func (n Normalize) String() string {
	var parts []string
	if n.Trim {
		parts = append(parts, "trim")
	}
	if n.CollapseSpaces {
		parts = append(parts, "collapse spaces")
	}
	if n.Case != CaseKeep {
		parts = append(parts, string(n.Case)+" case")
	}
	if n.NFC {
		parts = append(parts, "NFC")
	}
	if n.EmptyAsNull {
		parts = append(parts, "empty as null")
	}
	return fmt.Sprintf("string (%s)", strings.Join(parts, ", "))
}
