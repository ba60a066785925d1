package zoho

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Config configures a Client. Credentials are required; every other field
// has a working zero value. New validates it and names the bad field.
//
// Exactly one grant is used: the refresh-token grant when RefreshToken is
// set, otherwise the Self Client client-credentials grant when SOID is set.
type Config struct {
	// ClientID and ClientSecret identify the client registered in Zoho's
	// API console. Required.
	ClientID     string
	ClientSecret string
	// RefreshToken is the long-lived token from the authorization-code flow
	// (see OAuthConfig) or a Self Client grant code exchange.
	RefreshToken string
	// SOID selects the Self Client client_credentials grant (used when
	// RefreshToken is empty): "{service}.{org id}", e.g. "ZohoCRM.600123456".
	// It issues no refresh token; the grant is simply run again to renew.
	SOID string
	// Scopes are requested by the client_credentials grant.
	Scopes []string
	// DataCenter is where the account lives; zero means US. Use
	// Location.DataCenter (zoho.EU.DataCenter()) or build one for custom hosts.
	DataCenter DataCenter
	// OrgID is the organisation id that product packages need (CRM's
	// X-CRM-ORG header for bulk-write uploads) and the default rate-limit
	// key. Optional; derived from SOID when that names one.
	OrgID string
	// TokenStore keeps the access token, its API domain and the mint
	// history; nil means a new MemoryStore. Share one store (a file, a
	// database) between processes that use the same refresh token, so that
	// they refresh once and share the mint limit.
	TokenStore TokenStore
	// TokenKey overrides the store key; empty means
	// TokenKey(ClientID, DataCenter.Location, RefreshToken or SOID).
	TokenKey string
	// RefreshMargin is how long before expiry a token is refreshed; zero
	// means 5 minutes. It is capped at half a token's lifetime. When that
	// early refresh fails or the mint limit holds it back, the current
	// token serves until it expires.
	RefreshMargin time.Duration
	// MintLimit and MintWindow bound the access tokens minted per refresh
	// token: zero means Zoho's 10 per 10 minutes.
	MintLimit  int
	MintWindow time.Duration
	// TokenTimeout bounds one call to Zoho's token endpoint, whatever the
	// HTTPClient's timeout: a refresh may hold the token store's
	// cross-process lock, so a hung accounts server must not hold it for
	// ever. Zero means one minute.
	TokenTimeout time.Duration
	// FailOnMintLimit makes a refresh that would exceed the mint limit fail
	// at once with *TokenLimitError instead of waiting for a slot. Without
	// it, a caller whose context would end before the slot gets the error
	// at once, and the others wait.
	FailOnMintLimit bool
	// Retry is the retry policy; zero means its defaults.
	Retry RetryPolicy
	// RateLimits are the local rate limits; zero means the defaults.
	RateLimits RateLimits
	// HTTPClient sends every request, token calls included; nil means a
	// client with a 2-minute timeout per attempt. Its Transport may add
	// tracing or a proxy; it must not add its own Authorization.
	HTTPClient *http.Client
	// Logger receives debug lines per request and info/warn lines about
	// tokens and retries, never a secret; nil discards.
	Logger *slog.Logger
	// Clock is the time source for token expiry, the mint guard, rate
	// limits and backoff; nil means the system clock.
	Clock Clock
	// UserAgent is sent with API requests; empty means "zohokit".
	UserAgent string
	// Observer is told of every API attempt (not token calls); nil means
	// none.
	Observer Observer
}

// Client is a Zoho API client for one account: it holds the credentials,
// keeps the access token fresh, rate-limits, retries and decodes errors.
// Product packages (zoho/crm, zoho/books, ...) wrap it; NewRequest and Do
// call any endpoint directly. A Client is safe for concurrent use.
type Client struct {
	dc        DataCenter
	orgID     string
	hc        *http.Client
	log       *slog.Logger
	clock     Clock
	tokens    *tokenManager
	limits    *limiters
	retry     RetryPolicy
	userAgent string
	observer  Observer
}

