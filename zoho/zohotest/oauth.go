package zohotest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Zoho's OAuth limits (token-validity page, Kaizen #43).
const (
	maxActiveAccessTokens = 15              // per refresh token; the 16th evicts the oldest
	maxRefreshTokens      = 20              // per client (per user); the 21st deletes the oldest
	grantCodeValidity     = 3 * time.Minute // v8 docs' default
)

// oauthState is the accounts server: clients, refresh tokens, grant codes
// and access tokens.
type oauthState struct {
	s  *Server
	mu sync.Mutex

	clients map[string]*oauthClient
	refresh map[string]*refreshToken
	access  map[string]*accessToken
	codes   map[string]*grantCode

	defaultClient  string
	defaultRefresh string
}

type oauthClient struct {
	id, secret string
	refreshes  []string // refresh tokens in issue order, for the 20-per-client limit
}

type refreshToken struct {
	token, clientID, scope string
	mints                  []time.Time // mint times inside the current window
	total                  int         // successful mints through the token endpoint
	active                 []string    // live access tokens in issue order
}

type accessToken struct {
	refresh  string // "" for client-credentials tokens
	clientID string
	expires  time.Time
}

type grantCode struct {
	clientID, scope, redirectURI string
	expires                      time.Time
}

func newOAuthState(s *Server) *oauthState {
	o := &oauthState{
		s:       s,
		clients: map[string]*oauthClient{},
		refresh: map[string]*refreshToken{},
		access:  map[string]*accessToken{},
		codes:   map[string]*grantCode{},
	}
	id := zohoClientID()
	o.clients[id] = &oauthClient{id: id, secret: randomHex(21)}
	o.defaultClient = id
	o.defaultRefresh = o.newRefreshLocked(o.clients[id], "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ,ZohoCRM.coql.READ,ZohoCRM.bulk.ALL,ZohoCRM.notifications.ALL")
	return o
}

func (s *Server) oauthRoutes() []route {
	return []route{
		newRoute("POST /oauth/v2/token", false, "", s.oauth.handleToken),
		newRoute("POST /oauth/v2/token/revoke", false, "", s.oauth.handleRevoke),
	}
}

// ClientID is the id of the OAuth client registered at start.
func (s *Server) ClientID() string { return s.oauth.defaultClient }

// ClientSecret is the secret of the client registered at start.
func (s *Server) ClientSecret() string {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	return s.oauth.clients[s.oauth.defaultClient].secret
}

// RefreshToken is a refresh token of the default client, minted at start
// with the CRM scopes. It stays valid unless revoked, or evicted by the 21st
// refresh token of the client.
func (s *Server) RefreshToken() string { return s.oauth.defaultRefresh }

// RegisterClient adds an OAuth client (or changes its secret).
func (s *Server) RegisterClient(id, secret string) error {
	if id == "" || secret == "" {
		return errors.New("zohotest: RegisterClient: empty client id or secret")
	}
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	if c, ok := o.clients[id]; ok {
		c.secret = secret
		return nil
	}
	o.clients[id] = &oauthClient{id: id, secret: secret}
	return nil
}

// NewRefreshToken mints a refresh token for a registered client, as the
// authorization-code exchange would, without a call. Zoho's limit applies:
// the client's 21st refresh token deletes its oldest (and that token's
// access tokens).
func (s *Server) NewRefreshToken(clientID, scope string) (string, error) {
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.clients[clientID]
	if !ok {
		return "", fmt.Errorf("zohotest: NewRefreshToken: client %q is not registered", clientID)
	}
	return o.newRefreshLocked(c, scope), nil
}

// NewGrantCode mints a one-time authorization code (a "grant token") for a
// registered client, valid for three minutes on the server's clock. When
// redirectURI is not empty the exchange must name the same one.
func (s *Server) NewGrantCode(clientID, scope, redirectURI string) (string, error) {
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.clients[clientID]; !ok {
		return "", fmt.Errorf("zohotest: NewGrantCode: client %q is not registered", clientID)
	}
	code := zohoToken()
	o.codes[code] = &grantCode{clientID: clientID, scope: scope, redirectURI: redirectURI, expires: s.clock.Now().Add(grantCodeValidity)}
	return code, nil
}

