package service

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// AuthParams describe the OAuth client of `zohokit auth url|exchange`.
type AuthParams struct {
	ClientID     string
	ClientSecret string // exchange only; from the environment, never a flag
	// DataCenter is us, eu, in, au, jp, cn, ca, sa, uk or ae; Hosts
	// replaces every host with one URL (a sandbox or a fake Zoho).
	DataCenter  string
	Hosts       string
	RedirectURI string
	Scopes      []string
	HTTPClient  *http.Client
	Now         func() time.Time
}

func (p AuthParams) oauth() (*zoho.OAuthConfig, error) {
	if p.ClientID == "" {
		return nil, fmt.Errorf("the client id is required")
	}
	dc := connectionDataCenter(ConnectionConfig{DataCenter: p.DataCenter, Hosts: p.Hosts})
	if p.Hosts == "" {
		if _, err := zoho.ParseLocation(orDefault(p.DataCenter, "us")); err != nil {
			return nil, fmt.Errorf("data centre: %w", err)
		}
	}
	return &zoho.OAuthConfig{ClientID: p.ClientID, ClientSecret: p.ClientSecret, RedirectURL: p.RedirectURI,
		Scopes: p.Scopes, DataCenter: dc, HTTPClient: p.HTTPClient}, nil
}

// AuthURL returns the consent page URL: access_type=offline and
// prompt=consent, so that Zoho issues a refresh token.
func AuthURL(p AuthParams, state string) (string, error) {
	if len(p.Scopes) == 0 {
		return "", fmt.Errorf("at least one scope is required (e.g. ZohoCRM.modules.ALL)")
	}
	o, err := p.oauth()
	if err != nil {
		return "", err
	}
	return o.AuthCodeURL(state), nil
}

// ExchangeResult says what an exchange did; it holds no secret to print
// (Grant's String redacts its tokens).
type ExchangeResult struct {
	Grant          *zoho.Grant
	AccountsServer string        // where the code was exchanged
	Location       zoho.Location // the data centre the grant is stored under
	Key            string        // the token store key of the refresh token
	State          string        // the redirect's state, when a URL was given
}

// Exchange trades a grant code, or the full redirect URL (whose
// accounts-server is honoured), for a refresh token and stores it in ts.
func Exchange(ctx context.Context, p AuthParams, codeOrURL string, ts zoho.TokenStore) (*ExchangeResult, error) {
	if p.ClientSecret == "" {
		return nil, fmt.Errorf("the client secret is empty")
	}
	o, err := p.oauth()
	if err != nil {
		return nil, err
	}
	code, accounts, state := strings.TrimSpace(codeOrURL), "", ""
	if strings.Contains(code, "?") {
		u, err := url.Parse(code)
		if err != nil {
			return nil, fmt.Errorf("the redirect URL does not parse")
		}
		r, err := zoho.ParseRedirect(u.Query())
		if err != nil {
			return nil, err
		}
		code, accounts, state = r.Code, r.AccountsServer, r.State
	}
	if code == "" {
		return nil, fmt.Errorf("no grant code given")
	}
	g, err := o.Exchange(ctx, code, accounts)
	if err != nil {
		return nil, err
	}
	loc := o.DataCenter.Location
	if accounts != "" && g.DataCenter.Location != "" {
		loc = g.DataCenter.Location
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	if err := zoho.SaveGrant(ctx, ts, p.ClientID, loc, g, now()); err != nil {
		return nil, err
	}
	return &ExchangeResult{Grant: g, AccountsServer: orDefault(accounts, o.DataCenter.Accounts), Location: loc,
		Key: zoho.GrantKey(p.ClientID, loc), State: state}, nil
}
