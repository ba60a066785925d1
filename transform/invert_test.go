package transform

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInvertRefusesWithReasons(t *testing.T) {
	t.Parallel()
	compute := func(context.Context, map[string]any) (any, error) { return "x", nil }
	lookup := func(context.Context, string) (string, error) { return "x", nil }
	m := mustNew(t, []Rule{
		Field("Name", "name", Trim()),
		Field("Industry", "industry", Picklist(map[string]string{"Technology": "TECH", "Software": "TECH"})),
		Computed("score", compute, "Rating"),
		Const("source", "crm"),
		Field("Amount", "amount", Money("EUR", RoundHalfUp)),
		Field("Owner.id", "salesperson", Lookup(lookup)),
		Field("Modified_Time", "updated", DateTime(Layout(ZohoCRM), Layout(DateOnly))),
		Field("Email", "email", Normalize{Case: CaseLower}),
		Field("Phone", "phone", ConvertFunc(func(_ context.Context, v any) (any, error) { return v, nil })),
	}, nil)
	_, err := m.Invert()
	require.ErrorIs(t, err, ErrNotInvertible)
	msg := err.Error()
	for _, want := range []string{
		`field 1 (Industry → industry): not invertible: "Software" and "Technology" both map to "TECH": not one-to-one`,
		`field 2 (computed from Rating → score): not invertible: computed field has no inverse (give one, or mark it one_way)`,
		`field 3 (const → source): not invertible: a constant has no source field to write back to (mark it one_way to leave it out of the inverse)`,
		`field 4 (Amount → amount): not invertible: money EUR (half-up) may round away digits; declare a source scale of at most 2 (source_scale) or use rounding exact`,
		`field 5 (Owner.id → salesperson): not invertible: look-up has no reverse function`,
		`field 6 (Modified_Time → updated): not invertible: date keeps only days but zoho-crm has seconds`,
		`field 7 (Email → email): not invertible: case conversion to lower is many-to-one`,
		`field 8 (Phone → phone): not invertible: converter func has no inverse`,
	} {
		require.Contains(t, msg, want)
	}
	require.NotContains(t, msg, "field 0 ")
	var re *RuleError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 1, re.Index)
}

func TestInvertFanOut(t *testing.T) {
	t.Parallel()
	m := mustNew(t, []Rule{
		Field("Email", "email"),
		Field("Owner.id", "salesperson"),
		Field("Owner.id", "owner_ref"),
	}, nil)
	_, err := m.Invert()
	require.ErrorIs(t, err, ErrInvalidMapping)
	require.ErrorContains(t, err, `transform: mapping "test (inverse)": field 2 (owner_ref → Owner.id): invalid mapping: target Owner.id: both write Owner.id, with field 1 (salesperson → Owner.id)`)

	oneWay := mustNew(t, []Rule{
		Field("Owner.id", "salesperson"),
		Field("Owner.id", "owner_ref").OneWay(),
	}, nil)
	_, err = oneWay.Invert()
	require.NoError(t, err, "a one-way copy is left out of the inverse")
}

func TestInvertOneWayAndOptions(t *testing.T) {
	t.Parallel()
	m := mustNew(t, []Rule{
		Field("Name", "name"),
		Const("source", "crm").OneWay(),
		Field("Amount", "amount", Money("EUR", RoundHalfUp)).OneWay(),
	}, &Options{Unmapped: UnmappedError, Ignore: []string{"id"}, IgnoreTarget: []string{"erp_id"}})
	inv, err := m.Invert()
	require.NoError(t, err)
	require.Equal(t, "test (inverse)", inv.Name())
	out, err := inv.Apply(context.Background(), map[string]any{"name": "Zylker", "erp_id": 7, "source": "crm", "amount": 1})
	require.NoError(t, err, "erp_id is ignored, and so are the one-way targets")
	require.Equal(t, map[string]any{"Name": "Zylker"}, out)
	_, err = inv.Apply(context.Background(), map[string]any{"name": "Zylker", "id": "1"})
	require.ErrorIs(t, err, ErrUnmapped, "the forward Ignore does not apply to the other side")

	back, err := inv.Invert()
	require.NoError(t, err)
	require.Equal(t, "test", back.Name())
	_, err = back.Apply(context.Background(), map[string]any{"Name": "Zylker", "id": "1"})
	require.NoError(t, err, "inverting twice restores the options")
}

func TestInvertTwiceBehavesLikeOriginal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	join := func(_ context.Context, src map[string]any) (any, error) {
		return src["A"].(string) + "/" + src["B"].(string), nil
	}
	split := func(_ context.Context, v any) (map[string]any, error) {
		s := v.(string)
		for i := range len(s) {
			if s[i] == '/' {
				return map[string]any{"A": s[:i], "B": s[i+1:]}, nil
			}
		}
		return nil, errors.New("no slash")
	}
	m := mustNew(t, []Rule{
		Field("Type", "type", Picklist(map[string]string{"Customer": "C"}), Normalize{Trim: true}),
		Field("Amount", "amount", Decimal().Scale(2, RoundExact).AsString()),
		Field("When", "when", DateTime(Layout(ZohoBooks).In("America/New_York"), Layout(UnixMillis))),
		Computed("ab", join, "A", "B").WithInverse(split),
	}, nil)
	inv, err := m.Invert()
	require.NoError(t, err)
	twice, err := inv.Invert()
	require.NoError(t, err)
	src := map[string]any{"Type": "Customer", "Amount": json.Number("1.5"), "When": "2026-06-09T16:22:34-0400", "A": "x", "B": "y"}
	want, err := m.Apply(ctx, src)
	require.NoError(t, err)
	got, err := twice.Apply(ctx, src)
	require.NoError(t, err)
	require.Equal(t, want, got)
	back, err := inv.Apply(ctx, want)
	require.NoError(t, err)
	require.True(t, Equal(src, back), "%v != %v", src, back)
}
