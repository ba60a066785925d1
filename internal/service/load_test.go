package service

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// exampleEnv holds every variable the example configuration names.
var exampleEnv = map[string]string{
	"ZOHOKIT_DATABASE_URL":   "postgres://zohokit:db-password-1@db/zohokit",
	"ZOHO_CLIENT_SECRET":     "client-secret-value-1",
	"ZOHO_REFRESH_TOKEN":     "1000.refresh-token-value",
	"ERP_DATABASE_URL":       "postgres://erp:erp-password-1@erp/erp",
	"ZOHO_CRM_CHANNEL_TOKEN": "channel-token-value",
	"ERP_WEBHOOK_SECRET":     "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	"ZOHOKIT_OPS_PASSWORD":   "ops-password-value",
	"ZOHOKIT_METRICS_TOKEN":  "metrics-token-value",
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func readExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../cmd/zohokit/testdata/zohokit.yaml")
	require.NoError(t, err)
	return string(b)
}

func TestExampleConfigLoads(t *testing.T) {
	t.Parallel()
	l, err := Parse("zohokit.yaml", []byte(readExample(t)), &Options{LookupEnv: envOf(exampleEnv)})
	require.NoError(t, err)
	require.Len(t, l.Pipelines(), 3)
	require.Len(t, l.Mappings, 3)
	require.Equal(t, "ERP", func() string { o, _ := l.Authority.FieldOwner("customers", "Shipping_Street"); return o.System }())
	require.Equal(t, "postgres://erp:erp-password-1@erp/erp", l.Secrets["ERP_DATABASE_URL"])
	for _, p := range l.Pipelines() {
		require.NotNil(t, p.Mapping, p.Config.Name)
	}
	require.NotZero(t, l.Duration("pipelines[1].schedule"))
}

// line returns the 1-based line of the first occurrence of s in text.
func line(t *testing.T, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	require.GreaterOrEqual(t, i, 0, "%q not in the config", s)
	return strings.Count(text[:i], "\n") + 1
}

