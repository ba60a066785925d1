package transform

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func convert(t *testing.T, c Converter, v any) (any, error) {
	t.Helper()
	require.NoError(t, validateConverter(c))
	return c.Convert(context.Background(), v)
}

func TestDecimalKeepsValuesExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want json.Number
	}{
		{1234.56, "1234.56"},
		{json.Number("1234.56"), "1234.56"},
		{"1234.56", "1234.56"},
		{json.Number("1234.50"), "1234.50"}, // the scale is kept
		{0.1, "0.1"},
		{json.Number("0.3"), "0.3"},
		{floatSum(0.1, 0.2), "0.30000000000000004"}, // the float's own value, not 0.3
		{json.Number("98765432109876543210.987654321"), "98765432109876543210.987654321"},
		{-1234.56, "-1234.56"},
		{int64(math.MaxInt64), "9223372036854775807"},
		{json.Number("1E+3"), "1000"},
	}
	for _, tt := range tests {
		got, err := convert(t, Decimal(), tt.in)
		require.NoError(t, err, "%v", tt.in)
		require.Equal(t, tt.want, got, "%v", tt.in)
	}
}

func TestMoneyRoundTripsExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eur := Money("EUR", RoundExact).SourceScale(2)
	inv, err := eur.Inverse()
	require.NoError(t, err)
	for _, in := range []json.Number{"1234.56", "0.10", "0.20", "0.30", "99999999999999999999999999.99", "-1234.56", "-0.01", "0.00", "1"} {
		out, err := eur.Convert(ctx, in)
		require.NoError(t, err, in)
		back, err := inv.Convert(ctx, out)
		require.NoError(t, err, in)
		require.True(t, Equal(in, back), "%s → %v → %v", in, out, back)
		if strings.Contains(string(in), ".") {
			require.Equal(t, in, back, "the source scale comes back")
		}
	}
	// Adding two amounts read from JSON floats through exact decimals gives 0.30, not a float sum.
	a, err := eur.Convert(ctx, 0.1)
	require.NoError(t, err)
	b, err := eur.Convert(ctx, 0.2)
	require.NoError(t, err)
	require.Equal(t, json.Number("0.10"), a)
	require.Equal(t, json.Number("0.20"), b)
	// The float sum itself has more digits than a cent: exact mode refuses it, rounding fixes it.
	_, err = eur.Convert(ctx, floatSum(0.1, 0.2))
	require.ErrorIs(t, err, ErrInexact)
	got, err := Money("EUR", RoundHalfEven).Convert(ctx, floatSum(0.1, 0.2))
	require.NoError(t, err)
	require.Equal(t, json.Number("0.30"), got)
}

func TestDecimalRounding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		mode Rounding
		want string
	}{
		{"2.345", RoundHalfEven, "2.34"},
		{"2.355", RoundHalfEven, "2.36"},
		{"2.345", RoundHalfUp, "2.35"},
		{"-2.345", RoundHalfUp, "-2.35"},
		{"2.345", RoundHalfDown, "2.34"},
		{"2.349", RoundDown, "2.34"},
		{"-2.349", RoundDown, "-2.34"},
		{"2.341", RoundUp, "2.35"},
		{"-2.349", RoundCeiling, "-2.34"},
		{"-2.341", RoundFloor, "-2.35"},
		{"-0.001", RoundHalfEven, "0.00"}, // no negative zero
		{"2.5", RoundExact, "2.50"},
		{"0.999", RoundHalfUp, "1.00"},
	}
	for _, tt := range tests {
		got, err := convert(t, Decimal().Scale(2, tt.mode), json.Number(tt.in))
		require.NoError(t, err, "%s %s", tt.in, tt.mode)
		require.Equal(t, json.Number(tt.want), got, "%s %s", tt.in, tt.mode)
	}
	got, err := convert(t, Money("JPY", RoundHalfEven), 1234.5)
	require.NoError(t, err)
	require.Equal(t, json.Number("1234"), got)
	got, err = convert(t, Money("KWD", RoundHalfUp), "1.2345")
	require.NoError(t, err)
	require.Equal(t, json.Number("1.235"), got)
	got, err = convert(t, Decimal().Scale(2, RoundHalfUp).AsString(), 7)
	require.NoError(t, err)
	require.Equal(t, "7.00", got)
}

