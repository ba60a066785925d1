package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// LookupFunc translates the id of a referenced record in one system into its counterpart in the
// other (a CRM user id into an ERP salesperson code, a CRM account id into an ERP customer
// number). The sync engine passes functions backed by its ID links. It returns ErrNotFound
// (wrapped or not) when the id has no counterpart yet. It may do I/O and must honour ctx.
type LookupFunc func(ctx context.Context, id string) (string, error)

// LookupConverter is a converter that translates ids through a LookupFunc. The value must be an
// id: a non-empty string or an integer (CRM ids are 18-19 digit numbers sent as strings). To
// translate the CRM owner object {"id": "…", "name": "…"}, map its "Owner.id" path.
//
// Invertibility: invertible when a reverse function is given with WithReverse; the caller
// vouches that the two functions are inverses of each other.
type LookupConverter struct {
	name             string
	forward, reverse LookupFunc
}

// Lookup returns a converter that translates ids with f.
func Lookup(f LookupFunc) LookupConverter { return LookupConverter{forward: f} }

// WithReverse returns a copy that can be inverted, translating back with f.
func (l LookupConverter) WithReverse(f LookupFunc) LookupConverter {
	l.reverse = f
	return l
}

// Named returns a copy that error messages call name ("owners"); a YAML registry sets it.
func (l LookupConverter) Named(name string) LookupConverter {
	l.name = name
	return l
}

// Convert translates an id.
func (l LookupConverter) Convert(ctx context.Context, v any) (any, error) {
	id, err := lookupID(v)
	if err != nil {
		return nil, err
	}
	out, err := l.forward(ctx, id)
	if err != nil {
		return nil, err // FieldError adds the path and the id
	}
	return out, nil
}

// lookupID reads an id from a string or an integer.
func lookupID(v any) (string, error) {
	switch x := v.(type) {
	case string:
		if strings.TrimSpace(x) == "" {
			return "", badValue("empty id")
		}
		return x, nil
	case bool, []any, map[string]any:
		return "", badValue("want an id, got %T", v)
	case float64:
		if math.Abs(x) > 1<<53 {
			// A CRM id decoded into a float64 has already lost its last digits.
			return "", badValue("id %v is too large for a float64 (decode JSON with UseNumber)", x)
		}
	}
	c, err := Canonical(v)
	if err != nil {
		return "", err
	}
	n, ok := c.(json.Number)
	if !ok || strings.Contains(string(n), ".") {
		return "", badValue("want an id (a string or an integer), got %s", formatValue(c))
	}
	return string(n), nil
}

// Inverse returns the look-up through the reverse function.
func (l LookupConverter) Inverse() (Converter, error) {
	if l.reverse == nil {
		return nil, notInvertible("%s has no reverse function", l)
	}
	return LookupConverter{name: l.name, forward: l.reverse, reverse: l.forward}, nil
}

// Validate checks that there is a function.
func (l LookupConverter) Validate() error {
	if l.forward == nil {
		return invalid("%s has no function", l)
	}
	return nil
}

// String describes the converter.
func (l LookupConverter) String() string {
	if l.name != "" {
		return fmt.Sprintf("look-up %q", l.name)
	}
	return "look-up"
}