// Each class of bad configuration is reported with the file, the line
// and the field, and all of a file's problems come at once.
func TestBadConfigNamesFileLineAndField(t *testing.T) {
	t.Parallel()
	base := readExample(t)
	tests := []struct {
		name     string
		old, new string // replace old with new in the example
		env      map[string]string
		at       string // text on the line the error must name
		want     string // "path: message" the error must contain
	}{
		{
			name: "unknown mapping",
			old:  "mapping: erp-product-to-crm-product", new: "mapping: erp-prices-typo",
			at:   "mapping: erp-prices-typo",
			want: `pipelines[1].mapping: no mapping named "erp-prices-typo" (have: crm-account-to-erp-customer, crm-deal-to-books-invoice, erp-product-to-crm-product)`,
		},
		{
			name: "unknown adapter",
			old:  "right: {adapter: books, type: invoices}", new: "right: {adapter: boks, type: invoices}",
			at:   "adapter: boks",
			want: `pipelines[0].right.adapter: no adapter named "boks" (have: crm, books, erp)`,
		},
		{
			name: "bad duration",
			old:  "schedule: 15m", new: "schedule: every 15 minutes",
			at:   "schedule: every 15 minutes",
			want: `pipelines[1].schedule: "every 15 minutes" is not a duration`,
		},
		{
			name: "missing environment variable",
			env:  map[string]string{"ZOHO_CLIENT_SECRET": ""},
			at:   "client_secret_env: ZOHO_CLIENT_SECRET",
			want: "zoho[0].client_secret_env: environment variable ZOHO_CLIENT_SECRET is not set",
		},
		{
			name: "mapping not invertible for a bidirectional pipeline",
			old:  "{from: Account_Name, to: name, string: {trim: true}}", new: "{from: Account_Name, to: name, string: {case: lower}}",
			at:   "mapping: crm-account-to-erp-customer",
			want: `pipelines[2].mapping: mapping "crm-account-to-erp-customer" is not invertible`,
		},
		{
			name: "unknown strategy",
			old:  "strategy: pull", new: "strategy: poll",
			at:   "strategy: poll",
			want: `pipelines[1].strategy: unknown strategy "poll"`,
		},
		{
			name: "unknown adapter kind",
			old:  "kind: sql", new: "kind: mysql",
			at:   "kind: mysql",
			want: `adapters[2].kind: unknown adapter kind "mysql"`,
		},
		{
			name: "unknown key (decode error)",
			old:  "    batch_size: 100", new: "    batch_sise: 100",
			at:   "batch_sise: 100",
			want: `pipelines[1].batch_sise: unknown field "batch_sise"`,
		},
		{
			name: "webhook route to an unknown pipeline",
			old:  "{module: Deals, pipeline: deal-to-invoice}", new: "{module: Deals, pipeline: deals}",
			at:   "{module: Deals, pipeline: deals}",
			want: `webhooks.crm[0].routes[0].pipeline: no pipeline named "deals"`,
		},
		{
			name: "resolver with an unknown tie system",
			old:  "- latest: {skew: 1m}", new: "- latest: {skew: 1m, tie_system: SAP}",
			at:   "tie_system: SAP",
			want: `pipelines[2].resolver.policy.default.chain[0].latest.tie_system: no system named "SAP"`,
		},
		{
			name: "authority rule naming an unknown system",
			old:  "    - data_type: prices\n      system: ERP", new: "    - data_type: prices\n      system: SAP",
			at:   "- data_type: prices",
			want: `authority.rules[2]: "prices": unknown system "SAP"`,
		},
		{
			name: "mapping rule with an unknown converter",
			old:  "{from: list_price, to: Unit_Price, money: {currency: EUR}}", new: "{from: list_price, to: Unit_Price, money: {currency: EURO}}",
			at:   "money: {currency: EURO}",
			want: `mappings.erp-product-to-crm-product.fields[2]:`,
		},
		{
			name: "notification channel of an unknown connection",
			old:  "        connection: zoho\n        id: 1000000068001", new: "        connection: zoho-eu\n        id: 1000000068001",
			at:   "connection: zoho-eu",
			want: `webhooks.crm[0].channel.connection: no Zoho connection named "zoho-eu" (have: zoho)`,
		},
		{
			name: "CRM target that cannot make creates idempotent",
			old:  "      Products: {key_field: Zohokit_Key}\n", new: "",
			at:   "right: {adapter: crm, type: Products}",
			want: `pipelines[1].right.type: the pipeline creates Products records in CRM: set adapters[0].modules.Products.key_field`,
		},
		{
			name: "a secret where its variable's name belongs",
			old:  "client_secret_env: ZOHO_CLIENT_SECRET", new: `client_secret_env: "1000.pasted/secret+value="`,
			env:  map[string]string{"PASTED": "1000.pasted/secret+value="},
			at:   "client_secret_env: ",
			want: "zoho[0].client_secret_env: names an environment variable that is not set",
		},
		{
			name: "webhook path with a pattern wildcard",
			old:  "    - name: erp\n", new: "    - name: erp\n      path: /hooks/{system}\n",
			at:   "path: /hooks/{system}",
			want: `webhooks.signed[0].path: "/hooks/{system}" is not a plain path`,
		},
		{
			name: "webhook path that is not clean",
			old:  "    - name: erp\n", new: "    - name: erp\n      path: /hooks//erp\n",
			at:   "path: /hooks//erp",
			want: `webhooks.signed[0].path: "/hooks//erp" is not a plain path`,
		},
		{
			name: "webhook path that takes every POST",
			old:  "    - name: erp\n", new: "    - name: erp\n      path: /\n",
			at:   "path: /\n",
			want: `webhooks.signed[0].path: "/" is not a plain path`,
		},
		{
			name: "webhook name that makes no plain path",
			old:  "    - name: erp\n", new: "    - name: \"erp {x}\"\n",
			at:   "name: \"erp {x}\"",
			want: `webhooks.signed[0].path: "/webhooks/erp {x}" is not a plain path`,
		},
		{
			name: "two webhooks of one name",
			old:  "    - name: erp\n", new: "    - name: zoho-crm\n      path: /webhooks/erp\n",
			at:   "name: zoho-crm\n      path: /webhooks/erp",
			want: `webhooks.signed[0].name: duplicate webhook name "zoho-crm"`,
		},
		{
			name: "CRM channel token longer than Zoho takes",
			env:  map[string]string{"ZOHO_CRM_CHANNEL_TOKEN": strings.Repeat("t", 51)},
			at:   "token_env: ZOHO_CRM_CHANNEL_TOKEN",
			want: "webhooks.crm[0].token_env: the token in ZOHO_CRM_CHANNEL_TOKEN is 51 characters; Zoho takes at most 50",
		},
		{
			name: "Standard Webhooks secret that is not one",
			env:  map[string]string{"ERP_WEBHOOK_SECRET": "whsec_not*base64"},
			at:   "secret_env: ERP_WEBHOOK_SECRET",
			want: "webhooks.signed[0].secret_env: the secret in ERP_WEBHOOK_SECRET is not a Standard Webhooks secret",
		},
		{
			name: "insecure dashboard on a public listener",
			old:  "  title: Zylker integration", new: "  title: Zylker integration\n  insecure_no_auth: true",
			at:   "insecure_no_auth: true",
			want: `dashboard.insecure_no_auth: is allowed only on a loopback listener`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text := base
			if tt.old != "" {
				require.Contains(t, text, tt.old)
				text = strings.Replace(text, tt.old, tt.new, 1)
			}
			env := map[string]string{}
			for k, v := range exampleEnv {
				env[k] = v
			}
			for k, v := range tt.env {
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			_, err := Parse("zohokit.yaml", []byte(text), &Options{LookupEnv: envOf(env)})
			require.Error(t, err)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "%T: %v", err, err)
			want := "zohokit.yaml:" + strconv.Itoa(line(t, text, tt.at)) + ": " + tt.want
			require.Contains(t, err.Error(), want)
			for _, v := range env {
				require.NotContains(t, err.Error(), v, "an error carries a secret's value")
			}
		})
	}
}

