package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// Rounding is how a decimal is rounded to a scale. The zero value is RoundExact.
type Rounding string

// Rounding modes. "Half" modes round to the nearest value and differ only on a tie.
const (
	RoundExact    Rounding = "exact"     // never round: a value with more fraction digits is an error (ErrInexact)
	RoundHalfEven Rounding = "half-even" // tie to the even digit (banker's rounding): 2.345 → 2.34, 2.355 → 2.36
	RoundHalfUp   Rounding = "half-up"   // tie away from zero (school rounding): 2.345 → 2.35, -2.345 → -2.35
	RoundHalfDown Rounding = "half-down" // tie toward zero: 2.345 → 2.34
	RoundDown     Rounding = "down"      // toward zero (truncate): 2.349 → 2.34, -2.349 → -2.34
	RoundUp       Rounding = "up"        // away from zero: 2.341 → 2.35
	RoundCeiling  Rounding = "ceiling"   // toward +∞: -2.349 → -2.34
	RoundFloor    Rounding = "floor"     // toward -∞: -2.341 → -2.35
)

// rounders maps our modes to apd's.
var rounders = map[Rounding]apd.Rounder{
	RoundExact:    apd.RoundHalfEven, // any mode: an inexact result is rejected
	RoundHalfEven: apd.RoundHalfEven,
	RoundHalfUp:   apd.RoundHalfUp,
	RoundHalfDown: apd.RoundHalfDown,
	RoundDown:     apd.RoundDown,
	RoundUp:       apd.RoundUp,
	RoundCeiling:  apd.RoundCeiling,
	RoundFloor:    apd.RoundFloor,
}

// mode returns the rounding with the zero value read as RoundExact.
func (r Rounding) mode() Rounding {
	if r == "" {
		return RoundExact
	}
	return r
}

// DecimalConverter reads a number (json.Number, a Go integer or float, or decimal text) as an
// exact decimal and writes it as a json.Number (or a decimal string with AsString). A float64 is
// read through its shortest decimal form, so 1234.56 stays 1234.56; the value never goes
// through a float on the way out. Build one with Decimal or Money and refine it with the
// methods, which return copies.
//
// Invertibility: a converter that keeps the scale, or fixes it with RoundExact, is invertible
// (its inverse writes the declared SourceScale, or keeps the scale). A rounding mode other than
// RoundExact loses digits, so it is invertible only when SourceScale is declared and not
// larger than Scale (then nothing is ever rounded).
type DecimalConverter struct {
	scale, sourceScale   int
	fixed, sourceFixed   bool
	rounding             Rounding
	asString, fromString bool
	currency             string
}

// Decimal returns a converter to exact decimals that keeps each value's own scale.
func Decimal() DecimalConverter { return DecimalConverter{} }

// Money returns a converter to amounts in a currency: exact decimals rounded to the currency's
// minor units (2 for EUR, 0 for JPY, 3 for KWD, per ISO 4217) with the given rounding mode.
// An unknown currency code is an error when the mapping is built.
func Money(currency string, r Rounding) DecimalConverter {
	d := DecimalConverter{currency: currency, rounding: r, fixed: true}
	if minor, ok := currencyMinorUnits(currency); ok {
		d.scale = minor
	}
	return d
}

// Scale fixes the number of fraction digits written, rounding with r (RoundExact: refuse
// values that would need rounding).
func (d DecimalConverter) Scale(n int, r Rounding) DecimalConverter {
	d.scale, d.fixed, d.rounding = n, true, r
	return d
}

// SourceScale declares how many fraction digits the source values have. It makes a rounding
// converter invertible when n <= Scale, and the inverse writes n fraction digits.
func (d DecimalConverter) SourceScale(n int) DecimalConverter {
	d.sourceScale, d.sourceFixed = n, true
	return d
}

// AsString writes decimal text ("1234.50") instead of a json.Number.
func (d DecimalConverter) AsString() DecimalConverter {
	d.asString = true
	return d
}

// SourceAsString declares that the source holds decimal text, so that the inverse writes text.
func (d DecimalConverter) SourceAsString() DecimalConverter {
	d.fromString = true
	return d
}

// Convert reads v as a decimal and writes it at the converter's scale.
func (d DecimalConverter) Convert(_ context.Context, v any) (any, error) {
	x, err := parseDecimal(v)
	if err != nil {
		return nil, err
	}
	if d.fixed {
		if err := quantize(x, d.scale, d.rounding.mode()); err != nil {
			return nil, err
		}
	}
	n, err := formatDecimal(x)
	if err != nil {
		return nil, err
	}
	if d.asString {
		return string(n), nil
	}
	return n, nil
}

