package zoho

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

const throttleBody = `{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}`

func TestTokenEndpointQuirks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	tok := `"access_token":"1000.at-` + secretMarker + `-q"`
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		wantExpiry time.Duration // for successes
		wantIs     []error       // for failures
		wantNot    []error
		wantCode   string
	}{
		{"seconds", 200, `{` + tok + `,"expires_in":3600}`, time.Hour, nil, nil, ""},
		{"milliseconds with expires_in_sec", 200, `{` + tok + `,"expires_in":3600000,"expires_in_sec":3600}`, time.Hour, nil, nil, ""},
		{"legacy ms without a usable expires_in_sec", 200, `{` + tok + `,"expires_in":1800000,"expires_in_sec":null}`, 30 * time.Minute, nil, nil, ""},
		{"milliseconds alone, caught by the one-day guard", 200, `{` + tok + `,"expires_in":3600000}`, time.Hour, nil, nil, ""},
		{"expiry as a string", 200, `{` + tok + `,"expires_in":"1800"}`, 30 * time.Minute, nil, nil, ""},
		{"expiry missing", 200, `{` + tok + `}`, time.Hour, nil, nil, ""},
		{"error with HTTP 200", 200, `{"error":"invalid_client"}`, 0, []error{ErrUnauthorized}, []error{ErrTokenThrottled, ErrRateLimited}, "invalid_client"},
		{"invalid code with HTTP 200", 200, `{"error":"invalid_code"}`, 0, []error{ErrUnauthorized}, nil, "invalid_code"},
		{"throttled with HTTP 200", 200, throttleBody, 0, []error{ErrTokenThrottled, ErrRateLimited}, []error{ErrUnauthorized}, "Access Denied"},
		{"throttled with HTTP 400", 400, throttleBody, 0, []error{ErrTokenThrottled, ErrRateLimited}, nil, "Access Denied"},
		{"throttled, localised", 200, `{"error_description":"您连续发出了太多请求。请稍后再试。","error":"Access Denied","status":"failure"}`, 0, []error{ErrTokenThrottled}, nil, "Access Denied"},
		{"failure without error fields", 200, `{"status":"failure"}`, 0, nil, []error{ErrTokenThrottled}, "failure"},
		{"not JSON", 502, `<html>Bad Gateway</html>`, 0, []error{ErrServer}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoho(t)
			fz.tokenFunc = func(int, url.Values) (int, string) { return tc.status, tc.body }
			cfg := fz.config()
			cfg.Clock = fakeclock.New(now)
			c := fz.client(cfg)
			got, err := c.Token(t.Context())
			noSecret(t, err)
			if tc.wantIs == nil && tc.wantCode == "" && tc.status < 300 {
				require.NoError(t, err)
				require.Equal(t, now.Add(tc.wantExpiry), got.Expiry)
				require.Equal(t, fz.srv.URL, got.Extra("api_domain"), "no api_domain in the answer: the data centre's")
				return
			}
			var oe *OAuthError
			require.ErrorAs(t, err, &oe)
			require.Equal(t, tc.status, oe.StatusCode)
			require.Equal(t, tc.wantCode, oe.Code)
			require.Equal(t, "refresh_token", oe.Grant)
			for _, s := range tc.wantIs {
				require.ErrorIs(t, err, s)
			}
			for _, s := range tc.wantNot {
				require.NotErrorIs(t, err, s)
			}
		})
	}
}

func TestThrottledRefreshIsNotRetried(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.tokenFunc = func(int, url.Values) (int, string) { return 200, throttleBody }
	c := fz.client(fz.config())
	req, err := c.NewRequest(http.MethodGet, CRM, "/Contacts", nil)
	require.NoError(t, err)
	_, err = c.Do(t.Context(), req, nil)
	require.ErrorIs(t, err, ErrTokenThrottled)
	require.Equal(t, int32(1), fz.tokenCalls.Load(), "the token endpoint is never retry-looped")
	require.Zero(t, fz.apiCalls.Load())
}

