package zohotest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func refreshForm(b *bundle, rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {b.srv.ClientID()},
		"client_secret": {b.srv.ClientSecret()}, "refresh_token": {rt}}
}

func TestRefreshTokenGrant(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken()))
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, b.srv.URL(), r.body["api_domain"], "api_domain names the fake so clients follow it")
	require.Equal(t, "Bearer", r.body["token_type"])
	require.EqualValues(t, 3600, r.body["expires_in"])
	require.NotContains(t, r.body, "refresh_token", "a refresh does not return a refresh token")
	tok := r.body["access_token"].(string)
	require.Equal(t, 1, b.srv.Refreshes(b.srv.RefreshToken()))

	ok := b.callToken("Zoho-oauthtoken "+tok, "GET", "/crm/v8/org", nil)
	require.Equal(t, http.StatusOK, ok.status)

	b.clock.Advance(59*time.Minute + 59*time.Second)
	require.Equal(t, http.StatusOK, b.callToken("Zoho-oauthtoken "+tok, "GET", "/crm/v8/org", nil).status)
	b.clock.Advance(time.Second)
	require.Equal(t, http.StatusUnauthorized, b.callToken("Zoho-oauthtoken "+tok, "GET", "/crm/v8/org", nil).status)
}

func TestTokenParamsInQueryString(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	// Zoho's own docs post the parameters in the query string.
	r := b.call("POST", "/oauth/v2/token?"+refreshForm(b, b.srv.RefreshToken()).Encode(), nil)
	require.Equal(t, http.StatusOK, r.status)
	require.NotEmpty(t, r.body["access_token"])
	for k, v := range b.srv.CallLog()[0].Query {
		if k == "refresh_token" || k == "client_secret" {
			require.Equal(t, []string{"REDACTED"}, v, k)
		}
	}
}

func TestTokenMintThrottle(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	rt := b.srv.RefreshToken()
	for i := range 10 {
		b.clock.Advance(10 * time.Second)
		r := b.form("/oauth/v2/token", refreshForm(b, rt))
		require.NotEmpty(t, r.body["access_token"], "mint %d", i+1)
	}
	r := b.form("/oauth/v2/token", refreshForm(b, rt))
	require.Equal(t, http.StatusOK, r.status, "Zoho throttles with HTTP 200")
	require.Equal(t, map[string]any{
		"error_description": "You have made too many requests continuously. Please try again after some time.",
		"error":             "Access Denied",
		"status":            "failure",
	}, r.body)
	require.Equal(t, 10, b.srv.Refreshes(rt), "throttled attempts do not count")

	// The window rolls: the first mint (at +10s) leaves it at +10m10s; the
	// clock reads +100s now.
	b.clock.Advance(10*time.Minute - 91*time.Second)
	r = b.form("/oauth/v2/token", refreshForm(b, rt))
	require.Equal(t, "Access Denied", r.body["error"], "still inside the window")
	b.clock.Advance(time.Second)
	r = b.form("/oauth/v2/token", refreshForm(b, rt))
	require.NotEmpty(t, r.body["access_token"], "%s", r.raw)

	other, err := b.srv.NewRefreshToken(b.srv.ClientID(), "ZohoCRM.modules.ALL")
	require.NoError(t, err)
	require.NotEmpty(t, b.form("/oauth/v2/token", refreshForm(b, other)).body["access_token"], "the limit is per refresh token")
	require.Equal(t, 14, b.srv.CallsWithStatus("POST /oauth/v2/token", 200), "12 mints and 2 throttles, all HTTP 200")
}

func TestTokenThrottleStatusOption(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{TokenMintLimit: 1, TokenThrottleStatus: http.StatusBadRequest})
	b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken()))
	r := b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken()))
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "Access Denied", r.body["error"])
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	good := refreshForm(b, b.srv.RefreshToken())
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range good {
			f[kk] = vv
		}
		f.Set(k, v)
		return f
	}
	for name, tc := range map[string]struct {
		form url.Values
		want string
	}{
		"unknown client":  {with("client_id", "1000.NOPE"), "invalid_client"},
		"wrong secret":    {with("client_secret", "nope"), "invalid_client_secret"},
		"unknown refresh": {with("refresh_token", "1000.x.y"), "invalid_code"},
		"bad grant":       {with("grant_type", "password"), "unsupported_grant_type"},
		"bad code":        {url.Values{"grant_type": {"authorization_code"}, "client_id": good["client_id"], "client_secret": good["client_secret"], "code": {"1000.no.code"}}, "invalid_code"},
		"no soid":         {url.Values{"grant_type": {"client_credentials"}, "client_id": good["client_id"], "client_secret": good["client_secret"]}, "missing_org_info"},
	} {
		r := b.form("/oauth/v2/token", tc.form)
		require.Equal(t, http.StatusOK, r.status, name)
		require.Equal(t, map[string]any{"error": tc.want}, r.body, name)
	}
}

