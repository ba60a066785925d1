package transform

import (
	"context"
	"fmt"
)

// Converter turns one field's value into the target system's form. Apply never calls it with
// nil (a JSON null passes through as null) and canonicalises what it returns. Converters must
// be safe for concurrent use; the built-in ones are immutable values.
type Converter interface {
	Convert(ctx context.Context, v any) (any, error)
}

// Inverter is implemented by converters that have an exact inverse. Inverse returns the
// converter for the other direction, or an error wrapping ErrNotInvertible that says why there
// is none (a many-to-one value map, a lossy rounding). A converter without this method is not
// invertible.
type Inverter interface {
	Inverse() (Converter, error)
}

// Validator is implemented by converters that can check their own settings; New calls Validate
// and reports a failure against the field that uses the converter.
type Validator interface {
	Validate() error
}

// ConvertFunc adapts a function to a Converter (not invertible: pair two with Reversible).
type ConvertFunc func(ctx context.Context, v any) (any, error)

// Convert calls f.
func (f ConvertFunc) Convert(ctx context.Context, v any) (any, error) { return f(ctx, v) }

// String names the converter in error messages.
func (f ConvertFunc) String() string { return "func" }

// Reversible pairs a converter with its inverse, for converters written by users (a phone
// number formatter and its parser, a unit conversion). The caller vouches that inverse undoes
// forward for every value forward produces.
func Reversible(forward, inverse Converter) Converter {
	return reversible{forward: forward, inverse: inverse}
}

type reversible struct{ forward, inverse Converter }

func (r reversible) Convert(ctx context.Context, v any) (any, error) {
	return r.forward.Convert(ctx, v)
}

func (r reversible) Inverse() (Converter, error) {
	return reversible{forward: r.inverse, inverse: r.forward}, nil
}

func (r reversible) Validate() error {
	if r.forward == nil || r.inverse == nil {
		return invalid("Reversible needs two converters")
	}
	return nil
}

func (r reversible) String() string { return converterName(r.forward) }

// Each applies a converter to every element of an array (a multi-select picklist, a list of
// tags); null elements stay null. Its inverse is Each of the inverse.
func Each(c Converter) Converter { return each{c: c} }

type each struct{ c Converter }

func (e each) Convert(ctx context.Context, v any) (any, error) {
	a, err := Canonical(v)
	if err != nil {
		return nil, err
	}
	arr, ok := a.([]any)
	if !ok {
		return nil, badValue("want an array, got %T", v)
	}
	out := make([]any, len(arr))
	for i, x := range arr {
		if x == nil {
			continue
		}
		y, err := e.c.Convert(ctx, x)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = y
	}
	return out, nil
}

func (e each) Inverse() (Converter, error) {
	inv, err := inverseOf(e.c)
	if err != nil {
		return nil, err
	}
	return each{c: inv}, nil
}

func (e each) Validate() error {
	if e.c == nil {
		return invalid("Each needs a converter")
	}
	return validateConverter(e.c)
}

func (e each) String() string { return "each " + converterName(e.c) }

// inverseOf inverts one converter or says why it cannot.
func inverseOf(c Converter) (Converter, error) {
	inv, ok := c.(Inverter)
	if !ok {
		return nil, notInvertible("converter %s has no inverse", converterName(c))
	}
	return inv.Inverse()
}

// validateConverter runs Validate when the converter has it.
func validateConverter(c Converter) error {
	if v, ok := c.(Validator); ok {
		return v.Validate()
	}
	return nil
}

// converterName describes a converter for error messages.
func converterName(c Converter) string {
	if s, ok := c.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", c)
}

// invertibleConverter is what every built-in converter provides.
type invertibleConverter interface {
	Converter
	Inverter
	Validator
}

var (
	_ invertibleConverter = DecimalConverter{}
	_ invertibleConverter = TimeConverter{}
	_ invertibleConverter = PicklistConverter{}
	_ invertibleConverter = LookupConverter{}
	_ invertibleConverter = Normalize{}
	_ invertibleConverter = reversible{}
	_ invertibleConverter = each{}
	_ Inverter            = currencyCode{}
	_ Converter           = ConvertFunc(nil)
)
