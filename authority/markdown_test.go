package authority_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestMarkdownDefaultGolden(t *testing.T) {
	t.Parallel()
	got := authority.Default().Markdown()

	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	require.Equal(t, "| Data type | Authoritative system | Rationale |", lines[0])
	require.Equal(t, "| --- | --- | --- |", lines[1])
	require.Len(t, lines, 2+len(authority.Default().Rules()), "one row per rule")
	for _, l := range lines {
		require.Equal(t, 4, strings.Count(l, "|")-strings.Count(l, `\|`), "every row has three cells: %s", l)
	}

	golden := filepath.Join("testdata", "default.md")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run go test ./authority -run Golden -update after an intended change")
}

func TestMarkdownOverridesAndEscaping(t *testing.T) {
	t.Parallel()
	tbl, err := authority.New(authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP | warehouse"}},
		Rules: []authority.Rule{
			{
				DataType: "customers", System: "CRM",
				Rationale: "Sales owns the customer.\nAsk the sales lead (Jo | Sam) before changing it.\r\nSee `a|b`.",
				Overrides: []authority.Override{
					{System: "ERP | warehouse", Fields: []string{"delivery_street", "delivery_city"}, Rationale: " The warehouse confirms addresses. "},
					{System: "CRM", Fields: []string{"email"}},
				},
			},
			{DataType: `odd\|type`, System: "CRM", Rationale: "line one\rline two"},
		},
	})
	require.NoError(t, err)
	want := "| Data type | Authoritative system | Rationale |\n" +
		"| --- | --- | --- |\n" +
		"| customers | CRM | Sales owns the customer.<br>Ask the sales lead (Jo \\| Sam) before changing it.<br>See `a\\|b`. |\n" +
		"| customers: delivery_street, delivery_city | ERP \\| warehouse | The warehouse confirms addresses. |\n" +
		"| customers: email | CRM |  |\n" +
		"| odd\\\\\\|type | CRM | line one<br>line two |\n"
	require.Equal(t, want, tbl.Markdown())
	require.Equal(t, want, tbl.Markdown(), "rendering is deterministic")
}
