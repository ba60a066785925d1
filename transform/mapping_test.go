package transform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustNew(t *testing.T, rules []Rule, opts *Options) *Mapping {
	t.Helper()
	m, err := New("test", rules, opts)
	require.NoError(t, err)
	return m
}

func TestApplyFieldsAndPaths(t *testing.T) {
	t.Parallel()
	m := mustNew(t, []Rule{
		Field("Billing_Address.Street", "address.street"),
		Field("Billing_Address.City", "address.city"),
		Field("Owner.id", "owner"),
		Field("Line_Items[1].Product.id", "lines[0].sku"),
		Field("Tags", "tags"),
		Field("Amount", "amount"),
		Field("Count", "count"),
		Field("Seen", "seen_at"),
		Field("Missing", "missing"),
		Field("Null", "cleared"),
	}, nil)
	seen := time.Date(2026, 5, 14, 12, 53, 58, 0, time.FixedZone("", 19800))
	src := map[string]any{
		"Billing_Address": map[string]any{"Street": "1 Main", "City": "Pune", "Zip": "411001"},
		"Owner":           map[string]any{"id": "u1", "name": "Pat"},
		"Line_Items":      []any{map[string]any{"Product": map[string]any{"id": "p0"}}, map[string]any{"Product": map[string]any{"id": "p1"}}},
		"Tags":            []string{"a", "b"},
		"Amount":          1234.56,
		"Count":           3,
		"Seen":            seen,
		"Null":            nil,
		"Unmapped":        "dropped",
	}
	out, err := m.Apply(context.Background(), src)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"address": map[string]any{"street": "1 Main", "city": "Pune"},
		"owner":   "u1",
		"lines":   []any{map[string]any{"sku": "p1"}},
		"tags":    []any{"a", "b"},
		"amount":  json.Number("1234.56"),
		"count":   json.Number("3"),
		"seen_at": seen.UTC(),
		"cleared": nil,
	}, out, "missing stays missing, null stays null, values are canonical")

	again, err := m.Apply(context.Background(), src)
	require.NoError(t, err)
	require.Equal(t, out, again, "the same input maps to deep-equal output")
	out["tags"].([]any)[0] = "changed"
	require.Equal(t, []string{"a", "b"}, src["Tags"], "the output shares nothing with the input")

	require.Equal(t, []string{"Billing_Address.Street", "Billing_Address.City", "Owner.id", "Line_Items[1].Product.id", "Tags", "Amount", "Count", "Seen", "Missing", "Null"}, m.SourcePaths())
	require.Equal(t, "address.street", m.TargetPaths()[0])
	require.Equal(t, "test", m.Name())
}

func TestApplyDefaultsConstantsComputed(t *testing.T) {
	t.Parallel()
	fullName := func(_ context.Context, src map[string]any) (any, error) {
		first, _ := src["First_Name"].(string)
		last, _ := src["Last_Name"].(string)
		if first == "" && last == "" {
			return nil, ErrSkip
		}
		return strings.TrimSpace(first + " " + last), nil
	}
	m := mustNew(t, []Rule{
		Field("Rating", "rating", Picklist(map[string]string{"Hot": "A", "Warm": "B"})).Default("Warm"),
		Field("Currency", "currency").Default("EUR"),
		Const("source", "zoho-crm"),
		Const("version", 2),
		Computed("display_name", fullName, "First_Name", "Last_Name"),
	}, nil)
	out, err := m.Apply(context.Background(), map[string]any{"Currency": nil, "First_Name": "Ada", "Last_Name": "Lovelace"})
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"rating":       "B", // the default goes through the picklist
		"currency":     "EUR",
		"source":       "zoho-crm",
		"version":      json.Number("2"),
		"display_name": "Ada Lovelace",
	}, out)
	out, err = m.Apply(context.Background(), map[string]any{"Rating": "Hot"})
	require.NoError(t, err)
	require.Equal(t, "A", out["rating"])
	require.NotContains(t, out, "display_name", "ErrSkip leaves the field unset")
}

