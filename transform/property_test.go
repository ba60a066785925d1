package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// genField is one generated rule with a generator of source values in the form it expects.
type genField struct {
	rule  Rule
	paths []string           // the source paths it reads
	value func(*rapid.T) any // a source value (for computed fields: the values of paths, as a []any)
}

// path draws a source or target path of one of several shapes: flat, nested, deeper, indexed.
func genPath(t *rapid.T, side string, i int) string {
	switch rapid.IntRange(0, 3).Draw(t, side+"shape") {
	case 1:
		return fmt.Sprintf("%sgrp%d.f%d", side, rapid.IntRange(0, 1).Draw(t, "grp"), i)
	case 2:
		return fmt.Sprintf("%sgrp%d.sub.f%d", side, rapid.IntRange(0, 1).Draw(t, "grp"), i)
	case 3:
		return fmt.Sprintf("%sarr[%d].f%d", side, rapid.IntRange(0, 2).Draw(t, "idx"), i)
	}
	return fmt.Sprintf("%sf%d", side, i)
}

// words returns a fresh generator: rapid generators are not safe to share between parallel tests.
func words() *rapid.Generator[string] {
	return rapid.SampledFrom([]string{"Zylker", "Traders", "Acme", "Nord", "Süd", "Café", "A-1", "42"})
}

var (
	anyZones   = []string{"Asia/Kolkata", "America/New_York", "Europe/Berlin", "UTC", "Australia/Adelaide", "America/Sao_Paulo"}
	fixedZones = []string{"UTC", "Asia/Kolkata", "Asia/Tokyo", "Asia/Kathmandu"} // no daylight saving time
)

// canonicalScalar draws a canonical string, number, boolean or time.
func canonicalScalar(t *rapid.T) any {
	switch rapid.IntRange(0, 4).Draw(t, "scalar") {
	case 0:
		return strings.Join(rapid.SliceOfN(words(), 0, 3).Draw(t, "words"), rapid.SampledFrom([]string{" ", "  ", ""}).Draw(t, "sep"))
	case 1:
		return decimalText(t, rapid.IntRange(0, 4).Draw(t, "scale"))
	case 2:
		return rapid.Bool().Draw(t, "bool")
	case 3:
		return time.Unix(rapid.Int64Range(-1e10, 1e10).Draw(t, "sec"), rapid.Int64Range(0, 999999999).Draw(t, "nsec")).UTC()
	}
	return nil
}

// decimalText draws a canonical decimal with exactly scale fraction digits, up to 30 digits.
func decimalText(t *rapid.T, scale int) json.Number {
	digits := rapid.StringMatching(`(0|[1-9][0-9]{0,29})`).Draw(t, "int")
	if scale > 0 {
		digits += "." + rapid.StringMatching(fmt.Sprintf(`[0-9]{%d}`, scale)).Draw(t, "frac")
	}
	if rapid.Bool().Draw(t, "neg") && strings.Trim(digits, "0.") != "" {
		digits = "-" + digits
	}
	return json.Number(digits)
}

// jsonish draws a canonical value, possibly an object or array.
func jsonish(t *rapid.T) any {
	switch rapid.IntRange(0, 5).Draw(t, "shape") {
	case 4:
		return []any{canonicalScalar(t), canonicalScalar(t)}
	case 5:
		return map[string]any{"a": canonicalScalar(t), "b": []any{canonicalScalar(t)}}
	}
	return canonicalScalar(t)
}

// timeSide is a layout, a zone, and what it needs to generate and accept values.
type timeSide struct {
	f        TimeFormat
	prec     precision
	floating bool // no offset in the text and no zone
	offset   bool // the text pins the instant
}

func timeSides() []timeSide {
	var s []timeSide
	for _, z := range anyZones {
		s = append(s,
			timeSide{f: Layout(ZohoCRM).In(z), prec: precSecond, offset: true},
			timeSide{f: Layout(ZohoBooks).In(z), prec: precSecond, offset: true},
			timeSide{f: Layout(RFC3339Nano).In(z), prec: precNano, offset: true},
			timeSide{f: Layout("2006-01-02T15:04:05.000Z07:00").In(z), prec: precMilli, offset: true},
			timeSide{f: Layout(DateOnly).In(z), prec: precDay})
	}
	for _, z := range fixedZones {
		s = append(s, timeSide{f: Layout("2006-01-02 15:04:05").In(z), prec: precSecond})
	}
	return append(s,
		timeSide{f: Layout(UnixSeconds), prec: precSecond, offset: true},
		timeSide{f: Layout(UnixMillis), prec: precMilli, offset: true},
		timeSide{f: Layout(DateOnly), prec: precDay, floating: true},
		timeSide{f: Layout("2006-01-02 15:04:05.000000"), prec: precMicro, floating: true})
}