func TestAPIDomainFromTokenIsUsed(t *testing.T) {
	t.Parallel()
	var wrongHost atomic.Int32
	wrong := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		wrongHost.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	t.Cleanup(wrong.Close)
	api := newFakeZoho(t) // accepts tokens issued by fz below: share the issued list
	fz := newFakeZoho(t)
	fz.apiDomain = api.srv.URL
	api.mux.HandleFunc("GET /crm/v8/Contacts", okHandler)

	store := NewMemoryStore()
	cfg := fz.config()
	cfg.DataCenter.API = wrong.URL // the ".com" the client must not use
	cfg.TokenStore = store
	c := fz.client(cfg)
	tok, err := c.Token(t.Context())
	require.NoError(t, err)
	api.mu.Lock()
	api.issued = append(api.issued, tok.AccessToken)
	api.mu.Unlock()

	_, err = doGet(t, c, t.Context(), CRM, "/Contacts", nil)
	require.NoError(t, err)
	require.Equal(t, int32(1), api.apiCalls.Load())
	require.Zero(t, wrongHost.Load())
	base, err := c.BaseURL(t.Context(), Books)
	require.NoError(t, err)
	require.Equal(t, api.srv.URL+"/books/v3", base)
	require.Equal(t, api.srv.URL, c.TokenStatus().APIDomain)

	// Persisted with the token: a new client on the same store uses it too.
	saved, err := store.Load(t.Context(), c.TokenKey())
	require.NoError(t, err)
	require.Equal(t, api.srv.URL, saved.APIDomain)
	c2 := fz.client(cfg)
	_, err = doGet(t, c2, t.Context(), CRM, "/Contacts", nil)
	require.NoError(t, err)
	require.Equal(t, int32(2), api.apiCalls.Load())
	require.Equal(t, int32(1), fz.tokenCalls.Load())
	require.Zero(t, wrongHost.Load())
}

func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	o := &OAuthConfig{ClientID: "cid", RedirectURL: "https://app.example/cb", Scopes: []string{"ZohoCRM.modules.ALL", "ZohoBooks.fullaccess.all"}, DataCenter: EU.DataCenter()}
	u, err := url.Parse(o.AuthCodeURL("st-1"))
	require.NoError(t, err)
	require.Equal(t, "accounts.zoho.eu", u.Host)
	require.Equal(t, "/oauth/v2/auth", u.Path)
	q := u.Query()
	require.Equal(t, "ZohoCRM.modules.ALL,ZohoBooks.fullaccess.all", q.Get("scope"))
	require.Equal(t, "cid", q.Get("client_id"))
	require.Equal(t, "code", q.Get("response_type"))
	require.Equal(t, "offline", q.Get("access_type"))
	require.Equal(t, "consent", q.Get("prompt"))
	require.Equal(t, "https://app.example/cb", q.Get("redirect_uri"))
	require.Equal(t, "st-1", q.Get("state"))

	ca := (&OAuthConfig{ClientID: "cid", DataCenter: CA.DataCenter()}).AuthCodeURL("")
	require.True(t, strings.HasPrefix(ca, "https://accounts.zohocloud.ca/oauth/v2/auth?"), ca)
}

func TestParseRedirect(t *testing.T) {
	t.Parallel()
	r, err := ParseRedirect(url.Values{"code": {testGrantCode}, "state": {"s"}, "location": {"EU"}, "accounts-server": {"https://accounts.zoho.eu/"}})
	require.NoError(t, err)
	require.Equal(t, testGrantCode, r.Code)
	require.Equal(t, EU, r.Location)
	require.Equal(t, "https://accounts.zoho.eu", r.AccountsServer)
	require.NotContains(t, r.String(), secretMarker)
	require.NotContains(t, fmt.Sprintf("%v", r), secretMarker)

	_, err = ParseRedirect(url.Values{"error": {"access_denied"}})
	require.ErrorContains(t, err, "access_denied")
	_, err = ParseRedirect(url.Values{"state": {"s"}})
	require.ErrorContains(t, err, "no code")
}