// IssueAccessToken returns a fresh access token of the default refresh
// token without a call to the token endpoint and without counting toward the
// mint limit or Refreshes: a shortcut for tests that speak raw HTTP. It is a
// live token like any other, so the 16th evicts the oldest.
func (s *Server) IssueAccessToken() string {
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	rt := o.refresh[o.defaultRefresh]
	if rt == nil { // revoked or evicted: tokens then belong to no refresh token
		tok := zohoToken()
		o.access[tok] = &accessToken{clientID: o.defaultClient, expires: s.clock.Now().Add(s.opts.AccessTokenLifetime)}
		return tok
	}
	return o.newAccessLocked(rt)
}

// ExpireAccessTokens makes every access token issued so far invalid, as if
// an hour had passed; refresh tokens stay valid.
func (s *Server) ExpireAccessTokens() {
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.access)
	for _, rt := range o.refresh {
		rt.active = nil
	}
}

// Refreshes counts the access tokens minted through the token endpoint with
// refreshToken since the server started (throttled attempts do not count).
func (s *Server) Refreshes(refreshToken string) int {
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	if rt := o.refresh[refreshToken]; rt != nil {
		return rt.total
	}
	return 0
}

// validAccessToken reports whether tok is a live access token.
func (o *oauthState) validAccessToken(tok string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	at, ok := o.access[tok]
	return ok && o.s.clock.Now().Before(at.expires)
}

// invalidateAccessToken forgets tok (the ExpireToken fault).
func (o *oauthState) invalidateAccessToken(tok string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.access, tok)
}

func (o *oauthState) newRefreshLocked(c *oauthClient, scope string) string {
	tok := zohoToken()
	o.refresh[tok] = &refreshToken{token: tok, clientID: c.id, scope: scope}
	c.refreshes = append(c.refreshes, tok)
	for len(c.refreshes) > maxRefreshTokens {
		o.dropRefreshLocked(c.refreshes[0])
	}
	return tok
}

