package transform

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Config is the `mappings:` section of the service's zohokit.yaml: named mappings. A bigger
// config embeds it (or a map of MappingConfig); the structs carry yaml and json tags.
// Decoding with goccy/go-yaml records each mapping's and field's line, and rejects unknown keys
// inside mappings even when the surrounding config is decoded leniently. ParseYAML resolves
// aliases across the whole file; when a bigger config is decoded directly, an alias inside a
// mapping must refer to an anchor inside the same mapping.
//
//	mappings:
//	  crm-account-to-erp-customer:
//	    unmapped: error
//	    ignore: [id, Owner.name, Owner.email]
//	    fields:
//	      - {from: Account_Name, to: name, string: {trim: true, collapse_spaces: true}}
//	      - {from: Billing_Street, to: address.street}
//	      - from: Account_Type
//	        to: type
//	        picklist: {values: {Customer: CUST, Reseller: RESELLER}, unknown: error}
//	      - {from: Owner.id, to: salesperson, lookup: owners}
//	      - from: Modified_Time
//	        to: updated_at
//	        time: {from: zoho-crm, from_zone: Asia/Kolkata, to: "2006-01-02 15:04:05", to_zone: UTC}
//	      - {from: Annual_Revenue, to: revenue, money: {currency: INR, rounding: half-even}}
//	      - {to: source, const: zoho-crm, one_way: true}
type Config struct {
	Mappings map[string]MappingConfig `yaml:"mappings" json:"mappings"`
}

// MappingConfig is one named mapping in YAML.
type MappingConfig struct {
	// Unmapped is "drop" (default) or "error"; see Options.
	Unmapped UnmappedPolicy `yaml:"unmapped,omitempty" json:"unmapped,omitempty"`
	// Ignore lists source paths not reported as unmapped.
	Ignore []string `yaml:"ignore,omitempty" json:"ignore,omitempty"`
	// IgnoreTarget lists target paths the inverse ignores.
	IgnoreTarget []string `yaml:"ignore_target,omitempty" json:"ignore_target,omitempty"`
	// Fields are the rules, in order.
	Fields []FieldConfig `yaml:"fields" json:"fields"`
	// Line is the line of the mapping's first key in the YAML file (set by the decoder).
	Line int `yaml:"-" json:"-"`
}

// FieldConfig is one rule in YAML. Exactly one of From (a field), Const or Computed says what it
// is. A field has at most one inline converter key (string, time, decimal, money, picklist,
// currency_code, lookup, converter) or a `convert:` list of them applied in order.
type FieldConfig struct {
	From     string   `yaml:"from,omitempty" json:"from,omitempty"`
	To       string   `yaml:"to" json:"to"`
	Default  any      `yaml:"default,omitempty" json:"default,omitempty"`
	Const    any      `yaml:"const,omitempty" json:"const,omitempty"`
	Computed string   `yaml:"computed,omitempty" json:"computed,omitempty"` // a Registry.Computed name
	Reads    []string `yaml:"reads,omitempty" json:"reads,omitempty"`       // the source paths a computed field reads
	OneWay   bool     `yaml:"one_way,omitempty" json:"one_way,omitempty"`

	ConverterConfig `yaml:",inline"`
	Convert         []ConverterConfig `yaml:"convert,omitempty" json:"convert,omitempty"`

	// Line is where the field starts in the YAML file (set by the decoder).
	Line int `yaml:"-" json:"-"`
}

// ConverterConfig names one converter; exactly one key is set.
type ConverterConfig struct {
	String       *Normalize      `yaml:"string,omitempty" json:"string,omitempty"`
	Time         *TimeConfig     `yaml:"time,omitempty" json:"time,omitempty"`
	Decimal      *DecimalConfig  `yaml:"decimal,omitempty" json:"decimal,omitempty"`
	Money        *MoneyConfig    `yaml:"money,omitempty" json:"money,omitempty"`
	Picklist     *PicklistConfig `yaml:"picklist,omitempty" json:"picklist,omitempty"`
	CurrencyCode bool            `yaml:"currency_code,omitempty" json:"currency_code,omitempty"`
	Lookup       string          `yaml:"lookup,omitempty" json:"lookup,omitempty"`       // a Registry.Lookups name
	Converter    string          `yaml:"converter,omitempty" json:"converter,omitempty"` // a Registry.Converters name
}

