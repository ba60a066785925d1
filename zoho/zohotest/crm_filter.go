package zohotest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Filters shared by search criteria and COQL: a literal is compiled for the
// type of the field it is compared with, then compared with stored values.
// Date-times compare as instants (whatever their offsets), numbers as
// numbers, ids numerically, text case-insensitively, lookups by id or name.

// kind is how a field's values compare.
type kind int

const (
	kindText kind = iota
	kindNumber
	kindID
	kindDate
	kindDateTime
	kindBool
	kindRef // lookups and users: by id, or by name
	kindList
)

func kindOf(t FieldType) kind {
	switch t {
	case FieldInteger, FieldDouble, FieldCurrency:
		return kindNumber
	case FieldBigInt:
		return kindID
	case FieldDate:
		return kindDate
	case FieldDateTime:
		return kindDateTime
	case FieldBoolean:
		return kindBool
	case FieldLookup, FieldOwner:
		return kindRef
	case FieldMultiSelect:
		return kindList
	}
	return kindText
}

// operand is a literal compiled for a field.
type operand struct {
	k   kind
	s   string // text lower-cased; dates; ids; refs lower-cased
	num float64
	t   time.Time
	b   bool
}

func parseDateTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if strings.Contains(s, " ") {
			return t, fmt.Errorf("%q is not an ISO 8601 date-time (a '+' in the offset must be URL-encoded as %%2B)", s)
		}
		return t, fmt.Errorf("%q is not an ISO 8601 date-time with offset", s)
	}
	return t, nil
}

// compileOperand reads raw as a value of a field of type t.
func compileOperand(t FieldType, raw string) (operand, error) {
	o := operand{k: kindOf(t)}
	switch o.k {
	case kindNumber:
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return o, fmt.Errorf("%q is not a number", raw)
		}
		o.num = n
	case kindID:
		if !isDigits(raw) {
			return o, fmt.Errorf("%q is not an id", raw)
		}
		o.s = raw
	case kindDate:
		if _, err := time.Parse(time.DateOnly, raw); err != nil {
			return o, fmt.Errorf("%q is not a date (yyyy-MM-dd)", raw)
		}
		o.s = raw
	case kindDateTime:
		tm, err := parseDateTime(raw)
		if err != nil {
			return o, err
		}
		o.t = tm
	case kindBool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return o, fmt.Errorf("%q is not true or false", raw)
		}
		o.b = b
	default:
		o.s = strings.ToLower(raw)
	}
	return o, nil
}

// ordered reports whether values of kind k have an order (for <, >,
// between).
func (k kind) ordered() bool {
	switch k {
	case kindNumber, kindID, kindDate, kindDateTime:
		return true
	}
	return false
}

// cmpStored compares a stored value with an operand: -1, 0 or 1, and false
// when the value is null or cannot compare.
func (c *CRM) cmpStored(v any, o operand) (int, bool) {
	if v == nil {
		return 0, false
	}
	switch o.k {
	case kindNumber:
		n, ok := v.(json.Number)
		if !ok {
			return 0, false
		}
		f, err := n.Float64()
		if err != nil {
			return 0, false
		}
		switch {
		case f < o.num:
			return -1, true
		case f > o.num:
			return 1, true
		}
		return 0, true
	case kindID:
		return compareIDs(toString(v), o.s), true
	case kindDate:
		return strings.Compare(toString(v), o.s), true
	case kindDateTime:
		t, ok := v.(time.Time)
		if !ok {
			return 0, false
		}
		return t.Compare(o.t), true
	case kindBool:
		b, ok := v.(bool)
		if !ok || b != o.b {
			return 1, ok
		}
		return 0, true
	case kindRef:
		if c.refMatches(v, o.s) {
			return 0, true
		}
		return 1, true
	case kindList:
		list, _ := v.([]any)
		for _, e := range list {
			if s, _ := e.(string); strings.ToLower(s) == o.s {
				return 0, true
			}
		}
		return 1, true
	}
	return strings.Compare(strings.ToLower(toString(v)), o.s), true
}

// refMatches reports whether a lookup's id or name equals s (lower case).
func (c *CRM) refMatches(v any, s string) bool {
	switch x := v.(type) {
	case lookupRef:
		if x.id == s {
			return true
		}
		if m := c.module(x.module); m != nil {
			return strings.ToLower(m.displayName(m.byID[x.id])) == s
		}
	case userRef:
		u := c.s.opts.CurrentUser
		return x.id == s || (x.id == u.ID && (strings.ToLower(u.Name()) == s || strings.ToLower(u.Email) == s))
	}
	return false
}

// textOf returns a stored value as lower-case text for prefix and pattern
// matches; lookups match by name.
func (c *CRM) textOf(v any) string {
	switch x := v.(type) {
	case lookupRef:
		if m := c.module(x.module); m != nil {
			return strings.ToLower(m.displayName(m.byID[x.id]))
		}
		return ""
	case userRef:
		return strings.ToLower(c.s.opts.CurrentUser.Name())
	}
	return strings.ToLower(toString(v))
}