// recordingTransport answers token calls itself and records where they went.
type recordingTransport struct {
	hosts []string
	forms []url.Values
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	rt.hosts = append(rt.hosts, r.URL.Host)
	rt.forms = append(rt.forms, form)
	ans := `{"access_token":"1000.at-` + secretMarker + `-x","refresh_token":"1000.rt-` + secretMarker + `-new","api_domain":"https://www.zohoapis.eu","token_type":"Bearer","expires_in":3600}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(ans)), Request: r}, nil
}

func TestExchangeFollowsAccountsServer(t *testing.T) {
	t.Parallel()
	rt := &recordingTransport{}
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	o := &OAuthConfig{ClientID: "cid", ClientSecret: testClientSecret, RedirectURL: "https://app.example/cb",
		HTTPClient: &http.Client{Transport: rt}, Clock: fakeclock.New(now)}
	g, err := o.Exchange(t.Context(), testGrantCode, "https://accounts.zoho.eu")
	require.NoError(t, err)
	require.Equal(t, []string{"accounts.zoho.eu"}, rt.hosts, "the code is exchanged where the redirect said")
	form := rt.forms[0]
	require.Equal(t, "authorization_code", form.Get("grant_type"))
	require.Equal(t, testGrantCode, form.Get("code"))
	require.Equal(t, "https://app.example/cb", form.Get("redirect_uri"))
	require.Equal(t, "1000.rt-"+secretMarker+"-new", g.RefreshToken)
	require.Equal(t, "https://www.zohoapis.eu", g.APIDomain)
	require.Equal(t, EU, g.DataCenter.Location)
	require.Equal(t, now.Add(time.Hour), g.Expiry)
	require.Equal(t, "https://www.zohoapis.eu", g.Token().Extra("api_domain"))
	require.NotContains(t, g.String(), secretMarker)
	require.NotContains(t, fmt.Sprint(g), secretMarker)
	var buf syncBuffer
	slogTo(&buf).Info("grant", "grant", g)
	require.NotContains(t, buf.String(), secretMarker)
	require.Contains(t, buf.String(), "api_domain=https://www.zohoapis.eu")

	// An accounts server that is not Zoho's never receives the secret.
	_, err = o.Exchange(t.Context(), testGrantCode, "https://accounts.evil.example")
	noSecret(t, err)
	require.ErrorContains(t, err, "neither a known Zoho accounts server")
	require.Len(t, rt.hosts, 1)
}

func TestExchangeAgainstConfiguredServer(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.tokenFunc = func(_ int, form url.Values) (int, string) {
		if form.Get("code") != testGrantCode {
			return 200, `{"error":"invalid_code"}`
		}
		return 200, `{"access_token":"1000.at-` + secretMarker + `","api_domain":"` + fz.srv.URL + `","expires_in":3600}`
	}
	o := &OAuthConfig{ClientID: "cid", ClientSecret: testClientSecret, DataCenter: fz.dc()}
	g, err := o.Exchange(t.Context(), testGrantCode, fz.srv.URL)
	noSecret(t, err)
	require.ErrorContains(t, err, "no refresh token", "Zoho without access_type=offline")
	require.NotNil(t, g)

	_, err = o.Exchange(t.Context(), "1000.wrong-"+secretMarker, "")
	noSecret(t, err)
	require.ErrorIs(t, err, ErrUnauthorized)

	for _, tc := range []struct {
		o    OAuthConfig
		code string
		want string
	}{
		{OAuthConfig{ClientSecret: "s"}, "c", "OAuthConfig.ClientID is empty"},
		{OAuthConfig{ClientID: "c"}, "c", "OAuthConfig.ClientSecret is empty"},
		{OAuthConfig{ClientID: "c", ClientSecret: "s"}, "", "grant code is empty"},
	} {
		_, err := tc.o.Exchange(t.Context(), tc.code, "")
		require.ErrorContains(t, err, tc.want)
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	var got string
	fz.mux.HandleFunc("POST /oauth/v2/token/revoke", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got = r.PostForm.Get("token")
		if got != testRefreshToken {
			_, _ = w.Write([]byte(`{"status":"error","error":"invalid_token"}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"success"}`))
	})
	o := &OAuthConfig{ClientID: "cid", ClientSecret: testClientSecret, DataCenter: fz.dc()}
	require.NoError(t, o.Revoke(t.Context(), testRefreshToken))
	require.Equal(t, testRefreshToken, got)
	err := o.Revoke(t.Context(), "1000.other-"+secretMarker)
	noSecret(t, err)
	require.ErrorContains(t, err, "invalid_token")
	require.ErrorContains(t, o.Revoke(t.Context(), ""), "refresh token is empty")
}