func TestApplyReportsEveryFieldError(t *testing.T) {
	t.Parallel()
	boom := errors.New("credit check failed")
	m := mustNew(t, []Rule{
		Field("Account_Type", "type", Picklist(map[string]string{"Customer": "CUST"})),
		Field("Amount", "amount", Money("EUR", RoundExact)),
		Field("Modified_Time", "updated_at", DateTime(Layout(ZohoCRM), Layout(RFC3339).In("UTC"))),
		Field("Name", "name", Trim()),
		Field("OK", "ok"),
		Computed("risk", func(context.Context, map[string]any) (any, error) { return nil, boom }),
		Field("Owner.id", "salesperson", Lookup(func(context.Context, string) (string, error) { return "", ErrNotFound })),
		Field("Discount", "discount", Decimal()),
		Field("Custom", "custom", ConvertFunc(func(context.Context, any) (any, error) { return struct{}{}, nil })),
	}, &Options{Unmapped: UnmappedError})
	_, err := m.Apply(context.Background(), map[string]any{
		"Account_Type":  "Partner",
		"Amount":        "12.345",
		"Modified_Time": "2026-06-09T16:22:34-0400",
		"Name":          42,
		"OK":            "fine",
		"Owner":         map[string]any{"id": "5725767000000258001"},
		"Discount":      "ten percent",
		"Custom":        "x",
		"Extra":         map[string]any{"b": 1, "a": 2},
	})
	var me *MappingError
	require.ErrorAs(t, err, &me)
	require.Equal(t, "test", me.Mapping)
	var got []string
	for _, fe := range me.Errors {
		got = append(got, fmt.Sprintf("%s=%s", fe.Path, formatValue(fe.Value)))
	}
	require.Equal(t, []string{
		`Account_Type="Partner"`, `Amount="12.345"`, `Modified_Time="2026-06-09T16:22:34-0400"`,
		`Name=42`, `risk=null`, `Owner.id="5725767000000258001"`, `Discount="ten percent"`, `Custom="x"`,
		`Extra=map[a:2 b:1]`,
	}, got)
	require.ErrorIs(t, err, ErrNotFound)
	require.Contains(t, err.Error(), `Custom: "x": result {}: invalid value: unsupported type struct {}`)
	require.ErrorIs(t, err, ErrUnknownValue)
	require.ErrorIs(t, err, ErrInexact)
	require.ErrorIs(t, err, ErrInvalidValue)
	require.ErrorIs(t, err, ErrUnmapped)
	require.ErrorIs(t, err, boom)
	var fe FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "Account_Type", fe.Path)
	require.Contains(t, err.Error(), `transform: mapping "test": 9 field errors: Account_Type: "Partner": picklist (1 values): value not in the value map; Amount: "12.345": money EUR (exact)`)
}

func TestApplyUnmapped(t *testing.T) {
	t.Parallel()
	m := mustNew(t, []Rule{
		Field("Owner.id", "owner"),
		Field("Items[0].sku", "sku"),
		Computed("n", func(context.Context, map[string]any) (any, error) { return 1, nil }, "Count"),
	}, &Options{Unmapped: UnmappedError, Ignore: []string{"id", "Owner.name", "$approval"}})
	_, err := m.Apply(context.Background(), map[string]any{
		"id":        "1",
		"$approval": map[string]any{"approve": false},
		"Owner":     map[string]any{"id": "u", "name": "n", "email": "e"},
		"Items":     []any{map[string]any{"sku": "A", "qty": 1}, map[string]any{"sku": "B"}},
		"Count":     1,
		"Typed":     map[string]string{"x": "y"},
	})
	var me *MappingError
	require.ErrorAs(t, err, &me)
	var paths []string
	for _, fe := range me.Errors {
		require.ErrorIs(t, fe, ErrUnmapped)
		paths = append(paths, fe.Path)
	}
	require.Equal(t, []string{"Items[0].qty", "Items[1]", "Owner.email", "Typed"}, paths)

	drop := mustNew(t, []Rule{Field("a", "b")}, nil)
	out, err := drop.Apply(context.Background(), map[string]any{"a": 1, "z": 2})
	require.NoError(t, err, "unmapped fields are dropped by default")
	require.Equal(t, map[string]any{"b": json.Number("1")}, out)
	out, err = mustNew(t, []Rule{Field("a", "b")}, &Options{Unmapped: UnmappedError}).Apply(context.Background(), nil)
	require.NoError(t, err, "a nil record has no unmapped fields")
	require.Empty(t, out)
}

func TestApplySplit(t *testing.T) {
	t.Parallel()
	join := func(_ context.Context, src map[string]any) (any, error) {
		return fmt.Sprint(src["First_Name"], " ", src["Last_Name"]), nil
	}
	split := func(_ context.Context, v any) (map[string]any, error) {
		s, ok := v.(string)
		if !ok {
			return nil, badValue("want a string")
		}
		first, last, _ := strings.Cut(s, " ")
		if first == "SKIP" {
			return nil, ErrSkip
		}
		out := map[string]any{"First_Name": first, "Name.Last": last}
		if first == "BAD" {
			out["Salutation"] = "Mr"
		}
		return out, nil
	}
	m := mustNew(t, []Rule{Computed("full", join, "First_Name", "Name.Last").WithInverse(split)}, nil)
	inv, err := m.Invert()
	require.NoError(t, err)
	out, err := inv.Apply(context.Background(), map[string]any{"full": "Ada Lovelace"})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"First_Name": "Ada", "Name": map[string]any{"Last": "Lovelace"}}, out)
	out, err = inv.Apply(context.Background(), map[string]any{"full": "SKIP x"})
	require.NoError(t, err)
	require.Empty(t, out)
	out, err = inv.Apply(context.Background(), map[string]any{})
	require.NoError(t, err)
	require.Empty(t, out)
	_, err = inv.Apply(context.Background(), map[string]any{"full": "BAD x"})
	require.ErrorContains(t, err, `inverse returned "Salutation", which is not one of its declared paths (First_Name, Name.Last)`)
	_, err = inv.Apply(context.Background(), map[string]any{"full": 3})
	require.ErrorIs(t, err, ErrInvalidValue)
}

func TestApplyHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	m := mustNew(t, []Rule{
		Field("a", "a", Lookup(func(ctx context.Context, id string) (string, error) {
			calls++
			cancel()
			return "", ctx.Err()
		})),
		Field("b", "b", Lookup(func(context.Context, string) (string, error) {
			calls++
			return "x", nil
		})),
	}, nil)
	_, err := m.Apply(ctx, map[string]any{"a": "1", "b": "2"})
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorAs(t, err, new(*MappingError), "a cancelled run is not a record error")
	require.Equal(t, 1, calls, "no look-up after cancellation")
	_, err = m.Apply(ctx, map[string]any{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestApplyConcurrently(t *testing.T) {
	t.Parallel()
	m := mustNew(t, []Rule{
		Field("a", "x.a", Money("EUR", RoundHalfUp)),
		Field("b", "x.b", DateTime(Layout(ZohoBooks), Layout(ZohoCRM).In("Asia/Kolkata"))),
		Field("c", "c", Picklist(map[string]int{"one": 1})),
	}, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			out, err := m.Apply(context.Background(), map[string]any{"a": i, "b": "2026-06-09T16:22:34-0400", "c": "one"})
			if err != nil || !Equal(out["c"], 1) {
				t.Errorf("apply %d: %v %v", i, out, err)
			}
		})
	}
	wg.Wait()
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	_, err := New("crm-to-erp", []Rule{
		Field("Account_Name", "name"),
		Field("Name", "name"),
		Field("", "x"),
		Field("Street", "address"),
		Field("City", "address.city"),
		Field("When", "when", DateTime(Layout("zoho-crn"), Layout(ZohoBooks))),
		Field("Amount", "amount", Money("EURO", RoundHalfUp), nil),
		Const("c", make(chan int)),
		Computed("d", nil),
		Computed("e", func(context.Context, map[string]any) (any, error) { return nil, nil }).WithInverse(
			func(context.Context, any) (map[string]any, error) { return nil, nil }),
		Const("f", 1).Default(2),
		Field("g", "list[0]"),
		Field("h", "list.x"),
	}, &Options{Unmapped: "warn", Ignore: []string{"a..b"}, IgnoreTarget: []string{""}})
	require.ErrorIs(t, err, ErrInvalidMapping)
	msg := err.Error()
	for _, want := range []string{
		`transform: mapping "crm-to-erp": unmapped: invalid mapping: unknown policy "warn" (want drop or error)`,
		`ignore[0]: invalid mapping: path "a..b" has an empty key`,
		`ignore_target[0]: invalid mapping: empty path`,
		`field 1 (Name → name): invalid mapping: target name: both write name, with field 0 (Account_Name → name)`,
		`field 2 ( → x): invalid mapping: from: empty path`,
		`field 4 (City → address.city): invalid mapping: target address.city: address and address.city overlap (one contains the other), with field 3 (Street → address)`,
		`field 5 (When → when): converter 0 (date-time zoho-crn → zoho-books): invalid mapping: from: unknown layout "zoho-crn"`,
		`field 6 (Amount → amount): converter 0 (money EURO (half-up)): invalid mapping: unknown currency code "EURO"`,
		`field 6 (Amount → amount): invalid mapping: converter 1 is nil`,
		`field 7 (const → c): invalid mapping: constant: invalid value: unsupported type chan int`,
		`field 8 (computed → d): invalid mapping: computed field has no function`,
		`field 9 (computed → e): invalid mapping: computed field has an inverse but declares no reads`,
		`field 10 (const → f): invalid mapping: a default applies to field rules only`,
		`field 12 (h → list.x): invalid mapping: target list.x: list[0] and list.x need an object and an array at the same place, with field 11 (g → list[0])`,
	} {
		require.Contains(t, msg, want)
	}
	var re *RuleError
	require.ErrorAs(t, err, &re)
	_, err = New("", nil, nil)
	require.ErrorContains(t, err, "empty mapping name")
}
