package zoho

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigsPrintAndLogNoSecret(t *testing.T) {
	t.Parallel()
	cfg := Config{ClientID: "1000.ID", ClientSecret: "s3cret-client", RefreshToken: "1000.refresh-tok", SOID: "ZohoCRM.600123"}
	oc := OAuthConfig{ClientID: "1000.ID", ClientSecret: "s3cret-client", Scopes: []string{"ZohoCRM.modules.ALL"}}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("config", "cfg", cfg, "oauth", oc)
	wrapped := struct {
		C Config
		O *OAuthConfig
	}{cfg, &oc}
	for _, out := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprint(oc), fmt.Sprintf("%+v", &oc), fmt.Sprintf("%#v", oc),
		fmt.Sprintf("%+v", wrapped), buf.String(),
	} {
		for _, secret := range []string{"s3cret-client", "1000.refresh-tok", "600123"} {
			require.NotContains(t, out, secret)
		}
		require.Contains(t, out, "1000.ID")
	}
}
