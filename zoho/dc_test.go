package zoho

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKnownDataCenters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		loc                                      Location
		accounts, api, content, projects, people string
	}{
		{US, "https://accounts.zoho.com", "https://www.zohoapis.com", "https://content.zohoapis.com", "https://projectsapi.zoho.com", "https://people.zoho.com"},
		{EU, "https://accounts.zoho.eu", "https://www.zohoapis.eu", "https://content.zohoapis.eu", "https://projectsapi.zoho.eu", "https://people.zoho.eu"},
		{IN, "https://accounts.zoho.in", "https://www.zohoapis.in", "https://content.zohoapis.in", "https://projectsapi.zoho.in", "https://people.zoho.in"},
		{AU, "https://accounts.zoho.com.au", "https://www.zohoapis.com.au", "https://content.zohoapis.com.au", "https://projectsapi.zoho.com.au", "https://people.zoho.com.au"},
		{JP, "https://accounts.zoho.jp", "https://www.zohoapis.jp", "https://content.zohoapis.jp", "https://projectsapi.zoho.jp", "https://people.zoho.jp"},
		{CN, "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn", "https://content.zohoapis.com.cn", "https://projectsapi.zoho.com.cn", "https://people.zoho.com.cn"},
		{CA, "https://accounts.zohocloud.ca", "https://www.zohoapis.ca", "https://upload.zohocloud.ca", "https://projectsapi.zohocloud.ca", "https://people.zohocloud.ca"},
		{SA, "https://accounts.zoho.sa", "https://www.zohoapis.sa", "https://files.zoho.sa", "https://projectsapi.zoho.sa", "https://people.zoho.sa"},
		{UK, "https://accounts.zoho.uk", "https://www.zohoapis.uk", "", "https://projectsapi.zoho.uk", "https://people.zoho.uk"},
		{AE, "https://accounts.zoho.ae", "https://www.zohoapis.ae", "", "https://projectsapi.zoho.ae", "https://people.zoho.ae"},
	} {
		dc := tc.loc.DataCenter()
		require.Equal(t, DataCenter{Location: tc.loc, Accounts: tc.accounts, API: tc.api, Content: tc.content, Projects: tc.projects, People: tc.people}, dc)
		require.NoError(t, dc.validate("dc"))
		got, ok := DataCenterForAccounts(tc.accounts + "/")
		require.True(t, ok)
		require.Equal(t, tc.loc, got.Location)
	}
	require.Len(t, DataCenters(), 10)
	_, ok := DataCenterForAccounts("https://accounts.example.com")
	require.False(t, ok)
}

func TestParseLocation(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Location{
		"us": US, "US": US, "com": US, ".com": US, "eu": EU, " EU ": EU, "com.au": AU, "au": AU,
		"com.cn": CN, "zohocloud.ca": CA, "ca": CA, "uk": UK, "ae": AE, "sa": SA, "jp": JP, "in": IN,
	} {
		got, err := ParseLocation(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := ParseLocation("mars")
	require.ErrorContains(t, err, `unknown data centre location "mars"`)
}

func TestDataCenterDefaultsAndCustomHosts(t *testing.T) {
	t.Parallel()
	require.Equal(t, US.DataCenter(), DataCenter{}.withDefaults(), "zero means US")
	partial := DataCenter{Location: EU, API: "https://sandbox.zohoapis.eu/"}.withDefaults()
	require.Equal(t, "https://sandbox.zohoapis.eu", partial.API, "a set host wins and loses its slash")
	require.Equal(t, "https://accounts.zoho.eu", partial.Accounts, "missing hosts come from the table")

	// A custom data centre, as the fake Zoho builds one.
	custom := DataCenter{Location: "fake", Accounts: "http://127.0.0.1:1", API: "http://127.0.0.1:1"}.withDefaults()
	require.NoError(t, custom.validate("Config.DataCenter"))
	require.Empty(t, custom.Content)

	for _, tc := range []struct {
		dc   DataCenter
		want string
	}{
		{DataCenter{Location: "mars"}, `Config.DataCenter.Accounts is empty (unknown location "mars"?)`},
		{DataCenter{Location: "x", Accounts: "accounts.zoho.com", API: "https://a"}, `Config.DataCenter.Accounts "accounts.zoho.com" is not an absolute http(s) URL`},
		{DataCenter{Location: "x", Accounts: "https://a"}, "Config.DataCenter.API is empty"},
		{DataCenter{Location: "x", Accounts: "https://a", API: "https://b", People: "ftp://c"}, "Config.DataCenter.People"},
	} {
		require.ErrorContains(t, tc.dc.withDefaults().validate("Config.DataCenter"), tc.want)
	}
}

func TestMissingHostIsAClearError(t *testing.T) {
	t.Parallel()
	c, err := New(Config{ClientID: "c", ClientSecret: "s", RefreshToken: "r", DataCenter: UK.DataCenter()})
	require.NoError(t, err)
	_, err = c.NewRequest("POST", CRMUpload, "/upload", nil)
	require.ErrorContains(t, err, `data centre "uk" has no content host (set DataCenter.Content)`)
}
