package zoho

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A token answer that does not decode (trailing bytes after the JSON, a
// field of an unexpected type) must not reach the error with its tokens.
func TestUndecodableTokenAnswerLeaksNoToken(t *testing.T) {
	t.Parallel()
	tok := `"access_token":"1000.at-` + secretMarker + `-q","refresh_token":"1000.rt-` + secretMarker + `-q"`
	for _, body := range []string{
		`{` + tok + `,"expires_in":3600}` + "\n<!-- proxy -->",
		`{` + tok + `,"expires_in":3600,"scope":["ZohoCRM.modules.ALL"]}`,
		`{` + tok + `,"expires_in":3600,"status":1}`,
	} {
		fz := newFakeZoho(t)
		fz.tokenFunc = func(int, url.Values) (int, string) { return 200, body }
		c := fz.client(fz.config())
		_, err := c.Token(t.Context())
		require.Error(t, err)
		noSecret(t, err)
		require.NotContains(t, c.TokenStatus().LastError, secretMarker)

		o := &OAuthConfig{ClientID: testClientID, ClientSecret: testClientSecret, DataCenter: fz.dc()}
		_, err = o.Exchange(t.Context(), testGrantCode, "")
		require.Error(t, err)
		noSecret(t, err)
	}
	// A non-JSON answer without tokens (a proxy's error page) is still
	// quoted, to help diagnose it.
	fz := newFakeZoho(t)
	fz.tokenFunc = func(int, url.Values) (int, string) { return 502, "<html>Bad Gateway</html>" }
	_, err := fz.client(fz.config()).Token(t.Context())
	require.ErrorContains(t, err, "Bad Gateway")
}

// A Grant value, not only a *Grant, prints and logs without its tokens.
func TestGrantValuePrintsAndLogsNoToken(t *testing.T) {
	t.Parallel()
	g := Grant{RefreshToken: "1000.rt-" + secretMarker, AccessToken: "1000.at-" + secretMarker,
		Expiry: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC), APIDomain: "https://www.zohoapis.eu"}
	type saved struct{ Grant Grant }
	for _, s := range []string{
		fmt.Sprint(g), fmt.Sprintf("%v", g), fmt.Sprintf("%+v", g), fmt.Sprintf("grant %s", g),
		fmt.Sprintf("%+v", saved{g}), fmt.Sprint(&g),
	} {
		require.NotContains(t, s, secretMarker)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("grant", "grant", g, "ptr", &g)
	log.LogAttrs(context.Background(), slog.LevelInfo, "grant", slog.Any("grant", g))
	require.NotContains(t, buf.String(), secretMarker)
	require.Contains(t, buf.String(), "zohoapis.eu")
}
