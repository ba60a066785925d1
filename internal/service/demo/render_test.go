package demo

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/service"
	"github.com/zohokit/zohokit/transform"
)

// The demo's configuration holds the paths and addresses it is given as
// they are, whatever characters they contain: a Windows temporary
// directory has backslashes (escapes in a double-quoted YAML string), and
// a directory name may hold a quote.
func TestConfigHoldsValuesAsGiven(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{
		`C:\Users\ana\AppData\Local\Temp\zohokit-demo-1`,
		`/tmp/it's "quoted"`,
		"/tmp/plain",
	} {
		text, err := render(templateData{Addr: "127.0.0.1:8080", Dir: dir, FakeURL: "http://127.0.0.1:9999",
			ClientID: "1000.CLIENT", BooksOrg: "20060000001"})
		require.NoError(t, err, dir)
		reg := &transform.Registry{Lookups: map[string]transform.LookupConverter{
			"crm-account-to-books-customer": transform.Lookup(func(context.Context, string) (string, error) { return "", nil }),
		}}
		secrets := map[string]string{"ZOHO_CLIENT_SECRET": "s", "ZOHO_REFRESH_TOKEN": "r", "ZOHO_CRM_CHANNEL_TOKEN": "t"}
		l, err := service.Parse("demo.yaml", text, &service.Options{
			LookupEnv: func(k string) (string, bool) { v, ok := secrets[k]; return v, ok },
			Registry:  reg,
		})
		require.NoError(t, err, dir)
		require.Equal(t, dir+"/zohokit.db", l.Config.Database.Path)
		require.Equal(t, dir+"/erp.db", l.Config.Adapters[2].Path)
		require.Equal(t, "127.0.0.1:8080", l.Config.Service.Listen)
	}
}