// dropRefreshLocked deletes a refresh token and the access tokens minted
// from it.
func (o *oauthState) dropRefreshLocked(tok string) {
	rt, ok := o.refresh[tok]
	if !ok {
		return
	}
	for _, a := range rt.active {
		delete(o.access, a)
	}
	delete(o.refresh, tok)
	if c := o.clients[rt.clientID]; c != nil {
		if i := indexOf(c.refreshes, tok); i >= 0 {
			c.refreshes = append(c.refreshes[:i], c.refreshes[i+1:]...)
		}
	}
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// newAccessLocked mints an access token for rt; the 16th live one evicts
// the oldest, as Zoho does.
func (o *oauthState) newAccessLocked(rt *refreshToken) string {
	tok := zohoToken()
	o.access[tok] = &accessToken{refresh: rt.token, clientID: rt.clientID, expires: o.s.clock.Now().Add(o.s.opts.AccessTokenLifetime)}
	live := rt.active[:0]
	for _, a := range rt.active {
		if _, ok := o.access[a]; ok {
			live = append(live, a)
		}
	}
	rt.active = append(live, tok)
	for len(rt.active) > maxActiveAccessTokens {
		delete(o.access, rt.active[0])
		rt.active = rt.active[1:]
	}
	return tok
}

// oauthForm returns the request's parameters: Zoho takes them from the
// form body or from the query string (its own docs show both).
func (ex *exchange) oauthForm() url.Values {
	v := ex.r.URL.Query()
	if len(ex.body) > 0 {
		if body, err := url.ParseQuery(string(ex.body)); err == nil {
			for k, vals := range body {
				v[k] = vals
			}
		}
	}
	return v
}

// oauthError answers the way Zoho's accounts server does: HTTP 200 and a
// body naming the error.
func (ex *exchange) oauthError(code string) {
	ex.note("token endpoint error %s", code)
	ex.json(http.StatusOK, map[string]any{"error": code})
}

func (o *oauthState) handleToken(ex *exchange) {
	form := ex.oauthForm()
	grant := form.Get("grant_type")
	ex.note("grant_type=%s", grant)
	o.mu.Lock()
	defer o.mu.Unlock()
	switch grant {
	case "refresh_token", "authorization_code", "client_credentials":
	default:
		ex.oauthError("unsupported_grant_type")
		return
	}
	c, ok := o.clients[form.Get("client_id")]
	if !ok {
		ex.oauthError("invalid_client")
		return
	}
	if form.Get("client_secret") != c.secret {
		ex.oauthError("invalid_client_secret")
		return
	}
	now := o.s.clock.Now()
	switch grant {
	case "refresh_token":
		rt, ok := o.refresh[form.Get("refresh_token")]
		if !ok || rt.clientID != c.id {
			ex.oauthError("invalid_code")
			return
		}
		cut := now.Add(-o.s.opts.TokenMintWindow)
		recent := rt.mints[:0]
		for _, t := range rt.mints {
			if t.After(cut) {
				recent = append(recent, t)
			}
		}
		rt.mints = recent
		if len(rt.mints) >= o.s.opts.TokenMintLimit {
			ex.note("token mint limit: %d access tokens in %v", len(rt.mints), o.s.opts.TokenMintWindow)
			ex.json(o.s.opts.TokenThrottleStatus, map[string]any{
				"error_description": "You have made too many requests continuously. Please try again after some time.",
				"error":             "Access Denied",
				"status":            "failure",
			})
			return
		}
		rt.mints = append(rt.mints, now)
		rt.total++
		o.tokenResponse(ex, o.newAccessLocked(rt), "", rt.scope)
	case "authorization_code":
		code := form.Get("code")
		g, ok := o.codes[code]
		if !ok || g.clientID != c.id || !now.Before(g.expires) {
			delete(o.codes, code)
			ex.oauthError("invalid_code")
			return
		}
		if g.redirectURI != "" && form.Get("redirect_uri") != g.redirectURI {
			ex.oauthError("invalid_redirect_uri")
			return
		}
		delete(o.codes, code) // one-time
		rt := o.refresh[o.newRefreshLocked(c, g.scope)]
		rt.mints = append(rt.mints, now)
		rt.total++
		o.tokenResponse(ex, o.newAccessLocked(rt), rt.token, rt.scope)
	case "client_credentials":
		service, org, ok := strings.Cut(form.Get("soid"), ".")
		if !ok || service == "" || org != o.s.opts.OrgID {
			// Zoho: a missing soid is missing_org_info; the fake says the
			// same for a malformed one or another organization's.
			ex.oauthError("missing_org_info")
			return
		}
		tok := zohoToken()
		o.access[tok] = &accessToken{clientID: c.id, expires: now.Add(o.s.opts.AccessTokenLifetime)}
		o.tokenResponse(ex, tok, "", form.Get("scope"))
	}
}

func (o *oauthState) tokenResponse(ex *exchange, access, refresh, scope string) {
	secs := int64(o.s.opts.AccessTokenLifetime / time.Second)
	resp := map[string]any{
		"access_token": access,
		"api_domain":   o.s.URL(),
		"token_type":   "Bearer",
		"expires_in":   secs,
	}
	if o.s.opts.LegacyExpiresIn {
		resp["expires_in"] = secs * 1000
		resp["expires_in_sec"] = secs
	}
	if refresh != "" {
		resp["refresh_token"] = refresh
	}
	if scope != "" {
		resp["scope"] = scope
	}
	ex.json(http.StatusOK, resp)
}

// handleRevoke deletes a refresh token (and its access tokens) or a single
// access token.
func (o *oauthState) handleRevoke(ex *exchange) {
	tok := ex.oauthForm().Get("token")
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.refresh[tok] != nil:
		o.dropRefreshLocked(tok)
	case o.access[tok] != nil:
		delete(o.access, tok)
	default:
		ex.oauthError("invalid_code")
		return
	}
	ex.json(http.StatusOK, map[string]any{"status": "success"})
}