// genTimeField draws a lossless pair of time formats and source values in the first.
func genTimeField(t *rapid.T) (TimeConverter, func(*rapid.T) any) {
	sides := timeSides()
	from := rapid.SampledFrom(sides).Draw(t, "from")
	var tos []timeSide
	for _, to := range sides {
		// Lossless: the target keeps the source's precision. A target without an offset must
		// have a zone unless the source is floating too (DateTime refuses it otherwise).
		if to.prec > from.prec || (to.floating && to.prec != precDay && !from.floating) {
			continue
		}
		tos = append(tos, to)
	}
	to := rapid.SampledFrom(tos).Draw(t, "to")
	c := DateTime(from.f, to.f)
	layout, err := resolveLayout(from.f.Layout)
	require.NoError(t, err)
	loc := time.UTC
	if from.f.Zone != "" {
		loc, err = time.LoadLocation(from.f.Zone)
		require.NoError(t, err)
	}
	return c, func(t *rapid.T) any {
		at := time.Unix(rapid.Int64Range(31536000, 4102444800).Draw(t, "sec"), rapid.Int64Range(0, 999999999).Draw(t, "nsec")).In(loc)
		if from.prec < precDay {
			at = at.Truncate(precDurations[from.prec])
		}
		return writeTime(at, layout)
	}
}

// genDecimalField draws an exact decimal or money converter and values at its source scale.
func genDecimalField(t *rapid.T) (DecimalConverter, func(*rapid.T) any) {
	var c DecimalConverter
	sourceScale := -1
	switch rapid.IntRange(0, 2).Draw(t, "decimalKind") {
	case 0:
		c = Decimal()
	case 1:
		scale := rapid.IntRange(0, 6).Draw(t, "scale")
		sourceScale = rapid.IntRange(0, scale).Draw(t, "sourceScale")
		c = Decimal().Scale(scale, RoundExact).SourceScale(sourceScale)
	default:
		cur := rapid.SampledFrom([]string{"EUR", "JPY", "KWD", "INR", "CLF"}).Draw(t, "currency")
		minor, _ := currencyMinorUnits(cur)
		mode := rapid.SampledFrom([]Rounding{RoundExact, RoundHalfEven, RoundHalfUp, RoundDown, RoundFloor}).Draw(t, "rounding")
		sourceScale = rapid.IntRange(0, minor).Draw(t, "sourceScale")
		c = Money(cur, mode).SourceScale(sourceScale)
	}
	if rapid.Bool().Draw(t, "asString") {
		c = c.AsString()
	}
	fromString := rapid.Bool().Draw(t, "sourceAsString")
	if fromString {
		c = c.SourceAsString()
	}
	return c, func(t *rapid.T) any {
		scale := sourceScale
		if scale < 0 {
			scale = rapid.IntRange(0, 5).Draw(t, "valueScale")
		}
		n := decimalText(t, scale)
		if fromString {
			return string(n)
		}
		return n
	}
}