// New validates cfg and returns a Client. It does no I/O: the first request
// loads or mints the access token.
func New(cfg Config) (*Client, error) {
	switch {
	case cfg.ClientID == "":
		return nil, errors.New("zoho: Config.ClientID is empty")
	case cfg.ClientSecret == "":
		return nil, errors.New("zoho: Config.ClientSecret is empty")
	case cfg.RefreshToken == "" && cfg.SOID == "":
		return nil, errors.New("zoho: Config.RefreshToken is empty (or set Config.SOID for the Self Client client_credentials grant)")
	case cfg.RefreshToken == "" && !strings.Contains(cfg.SOID, "."):
		return nil, errors.New("zoho: Config.SOID is not of the form {service}.{org id}, e.g. ZohoCRM.600123456")
	case cfg.RefreshMargin < 0:
		return nil, errors.New("zoho: Config.RefreshMargin is negative")
	case cfg.MintLimit < 0:
		return nil, errors.New("zoho: Config.MintLimit is negative")
	case cfg.TokenTimeout < 0:
		return nil, errors.New("zoho: Config.TokenTimeout is negative")
	case cfg.MintWindow < 0:
		return nil, errors.New("zoho: Config.MintWindow is negative")
	}
	dc := cfg.DataCenter.withDefaults()
	if err := dc.validate("Config.DataCenter"); err != nil {
		return nil, err
	}
	if err := cfg.Retry.validate(); err != nil {
		return nil, err
	}
	if err := cfg.RateLimits.validate(); err != nil {
		return nil, err
	}

	c := &Client{
		dc:        dc,
		orgID:     cfg.OrgID,
		hc:        cfg.HTTPClient,
		log:       cfg.Logger,
		clock:     cfg.Clock,
		retry:     cfg.Retry.withDefaults(),
		userAgent: cfg.UserAgent,
		observer:  cfg.Observer,
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 2 * time.Minute}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.clock == nil {
		c.clock = SystemClock()
	}
	if c.userAgent == "" {
		c.userAgent = "zohokit"
	}
	grant, secret := grantRefresh, cfg.RefreshToken
	if cfg.RefreshToken == "" {
		grant, secret = grantClientCredentials, cfg.SOID
		if c.orgID == "" {
			c.orgID = cfg.SOID[strings.LastIndex(cfg.SOID, ".")+1:]
		}
	}
	key := cfg.TokenKey
	if key == "" {
		key = TokenKey(cfg.ClientID, dc.Location, secret)
	}
	store := cfg.TokenStore
	if store == nil {
		store = NewMemoryStore()
	}
	m := &tokenManager{
		grant:        grant,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		refreshToken: cfg.RefreshToken,
		soid:         cfg.SOID,
		scopes:       append([]string(nil), cfg.Scopes...),
		dc:           dc,
		key:          key,
		store:        store,
		hc:           c.hc,
		clock:        c.clock,
		log:          c.log,
		margin:       cfg.RefreshMargin,
		mintLimit:    cfg.MintLimit,
		mintWindow:   cfg.MintWindow,
		failOnLimit:  cfg.FailOnMintLimit,
		callTimeout:  cmp.Or(cfg.TokenTimeout, defaultTokenTimeout),
	}
	if m.margin == 0 {
		m.margin = 5 * time.Minute
	}
	if m.mintLimit == 0 {
		m.mintLimit = 10
	}
	if m.mintWindow == 0 {
		m.mintWindow = 10 * time.Minute
	}
	c.tokens = m
	c.limits = newLimiters(cfg.RateLimits, c.clock)
	return c, nil
}

// DataCenter returns the client's data centre, its hosts filled in.
func (c *Client) DataCenter() DataCenter { return c.dc }

// OrgID returns the configured (or SOID-derived) organisation id, or "".
func (c *Client) OrgID() string { return c.orgID }

// TokenKey returns the key under which the client's token is stored.
func (c *Client) TokenKey() string { return c.tokens.key }

// Clock returns the client's time source, for product packages that wait.
func (c *Client) Clock() Clock { return c.clock }

// Logger returns the client's logger, for product packages to log through.
func (c *Client) Logger() *slog.Logger { return c.log }

// TokenStatus returns a secret-free read-out of the client's token.
func (c *Client) TokenStatus() TokenStatus { return c.tokens.status() }

// Token returns a fresh access token, refreshing it when needed, as an
// oauth2.Token whose Extra("api_domain") is the API domain. Send it as
// "Authorization: Zoho-oauthtoken <token>", not as a Bearer token.
func (c *Client) Token(ctx context.Context) (*oauth2.Token, error) {
	t, err := c.tokens.token(ctx)
	if err != nil {
		return nil, err
	}
	tok := &oauth2.Token{AccessToken: t.value, TokenType: "Zoho-oauthtoken", Expiry: t.expiry}
	return tok.WithExtra(map[string]any{"api_domain": t.apiDomain}), nil
}

// BaseURL returns the base URL of product's API for this account, e.g.
// "https://www.zohoapis.eu/crm/v8". It needs the token's API domain, so it
// may load or refresh the token.
func (c *Client) BaseURL(ctx context.Context, p Product) (string, error) {
	t, err := c.tokens.token(ctx)
	if err != nil {
		return "", err
	}
	return c.base(p, t.apiDomain)
}
