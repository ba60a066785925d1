package transform

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPicklist(t *testing.T) {
	t.Parallel()
	industry := Picklist(map[string]string{"Technology": "TECH", "Retail": "RET"})
	got, err := convert(t, industry, "Technology")
	require.NoError(t, err)
	require.Equal(t, "TECH", got)

	got, err = convert(t, industry, []any{"Retail", nil, "Technology"})
	require.NoError(t, err, "a multi-select picklist maps element by element")
	require.Equal(t, []any{"RET", nil, "TECH"}, got)

	_, err = convert(t, industry, "Mining")
	require.ErrorIs(t, err, ErrUnknownValue)
	_, err = convert(t, industry, []any{"Retail", "Mining"})
	require.ErrorIs(t, err, ErrUnknownValue)
	require.ErrorContains(t, err, "[1]")
	_, err = convert(t, industry, map[string]any{"a": 1})
	require.ErrorIs(t, err, ErrInvalidValue)

	got, err = convert(t, industry.PassUnknown(), "Mining")
	require.NoError(t, err)
	require.Equal(t, "Mining", got)
	got, err = convert(t, industry.DefaultUnknown("OTHER"), "Mining")
	require.NoError(t, err)
	require.Equal(t, "OTHER", got)

	// Numbers match numeric keys by value, and string keys by text (YAML keys are strings).
	codes := PicklistPairs(Pair{From: 10, To: "Technology"}, Pair{From: json.Number("20.5"), To: "Retail"}, Pair{From: true, To: "Yes"})
	for in, want := range map[any]string{json.Number("10.0"): "Technology", 10: "Technology", 20.5: "Retail", true: "Yes"} {
		got, err := convert(t, codes, in)
		require.NoError(t, err, "%v", in)
		require.Equal(t, want, got)
	}
	_, err = convert(t, codes, "10")
	require.ErrorIs(t, err, ErrUnknownValue, "a string does not match a number key")
	fromYAML := Picklist(map[string]any{"10": "Technology", "true": "Yes"})
	got, err = convert(t, fromYAML, json.Number("10"))
	require.NoError(t, err)
	require.Equal(t, "Technology", got)
	got, err = convert(t, fromYAML, true)
	require.NoError(t, err)
	require.Equal(t, "Yes", got)
}

func TestPicklistValidate(t *testing.T) {
	t.Parallel()
	err := PicklistPairs(Pair{From: 1, To: "a"}, Pair{From: 1.0, To: "b"}, Pair{From: []any{}, To: "c"}, Pair{From: "x", To: map[string]any{}}).Validate()
	require.ErrorIs(t, err, ErrInvalidMapping)
	require.ErrorContains(t, err, "appears twice")
	require.ErrorContains(t, err, "key []: want a string, number or boolean")
	require.ErrorContains(t, err, "value map[]: want a string, number or boolean")
	require.ErrorContains(t, PicklistConverter{}.Validate(), "build it with Picklist")
	p := Picklist(map[string]string{"a": "b"})
	p.unknown = "ignore"
	require.ErrorContains(t, p.Validate(), `unknown policy "ignore"`)
}

func TestPicklistInverse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := Picklist(map[string]any{"Technology": 10, "Retail": 20}).PassUnknown()
	inv, err := p.Inverse()
	require.NoError(t, err)
	got, err := inv.Convert(ctx, json.Number("20"))
	require.NoError(t, err)
	require.Equal(t, "Retail", got)
	got, err = inv.Convert(ctx, "Other")
	require.NoError(t, err)
	require.Equal(t, "Other", got, "pass-through carries over")

	_, err = Picklist(map[string]string{"Technology": "TECH", "Software": "TECH", "Retail": "RET"}).Inverse()
	require.ErrorIs(t, err, ErrNotInvertible)
	require.ErrorContains(t, err, `"Software" and "Technology" both map to "TECH"`)
	_, err = Picklist(map[string]int{"a": 1, "b": 1}).Inverse()
	require.ErrorContains(t, err, "not one-to-one")
	_, err = Picklist(map[string]string{"a": "A"}).DefaultUnknown("Z").Inverse()
	require.ErrorContains(t, err, `unknown values all become "Z"`)
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    Normalize
		in   string
		want any
	}{
		{Normalize{}, "  As  is ", "  As  is "},
		{Normalize{Trim: true}, " \t Zylker  Traders\n", "Zylker  Traders"},
		{Trim(), " \t Zylker \u00a0 Traders\n", "Zylker Traders"},
		{Normalize{CollapseSpaces: true}, "  a \n b  ", " a b "},
		{Normalize{Case: CaseLower, Trim: true}, " Ada@Example.COM ", "ada@example.com"},
		{Normalize{Case: CaseUpper}, "zylker gmbh, köln", "ZYLKER GMBH, KÖLN"},
		{Normalize{NFC: true}, "Cafe\u0301", "Café"},
		{Normalize{Trim: true, EmptyAsNull: true}, "   ", nil},
		{Normalize{EmptyAsNull: true}, "x", "x"},
	}
	for _, tt := range tests {
		got, err := convert(t, tt.n, tt.in)
		require.NoError(t, err, "%s %q", tt.n, tt.in)
		require.Equal(t, tt.want, got, "%s %q", tt.n, tt.in)
	}
	_, err := convert(t, Trim(), 12)
	require.ErrorIs(t, err, ErrInvalidValue)
	require.ErrorContains(t, Normalize{Case: "title"}.Validate(), `unknown case "title"`)

	inv, err := Trim().Inverse()
	require.NoError(t, err)
	require.Equal(t, Trim(), inv, "a projection is its own inverse")
	_, err = Normalize{Case: CaseUpper}.Inverse()
	require.ErrorIs(t, err, ErrNotInvertible)
}