// TimeConfig is a DateTime converter: layouts are named (zoho-crm, zoho-books, date, rfc3339,
// rfc3339nano, unix, unix-ms) or Go layouts; zones are IANA names.
type TimeConfig struct {
	From     string `yaml:"from" json:"from"`
	FromZone string `yaml:"from_zone,omitempty" json:"from_zone,omitempty"`
	To       string `yaml:"to" json:"to"`
	ToZone   string `yaml:"to_zone,omitempty" json:"to_zone,omitempty"`
}

// DecimalConfig is a Decimal converter. Without a scale the value keeps its own.
type DecimalConfig struct {
	Scale          *int     `yaml:"scale,omitempty" json:"scale,omitempty"`
	Rounding       Rounding `yaml:"rounding,omitempty" json:"rounding,omitempty"`
	SourceScale    *int     `yaml:"source_scale,omitempty" json:"source_scale,omitempty"`
	AsString       bool     `yaml:"as_string,omitempty" json:"as_string,omitempty"`
	SourceAsString bool     `yaml:"source_as_string,omitempty" json:"source_as_string,omitempty"`
}

// MoneyConfig is a Money converter: the currency's minor units with a rounding mode (exact,
// the default, refuses to round).
type MoneyConfig struct {
	Currency       string   `yaml:"currency" json:"currency"`
	Rounding       Rounding `yaml:"rounding,omitempty" json:"rounding,omitempty"`
	SourceScale    *int     `yaml:"source_scale,omitempty" json:"source_scale,omitempty"`
	AsString       bool     `yaml:"as_string,omitempty" json:"as_string,omitempty"`
	SourceAsString bool     `yaml:"source_as_string,omitempty" json:"source_as_string,omitempty"`
}

// PicklistConfig is a value map: `values` (string keys) and/or `pairs` (any scalar keys), and
// the policy for unknown values (error, pass, default with `default`).
type PicklistConfig struct {
	Values  map[string]any `yaml:"values,omitempty" json:"values,omitempty"`
	Pairs   []Pair         `yaml:"pairs,omitempty" json:"pairs,omitempty"`
	Unknown UnknownPolicy  `yaml:"unknown,omitempty" json:"unknown,omitempty"`
	Default any            `yaml:"default,omitempty" json:"default,omitempty"`
}

// Registry holds what YAML refers to by name, because a file cannot hold Go functions. The
// program fills it before building mappings; an unknown name is an error naming the field and
// its line.
type Registry struct {
	// Lookups are the `lookup:` names: id translations (give WithReverse for inverses).
	Lookups map[string]LookupConverter
	// Computed are the `computed:` names.
	Computed map[string]Computation
	// Converters are the `converter:` names: any other converter (Reversible ones invert).
	Converters map[string]Converter
}

// UnmarshalYAML decodes a mapping strictly (unknown keys are errors) and records its line.
func (mc *MappingConfig) UnmarshalYAML(node ast.Node) error {
	type plain MappingConfig
	var p plain
	if err := yaml.NodeToValue(node, &p, yaml.Strict()); err != nil {
		return err
	}
	*mc = MappingConfig(p)
	mc.Line = node.GetToken().Position.Line
	return nil
}

// UnmarshalYAML decodes a field strictly (unknown keys are errors) and records its line.
func (fc *FieldConfig) UnmarshalYAML(node ast.Node) error {
	type plain FieldConfig
	var p plain
	if err := yaml.NodeToValue(node, &p, yaml.Strict()); err != nil {
		return err
	}
	*fc = FieldConfig(p)
	fc.Line = node.GetToken().Position.Line
	return nil
}

// DecodeError is a mappings section that could not be decoded: a YAML syntax error, a key a
// mapping or field does not know, a value of the wrong type (the same shape as
// authority.DecodeError).
type DecodeError struct {
	// Line and Column locate the problem, 1-based; 0 when unknown.
	Line, Column int
	// Msg is the decoder's message without the position.
	Msg string
	// Err is the decoder's error.
	Err error
}

// Error reads like `transform: line 6, column 9: unknown field "defualt"`.
func (e *DecodeError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("transform: line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return "transform: " + e.Msg
}

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// yamlError turns a goccy error into a *DecodeError, with the position when it has one.
func yamlError(err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		pos := ye.GetToken().Position
		return &DecodeError{Line: pos.Line, Column: pos.Column, Msg: ye.GetMessage(), Err: err}
	}
	return &DecodeError{Msg: err.Error(), Err: err}
}

