package zohotest

import (
	"net/http"
	"testing"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// This file connects the fake to zohokit's own client (package zoho), so a
// test gets a working *zoho.Client in one line:
//
//	srv := zohotest.NewServer(t, nil)
//	zc := zohotest.NewClient(t, srv)
//	c, err := crm.New(zc, nil)

// Location is the data-centre location code of DataCenter.
const Location zoho.Location = "zohotest"

// DataCenter returns a data centre whose every host (accounts server, API
// domain, upload host, Projects, People) is the fake's URL. The fake's
// token answers name the same URL as api_domain, so a client follows it as
// it follows Zoho's.
func (s *Server) DataCenter() zoho.DataCenter {
	u := s.URL()
	return zoho.DataCenter{Location: Location, Accounts: u, API: u, Content: u, Projects: u, People: u}
}

// ClientConfig returns a zoho.Config for the fake: its default OAuth client
// (ClientID, ClientSecret) and refresh token (which carries the CRM
// scopes), its DataCenter and organisation id, and an HTTP client that
// reaches it, with a one-minute timeout per attempt. Change any field
// before zoho.New: a Clock, a Retry policy, a TokenStore, an HTTPClient
// with a shorter timeout (keep its Transport: srv.Client().Transport).
func (s *Server) ClientConfig() zoho.Config {
	return zoho.Config{
		ClientID:     s.ClientID(),
		ClientSecret: s.ClientSecret(),
		RefreshToken: s.RefreshToken(),
		DataCenter:   s.DataCenter(),
		OrgID:        s.OrgID(),
		HTTPClient:   &http.Client{Transport: s.Client().Transport, Timeout: time.Minute},
	}
}

// NewClient returns a *zoho.Client for the fake built from ClientConfig,
// after the configure functions, in order, have edited the config:
//
//	zc := zohotest.NewClient(t, srv, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
//
// An invalid config fails the test at once.
func NewClient(tb testing.TB, s *Server, configure ...func(*zoho.Config)) *zoho.Client {
	tb.Helper()
	cfg := s.ClientConfig()
	for _, f := range configure {
		f(&cfg)
	}
	zc, err := zoho.New(cfg)
	if err != nil {
		tb.Fatalf("zohotest: NewClient: %v", err)
		return nil
	}
	return zc
}