func TestLookup(t *testing.T) {
	t.Parallel()
	type ctxKey struct{}
	var seen []string
	l := Lookup(func(ctx context.Context, id string) (string, error) {
		require.Equal(t, "v", ctx.Value(ctxKey{}), "the caller's context reaches the function")
		seen = append(seen, id)
		switch id {
		case "5725767000000258001":
			return "SP-07", nil
		case "500":
			return "", errors.New("ERP unavailable")
		}
		return "", ErrNotFound
	})
	ctx := context.WithValue(context.Background(), ctxKey{}, "v")
	got, err := l.Convert(ctx, "5725767000000258001")
	require.NoError(t, err)
	require.Equal(t, "SP-07", got)
	_, err = l.Convert(ctx, json.Number("5725767000000258001"))
	require.NoError(t, err, "a numeric id is read as its digits")
	_, err = l.Convert(ctx, "42")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = l.Convert(ctx, json.Number("500"))
	require.ErrorContains(t, err, "ERP unavailable")
	require.Equal(t, []string{"5725767000000258001", "5725767000000258001", "42", "500"}, seen)

	for _, bad := range []any{"", "  ", 1.5, 5725767000000258001.0, true, map[string]any{"id": "1"}} {
		_, err := l.Convert(ctx, bad)
		require.ErrorIs(t, err, ErrInvalidValue, "%#v", bad)
	}

	_, err = l.Inverse()
	require.ErrorIs(t, err, ErrNotInvertible)
	require.ErrorContains(t, err, "no reverse function")
	inv, err := l.WithReverse(func(_ context.Context, code string) (string, error) { return "id-" + code, nil }).Inverse()
	require.NoError(t, err)
	got, err = inv.Convert(ctx, "SP-07")
	require.NoError(t, err)
	require.Equal(t, "id-SP-07", got)
	require.ErrorContains(t, Lookup(nil).Validate(), "has no function")
}

func TestEachAndReversible(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	upper := ConvertFunc(func(_ context.Context, v any) (any, error) {
		s, ok := v.(string)
		if !ok {
			return nil, badValue("want a string")
		}
		return strings.ToUpper(s), nil
	})
	lower := ConvertFunc(func(_ context.Context, v any) (any, error) { return strings.ToLower(v.(string)), nil })
	tags := Each(Reversible(upper, lower))
	got, err := convert(t, tags, []string{"a", "b"})
	require.NoError(t, err)
	require.Equal(t, []any{"A", "B"}, got)
	inv, err := tags.(Inverter).Inverse()
	require.NoError(t, err)
	back, err := inv.Convert(ctx, got)
	require.NoError(t, err)
	require.Equal(t, []any{"a", "b"}, back)

	_, err = convert(t, tags, "a")
	require.ErrorIs(t, err, ErrInvalidValue)
	_, err = convert(t, tags, []any{"a", 1})
	require.ErrorContains(t, err, "[1]")
	_, err = Each(upper).(Inverter).Inverse()
	require.ErrorIs(t, err, ErrNotInvertible)
	require.ErrorContains(t, err, "converter func has no inverse")
	require.ErrorIs(t, Each(nil).(Validator).Validate(), ErrInvalidMapping)
	require.ErrorIs(t, Reversible(upper, nil).(Validator).Validate(), ErrInvalidMapping)
}