// quantize sets x to exactly scale fraction digits, rounding with r.
func quantize(x *apd.Decimal, scale int, r Rounding) error {
	ctx := apd.BaseContext.WithPrecision(2 * maxNumberDigits)
	ctx.Rounding = rounders[r]
	var orig apd.Decimal
	orig.Set(x)
	cond, err := ctx.Quantize(x, x, int32(-scale))
	if err != nil {
		return badValue("%s: %v", orig.String(), err)
	}
	if r == RoundExact && cond.Inexact() {
		return fmt.Errorf("%w: %s has more than %d fraction digits", ErrInexact, orig.Text('f'), scale)
	}
	return nil
}

// parseDecimal reads a number exactly.
func parseDecimal(v any) (*apd.Decimal, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = string(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, badValue("%v is not a number", x)
		}
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool, nil, []any, map[string]any:
		return nil, badValue("want a number, got %T", v)
	default:
		c, err := Canonical(v)
		if err != nil {
			return nil, err
		}
		n, ok := c.(json.Number)
		if !ok {
			return nil, badValue("want a number, got %T", v)
		}
		s = string(n)
	}
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite {
		return nil, badValue("%q is not a decimal number", s)
	}
	if _, err := formatDecimal(new(apd.Decimal).Set(d)); err != nil {
		return nil, err
	}
	return d, nil
}

// Inverse returns the converter that undoes this one, or says why there is none.
func (d DecimalConverter) Inverse() (Converter, error) {
	r := d.rounding.mode()
	if d.fixed && r != RoundExact && (!d.sourceFixed || d.sourceScale > d.scale) {
		if d.sourceFixed {
			return nil, notInvertible("%s rounds %d source fraction digits to %d", d, d.sourceScale, d.scale)
		}
		return nil, notInvertible("%s may round away digits; declare a source scale of at most %d (source_scale) or use rounding exact", d, d.scale)
	}
	inv := DecimalConverter{asString: d.fromString, fromString: d.asString}
	if d.sourceFixed {
		inv.fixed, inv.scale, inv.rounding = true, d.sourceScale, RoundExact
	}
	if d.fixed {
		inv.sourceFixed, inv.sourceScale = true, d.scale
	}
	return inv, nil
}

// Validate checks the scale, the rounding mode and the currency code.
func (d DecimalConverter) Validate() error {
	if d.currency != "" {
		minor, ok := currencyMinorUnits(d.currency)
		if !ok {
			if knownCurrency(d.currency) {
				return invalid("currency %q has no minor unit", d.currency)
			}
			return invalid("unknown currency code %q (want an ISO 4217 code such as EUR)", d.currency)
		}
		if d.scale != minor {
			return invalid("currency %s has %d minor digits, not %d", d.currency, minor, d.scale)
		}
	}
	if _, ok := rounders[d.rounding.mode()]; !ok {
		return invalid("unknown rounding %q (want exact, half-even, half-up, half-down, down, up, ceiling or floor)", d.rounding)
	}
	if d.fixed && (d.scale < 0 || d.scale > maxNumberDigits/2) {
		return invalid("scale %d is out of range 0..%d", d.scale, maxNumberDigits/2)
	}
	if d.sourceFixed && (d.sourceScale < 0 || d.sourceScale > maxNumberDigits/2) {
		return invalid("source scale %d is out of range 0..%d", d.sourceScale, maxNumberDigits/2)
	}
	return nil
}

// String describes the converter.
func (d DecimalConverter) String() string {
	switch {
	case d.currency != "":
		return fmt.Sprintf("money %s (%s)", d.currency, d.rounding.mode())
	case d.fixed:
		return fmt.Sprintf("decimal scale %d (%s)", d.scale, d.rounding.mode())
	}
	return "decimal"
}

// CurrencyCode returns a converter that checks currency codes: the value must be an upper-case
// ISO 4217 code (EUR, USD, INR); anything else is an error. It passes valid codes through, so it
// is its own inverse.
func CurrencyCode() Converter { return currencyCode{} }

type currencyCode struct{}

func (currencyCode) Convert(_ context.Context, v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, badValue("want a currency code, got %T", v)
	}
	if !knownCurrency(s) {
		return nil, badValue("unknown currency code %q", s)
	}
	return s, nil
}

func (c currencyCode) Inverse() (Converter, error) { return c, nil }

func (currencyCode) String() string { return "currency code" }
