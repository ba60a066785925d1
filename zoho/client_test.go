package zoho

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNewValidatesAndNamesTheField(t *testing.T) {
	t.Parallel()
	ok := Config{ClientID: "c", ClientSecret: "s", RefreshToken: "r"}
	for _, tc := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.ClientID = "" }, "zoho: Config.ClientID is empty"},
		{func(c *Config) { c.ClientSecret = "" }, "zoho: Config.ClientSecret is empty"},
		{func(c *Config) { c.RefreshToken = "" }, "zoho: Config.RefreshToken is empty"},
		{func(c *Config) { c.RefreshToken, c.SOID = "", "600123" }, "zoho: Config.SOID"},
		{func(c *Config) { c.RefreshMargin = -1 }, "Config.RefreshMargin is negative"},
		{func(c *Config) { c.MintLimit = -1 }, "Config.MintLimit is negative"},
		{func(c *Config) { c.MintWindow = -time.Second }, "Config.MintWindow is negative"},
		{func(c *Config) { c.Retry.MaxAttempts = -1 }, "Config.Retry.MaxAttempts is negative"},
		{func(c *Config) { c.Retry.InitialInterval = time.Minute; c.Retry.MaxInterval = time.Second }, "Config.Retry.InitialInterval exceeds MaxInterval"},
		{func(c *Config) { c.RateLimits.Books = Limit{Requests: 5} }, "Config.RateLimits.Books.Window is zero"},
		{func(c *Config) { c.RateLimits.CRM = Limit{Concurrency: -2} }, "Config.RateLimits.CRM.Concurrency is negative"},
		{func(c *Config) { c.RateLimits.CRMEdition = "gold" }, `Config.RateLimits.CRMEdition "gold"`},
		{func(c *Config) { c.DataCenter = DataCenter{Location: "mars"} }, "Config.DataCenter.Accounts is empty"},
	} {
		cfg := ok
		tc.mod(&cfg)
		_, err := New(cfg)
		require.ErrorContains(t, err, tc.want)
	}
}

func TestZeroOptionsWork(t *testing.T) {
	t.Parallel()
	c, err := New(Config{ClientID: "c", ClientSecret: "s", RefreshToken: "r"})
	require.NoError(t, err)
	require.Equal(t, US.DataCenter(), c.DataCenter())
	require.Equal(t, "", c.OrgID())
	require.NotNil(t, c.Logger())
	require.NotNil(t, c.Clock())
	st := c.TokenStatus()
	require.False(t, st.Valid)
	require.Equal(t, US, st.Location)
	require.Equal(t, "https://www.zohoapis.com", st.APIDomain)
	require.Equal(t, 10, st.MintLimit)

	eu, err := New(Config{ClientID: "c", ClientSecret: "s", RefreshToken: "r", DataCenter: DataCenter{Location: EU}, OrgID: "77"})
	require.NoError(t, err)
	require.Equal(t, "https://accounts.zoho.eu", eu.DataCenter().Accounts)
	require.Equal(t, "77", eu.OrgID())
	require.NotEqual(t, c.TokenKey(), eu.TokenKey())
}