// ParseYAML reads the top-level `mappings:` key of a config file (other keys, such as the
// authority table, are left to their packages). Anchors and aliases work across the file
// (a shared time format under an "x-" key). Syntax errors and unknown keys inside mappings are
// *DecodeError values with the line and column. JSON is YAML, so a JSON config works too.
func ParseYAML(data []byte) (*Config, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(err)
	}
	resolveAliases(file)
	path, err := yaml.PathString("$.mappings")
	if err != nil {
		return nil, &DecodeError{Msg: err.Error(), Err: err}
	}
	node, err := path.FilterFile(file)
	if err != nil || node == nil {
		return nil, &DecodeError{Msg: "no top-level mappings: key", Err: err}
	}
	var cfg Config
	if err := yaml.NodeToValue(node, &cfg.Mappings, yaml.Strict()); err != nil {
		return nil, yamlError(err)
	}
	return &cfg, nil
}

// Build builds every mapping, reporting the problems of all of them together. reg may be nil
// when the config names no look-ups, computed fields or converters.
func (c *Config) Build(reg *Registry) (map[string]*Mapping, error) {
	out := make(map[string]*Mapping, len(c.Mappings))
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(c.Mappings)) {
		mc := c.Mappings[name]
		m, err := mc.Build(name, reg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[name] = m
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Build builds one mapping under name. Every problem is reported (errors.Join of *RuleError
// with the field's index and line).
func (mc *MappingConfig) Build(name string, reg *Registry) (*Mapping, error) {
	if reg == nil {
		reg = &Registry{}
	}
	var rules []Rule
	var errs []error
	for i, fc := range mc.Fields {
		r, err := fc.rule(reg)
		r.line, r.at = fc.Line, i+1
		if err != nil {
			errs = append(errs, &RuleError{Mapping: name, Index: i, Rule: fc.describe(), Line: fc.Line, Err: err})
			continue
		}
		rules = append(rules, r)
	}
	m, err := New(name, rules, &Options{Unmapped: mc.Unmapped, Ignore: mc.Ignore, IgnoreTarget: mc.IgnoreTarget, line: mc.Line})
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// describe names a field config for messages before it is a Rule.
func (fc *FieldConfig) describe() string {
	switch {
	case fc.Const != nil:
		return "const → " + fc.To
	case fc.Computed != "":
		return fmt.Sprintf("computed %q → %s", fc.Computed, fc.To)
	}
	return fc.From + " → " + fc.To
}

// rule turns a field config into a Rule.
func (fc *FieldConfig) rule(reg *Registry) (Rule, error) {
	var kinds []string
	if fc.From != "" {
		kinds = append(kinds, "from")
	}
	if fc.Const != nil {
		kinds = append(kinds, "const")
	}
	if fc.Computed != "" {
		kinds = append(kinds, "computed")
	}
	if len(kinds) != 1 {
		return Rule{}, invalid("a field needs exactly one of from, const and computed (has %s)", listOrNone(kinds))
	}
	inline := fc.ConverterConfig.kinds()
	if fc.From == "" && (len(inline) > 0 || len(fc.Convert) > 0) {
		return Rule{}, invalid("converters apply to from fields only")
	}
	if len(fc.Reads) > 0 && fc.Computed == "" {
		return Rule{}, invalid("reads applies to computed fields only")
	}
	var r Rule
	switch {
	case fc.Const != nil:
		r = Const(fc.To, fc.Const)
	case fc.Computed != "":
		comp, ok := reg.Computed[fc.Computed]
		if !ok {
			return Rule{}, invalid("unknown computed field %q (registered: %s)", fc.Computed, names(reg.Computed))
		}
		r = Computed(fc.To, comp.Compute, fc.Reads...).WithInverse(comp.Inverse)
		r.name = fc.Computed
	default:
		var convs []Converter
		var errs []error
		if len(inline) > 0 && len(fc.Convert) > 0 {
			errs = append(errs, invalid("has both an inline converter (%s) and convert: use one", strings.Join(inline, ", ")))
		}
		if len(inline) > 0 {
			c, err := fc.ConverterConfig.build(reg)
			if err != nil {
				errs = append(errs, err)
			}
			convs = append(convs, c)
		}
		for i, cc := range fc.Convert {
			c, err := cc.build(reg)
			if err != nil {
				errs = append(errs, fmt.Errorf("convert[%d]: %w", i, err))
			}
			convs = append(convs, c)
		}
		if len(errs) > 0 {
			return Rule{}, errors.Join(errs...)
		}
		r = Field(fc.From, fc.To, convs...)
	}
	if fc.Default != nil {
		r = r.Default(fc.Default)
	}
	if fc.OneWay {
		r = r.OneWay()
	}
	return r, nil
}

// kinds lists the converter keys that are set.
func (cc *ConverterConfig) kinds() []string {
	var ks []string
	add := func(set bool, k string) {
		if set {
			ks = append(ks, k)
		}
	}
	add(cc.String != nil, "string")
	add(cc.Time != nil, "time")
	add(cc.Decimal != nil, "decimal")
	add(cc.Money != nil, "money")
	add(cc.Picklist != nil, "picklist")
	add(cc.CurrencyCode, "currency_code")
	add(cc.Lookup != "", "lookup")
	add(cc.Converter != "", "converter")
	return ks
}

// build makes the one converter a config names, and validates it.
func (cc *ConverterConfig) build(reg *Registry) (Converter, error) {
	ks := cc.kinds()
	if len(ks) != 1 {
		return nil, invalid("a converter needs exactly one key (has %s)", listOrNone(ks))
	}
	var c Converter
	switch {
	case cc.String != nil:
		c = *cc.String
	case cc.Time != nil:
		c = DateTime(Layout(cc.Time.From).In(cc.Time.FromZone), Layout(cc.Time.To).In(cc.Time.ToZone))
	case cc.Decimal != nil:
		d := Decimal()
		if cc.Decimal.Scale != nil {
			d = d.Scale(*cc.Decimal.Scale, cc.Decimal.Rounding)
		} else if cc.Decimal.Rounding != "" {
			return nil, invalid("decimal: rounding needs a scale")
		}
		c = decimalSides(d, cc.Decimal.SourceScale, cc.Decimal.AsString, cc.Decimal.SourceAsString)
	case cc.Money != nil:
		if cc.Money.Currency == "" {
			return nil, invalid("money: currency is required")
		}
		d := Money(cc.Money.Currency, cc.Money.Rounding)
		c = decimalSides(d, cc.Money.SourceScale, cc.Money.AsString, cc.Money.SourceAsString)
	case cc.Picklist != nil:
		var err error
		if c, err = cc.Picklist.build(); err != nil {
			return nil, err
		}
	case cc.CurrencyCode:
		c = CurrencyCode()
	case cc.Lookup != "":
		l, ok := reg.Lookups[cc.Lookup]
		if !ok {
			return nil, invalid("unknown lookup %q (registered: %s)", cc.Lookup, names(reg.Lookups))
		}
		c = l.Named(cc.Lookup)
	case cc.Converter != "":
		conv, ok := reg.Converters[cc.Converter]
		if !ok || conv == nil {
			return nil, invalid("unknown converter %q (registered: %s)", cc.Converter, names(reg.Converters))
		}
		c = conv
	}
	if err := validateConverter(c); err != nil {
		return nil, fmt.Errorf("%s: %w", ks[0], wrapInvalid(err))
	}
	return c, nil
}

// decimalSides applies the source-side settings shared by decimal and money.
func decimalSides(d DecimalConverter, sourceScale *int, asString, sourceAsString bool) DecimalConverter {
	if sourceScale != nil {
		d = d.SourceScale(*sourceScale)
	}
	if asString {
		d = d.AsString()
	}
	if sourceAsString {
		d = d.SourceAsString()
	}
	return d
}

// build makes the picklist converter.
func (pc *PicklistConfig) build() (Converter, error) {
	if len(pc.Values) == 0 && len(pc.Pairs) == 0 {
		return nil, invalid("picklist: values or pairs are required")
	}
	pairs := slices.Clone(pc.Pairs)
	for _, k := range slices.Sorted(maps.Keys(pc.Values)) {
		pairs = append(pairs, Pair{From: k, To: pc.Values[k]})
	}
	p := PicklistPairs(pairs...)
	switch pc.Unknown {
	case "", UnknownError:
		if pc.Default != nil {
			return nil, invalid("picklist: default needs unknown: default")
		}
	case UnknownPass:
		if pc.Default != nil {
			return nil, invalid("picklist: default needs unknown: default")
		}
		p = p.PassUnknown()
	case UnknownDefault:
		if pc.Default == nil {
			return nil, invalid("picklist: unknown: default needs a default value")
		}
		p = p.DefaultUnknown(pc.Default)
	default:
		return nil, invalid("picklist: unknown policy %q (want error, pass or default)", pc.Unknown)
	}
	return p, nil
}

// names lists a registry's names for an error message.
func names[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

// listOrNone joins keys, or says "none".
func listOrNone(ks []string) string {
	if len(ks) == 0 {
		return "none"
	}
	return strings.Join(ks, ", ")
}
