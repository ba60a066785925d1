package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Grant types of Zoho's token endpoint.
const (
	grantRefresh           = "refresh_token"
	grantAuthorizationCode = "authorization_code"
	grantClientCredentials = "client_credentials"
)

// defaultTokenLifetime is used when a successful token answer names no
// expiry (Zoho documents one hour).
const defaultTokenLifetime = time.Hour

// OAuthError is an error answer from Zoho's token endpoint. Zoho often sends
// these with HTTP 200, so StatusCode alone tells little; Code is Zoho's
// "error" value ("invalid_client", "invalid_code", "Access Denied", ...).
// It matches ErrTokenThrottled and ErrRateLimited when Zoho throttled the
// endpoint, ErrUnauthorized when it rejected the client or the grant, and
// ErrServer on 5xx. It never contains the secrets that were sent.
type OAuthError struct {
	Grant       string // the grant type that was attempted, e.g. "refresh_token"
	StatusCode  int
	Code        string
	Description string
}

// Error describes Zoho's answer; it never includes what was sent.
func (e *OAuthError) Error() string {
	s := fmt.Sprintf("zoho: token endpoint (%s grant): %d", e.Grant, e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Throttled reports whether Zoho refused because too many tokens were
// requested ("You have made too many requests continuously", reported as
// error "Access Denied", sometimes with a localised description).
func (e *OAuthError) Throttled() bool {
	code := strings.ToLower(e.Code)
	return code == "access denied" || code == "access_denied" ||
		strings.Contains(strings.ToLower(e.Description), "too many requests")
}

// Is matches ErrTokenThrottled, ErrRateLimited, ErrUnauthorized and ErrServer
// as described on the type.
func (e *OAuthError) Is(target error) bool {
	switch target {
	case ErrTokenThrottled, ErrRateLimited:
		return e.Throttled()
	case ErrUnauthorized:
		if e.Throttled() {
			return false
		}
		switch strings.ToLower(e.Code) {
		case "invalid_client", "invalid_client_secret", "invalid_code", "invalid_grant",
			"unauthorized_client", "invalid_token", "invalid_redirect_uri", "missing_org_info":
			return true
		}
		return e.StatusCode == http.StatusUnauthorized
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// tokenAnswer is what a successful grant gives.
type tokenAnswer struct {
	accessToken  string
	refreshToken string // only from the authorization-code grant
	apiDomain    string
	scope        string
	expiry       time.Time
}

// flexNumber accepts a JSON number or a numeric string, and remembers
// whether the field was present at all (present) and usable (set).
type flexNumber struct {
	present bool
	set     bool
	v       float64
}

func (n *flexNumber) UnmarshalJSON(b []byte) error {
	n.present = true
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil // tolerate: an unparseable expiry falls back to the default
	}
	n.set, n.v = true, v
	return nil
}

type tokenBody struct {
	AccessToken      string     `json:"access_token"`
	RefreshToken     string     `json:"refresh_token"`
	APIDomain        string     `json:"api_domain"`
	TokenType        string     `json:"token_type"`
	Scope            string     `json:"scope"`
	ExpiresIn        flexNumber `json:"expires_in"`
	ExpiresInSec     flexNumber `json:"expires_in_sec"`
	Error            string     `json:"error"`
	ErrorDescription string     `json:"error_description"`
	Status           string     `json:"status"`
}

// lifetime applies Zoho's expiry quirk: expires_in is in milliseconds when
// expires_in_sec is also present (legacy answers; Zoho's SDKs decide the
// same way), in seconds otherwise; a missing expiry means the documented
// hour. As a guard against the seconds-versus-milliseconds confusion, an
// expires_in over a day is read as milliseconds whatever else is present.
func (b *tokenBody) lifetime() time.Duration {
	const day = 24 * 60 * 60
	switch {
	case b.ExpiresInSec.set && b.ExpiresInSec.v > 0:
		return time.Duration(b.ExpiresInSec.v * float64(time.Second))
	case b.ExpiresIn.set && b.ExpiresIn.v > 0 && (b.ExpiresInSec.present || b.ExpiresIn.v > day):
		return time.Duration(b.ExpiresIn.v * float64(time.Millisecond))
	case b.ExpiresIn.set && b.ExpiresIn.v > 0:
		return time.Duration(b.ExpiresIn.v * float64(time.Second))
	}
	return defaultTokenLifetime
}

// defaultTokenTimeout bounds one call to Zoho's token endpoint when
// Config.TokenTimeout is zero.
const defaultTokenTimeout = time.Minute

// postToken calls Zoho's token endpoint with form and interprets the answer.
// Success is decided by the presence of access_token, never by the status,
// because Zoho answers errors with HTTP 200. Neither form values nor the
// answer's tokens ever reach the returned error.
func postToken(ctx context.Context, hc *http.Client, timeout time.Duration, accounts, grant string, form url.Values, now time.Time) (*tokenAnswer, error) {
	// A refresh runs on a context detached from its callers and may hold
	// the token store's cross-process lock: it must not wait for ever on a
	// hung accounts server, whatever timeout the caller's HTTP client has.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	form.Set("grant_type", grant)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, accounts+"/oauth/v2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("zoho: token endpoint (%s grant): %w", grant, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("zoho: token endpoint (%s grant): %w", grant, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return nil, fmt.Errorf("zoho: token endpoint (%s grant): reading answer: %w", grant, err)
	}
	var body tokenBody
	if err := json.Unmarshal(bytes.TrimSpace(raw), &body); err != nil {
		return nil, &OAuthError{Grant: grant, StatusCode: resp.StatusCode, Description: "answer is not JSON: " + tokenFreeExcerpt(raw)}
	}
	if body.AccessToken == "" {
		oe := &OAuthError{Grant: grant, StatusCode: resp.StatusCode, Code: body.Error, Description: body.ErrorDescription}
		if oe.Code == "" && oe.Description == "" {
			oe.Description = "answer has no access_token"
			if body.Status != "" {
				oe.Code = body.Status
			}
		}
		return nil, oe
	}
	return &tokenAnswer{
		accessToken:  body.AccessToken,
		refreshToken: body.RefreshToken,
		apiDomain:    normalizeOrigin(body.APIDomain),
		scope:        body.Scope,
		expiry:       now.Add(body.lifetime()),
	}, nil
}

// tokenFreeExcerpt quotes a token answer that did not decode (a proxy's
// error page, say), unless it may carry a token: a JSON answer with bytes
// after it, or with a field of an unexpected type, still holds Zoho's
// access_token and refresh_token, which must not reach an error string.
func tokenFreeExcerpt(raw []byte) string {
	if bytes.Contains(bytes.ToLower(raw), []byte("token")) {
		return fmt.Sprintf("%d bytes, withheld as they may hold a token", len(raw))
	}
	return excerpt(raw)
}

// OAuthConfig bootstraps a refresh token through Zoho's authorization-code
// flow: send the user to AuthCodeURL, receive the redirect (ParseRedirect),
// and Exchange its code for a Grant whose RefreshToken goes into Config.
// It also exchanges Self Client grant codes pasted from Zoho's API console
// (leave accountsServer empty).
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	// RedirectURL must match one registered for the client in Zoho's API
	// console. Self Client grant codes need none.
	RedirectURL string
	// Scopes requested, e.g. "ZohoCRM.modules.ALL"; sent comma-separated.
	Scopes []string
	// DataCenter whose accounts server starts the flow; zero means US. With
	// Zoho's multi-DC clients, the redirect says which accounts server the
	// user belongs to, and Exchange follows it.
	DataCenter DataCenter
	// HTTPClient for the token endpoint; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Clock for the Grant's expiry; nil means the system clock.
	Clock Clock
}

// AuthCodeURL returns the consent page URL for state: access_type=offline
// (so Zoho issues a refresh token) and prompt=consent (so it issues a new
// one on re-authorisation too), scopes comma-separated.
func (o *OAuthConfig) AuthCodeURL(state string) string {
	dc := o.DataCenter.withDefaults()
	q := url.Values{}
	q.Set("scope", strings.Join(o.Scopes, ","))
	q.Set("client_id", o.ClientID)
	q.Set("response_type", "code")
	q.Set("access_type", "offline")
	q.Set("prompt", "consent")
	if o.RedirectURL != "" {
		q.Set("redirect_uri", o.RedirectURL)
	}
	if state != "" {
		q.Set("state", state)
	}
	return dc.Accounts + "/oauth/v2/auth?" + q.Encode()
}

// Redirect is what Zoho's authorization redirect carries.
type Redirect struct {
	Code           string // the one-time grant code (a secret: never log it)
	State          string
	Location       Location // "us", "eu", ...
	AccountsServer string   // the accounts server to exchange the code with
}

// String describes the redirect without its code.
func (r Redirect) String() string {
	return fmt.Sprintf("zoho.Redirect{Code: %s, State: %q, Location: %q, AccountsServer: %q}", redacted(r.Code), r.State, r.Location, r.AccountsServer)
}

// ParseRedirect reads the query of Zoho's authorization redirect. It
// returns an error when Zoho reported one (e.g. "access_denied" when the
// user declined) or when the code is missing.
func ParseRedirect(q url.Values) (*Redirect, error) {
	if e := q.Get("error"); e != "" {
		return nil, &OAuthError{Grant: grantAuthorizationCode, Code: e, Description: q.Get("error_description")}
	}
	r := &Redirect{
		Code:           q.Get("code"),
		State:          q.Get("state"),
		Location:       Location(strings.ToLower(q.Get("location"))),
		AccountsServer: normalizeOrigin(q.Get("accounts-server")),
	}
	if r.Code == "" {
		return nil, errors.New("zoho: authorization redirect has no code")
	}
	return r, nil
}

// Grant is the result of an authorization-code exchange. Keep RefreshToken
// secret: it never expires unless revoked. String and LogValue redact the
// tokens.
type Grant struct {
	RefreshToken string
	AccessToken  string
	Expiry       time.Time
	APIDomain    string     // API base for this user's data, e.g. https://www.zohoapis.eu
	DataCenter   DataCenter // the data centre whose accounts server issued the grant
	Scope        string
}

// String describes the grant without its tokens. It has a value receiver
// so that a Grant value (in a struct, say) is printed this way too.
func (g Grant) String() string {
	return fmt.Sprintf("zoho.Grant{RefreshToken: %s, AccessToken: %s, Expiry: %s, APIDomain: %q, Location: %q}",
		redacted(g.RefreshToken), redacted(g.AccessToken), g.Expiry.Format(time.RFC3339), g.APIDomain, g.DataCenter.Location)
}

// LogValue describes the grant to slog without its tokens, for a Grant
// value as for a *Grant.
func (g Grant) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Time("expiry", g.Expiry),
		slog.String("api_domain", g.APIDomain),
		slog.String("location", string(g.DataCenter.Location)),
	)
}

