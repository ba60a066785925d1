package transform

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"
)

const zohokitYAML = `# zohokit.yaml
authority:
  contacts: crm
  invoices: books
mappings:
  crm-account-to-erp-customer:
    unmapped: error
    ignore: [id, Owner.name]
    ignore_target: [erp_id]
    fields:
      - {from: Account_Name, to: name, string: {trim: true, collapse_spaces: true}}
      - from: Billing_Street
        to: address.street
      - from: Account_Type
        to: type
        default: Customer
        picklist:
          values: {Customer: CUST, Reseller: RESELLER}
          unknown: error
      - {from: Owner.id, to: salesperson, lookup: owners}
      - from: Modified_Time
        to: updated_at
        time: {from: zoho-crm, from_zone: Asia/Kolkata, to: "2006-01-02 15:04:05", to_zone: UTC}
      - {from: Annual_Revenue, to: revenue, money: {currency: INR, rounding: half-even, source_scale: 2, as_string: true}}
      - {from: Discount, to: discount, decimal: {scale: 4, rounding: exact}}
      - {from: Currency, to: currency, currency_code: true}
      - {from: Phone, to: phone, converter: e164}
      - from: Tier
        to: tier
        convert:
          - string: {trim: true}
          - picklist: {pairs: [{from: Gold, to: 1}, {from: Silver, to: 2}]}
      - {to: display, computed: display, reads: [Account_Site, Account_Number]}
      - {to: source, const: zoho-crm, one_way: true}
  empty-one:
    fields: []
`

func testRegistry() *Registry {
	return &Registry{
		Lookups: map[string]LookupConverter{
			"owners": Lookup(func(_ context.Context, id string) (string, error) { return "SP-" + id, nil }).
				WithReverse(func(_ context.Context, code string) (string, error) { return strings.TrimPrefix(code, "SP-"), nil }),
		},
		Computed: map[string]Computation{
			"display": {
				Compute: func(_ context.Context, src map[string]any) (any, error) {
					return src["Account_Site"].(string) + " #" + src["Account_Number"].(string), nil
				},
				Inverse: func(_ context.Context, v any) (map[string]any, error) {
					site, num, _ := strings.Cut(v.(string), " #")
					return map[string]any{"Account_Site": site, "Account_Number": num}, nil
				},
			},
		},
		Converters: map[string]Converter{
			"e164": Reversible(
				ConvertFunc(func(_ context.Context, v any) (any, error) { return "+91" + v.(string), nil }),
				ConvertFunc(func(_ context.Context, v any) (any, error) { return strings.TrimPrefix(v.(string), "+91"), nil })),
		},
	}
}

func TestYAMLBuildsWorkingMappings(t *testing.T) {
	t.Parallel()
	cfg, err := ParseYAML([]byte(zohokitYAML))
	require.NoError(t, err)
	require.Len(t, cfg.Mappings, 2)
	mc := cfg.Mappings["crm-account-to-erp-customer"]
	require.Equal(t, 7, mc.Line, "the line of the mapping's first key")
	require.Equal(t, 11, mc.Fields[0].Line)
	require.Equal(t, 12, mc.Fields[1].Line)
	require.Equal(t, 14, mc.Fields[2].Line)

	mappings, err := cfg.Build(testRegistry())
	require.NoError(t, err)
	m := mappings["crm-account-to-erp-customer"]
	ctx := context.Background()
	src := map[string]any{
		"id": "1", "Owner": map[string]any{"id": "7", "name": "Pat"},
		"Account_Name": " Zylker  Traders", "Account_Number": "A-1", "Account_Site": "Chennai", "Billing_Street": "1 Main",
		"Modified_Time": "2026-05-14T12:53:58+05:30", "Annual_Revenue": 1234.5, "Discount": "0.125",
		"Currency": "INR", "Phone": "9876543210", "Tier": " Gold ",
	}
	out, err := m.Apply(ctx, src)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"name": "Zylker Traders", "address": map[string]any{"street": "1 Main"}, "type": "CUST",
		"salesperson": "SP-7", "updated_at": "2026-05-14 07:23:58", "revenue": "1234.50",
		"discount": json.Number("0.1250"), "currency": "INR", "phone": "+919876543210", "tier": json.Number("1"),
		"display": "Chennai #A-1", "source": "zoho-crm",
	}, out)

	inv, err := m.Invert()
	require.NoError(t, err)
	out["erp_id"] = "C-1"
	back, err := inv.Apply(ctx, out)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"Account_Name": "Zylker Traders", "Account_Number": "A-1", "Account_Site": "Chennai", "Billing_Street": "1 Main",
		"Account_Type": "Customer", "Owner": map[string]any{"id": "7"},
		"Modified_Time": "2026-05-14T12:53:58+05:30", "Annual_Revenue": json.Number("1234.50"),
		"Discount": json.Number("0.1250"), "Currency": "INR", "Phone": "9876543210", "Tier": "Gold",
	}, back)

	empty, err := mappings["empty-one"].Apply(ctx, map[string]any{"x": 1})
	require.NoError(t, err)
	require.Empty(t, empty)
}