// Every problem of a file is reported at once, in line order.
func TestConfigErrorsCollected(t *testing.T) {
	t.Parallel()
	text := strings.NewReplacer("strategy: pull", "strategy: poll", "schedule: 10m", "schedule: soon", "kind: zoho-books", "kind: zoho-bookz").Replace(readExample(t))
	_, err := Parse("zohokit.yaml", []byte(text), &Options{LookupEnv: envOf(nil)})
	var ce *ConfigError
	require.True(t, errors.As(err, &ce))
	msg := err.Error()
	for _, want := range []string{"strategy: unknown strategy", `"soon" is not a duration`, `unknown adapter kind "zoho-bookz"`,
		"environment variable ZOHOKIT_DATABASE_URL is not set", "environment variable ERP_WEBHOOK_SECRET is not set"} {
		require.Contains(t, msg, want)
	}
	for i := 1; i < len(ce.Problems); i++ {
		require.LessOrEqual(t, ce.Problems[i-1].Line, ce.Problems[i].Line, "problems out of line order:\n%s", msg)
	}
}

// Relative file paths in a configuration are relative to the file, not to
// the directory a command happens to run in: `zohokit dead list --config
// /etc/zohokit/zohokit.yaml` run from a home directory must open the
// service's database, not create an empty one there.
func TestLoadResolvesRelativePathsAgainstTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := `
database: {path: state/zohokit.db}
tokens: {path: tokens.json}
adapters:
  - name: erp
    kind: sql
    path: erp.db
    tables: {items: {}}
  - name: files
    kind: csv
    folders: {items: {inbox: in, archive: /srv/archive, outbox: ../out}}
dashboard: {insecure_no_auth: true}
`
	path := filepath.Join(dir, "zohokit.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	l, err := Load(path, &Options{LookupEnv: envOf(nil)})
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "state", "zohokit.db"), l.Config.Database.Path)
	require.Equal(t, filepath.Join(dir, "tokens.json"), l.Config.Tokens.Path)
	require.Equal(t, filepath.Join(dir, "erp.db"), l.Config.Adapters[0].Path)
	f := l.Config.Adapters[1].Folders["items"]
	require.Equal(t, filepath.Join(dir, "in"), f.Inbox)
	require.Equal(t, "/srv/archive", f.Archive, "an absolute path is kept")
	require.Equal(t, filepath.Join(filepath.Dir(dir), "out"), f.Outbox)
	require.Empty(t, f.Work, "an empty path keeps its default")

	// The default database is next to the file too.
	require.NoError(t, os.WriteFile(path, []byte("dashboard: {insecure_no_auth: true}\n"), 0o600))
	l, err = Load(path, &Options{LookupEnv: envOf(nil)})
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "zohokit.db"), l.Config.Database.Path)
}

func TestReplicasSharingAConfigHaveDistinctOwners(t *testing.T) {
	t.Parallel()
	a, b := replicaOwner("eu-west"), replicaOwner("eu-west")
	require.NotEqual(t, a, b, "two replicas with one configuration must not share a lease owner")
	require.True(t, strings.HasPrefix(a, "eu-west/"), a)
	require.NotEmpty(t, replicaOwner(""))
}

func TestMatchOnlyNamesAdaptersThatKeepNoKey(t *testing.T) {
	t.Parallel()
	crm := AdapterConfig{Kind: "zoho-crm", Modules: map[string]CRMModuleConfig{
		"Accounts": {MatchFields: []string{"Account_Name"}},
		"Contacts": {KeyField: "Zohokit_Key"},
	}}
	books := AdapterConfig{Kind: "zoho-books", Entities: map[string]BooksEntityConfig{
		"contacts": {MatchField: "contact_name"},
		"invoices": {},
	}}
	require.Equal(t, "match_fields Account_Name", matchOnly(crm, "Accounts"))
	require.Empty(t, matchOnly(crm, "Contacts"))
	require.Equal(t, "match_field contact_name", matchOnly(books, "contacts"))
	require.Empty(t, matchOnly(books, "invoices"), "invoices keep their key in reference_number")
}
