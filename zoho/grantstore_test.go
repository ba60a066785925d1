package zoho_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// A refresh token bootstrapped with Exchange and kept with SaveGrant lets a
// later process start from the store alone, and its first call mints
// nothing.
func TestSaveGrantThenStartFromTheStore(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, nil)
	ctx := t.Context()
	code, err := srv.NewGrantCode(srv.ClientID(), "ZohoCRM.modules.ALL", "")
	require.NoError(t, err)
	oc := zoho.OAuthConfig{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), DataCenter: srv.DataCenter()}
	g, err := oc.Exchange(ctx, code, "")
	require.NoError(t, err)

	path := filepath.Join(t.TempDir(), "tokens.json")
	fs, err := zoho.NewFileStore(path)
	require.NoError(t, err)
	loc := srv.DataCenter().Location
	require.NoError(t, zoho.SaveGrant(ctx, fs, srv.ClientID(), loc, g, time.Now()))
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	// A new process: only the store and the client's id and secret.
	fs2, err := zoho.NewFileStore(path)
	require.NoError(t, err)
	rt, err := zoho.LoadGrant(ctx, fs2, srv.ClientID(), loc)
	require.NoError(t, err)
	require.Equal(t, g.RefreshToken, rt)
	cfg := srv.ClientConfig()
	cfg.RefreshToken, cfg.TokenStore = rt, fs2
	c, err := zoho.New(cfg)
	require.NoError(t, err)
	minted := srv.Refreshes(rt) // the exchange's own access token
	req, err := c.NewRequest(http.MethodGet, zoho.CRM, "/users?type=CurrentUser", nil)
	require.NoError(t, err)
	_, err = c.Do(ctx, req, nil)
	require.NoError(t, err)
	require.Equal(t, minted, srv.Refreshes(rt), "the grant's access token was used: no mint")

	_, err = zoho.LoadGrant(ctx, fs2, "another-client", loc)
	require.ErrorIs(t, err, zoho.ErrNoToken)
	require.False(t, strings.Contains(zoho.GrantKey(srv.ClientID(), loc), rt), "the key holds no secret")
}

func TestSaveGrantRefusesAGrantWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	err := zoho.SaveGrant(t.Context(), zoho.NewMemoryStore(), "id", zoho.US, &zoho.Grant{AccessToken: "a"}, time.Now())
	require.ErrorContains(t, err, "no refresh token")
}