func TestYAMLErrorsCarryLines(t *testing.T) {
	t.Parallel()
	src := `mappings:
  m:
    fields:
      - {from: A, to: a}
      - {from: B, to: b, lookup: owner}
      - {to: c, computed: fullName}
      - {from: D, to: d, converter: phone}
      - from: E
        to: e
        time: {from: zoho-crn, to: zoho-books}
      - {from: F, to: f, string: {trim: true}, picklist: {values: {x: y}}}
      - {from: G, to: g, string: {trim: true}, convert: [{string: {nfc: true}}]}
      - {from: H, to: h, const: 1}
      - {from: I, to: a}
      - {from: J, to: j, picklist: {values: {x: y}, default: z}}
      - {from: K, to: k, money: {rounding: half-up}}
      - {from: L, to: l, decimal: {rounding: half-up}}
      - {from: M, to: m, convert: [{}]}
      - {to: n}
      - {from: O, to: o, reads: [A]}
      - {from: P, to: p, money: {currency: EURO}}
`
	cfg, err := ParseYAML([]byte(src))
	require.NoError(t, err)
	_, err = cfg.Build(testRegistry())
	require.ErrorIs(t, err, ErrInvalidMapping)
	msg := err.Error()
	for _, want := range []string{
		`field 1 (B → b) at line 5: invalid mapping: unknown lookup "owner" (registered: owners)`,
		`field 2 (computed "fullName" → c) at line 6: invalid mapping: unknown computed field "fullName" (registered: display)`,
		`field 3 (D → d) at line 7: invalid mapping: unknown converter "phone" (registered: e164)`,
		`field 4 (E → e) at line 8: time: invalid mapping: from: unknown layout "zoho-crn"`,
		`field 5 (F → f) at line 11: invalid mapping: a converter needs exactly one key (has string, picklist)`,
		`field 6 (G → g) at line 12: invalid mapping: has both an inline converter (string) and convert: use one`,
		`field 7 (const → h) at line 13: invalid mapping: a field needs exactly one of from, const and computed (has from, const)`,
		`field 8 (I → a) at line 14: invalid mapping: target a: both write a, with field 0 (A → a)`,
		`field 9 (J → j) at line 15: invalid mapping: picklist: default needs unknown: default`,
		`field 10 (K → k) at line 16: invalid mapping: money: currency is required`,
		`field 11 (L → l) at line 17: invalid mapping: decimal: rounding needs a scale`,
		`field 12 (M → m) at line 18: convert[0]: invalid mapping: a converter needs exactly one key (has none)`,
		`field 13 ( → n) at line 19: invalid mapping: a field needs exactly one of from, const and computed (has none)`,
		`field 14 (O → o) at line 20: invalid mapping: reads applies to computed fields only`,
		`field 15 (P → p) at line 21: money: invalid mapping: unknown currency code "EURO"`,
	} {
		require.Contains(t, msg, want)
	}
	var re *RuleError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 5, re.Line)

	_, err = cfg.Build(nil)
	require.ErrorContains(t, err, `unknown lookup "owner" (registered: none)`)
}

func TestYAMLSyntaxAndUnknownKeys(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		src  string
		line int
		want string
	}{
		"unknown field key":     {"mappings:\n  m:\n    fields:\n      - from: A\n        to: a\n        defualt: 1\n", 6, `unknown field "defualt"`},
		"unknown mapping key":   {"mappings:\n  m:\n    feilds: []\n", 3, `unknown field "feilds"`},
		"unknown converter key": {"mappings:\n  m:\n    fields:\n      - from: A\n        to: a\n        string: {trim: true, upper: true}\n", 6, `unknown field "upper"`},
		"bad type":              {"mappings:\n  m:\n    fields:\n      - from: A\n        to: a\n        one_way: maybe\n", 6, "bool"},
		"syntax":                {"mappings:\n  m:\n    fields:\n      - {from: A, to: a\n", 4, ""},
		"duplicate key":         {"mappings:\n  m:\n    fields: []\n  m:\n    fields: []\n", 4, `mapping key "m" already defined`},
	}
	for name, tt := range tests {
		_, err := ParseYAML([]byte(tt.src))
		var le *DecodeError
		require.ErrorAs(t, err, &le, name)
		require.Equal(t, tt.line, le.Line, "%s: %v", name, err)
		require.Contains(t, le.Error(), tt.want, name)
		require.True(t, strings.HasPrefix(le.Error(), "transform: line "), name)
	}
	_, err := ParseYAML([]byte("authority:\n  contacts: crm\n"))
	require.ErrorContains(t, err, "no top-level mappings: key")
}

