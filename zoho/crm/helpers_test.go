package crm_test

import (
	"fmt"
	"iter"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// bundle is a fake Zoho that validates every request against Zoho's CRM
// OpenAPI documents (a violation fails the test at cleanup), and a CRM
// client connected to it.
type bundle struct {
	t   *testing.T
	srv *zohotest.Server
	zc  *zoho.Client
	c   *crm.Client
}

func setup(t *testing.T, configure ...func(*zoho.Config)) *bundle {
	t.Helper()
	return setupWith(t, nil, nil, configure...)
}

func setupWith(t *testing.T, srvOpts *zohotest.Options, crmOpts *crm.Options, configure ...func(*zoho.Config)) *bundle {
	t.Helper()
	zohotest.RequireOAS(t)
	srv := zohotest.NewServer(t, srvOpts)
	validating, why := srv.ValidatesOAS()
	require.True(t, validating, "every request must be checked against Zoho's OpenAPI documents: %s", why)
	zc := zohotest.NewClient(t, srv, configure...)
	c, err := crm.New(zc, crmOpts)
	require.NoError(t, err)
	return &bundle{t: t, srv: srv, zc: zc, c: c}
}

// seedContacts puts n contacts (Contact-00000, c00000@example.com, ...)
// directly into the fake and returns them as stored, in id order.
func (b *bundle) seedContacts(n int) []zohotest.Record {
	b.t.Helper()
	recs := make([]zohotest.Record, n)
	for i := range recs {
		recs[i] = zohotest.Record{"Last_Name": fmt.Sprintf("Contact-%05d", i), "Email": fmt.Sprintf("c%05d@example.com", i)}
	}
	out, err := b.srv.CRM().PutMany("Contacts", recs)
	require.NoError(b.t, err)
	return out
}

// collect drains a sequence, failing the test on an error.
func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// collectErr drains a sequence and returns what it yielded and its error.
func collectErr[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// queries returns the query strings of the calls made on route.
func (b *bundle) queries(method, path string) []url.Values {
	var out []url.Values
	for _, c := range b.srv.CallLog() {
		if c.Method == method && c.Path == path {
			out = append(out, c.Query)
		}
	}
	return out
}

var ist = time.FixedZone("IST", 5*3600+30*60)

// fastRetries gives the client a clock that skips every wait (backoff,
// rate limits), so retries cost no real time.
func fastRetries(c *zoho.Config) { c.Clock = fakeclock.NewAuto(time.Now()) }