func TestAuthorizationCodeGrant(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.RegisterClient("1000.MYCLIENT", "s3cret"))
	code, err := b.srv.NewGrantCode("1000.MYCLIENT", "ZohoCRM.modules.ALL", "https://app.example.com/cb")
	require.NoError(t, err)
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {"1000.MYCLIENT"}, "client_secret": {"s3cret"},
		"code": {code}, "redirect_uri": {"https://app.example.com/cb"}}
	r := b.form("/oauth/v2/token", form)
	require.NotEmpty(t, r.body["access_token"], "%s", r.raw)
	rt := r.body["refresh_token"].(string)
	require.Equal(t, "ZohoCRM.modules.ALL", r.body["scope"])
	require.Equal(t, 1, b.srv.Refreshes(rt))

	r = b.form("/oauth/v2/token", form)
	require.Equal(t, map[string]any{"error": "invalid_code"}, r.body, "a code is one-time")

	code, err = b.srv.NewGrantCode("1000.MYCLIENT", "ZohoCRM.modules.ALL", "")
	require.NoError(t, err)
	b.clock.Advance(3 * time.Minute)
	form.Set("code", code)
	require.Equal(t, map[string]any{"error": "invalid_code"}, b.form("/oauth/v2/token", form).body, "codes expire after 3 minutes")

	r = b.form("/oauth/v2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"1000.MYCLIENT"}, "client_secret": {"s3cret"}, "refresh_token": {rt}})
	require.NotEmpty(t, r.body["access_token"])
}

func TestClientCredentialsGrant(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{OrgID: "600777"})
	base := url.Values{"grant_type": {"client_credentials"}, "client_id": {b.srv.ClientID()}, "client_secret": {b.srv.ClientSecret()}, "scope": {"ZohoCRM.modules.ALL"}}
	base.Set("soid", "ZohoCRM.600777")
	r := b.form("/oauth/v2/token", base)
	require.NotEmpty(t, r.body["access_token"], "%s", r.raw)
	require.NotContains(t, r.body, "refresh_token")
	require.Equal(t, "ZohoCRM.modules.ALL", r.body["scope"])
	require.Equal(t, http.StatusOK, b.callToken("Zoho-oauthtoken "+r.body["access_token"].(string), "GET", "/crm/v8/org", nil).status)

	base.Set("soid", "ZohoCRM.999")
	require.Equal(t, map[string]any{"error": "missing_org_info"}, b.form("/oauth/v2/token", base).body)
}

func TestLegacyExpiresIn(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{LegacyExpiresIn: true, AccessTokenLifetime: 30 * time.Minute})
	r := b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken()))
	require.EqualValues(t, 1_800_000, r.body["expires_in"], "milliseconds")
	require.EqualValues(t, 1800, r.body["expires_in_sec"])
}

func TestRevokeAndExpire(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	rt, err := b.srv.NewRefreshToken(b.srv.ClientID(), "ZohoCRM.modules.ALL")
	require.NoError(t, err)
	tok := b.form("/oauth/v2/token", refreshForm(b, rt)).body["access_token"].(string)
	r := b.form("/oauth/v2/token/revoke", url.Values{"token": {rt}})
	require.Equal(t, map[string]any{"status": "success"}, r.body)
	require.Equal(t, http.StatusUnauthorized, b.callToken("Zoho-oauthtoken "+tok, "GET", "/crm/v8/org", nil).status, "revoking drops the access tokens")
	require.Equal(t, map[string]any{"error": "invalid_code"}, b.form("/oauth/v2/token", refreshForm(b, rt)).body)

	require.Equal(t, http.StatusOK, b.call("GET", "/crm/v8/org", nil).status)
	b.srv.ExpireAccessTokens()
	require.Equal(t, http.StatusUnauthorized, b.call("GET", "/crm/v8/org", nil).status)
	require.NotEmpty(t, b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken())).body["access_token"], "refresh tokens survive")
}

func TestSixteenthAccessTokenEvictsOldest(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{TokenMintLimit: 100})
	rt := b.srv.RefreshToken()
	var toks []string
	for range 16 {
		toks = append(toks, b.form("/oauth/v2/token", refreshForm(b, rt)).body["access_token"].(string))
	}
	require.Equal(t, http.StatusUnauthorized, b.callToken("Zoho-oauthtoken "+toks[0], "GET", "/crm/v8/org", nil).status)
	require.Equal(t, http.StatusOK, b.callToken("Zoho-oauthtoken "+toks[1], "GET", "/crm/v8/org", nil).status)
}

func TestTwentyFirstRefreshTokenEvictsOldest(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	first := b.srv.RefreshToken()
	for range 20 {
		_, err := b.srv.NewRefreshToken(b.srv.ClientID(), "")
		require.NoError(t, err)
	}
	require.Equal(t, map[string]any{"error": "invalid_code"}, b.form("/oauth/v2/token", refreshForm(b, first)).body)
}