// A service config embeds the mapping structs; decoding it directly still records lines and
// rejects unknown keys inside mappings.
func TestYAMLEmbedsInABiggerConfig(t *testing.T) {
	t.Parallel()
	type serviceConfig struct {
		Authority map[string]string `yaml:"authority"`
		Config    `yaml:",inline"`
	}
	var sc serviceConfig
	require.NoError(t, yaml.Unmarshal([]byte(zohokitYAML), &sc))
	require.Equal(t, "crm", sc.Authority["contacts"])
	require.Equal(t, 11, sc.Mappings["crm-account-to-erp-customer"].Fields[0].Line)
	_, err := sc.Build(testRegistry())
	require.NoError(t, err)

	err = yaml.Unmarshal([]byte("extra: 1\nmappings:\n  m:\n    fields:\n      - {from: A, too: a}\n"), &sc)
	require.ErrorContains(t, err, `unknown field "too"`)

	// The structs carry json tags too.
	var fromJSON Config
	require.NoError(t, json.Unmarshal([]byte(`{"mappings":{"m":{"unmapped":"error","fields":[
		{"from":"A","to":"a","picklist":{"values":{"x":"y"},"unknown":"pass"}},
		{"from":"B","to":"b","time":{"from":"zoho-books","to":"zoho-crm","to_zone":"UTC"}}]}}}`), &fromJSON))
	viaParse, err := ParseYAML([]byte(`{"mappings":{"m":{"fields":[{"from":"A","to":"a","bogus":1}]}}}`))
	require.Nil(t, viaParse)
	var de *DecodeError
	require.ErrorAs(t, err, &de, "JSON is read as YAML, with positions")
	require.Equal(t, 1, de.Line)
	require.Contains(t, de.Msg, `unknown field "bogus"`)
	ms, err := fromJSON.Build(nil)
	require.NoError(t, err)
	out, err := ms["m"].Apply(context.Background(), map[string]any{"A": "x", "B": "2026-06-09T16:22:34-0400"})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": "y", "b": "2026-06-09T20:22:34+00:00"}, out)
}

func TestYAMLBuildReportsAllMappings(t *testing.T) {
	t.Parallel()
	cfg, err := ParseYAML([]byte("mappings:\n  b:\n    fields: [{from: X, to: x, lookup: nope}]\n  a:\n    unmapped: warn\n    fields: []\n"))
	require.NoError(t, err)
	_, err = cfg.Build(nil)
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], `mapping "a": unmapped at line 5: invalid mapping: unknown policy "warn"`)
	require.Contains(t, lines[1], `mapping "b": field 0 (X → x) at line 3`)
	var re *RuleError
	require.True(t, errors.As(err, &re))
}

func TestYAMLAnchorsAndAliases(t *testing.T) {
	t.Parallel()
	_, err := ParseYAML([]byte(`x-shared:
  crm-time: &crm-time {from: zoho-crm, from_zone: Asia/Kolkata, to: rfc3339, to_zone: UTC}
  base: &base {unmapped: error, ignore: [id]}
mappings:
  accounts:
    <<: *base
    fields:
      - {from: Modified_Time, to: updated_at, time: *crm-time}
      - &name {from: Name, to: name, string: {trim: true}}
  contacts:
    fields:
      - *name
      - {from: Created_Time, to: created_at, time: *crm-time}
      - {from: X, to: x, time: *missing}
`))
	var le *DecodeError
	require.ErrorAs(t, err, &le)
	require.Equal(t, 14, le.Line)
	require.Contains(t, le.Msg, `could not find alias "missing"`)

	cfg, err := ParseYAML([]byte(`x-shared:
  crm-time: &crm-time {from: zoho-crm, from_zone: Asia/Kolkata, to: rfc3339, to_zone: UTC}
  base: &base {unmapped: error, ignore: [id]}
mappings:
  accounts:
    <<: *base
    fields:
      - {from: Modified_Time, to: updated_at, time: *crm-time}
      - &name {from: Name, to: name, string: {trim: true}}
  contacts:
    fields:
      - *name
      - {from: Created_Time, to: created_at, time: *crm-time}
`))
	require.NoError(t, err)
	require.Equal(t, UnmappedError, cfg.Mappings["accounts"].Unmapped, "merge keys work")
	require.Equal(t, 9, cfg.Mappings["contacts"].Fields[0].Line, "an aliased field has its anchor's line")
	ms, err := cfg.Build(nil)
	require.NoError(t, err)
	_, err = ms["accounts"].Apply(context.Background(), map[string]any{"id": 1, "Other": 2})
	require.ErrorIs(t, err, ErrUnmapped)
	out, err := ms["contacts"].Apply(context.Background(), map[string]any{"Name": " Ada ", "Created_Time": "2026-05-14T12:53:58+05:30"})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"name": "Ada", "created_at": "2026-05-14T07:23:58Z"}, out)
}
