package transform

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// MaxIndex is the largest array index a path may hold, so that a path cannot make Apply allocate
// a huge array.
const MaxIndex = 9999

// Path addresses a value inside a record: object keys separated by dots, array elements by
// index in brackets. Examples: "Account_Name", "Billing_Address.Street", "Owner.id",
// "line_items[0].sku", "matrix[1][2]". Keys may hold any character except '.', '[' and ']';
// a path starts with a key. The zero Path is invalid.
type Path struct {
	text string
	segs []segment
}

// segment is one step of a path: a key (index < 0) or an array index.
type segment struct {
	key   string
	index int
}

// ParsePath parses a path and reports what is wrong with a malformed one.
func ParsePath(s string) (Path, error) {
	if s == "" {
		return Path{}, errors.New("empty path")
	}
	if strings.TrimSpace(s) != s {
		return Path{}, fmt.Errorf("path %q has leading or trailing spaces", s)
	}
	var segs []segment
	for part := range strings.SplitSeq(s, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" {
			return Path{}, fmt.Errorf("path %q has an empty key", s)
		}
		if strings.Contains(key, "]") {
			return Path{}, fmt.Errorf("path %q: unexpected ']' in key %q", s, key)
		}
		segs = append(segs, segment{key: key, index: -1})
		if part == key {
			continue
		}
		rest = "[" + rest
		for rest != "" {
			if rest[0] != '[' {
				return Path{}, fmt.Errorf("path %q: unexpected %q after an index", s, rest)
			}
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return Path{}, fmt.Errorf("path %q: missing ']'", s)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || rest[1] == '+' || rest[1] == '-' {
				return Path{}, fmt.Errorf("path %q: index %q is not a non-negative integer", s, rest[1:end])
			}
			if n > MaxIndex {
				return Path{}, fmt.Errorf("path %q: index %d is larger than %d", s, n, MaxIndex)
			}
			segs = append(segs, segment{index: n})
			rest = rest[end+1:]
		}
	}
	return Path{text: s, segs: segs}, nil
}

// String returns the path as written.
func (p Path) String() string { return p.text }

// Get returns the value at the path and whether it is present. A value of nil (JSON null) is
// present; a key that is absent, an index past the end, or a step through a scalar is not.
// Besides map[string]any and []any it walks other maps with string keys and other slices.
func (p Path) Get(rec map[string]any) (any, bool) {
	var cur any = rec
	for _, s := range p.segs {
		var ok bool
		if cur, ok = step(cur, s); !ok {
			return nil, false
		}
	}
	return cur, true
}

// step reads one segment from a container.
func step(cur any, s segment) (any, bool) {
	if s.index < 0 {
		if m, ok := cur.(map[string]any); ok {
			v, ok := m[s.key]
			return v, ok
		}
		rv := reflect.ValueOf(cur)
		if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
			return nil, false
		}
		v := rv.MapIndex(reflect.ValueOf(s.key).Convert(rv.Type().Key()))
		if !v.IsValid() {
			return nil, false
		}
		return v.Interface(), true
	}
	if a, ok := cur.([]any); ok {
		if s.index >= len(a) {
			return nil, false
		}
		return a[s.index], true
	}
	rv := reflect.ValueOf(cur)
	if (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || s.index >= rv.Len() {
		return nil, false
	}
	return rv.Index(s.index).Interface(), true
}

// Set stores v at the path, creating the objects and arrays on the way (an array grows with
// nulls up to the index). It fails when the record holds a scalar, or the other kind of
// container, where the path needs an object or an array.
func (p Path) Set(rec map[string]any, v any) error {
	if len(p.segs) == 0 {
		return errors.New("set: empty path")
	}
	_, err := setIn(rec, p.segs, v, p.text)
	return err
}

// setIn stores v under cur at segs and returns the (possibly new) container.
func setIn(cur any, segs []segment, v any, text string) (any, error) {
	if len(segs) == 0 {
		return v, nil
	}
	s := segs[0]
	if s.index < 0 {
		m, ok := cur.(map[string]any)
		if cur == nil {
			m, ok = map[string]any{}, true
		}
		if !ok {
			return nil, fmt.Errorf("set %s: %s holds %T, not an object", text, s.key, cur)
		}
		child, err := setIn(m[s.key], segs[1:], v, text)
		if err != nil {
			return nil, err
		}
		m[s.key] = child
		return m, nil
	}
	a, ok := cur.([]any)
	if cur == nil {
		ok = true
	}
	if !ok {
		return nil, fmt.Errorf("set %s: [%d] needs an array, found %T", text, s.index, cur)
	}
	for len(a) <= s.index {
		a = append(a, nil)
	}
	child, err := setIn(a[s.index], segs[1:], v, text)
	if err != nil {
		return nil, err
	}
	a[s.index] = child
	return a, nil
}

// clash reports why two paths cannot both be written in one record: one contains the other, or
// they need an object and an array at the same place. It returns "" when they can.
func clash(a, b Path) string {
	n := min(len(a.segs), len(b.segs))
	for i := range n {
		sa, sb := a.segs[i], b.segs[i]
		if sa == sb {
			continue
		}
		if (sa.index < 0) != (sb.index < 0) {
			return fmt.Sprintf("%s and %s need an object and an array at the same place", a, b)
		}
		return ""
	}
	if len(a.segs) == len(b.segs) {
		return fmt.Sprintf("both write %s", a)
	}
	return fmt.Sprintf("%s and %s overlap (one contains the other)", a, b)
}
