package books_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// testStart is where the fake clocks start.
var testStart = time.Date(2026, 6, 9, 13, 0, 0, 0, time.UTC)

// bundle is a fake Zoho, one clock shared by the fake and the client, and
// a Books client for the fake's default organisation.
type bundle struct {
	t     *testing.T
	srv   *zohotest.Server
	clock *fakeclock.Clock
	zc    *zoho.Client
	c     *books.Client
	org   string
}

// setup starts the fake with an auto-advancing clock (waits jump the clock
// instead of sleeping), which both the fake and the client read.
func setup(t *testing.T, configure ...func(*zoho.Config)) *bundle {
	t.Helper()
	return setupClock(t, fakeclock.NewAuto(testStart), configure...)
}

func setupClock(t *testing.T, clock *fakeclock.Clock, configure ...func(*zoho.Config)) *bundle {
	t.Helper()
	srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock, DisableOAS: true})
	zc := zohotest.NewClient(t, srv, append([]func(*zoho.Config){func(c *zoho.Config) { c.Clock = clock }}, configure...)...)
	org := srv.Books().OrgID()
	c, err := books.New(zc, org)
	require.NoError(t, err)
	return &bundle{t: t, srv: srv, clock: clock, zc: zc, c: c, org: org}
}

func (b *bundle) ctx() context.Context { return b.t.Context() }

// customer seeds a customer and returns its id.
func (b *bundle) customer(name string) string {
	b.t.Helper()
	rec, err := b.srv.Books().PutContact("", zohotest.Record{"contact_name": name})
	require.NoError(b.t, err)
	return rec["contact_id"].(string)
}

// item seeds an item and returns its id.
func (b *bundle) item(name, rate string) string {
	b.t.Helper()
	rec, err := b.srv.Books().PutItem("", zohotest.Record{"name": name, "rate": rate})
	require.NoError(b.t, err)
	return rec["item_id"].(string)
}

func amount(t *testing.T, s string) books.Amount {
	t.Helper()
	a, err := books.ParseAmount(s)
	require.NoError(t, err)
	return a
}

// collect ranges over a list, failing the test on an error.
func collect[T any](t *testing.T, seq func(yield func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// queries returns the queries of the calls the fake received on route.
func (b *bundle) queries(route string) []url.Values {
	var out []url.Values
	for _, c := range b.srv.CallLog() {
		if c.Route == route {
			out = append(out, c.Query)
		}
	}
	return out
}