func TestDecimalBadInput(t *testing.T) {
	t.Parallel()
	for _, in := range []any{"abc", "1,234.56", "", true, math.NaN(), math.Inf(-1), json.Number("NaN"), "Infinity", "1e100000", map[string]any{}, []any{1}} {
		_, err := convert(t, Decimal(), in)
		require.ErrorIs(t, err, ErrInvalidValue, "%#v", in)
	}
	_, err := convert(t, Decimal().Scale(2, RoundExact), "1.005")
	require.ErrorIs(t, err, ErrInexact)
	require.ErrorContains(t, err, "1.005 has more than 2 fraction digits")
}

func TestDecimalValidate(t *testing.T) {
	t.Parallel()
	require.ErrorContains(t, Money("EURO", RoundHalfEven).Validate(), `unknown currency code "EURO"`)
	require.ErrorContains(t, Money("eur", RoundHalfEven).Validate(), "unknown currency code")
	require.ErrorContains(t, Money("XAU", RoundHalfEven).Validate(), "has no minor unit")
	require.ErrorContains(t, Decimal().Scale(2, "nearest").Validate(), `unknown rounding "nearest"`)
	require.ErrorContains(t, Decimal().Scale(-1, RoundExact).Validate(), "out of range")
	require.ErrorContains(t, Money("USD", RoundExact).Scale(3, RoundExact).Validate(), "has 2 minor digits, not 3")
	require.ErrorIs(t, Money("EURO", RoundHalfEven).Validate(), ErrInvalidMapping)
	require.NoError(t, Money("INR", "").Validate())
}

func TestDecimalInverse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []DecimalConverter{
		Decimal(),
		Decimal().Scale(2, RoundExact),
		Money("EUR", RoundHalfEven).SourceScale(2),
		Money("EUR", RoundHalfEven).SourceScale(0),
		Decimal().Scale(2, RoundExact).SourceScale(4),
	} {
		_, err := c.Inverse()
		require.NoError(t, err, c.String())
	}
	for _, c := range []DecimalConverter{
		Money("EUR", RoundHalfEven),
		Money("JPY", RoundHalfUp).SourceScale(2),
	} {
		_, err := c.Inverse()
		require.ErrorIs(t, err, ErrNotInvertible, c.String())
	}
	_, err := Money("JPY", RoundHalfUp).SourceScale(2).Inverse()
	require.ErrorContains(t, err, "rounds 2 source fraction digits to 0")

	// A scale change from 4 to 2 digits, exact, comes back at 4 digits.
	c := Decimal().Scale(2, RoundExact).SourceScale(4).SourceAsString()
	out, err := c.Convert(ctx, "12.3400")
	require.NoError(t, err)
	require.Equal(t, json.Number("12.34"), out)
	inv, err := c.Inverse()
	require.NoError(t, err)
	back, err := inv.Convert(ctx, out)
	require.NoError(t, err)
	require.Equal(t, "12.3400", back)
	_, err = c.Convert(ctx, "12.3456")
	require.ErrorIs(t, err, ErrInexact)
}

func TestCurrencyCode(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"EUR", "USD", "INR", "JPY", "KWD", "XAU"} {
		got, err := convert(t, CurrencyCode(), ok)
		require.NoError(t, err)
		require.Equal(t, ok, got)
	}
	for _, bad := range []any{"eur", "EURO", "ABC", "", 978} {
		_, err := convert(t, CurrencyCode(), bad)
		require.ErrorIs(t, err, ErrInvalidValue, "%v", bad)
	}
	minor, ok := currencyMinorUnits("CLF")
	require.True(t, ok)
	require.Equal(t, 4, minor)
	_, ok = currencyMinorUnits("XXX")
	require.False(t, ok)
	require.Len(t, currencyTable, 183)
}
