package authority_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
)

func TestValidateEachProblem(t *testing.T) {
	t.Parallel()
	systems := []authority.System{{Name: "CRM"}, {Name: "ERP"}}
	tests := []struct {
		name    string
		cfg     authority.Config
		is      error
		message string // the whole error text
	}{
		{
			name:    "empty system name",
			cfg:     authority.Config{Systems: []authority.System{{Name: "CRM"}, {Name: " "}}},
			is:      authority.ErrEmpty,
			message: `authority: systems[1]: name is empty`,
		},
		{
			name:    "duplicate system",
			cfg:     authority.Config{Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}, {Name: "CRM"}}},
			is:      authority.ErrDuplicate,
			message: `authority: system "CRM" (systems[2]): duplicate system name "CRM" (first at systems[0])`,
		},
		{
			name:    "system differing only in case",
			cfg:     authority.Config{Systems: []authority.System{{Name: "CRM"}, {Name: "crm"}}},
			is:      authority.ErrDuplicate,
			message: `authority: system "crm" (systems[1]): duplicate system name "crm" (differs only in case from "CRM" at systems[0])`,
		},
		{
			name:    "empty data type",
			cfg:     authority.Config{Systems: systems, Rules: []authority.Rule{{System: "CRM"}}},
			is:      authority.ErrEmpty,
			message: `authority: rules[0]: data type is empty`,
		},
		{
			name: "duplicate data type",
			cfg: authority.Config{Systems: systems, Rules: []authority.Rule{
				{DataType: "contacts", System: "CRM"}, {DataType: "invoices", System: "ERP"}, {DataType: "Contacts", System: "ERP"}}},
			is:      authority.ErrDuplicate,
			message: `authority: rule "Contacts" (rules[2]): duplicate data type "Contacts" (differs only in case from "contacts" at rules[0])`,
		},
		{
			name:    "empty system in a rule",
			cfg:     authority.Config{Systems: systems, Rules: []authority.Rule{{DataType: "contacts"}}},
			is:      authority.ErrEmpty,
			message: `authority: rule "contacts" (rules[0]): system is empty`,
		},
		{
			name:    "unknown system",
			cfg:     authority.Config{Systems: systems, Rules: []authority.Rule{{DataType: "contacts", System: "Zoho CRM"}}},
			is:      authority.ErrUnknownSystem,
			message: `authority: rule "contacts" (rules[0]): unknown system "Zoho CRM" (known systems: CRM, ERP)`,
		},
		{
			name:    "unknown system differing in case",
			cfg:     authority.Config{Systems: systems, Rules: []authority.Rule{{DataType: "contacts", System: "crm"}}},
			is:      authority.ErrUnknownSystem,
			message: `authority: rule "contacts" (rules[0]): unknown system "crm" (did you mean "CRM"? known systems: CRM, ERP)`,
		},
		{
			name:    "no systems declared",
			cfg:     authority.Config{Rules: []authority.Rule{{DataType: "contacts", System: "CRM"}}},
			is:      authority.ErrUnknownSystem,
			message: `authority: rule "contacts" (rules[0]): unknown system "CRM" (no systems are declared)`,
		},
		{
			name: "override naming an unknown system",
			cfg: authority.Config{Systems: systems, Rules: []authority.Rule{{DataType: "customers", System: "CRM",
				Overrides: []authority.Override{{System: "Warehouse", Fields: []string{"delivery_city"}}}}}},
			is:      authority.ErrUnknownSystem,
			message: `authority: rule "customers" (rules[0].overrides[0]): unknown system "Warehouse" (known systems: CRM, ERP)`,
		},
		{
			name: "override without fields",
			cfg: authority.Config{Systems: systems, Rules: []authority.Rule{{DataType: "customers", System: "CRM",
				Overrides: []authority.Override{{System: "ERP"}}}}},
			is:      authority.ErrEmpty,
			message: `authority: rule "customers" (rules[0].overrides[0]): fields is empty: an override lists at least one field`,
		},
		{
			name: "override with an empty field",
			cfg: authority.Config{Systems: systems, Rules: []authority.Rule{{DataType: "customers", System: "CRM",
				Overrides: []authority.Override{{System: "ERP", Fields: []string{"delivery_city", ""}}}}}},
			is:      authority.ErrEmpty,
			message: `authority: rule "customers" (rules[0].overrides[0]): fields[1] is empty`,
		},
		{
			name: "field overridden twice",
			cfg: authority.Config{Systems: systems, Rules: []authority.Rule{{DataType: "customers", System: "CRM",
				Overrides: []authority.Override{
					{System: "ERP", Fields: []string{"delivery_city"}},
					{System: "CRM", Fields: []string{"email", "delivery_city"}},
				}}}},
			is:      authority.ErrDuplicate,
			message: `authority: rule "customers" (rules[0].overrides[1]): duplicate field "delivery_city" (already in overrides[0])`,
		},
		{
			name: "field listed twice in one override",
			cfg: authority.Config{Systems: systems, Rules: []authority.Rule{{DataType: "customers", System: "CRM",
				Overrides: []authority.Override{{System: "ERP", Fields: []string{"delivery_city", "delivery_city"}}}}}},
			is:      authority.ErrDuplicate,
			message: `authority: rule "customers" (rules[0].overrides[0]): duplicate field "delivery_city" (earlier in this override)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl, err := authority.New(tt.cfg)
			require.Nil(t, tbl)
			require.ErrorIs(t, err, tt.is)
			require.EqualError(t, err, tt.message)
			var ve *authority.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Equal(t, tt.message, ve.Error())
			require.Equal(t, tt.cfg.Validate().Error(), err.Error())
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	err := authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "CRM"}},
		Rules: []authority.Rule{
			{DataType: "contacts", System: "CMR"},
			{DataType: "contacts", System: "CRM"},
			{DataType: "", System: "ERP"},
		},
	}.Validate()
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Equal(t, []string{
		`authority: system "CRM" (systems[1]): duplicate system name "CRM" (first at systems[0])`,
		`authority: rule "contacts" (rules[0]): unknown system "CMR" (known systems: CRM)`,
		`authority: rule "contacts" (rules[1]): duplicate data type "contacts" (first at rules[0])`,
		`authority: rules[2]: data type is empty`,
		`authority: rules[2]: unknown system "ERP" (known systems: CRM)`,
	}, lines)

	var joined interface{ Unwrap() []error }
	require.ErrorAs(t, err, &joined)
	require.Len(t, joined.Unwrap(), 5)
	for _, e := range joined.Unwrap() {
		var ve *authority.ValidationError
		require.ErrorAs(t, e, &ve)
	}
	require.ErrorIs(t, err, authority.ErrDuplicate)
	require.ErrorIs(t, err, authority.ErrUnknownSystem)
	require.ErrorIs(t, err, authority.ErrEmpty)
}

const badYAML = `# line 1
systems:
  - name: CRM
  - name: ERP
  - name: CRM
rules:
  - data_type: contacts
    system: CRM
  - data_type: customers
    system: CRM
    overrides:
      - system: ERP
        fields: [delivery_city]
      - system: Warehouse
        fields: [delivery_city]
  - data_type: contacts
    system: Books
`

func TestValidationErrorsCarryTheLine(t *testing.T) {
	t.Parallel()
	_, err := authority.Parse([]byte(badYAML))
	require.Error(t, err)
	require.Equal(t, []string{
		`authority: line 5: system "CRM" (systems[2]): duplicate system name "CRM" (first at systems[0], line 3)`,
		`authority: line 14: rule "customers" (rules[1].overrides[1]): unknown system "Warehouse" (known systems: CRM, ERP)`,
		`authority: line 14: rule "customers" (rules[1].overrides[1]): duplicate field "delivery_city" (already in overrides[0], line 12)`,
		`authority: line 16: rule "contacts" (rules[2]): duplicate data type "contacts" (first at rules[0], line 7)`,
		`authority: line 16: rule "contacts" (rules[2]): unknown system "Books" (known systems: CRM, ERP)`,
	}, strings.Split(err.Error(), "\n"))

	var ve *authority.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, 5, ve.Line)
	require.Equal(t, "systems[2]", ve.Path)
	require.Equal(t, "CRM", ve.Name)
}

func TestLoadNamesTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	bad := filepath.Join(dir, "authority.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(badYAML), 0o600))
	_, err := authority.Load(bad)
	require.Error(t, err)
	first := strings.Split(err.Error(), "\n")[0]
	require.Equal(t, `authority: `+bad+`: line 5: system "CRM" (systems[2]): duplicate system name "CRM" (first at systems[0], line 3)`, first)

	syntax := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(syntax, []byte("rules:\n  - data_type: contacts\n    sytem: CRM\n"), 0o600))
	_, err = authority.Load(syntax)
	var de *authority.DecodeError
	require.ErrorAs(t, err, &de)
	require.Equal(t, syntax, de.File)
	require.Equal(t, 3, de.Line)
	require.Equal(t, `authority: `+syntax+`: line 3, column 5: unknown field "sytem"`, err.Error())

	_, err = authority.Load(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)

	good := filepath.Join(dir, "good.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"systems": [{"name": "CRM"}], "rules": [{"data_type": "contacts", "system": "CRM"}]}`), 0o600))
	tbl, err := authority.Load(good)
	require.NoError(t, err)
	o, err := tbl.Owner("contacts")
	require.NoError(t, err)
	require.Equal(t, "CRM", o.System)
}
