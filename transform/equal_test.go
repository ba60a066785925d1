package transform

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

type status string

type textID struct{ n int }

func (t textID) MarshalText() ([]byte, error) { return []byte("ID-" + string(rune('0'+t.n))), nil }

// floatSum adds at run time (constant expressions are exact in Go).
func floatSum(a, b float64) float64 { return a + b }

func TestCanonical(t *testing.T) {
	t.Parallel()
	kolkata := time.FixedZone("IST", 19800)
	mono := time.Now()
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"bool", true, true},
		{"string", "x", "x"},
		{"named string", status("open"), "open"},
		{"int", 42, json.Number("42")},
		{"int8", int8(-8), json.Number("-8")},
		{"uint64 max", uint64(math.MaxUint64), json.Number("18446744073709551615")},
		{"float64 from JSON", 1234.56, json.Number("1234.56")},
		{"float64 sum keeps its exact shortest form", floatSum(0.1, 0.2), json.Number("0.30000000000000004")},
		{"float32", float32(0.1), json.Number("0.1")},
		{"float negative zero", math.Copysign(0, -1), json.Number("0")},
		{"large float", 1e21, json.Number("1000000000000000000000")},
		{"json.Number plain", json.Number("1234.50"), json.Number("1234.50")},
		{"json.Number exponent", json.Number("1.5e3"), json.Number("1500")},
		{"json.Number small exponent", json.Number("15E-4"), json.Number("0.0015")},
		{"json.Number negative zero", json.Number("-0.00"), json.Number("0.00")},
		{"json.Number leading zeros", json.Number("007"), json.Number("7")},
		{"apd decimal", apd.New(123450, -2), json.Number("1234.50")},
		{"time to UTC", time.Date(2019, 1, 2, 14, 44, 13, 0, kolkata), time.Date(2019, 1, 2, 9, 14, 13, 0, time.UTC)},
		{"monotonic reading dropped", mono, mono.Round(0).UTC()},
		{"slice of strings", []string{"a", "b"}, []any{"a", "b"}},
		{"nil slice", []string(nil), nil},
		{"bytes as base64", []byte("hi"), "aGk="},
		{"typed map", map[string]int{"a": 1}, map[string]any{"a": json.Number("1")}},
		{"pointer", new(int), json.Number("0")},
		{"nil pointer", (*int)(nil), nil},
		{"text marshaler", textID{7}, "ID-7"},
		{"json marshaler", json.RawMessage(`{"a":[1.50,"x",null]}`), map[string]any{"a": []any{json.Number("1.50"), "x", nil}}},
		{"big.Int via JSON", big.NewInt(12), json.Number("12")},
		{"nested", map[string]any{"a": []any{1, map[string]any{"b": 2.5}}}, map[string]any{"a": []any{json.Number("1"), map[string]any{"b": json.Number("2.5")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Canonical(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCanonicalRejects(t *testing.T) {
	t.Parallel()
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for name, in := range map[string]any{
		"NaN":           math.NaN(),
		"Inf":           math.Inf(1),
		"bad number":    json.Number("12abc"),
		"NaN text":      json.Number("NaN"),
		"huge exponent": json.Number("1e1000000"),
		"struct":        struct{ A int }{1},
		"chan":          make(chan int),
		"int keys":      map[int]string{1: "a"},
		"cycle":         cyclic,
		"nested NaN":    map[string]any{"a": []any{math.NaN()}},
	} {
		_, err := Canonical(in)
		require.ErrorIs(t, err, ErrInvalidValue, name)
	}
}

func TestCanonicalCopies(t *testing.T) {
	t.Parallel()
	in := map[string]any{"a": []any{"x"}}
	out, err := Canonical(in)
	require.NoError(t, err)
	out.(map[string]any)["a"].([]any)[0] = "changed"
	require.Equal(t, "x", in["a"].([]any)[0])
}

func TestEqual(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 6, 9, 16, 22, 34, 0, time.FixedZone("", -4*3600))
	equal := [][2]any{
		{2, 2.0},
		{json.Number("2.50"), 2.5},
		{float32(2.5), json.Number("2.5")},
		{json.Number("-0"), 0},
		{json.Number("1e2"), int64(100)},
		{at, at.UTC()},
		{[]any{1, "a"}, []any{json.Number("1.0"), "a"}},
		{map[string]any{"a": 1.0}, map[string]int{"a": 1}},
		{nil, nil},
		{nil, (*int)(nil)},
		{"x", "x"},
	}
	for _, p := range equal {
		require.True(t, Equal(p[0], p[1]), "%#v == %#v", p[0], p[1])
		require.True(t, Equal(p[1], p[0]), "%#v == %#v", p[1], p[0])
		h0, err := Hash(p[0])
		require.NoError(t, err)
		h1, err := Hash(p[1])
		require.NoError(t, err)
		require.Equal(t, h0, h1, "hash of %#v and %#v", p[0], p[1])
	}
	unequal := [][2]any{
		{"2", 2},
		{json.Number("2.5"), json.Number("2.05")},
		{true, "true"},
		{nil, ""},
		{map[string]any{"a": nil}, map[string]any{}},
		{[]any{1, 2}, []any{2, 1}},
		{at, at.Add(time.Second)},
		{at, at.Format(time.RFC3339)},
		{"10", "10.0"},
		{json.Number("10"), json.Number("100")},
		{json.Number("0.1"), json.Number("1")},
	}
	for _, p := range unequal {
		require.False(t, Equal(p[0], p[1]), "%#v != %#v", p[0], p[1])
		h0, _ := Hash(p[0])
		h1, _ := Hash(p[1])
		require.NotEqual(t, h0, h1, "hash of %#v and %#v", p[0], p[1])
	}
	// Values Canonical rejects fall back to reflect.DeepEqual.
	require.True(t, Equal(struct{ A int }{1}, struct{ A int }{1}))
	require.False(t, Equal(math.NaN(), math.NaN()))
	_, err := Hash(math.NaN())
	require.ErrorIs(t, err, ErrInvalidValue)
}

// jsonValue generates JSON-like values whose numbers come in several Go types and scales.
func jsonValue(depth int) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		kinds := 6
		if depth <= 0 {
			kinds = 4
		}
		switch rapid.IntRange(0, kinds-1).Draw(t, "kind") {
		case 0:
			return nil
		case 1:
			return rapid.SampledFrom([]string{"", "a", "b", "1", "1.0", "2"}).Draw(t, "s")
		case 2:
			return rapid.Bool().Draw(t, "b")
		case 3:
			n := rapid.IntRange(-3, 3).Draw(t, "n")
			switch rapid.IntRange(0, 3).Draw(t, "numform") {
			case 0:
				return n
			case 1:
				return float64(n)
			case 2:
				return json.Number(big.NewInt(int64(n)).String() + ".00")
			}
			return json.Number(big.NewInt(int64(n)).String())
		case 4:
			return rapid.SliceOfN(jsonValue(depth-1), 0, 3).Draw(t, "arr")
		}
		keys := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"a", "b", "c"}), 0, 3, rapid.ID).Draw(t, "keys")
		m := map[string]any{}
		for _, k := range keys {
			m[k] = jsonValue(depth-1).Draw(t, "v")
		}
		return m
	})
}

func TestEqualAgreesWithHash(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		a := jsonValue(2).Draw(t, "a")
		b := jsonValue(2).Draw(t, "b")
		ha, err := Hash(a)
		require.NoError(t, err)
		hb, err := Hash(b)
		require.NoError(t, err)
		require.Equal(t, Equal(a, b), ha == hb, "a=%#v b=%#v", a, b)
		require.True(t, Equal(a, a))
		c, err := Canonical(a)
		require.NoError(t, err)
		require.True(t, Equal(a, c))
		hc, _ := Hash(c)
		require.Equal(t, ha, hc)
	})
}