// genInvertibleField draws one invertible rule reading fresh source paths.
func genInvertibleField(t *rapid.T, i int) genField {
	from, to := genPath(t, "s", i), genPath(t, "t", i)
	switch rapid.IntRange(0, 7).Draw(t, "kind") {
	case 1: // one-to-one value map
		n := rapid.IntRange(1, 5).Draw(t, "n")
		keys := rapid.SliceOfNDistinct(rapid.StringMatching(`[A-Z][a-z]{0,6}`), n, n, rapid.ID).Draw(t, "keys")
		pairs := make([]Pair, n)
		numeric := rapid.Bool().Draw(t, "numericCodes")
		for j, k := range keys {
			pairs[j] = Pair{From: k, To: "C" + strconv.Itoa(j)}
			if numeric {
				pairs[j].To = j * 10
			}
		}
		p := PicklistPairs(pairs...)
		if rapid.Bool().Draw(t, "pass") {
			p = p.PassUnknown()
		}
		return genField{rule: Field(from, to, p), paths: []string{from}, value: func(t *rapid.T) any {
			return rapid.SampledFrom(keys).Draw(t, "key")
		}}
	case 2: // date-time layouts and zones
		c, gen := genTimeField(t)
		return genField{rule: Field(from, to, c), paths: []string{from}, value: gen}
	case 3: // decimals and money
		c, gen := genDecimalField(t)
		return genField{rule: Field(from, to, c), paths: []string{from}, value: gen}
	case 4: // id look-up with a reverse
		l := Lookup(func(_ context.Context, id string) (string, error) { return "ERP-" + id, nil }).
			WithReverse(func(_ context.Context, code string) (string, error) {
				id, ok := strings.CutPrefix(code, "ERP-")
				if !ok {
					return "", ErrNotFound
				}
				return id, nil
			})
		return genField{rule: Field(from, to, l), paths: []string{from}, value: func(t *rapid.T) any {
			return rapid.StringMatching(`[1-9][0-9]{17,18}`).Draw(t, "id")
		}}
	case 5: // normalisation then a value map, on already normalised values
		p := Picklist(map[string]string{"Hot lead": "HOT", "Warm": "WARM"})
		return genField{rule: Field(from, to, Trim(), p), paths: []string{from}, value: func(t *rapid.T) any {
			return rapid.SampledFrom([]string{"Hot lead", "Warm"}).Draw(t, "rating")
		}}
	case 6: // computed with an inverse
		a, b := fmt.Sprintf("sc%da", i), fmt.Sprintf("sc%db", i)
		join := func(_ context.Context, src map[string]any) (any, error) {
			x, ok1 := src[a].(string)
			y, ok2 := src[b].(string)
			if !ok1 || !ok2 {
				return nil, ErrSkip
			}
			return x + "|" + y, nil
		}
		split := func(_ context.Context, v any) (map[string]any, error) {
			x, y, _ := strings.Cut(v.(string), "|")
			return map[string]any{a: x, b: y}, nil
		}
		return genField{rule: Computed(to, join, a, b).WithInverse(split), paths: []string{a, b}, value: func(t *rapid.T) any {
			return []any{words().Draw(t, "a"), words().Draw(t, "b")}
		}}
	case 7: // a chain of invertible converters
		c := Reversible(
			ConvertFunc(func(_ context.Context, v any) (any, error) { return "<" + v.(string) + ">", nil }),
			ConvertFunc(func(_ context.Context, v any) (any, error) {
				return strings.TrimSuffix(strings.TrimPrefix(v.(string), "<"), ">"), nil
			}))
		return genField{rule: Field(from, to, Normalize{NFC: true}, c, Normalize{}), paths: []string{from},
			value: func(t *rapid.T) any { return words().Draw(t, "w") }}
	}
	return genField{rule: Field(from, to), paths: []string{from}, value: jsonish}
}

// genRecord draws a source record for the fields: each field present, null or missing.
func genRecord(t *rapid.T, fields []genField) map[string]any {
	rec := map[string]any{}
	for i, f := range fields {
		state := rapid.IntRange(0, 5).Draw(t, fmt.Sprintf("state%d", i))
		if state == 0 { // missing
			continue
		}
		v := f.value(t)
		if state == 1 && len(f.paths) == 1 {
			v = nil
		}
		values, multi := v.([]any)
		for j, p := range f.paths {
			pv := v
			if multi && len(f.paths) > 1 {
				pv = values[j]
			}
			path, err := ParsePath(p)
			require.NoError(t, err)
			require.NoError(t, path.Set(rec, pv))
		}
	}
	return rec
}

// Applying an invertible mapping and then its inverse gives the record back, exactly.
func TestPropertyApplyThenInvertIsIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(t, "fields")
		fields := make([]genField, n)
		rules := make([]Rule, n)
		for i := range fields {
			fields[i] = genInvertibleField(t, i)
			rules[i] = fields[i].rule
		}
		m, err := New("generated", rules, &Options{Unmapped: UnmappedError})
		require.NoError(t, err)
		inv, err := m.Invert()
		require.NoError(t, err)
		twice, err := inv.Invert()
		require.NoError(t, err)

		rec := genRecord(t, fields)
		out, err := m.Apply(ctx, rec)
		require.NoError(t, err)
		back, err := inv.Apply(ctx, out)
		require.NoError(t, err)
		require.Equal(t, rec, back, "mapped: %v", out)

		again, err := m.Apply(ctx, rec)
		require.NoError(t, err)
		require.Equal(t, out, again, "mapping twice gives deep-equal output")
		h1, err := Hash(out)
		require.NoError(t, err)
		h2, err := Hash(again)
		require.NoError(t, err)
		require.Equal(t, h1, h2)
		viaTwice, err := twice.Apply(ctx, rec)
		require.NoError(t, err)
		require.Equal(t, out, viaTwice, "inverting twice behaves like the original")
	})
}

// Converting the output of the inverse again gives the same target record: a round trip from
// the target side is stable too.
func TestPropertyTargetSideRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "fields")
		fields := make([]genField, n)
		rules := make([]Rule, n)
		for i := range fields {
			fields[i] = genInvertibleField(t, i)
			rules[i] = fields[i].rule
		}
		m, err := New("generated", rules, nil)
		require.NoError(t, err)
		inv, err := m.Invert()
		require.NoError(t, err)
		out, err := m.Apply(ctx, genRecord(t, fields))
		require.NoError(t, err)
		src, err := inv.Apply(ctx, out)
		require.NoError(t, err)
		again, err := m.Apply(ctx, src)
		require.NoError(t, err)
		require.Equal(t, out, again)
		require.True(t, Equal(out, again))
	})
}
