package transform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// UnknownPolicy says what a picklist does with a value that is not in its map.
type UnknownPolicy string

// Unknown-value policies. The zero value is UnknownError.
const (
	UnknownError   UnknownPolicy = "error"   // the field fails with ErrUnknownValue
	UnknownPass    UnknownPolicy = "pass"    // the value passes through unchanged
	UnknownDefault UnknownPolicy = "default" // the value becomes the policy's default
)

// Pair is one entry of a value map: From on the source side, To on the target side. Both are
// scalars: strings, numbers or booleans.
type Pair struct {
	From any `yaml:"from" json:"from"`
	To   any `yaml:"to" json:"to"`
}

// PicklistConverter maps values through a fixed table (a CRM picklist to an ERP code list). An
// array (a multi-select picklist) is mapped element by element. Matching: a string matches an
// equal string key; a number matches a numeric key of equal value (10 matches 10.0), a boolean
// a boolean key, and either also matches a string key with the same text (YAML map keys are
// always strings). Build one with Picklist or PicklistPairs.
//
// Invertibility: the inverse swaps the pairs; it exists when no two keys map to the same value
// (one-to-one) and the unknown policy is not UnknownDefault. With UnknownPass, an unknown value
// that equals a mapped target value would come back as that value's key: keep pass-through
// values out of the target value set.
type PicklistConverter struct {
	pairs    []Pair
	index    map[string]int // matchKey(From) → pair
	unknown  UnknownPolicy
	fallback any
	err      error
}

// Picklist returns a value map from string keys (picklist values) to target values.
func Picklist[V any](values map[string]V) PicklistConverter {
	pairs := make([]Pair, 0, len(values))
	for k, v := range values {
		pairs = append(pairs, Pair{From: k, To: v})
	}
	slices.SortFunc(pairs, func(a, b Pair) int { return compareText(a.From, b.From) })
	return PicklistPairs(pairs...)
}

// PicklistPairs returns a value map from a list of pairs, for keys that are not strings (an ERP's
// numeric codes) or when the order matters for documentation.
func PicklistPairs(pairs ...Pair) PicklistConverter {
	p := PicklistConverter{index: make(map[string]int, len(pairs))}
	for _, pr := range pairs {
		from, err := scalar(pr.From)
		if err != nil {
			p.err = errors.Join(p.err, invalid("value map key %s: %v", formatValue(pr.From), err))
			continue
		}
		to, err := scalar(pr.To)
		if err != nil {
			p.err = errors.Join(p.err, invalid("value map value %s: %v", formatValue(pr.To), err))
			continue
		}
		key := matchKey(from)
		if j, dup := p.index[key]; dup {
			p.err = errors.Join(p.err, invalid("value map key %s appears twice (as %s and %s)",
				formatValue(from), formatValue(p.pairs[j].From), formatValue(from)))
			continue
		}
		p.index[key] = len(p.pairs)
		p.pairs = append(p.pairs, Pair{From: from, To: to})
	}
	return p
}

// PassUnknown makes values that are not in the map pass through unchanged.
func (p PicklistConverter) PassUnknown() PicklistConverter {
	p.unknown, p.fallback = UnknownPass, nil
	return p
}

// DefaultUnknown makes values that are not in the map become v.
func (p PicklistConverter) DefaultUnknown(v any) PicklistConverter {
	c, err := scalar(v)
	if err != nil {
		p.err = errors.Join(p.err, invalid("default %s: %v", formatValue(v), err))
	}
	p.unknown, p.fallback = UnknownDefault, c
	return p
}

// Convert maps a value, or each element of an array.
func (p PicklistConverter) Convert(ctx context.Context, v any) (any, error) {
	c, err := Canonical(v)
	if err != nil {
		return nil, err
	}
	if arr, ok := c.([]any); ok {
		out := make([]any, len(arr))
		for i, x := range arr {
			if x == nil {
				continue
			}
			if out[i], err = p.one(x); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return out, nil
	}
	return p.one(c)
}

// one maps a canonical scalar.
func (p PicklistConverter) one(v any) (any, error) {
	switch v.(type) {
	case string, json.Number, bool:
	default:
		return nil, badValue("want a picklist value, got %T", v)
	}
	if i, ok := p.index[matchKey(v)]; ok {
		return p.pairs[i].To, nil
	}
	if _, ok := v.(string); !ok {
		// A number or boolean also matches a string key with its text: YAML keys are strings.
		if i, ok := p.index[matchKey(fmt.Sprint(v))]; ok {
			return p.pairs[i].To, nil
		}
	}
	switch p.unknown {
	case UnknownPass:
		return v, nil
	case UnknownDefault:
		return p.fallback, nil
	}
	return nil, ErrUnknownValue
}

// Inverse swaps the pairs when the map is one-to-one.
func (p PicklistConverter) Inverse() (Converter, error) {
	if p.unknown == UnknownDefault {
		return nil, notInvertible("unknown values all become %s: not one-to-one", formatValue(p.fallback))
	}
	inv := PicklistConverter{index: make(map[string]int, len(p.pairs)), unknown: p.unknown}
	for _, pr := range p.pairs {
		key := matchKey(pr.To)
		if j, dup := inv.index[key]; dup {
			return nil, notInvertible("%s and %s both map to %s: not one-to-one",
				formatValue(inv.pairs[j].To), formatValue(pr.From), formatValue(pr.To))
		}
		inv.index[key] = len(inv.pairs)
		inv.pairs = append(inv.pairs, Pair{From: pr.To, To: pr.From})
	}
	return inv, nil
}

// Validate reports bad keys, values, duplicates and an unknown policy.
func (p PicklistConverter) Validate() error {
	if p.index == nil {
		return invalid("empty PicklistConverter: build it with Picklist or PicklistPairs")
	}
	switch p.unknown {
	case "", UnknownError, UnknownPass, UnknownDefault:
	default:
		return errors.Join(p.err, invalid("unknown policy %q (want error, pass or default)", p.unknown))
	}
	return p.err
}

// String describes the converter.
func (p PicklistConverter) String() string {
	return fmt.Sprintf("picklist (%d values)", len(p.pairs))
}

// scalar canonicalises a value map entry, which must be a string, number or boolean.
func scalar(v any) (any, error) {
	c, err := Canonical(v)
	if err != nil {
		return nil, err
	}
	switch c.(type) {
	case string, json.Number, bool:
		return c, nil
	}
	return nil, fmt.Errorf("want a string, number or boolean, got %T", v)
}

// matchKey is the index key of a canonical scalar: numbers by value.
func matchKey(v any) string {
	switch x := v.(type) {
	case string:
		return "s" + x
	case json.Number:
		return "n" + reduceNumber(x)
	case bool:
		return "b" + strconv.FormatBool(x)
	}
	return "?" + fmt.Sprint(v)
}

// compareText orders keys for a stable pair order.
func compareText(a, b any) int {
	sa, sb := fmt.Sprint(a), fmt.Sprint(b)
	switch {
	case sa < sb:
		return -1
	case sa > sb:
		return 1
	}
	return 0
}
