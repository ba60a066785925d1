package zoho

import (
	"fmt"
	"log/slog"
)

// String describes the configuration without its secrets (client secret,
// refresh token, SOID), so that printing or logging a Config, even with
// %+v, never reveals them.
func (c Config) String() string {
	return fmt.Sprintf("zoho.Config{ClientID: %q, ClientSecret: %s, RefreshToken: %s, SOID: %s, DataCenter: %q, OrgID: %q}",
		c.ClientID, redacted(c.ClientSecret), redacted(c.RefreshToken), redacted(c.SOID), c.DataCenter.Location, c.OrgID)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// LogValue describes the configuration to slog without its secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.String("location", string(c.DataCenter.Location)),
		slog.String("org_id", c.OrgID),
		slog.Bool("self_client", c.RefreshToken == "" && c.SOID != ""),
	)
}

// String describes the OAuth configuration without its client secret.
func (o OAuthConfig) String() string {
	return fmt.Sprintf("zoho.OAuthConfig{ClientID: %q, ClientSecret: %s, RedirectURL: %q, Scopes: %q, DataCenter: %q}",
		o.ClientID, redacted(o.ClientSecret), o.RedirectURL, o.Scopes, o.DataCenter.Location)
}

// GoString is String, for %#v.
func (o OAuthConfig) GoString() string { return o.String() }

// LogValue describes the OAuth configuration to slog without its client
// secret.
func (o OAuthConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", o.ClientID),
		slog.String("redirect_url", o.RedirectURL),
		slog.String("location", string(o.DataCenter.Location)),
	)
}