// Token returns the access token as an oauth2.Token, with "api_domain" in
// its extra fields.
func (g *Grant) Token() *oauth2.Token {
	t := &oauth2.Token{AccessToken: g.AccessToken, TokenType: "Zoho-oauthtoken", RefreshToken: g.RefreshToken, Expiry: g.Expiry}
	return t.WithExtra(map[string]any{"api_domain": g.APIDomain})
}

// Exchange trades a grant code for tokens. accountsServer is the
// redirect's accounts-server parameter (Redirect.AccountsServer), or empty
// to use the configured data centre. It must be a known Zoho accounts server
// or the configured one: the client secret is never sent anywhere else.
//
// When Zoho answers with an access token but no refresh token (the consent
// URL lacked access_type=offline, or prompt=consent on a re-authorisation),
// Exchange returns the Grant together with an error saying so.
func (o *OAuthConfig) Exchange(ctx context.Context, code, accountsServer string) (*Grant, error) {
	switch {
	case o.ClientID == "":
		return nil, errors.New("zoho: OAuthConfig.ClientID is empty")
	case o.ClientSecret == "":
		return nil, errors.New("zoho: OAuthConfig.ClientSecret is empty")
	case code == "":
		return nil, errors.New("zoho: exchange: grant code is empty")
	}
	dc := o.DataCenter.withDefaults()
	if err := dc.validate("OAuthConfig.DataCenter"); err != nil {
		return nil, err
	}
	if s := normalizeOrigin(accountsServer); s != "" && s != dc.Accounts {
		known, ok := DataCenterForAccounts(s)
		if !ok {
			return nil, fmt.Errorf("zoho: exchange: accounts server %q is neither a known Zoho accounts server nor the configured one", accountsServer)
		}
		dc = known
	}
	form := url.Values{}
	form.Set("client_id", o.ClientID)
	form.Set("client_secret", o.ClientSecret)
	form.Set("code", code)
	if o.RedirectURL != "" {
		form.Set("redirect_uri", o.RedirectURL)
	}
	clk := o.Clock
	if clk == nil {
		clk = SystemClock()
	}
	ans, err := postToken(ctx, o.httpClient(), defaultTokenTimeout, dc.Accounts, grantAuthorizationCode, form, clk.Now())
	if err != nil {
		return nil, err
	}
	g := &Grant{
		RefreshToken: ans.refreshToken,
		AccessToken:  ans.accessToken,
		Expiry:       ans.expiry,
		APIDomain:    firstNonEmpty(ans.apiDomain, dc.API),
		DataCenter:   dc,
		Scope:        ans.scope,
	}
	if g.RefreshToken == "" {
		return g, errors.New("zoho: exchange: Zoho issued no refresh token (was access_type=offline sent, and prompt=consent on re-authorisation?)")
	}
	return g, nil
}

// Revoke revokes a refresh token (and the access tokens minted from it).
func (o *OAuthConfig) Revoke(ctx context.Context, refreshToken string) error {
	if refreshToken == "" {
		return errors.New("zoho: revoke: refresh token is empty")
	}
	dc := o.DataCenter.withDefaults()
	if err := dc.validate("OAuthConfig.DataCenter"); err != nil {
		return err
	}
	form := url.Values{"token": {refreshToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dc.Accounts+"/oauth/v2/token/revoke", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("zoho: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := o.httpClient().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("zoho: revoke: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body tokenBody
	_ = json.Unmarshal(raw, &body)
	if resp.StatusCode >= 300 || body.Error != "" || (body.Status != "" && body.Status != "success") {
		return &OAuthError{Grant: "revoke", StatusCode: resp.StatusCode, Code: firstNonEmpty(body.Error, body.Status), Description: body.ErrorDescription}
	}
	return nil
}

func (o *OAuthConfig) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// redacted stands in for a secret in descriptions.
func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}
