package authority_test

import (
	"encoding/json"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
)

const standalone = `systems:
  - name: CRM
    kind: zoho-crm
    description: Zoho CRM
  - name: ERP
rules:
  - data_type: customers
    system: CRM
    rationale: Sales owns the customer.
    overrides:
      - system: ERP
        fields: [delivery_street, delivery_city]
        rationale: The warehouse confirms addresses.
`

// wantCustomers is the Config both shapes of the document describe.
var wantCustomers = authority.Config{
	Systems: []authority.System{{Name: "CRM", Kind: "zoho-crm", Description: "Zoho CRM"}, {Name: "ERP"}},
	Rules: []authority.Rule{{
		DataType: "customers", System: "CRM", Rationale: "Sales owns the customer.",
		Overrides: []authority.Override{{System: "ERP", Fields: []string{"delivery_street", "delivery_city"},
			Rationale: "The warehouse confirms addresses."}},
	}},
}

func TestParseShapes(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"standalone": standalone,
		"authority section of a service config": `# zohokit.yaml
mappings:
  - name: whatever the transform package reads
pipelines: [{name: p1}]
authority:
  systems:
    - {name: CRM, kind: zoho-crm, description: Zoho CRM}
    - name: ERP
  rules:
    - data_type: customers
      system: CRM
      rationale: Sales owns the customer.
      overrides:
        - system: ERP
          fields: [delivery_street, delivery_city]
          rationale: The warehouse confirms addresses.
`,
		"JSON": `{
	"systems": [{"name": "CRM", "kind": "zoho-crm", "description": "Zoho CRM"}, {"name": "ERP"}],
	"rules": [{
		"data_type": "customers", "system": "CRM", "rationale": "Sales owns the customer.",
		"overrides": [{"system": "ERP", "fields": ["delivery_street", "delivery_city"], "rationale": "The warehouse confirms addresses."}]
	}]
}`,
		"JSON with the authority key": `{"pipelines": [], "authority": {
	"systems": [{"name": "CRM", "kind": "zoho-crm", "description": "Zoho CRM"}, {"name": "ERP"}],
	"rules": [{"data_type": "customers", "system": "CRM", "rationale": "Sales owns the customer.",
		"overrides": [{"system": "ERP", "fields": ["delivery_street", "delivery_city"], "rationale": "The warehouse confirms addresses."}]}]}}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tbl, err := authority.Parse([]byte(doc))
			require.NoError(t, err)
			require.Equal(t, wantCustomers, tbl.Config())
			o, err := tbl.FieldOwner("customers", "delivery_city")
			require.NoError(t, err)
			require.Equal(t, "ERP", o.System)
		})
	}
}

func TestParseDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc    string
		line, column int
		message      string
	}{
		{"unknown rule key", "systems: [{name: CRM}]\nrules:\n  - data_type: contacts\n    system: CRM\n    rationle: typo\n",
			5, 5, `authority: line 5, column 5: unknown field "rationle"`},
		{"unknown override key", "rules:\n  - data_type: c\n    system: CRM\n    overrides:\n      - system: ERP\n        field: [a]\n",
			6, 9, `authority: line 6, column 9: unknown field "field"`},
		{"unknown system key", "systems:\n  - name: CRM\n    kind: zoho-crm\n    descripton: x\n",
			4, 5, `authority: line 4, column 5: unknown field "descripton"`},
		{"unknown top-level key in a standalone file", "systems: []\nrule: []\n",
			2, 1, `authority: line 2, column 1: unknown field "rule"`},
		{"unknown key in the authority section", "pipelines: []\nauthority:\n  systems: []\n  rulez: []\n",
			4, 3, `authority: line 4, column 3: unknown field "rulez"`},
		{"syntax error", "rules:\n  - data_type: contacts\n   system: CRM\n",
			3, 4, ""},
		{"wrong type", "rules:\n  - data_type: [contacts]\n",
			2, 16, "authority: line 2, column 16: expected a string, found a sequence"},
		{"wrong type for a list", "rules:\n  - data_type: contacts\n    system: CRM\n    overrides: {system: ERP}\n",
			4, 16, ""},
		{"JSON syntax error", "{\"rules\": [\n  {\"data_type\": \"contacts\",}\n",
			0, 0, ""},
		{"duplicate key", "rules:\n  - data_type: contacts\n    data_type: accounts\n",
			3, 5, ""},
		{"authority section next to top-level rules", "authority:\n  rules: []\nrules: []\n",
			3, 1, `authority: line 3, column 1: top-level "rules" next to the authority: section; put it inside the section`},
		{"empty authority section", "pipelines: []\nauthority:\n",
			2, 1, "authority: line 2, column 1: the authority: section is empty"},
		{"empty document", "# nothing here\n", 0, 0, "authority: the document is empty"},
		{"two documents", "systems: []\n---\nrules: []\n", 0, 0, "authority: 2 YAML documents, want one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := authority.Parse([]byte(tt.doc))
			require.Error(t, err)
			var de *authority.DecodeError
			require.ErrorAs(t, err, &de, err.Error())
			if tt.line > 0 {
				require.Equal(t, tt.line, de.Line, err.Error())
				require.Equal(t, tt.column, de.Column, err.Error())
				require.Contains(t, err.Error(), "line ", err.Error())
			} else if tt.name == "JSON syntax error" {
				require.Positive(t, de.Line, err.Error())
			}
			if tt.message != "" {
				require.EqualError(t, err, tt.message)
			}
			require.NotContains(t, err.Error(), "\n", "one line, no source excerpt")
		})
	}
}

// serviceConfig is how the serve command's configuration embeds the
// authority section next to other packages' sections.
type serviceConfig struct {
	Authority authority.Config `yaml:"authority" json:"authority"`
	Pipelines []struct {
		Name string `yaml:"name" json:"name"`
	} `yaml:"pipelines" json:"pipelines"`
}

func TestEmbeddedConfigKeepsLinesAndStrictness(t *testing.T) {
	t.Parallel()
	doc := `pipelines:
  - name: customers
authority:
  systems:
    - name: CRM
  rules:
    - data_type: customers
      system: ERP
`
	// The enclosing document is decoded leniently, by someone else's code.
	var cfg serviceConfig
	require.NoError(t, yaml.Unmarshal([]byte(doc), &cfg))
	_, err := authority.New(cfg.Authority)
	require.EqualError(t, err, `authority: line 7: rule "customers" (rules[0]): unknown system "ERP" (known systems: CRM)`)

	typo := "authority:\n  rules:\n    - data_type: customers\n      sytem: CRM\n"
	err = yaml.Unmarshal([]byte(typo), &cfg)
	require.Error(t, err, "unknown keys inside the authority section are errors even in a lenient decode")
	require.Contains(t, err.Error(), `[4:7] unknown field "sytem"`)
}

func TestConfigRoundTrips(t *testing.T) {
	t.Parallel()
	cfg := authority.Default().Config()

	y, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	fromYAML, err := authority.ParseConfig(y)
	require.NoError(t, err)
	tbl, err := authority.New(fromYAML)
	require.NoError(t, err)
	require.Equal(t, cfg, tbl.Config())

	j, err := json.Marshal(cfg)
	require.NoError(t, err)
	var fromJSON authority.Config
	require.NoError(t, json.Unmarshal(j, &fromJSON))
	require.Equal(t, cfg, fromJSON)
	fromJSONasYAML, err := authority.Parse(j)
	require.NoError(t, err)
	require.Equal(t, cfg, fromJSONasYAML.Config())
}

func TestDefaultYAMLIsTheDefaultTable(t *testing.T) {
	t.Parallel()
	tbl, err := authority.Parse([]byte(authority.DefaultYAML))
	require.NoError(t, err)
	require.Equal(t, authority.Default().Config(), tbl.Config())
	require.Equal(t, authority.DefaultConfig(), tbl.Config())
	require.Equal(t, authority.Default().Markdown(), tbl.Markdown())
}
