package books_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func TestNewNeedsAnOrganization(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := books.New(b.zc, "")
	require.ErrorContains(t, err, "organization id is empty")
	_, err = books.New(nil, "123")
	require.Error(t, err)
	_, err = books.New(b.zc, "12/34")
	require.Error(t, err)
}

// With several organisations nothing is chosen for the caller: the error
// lists them, default one included, and the organisation chosen is on
// every request.
func TestSeveralOrganizationsMustBeChosen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	one, err := books.ResolveOrganization(b.ctx(), b.zc)
	require.NoError(t, err, "a single organisation is resolved")
	require.Equal(t, b.org, one.OrganizationID)
	require.True(t, one.IsDefaultOrg)

	eu, err := b.srv.Books().AddOrganization(zohotest.FinanceOrganization{Name: "Zylker EU", TimeZone: time.FixedZone("CET", 3600)})
	require.NoError(t, err)
	_, err = books.ResolveOrganization(b.ctx(), b.zc)
	require.ErrorIs(t, err, books.ErrOrganizationChoice)
	var choice *books.OrganizationChoiceError
	require.ErrorAs(t, err, &choice)
	require.Len(t, choice.Organizations, 2)
	for _, want := range []string{b.org, "Zylker Books", "default", eu.ID, "Zylker EU"} {
		require.Contains(t, err.Error(), want)
	}

	c, err := books.New(b.zc, eu.ID)
	require.NoError(t, err)
	cust, _, err := c.Contacts.Create(b.ctx(), books.Contact{ContactName: "Globex"})
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(cust.CreatedTime.String(), "+0100"), "times come in that organisation's offset: %s", cust.CreatedTime)
	_, ok := b.srv.Books().Contact(b.org, cust.ContactID)
	require.False(t, ok, "the contact went to the chosen organisation only")
	_, ok = b.srv.Books().Contact(eu.ID, cust.ContactID)
	require.True(t, ok)

	orgs, _, err := c.Organizations.List(b.ctx())
	require.NoError(t, err)
	require.Len(t, orgs, 2)
	got, _, err := c.Organizations.Get(b.ctx(), eu.ID)
	require.NoError(t, err)
	require.Equal(t, "Zylker EU", got.Name)

	for _, call := range b.srv.CallLog() {
		switch {
		case call.Path == "/oauth/v2/token", call.Path == "/books/v3/organizations":
		default:
			require.Equal(t, eu.ID, call.Query.Get("organization_id"), "%s %s", call.Method, call.Path)
		}
	}
}

// The fake answers a missing or unknown organisation as Books does.
func TestUnknownOrganizationIsRejected(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, err := books.New(b.zc, "99999999999")
	require.NoError(t, err)
	_, _, err = c.Contacts.Get(b.ctx(), "1")
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "2", ze.Code)
	require.Equal(t, "Invalid value passed for organization_id", ze.Message)
	require.ErrorIs(t, err, zoho.ErrInvalidData)
}

// Books reports errors in the envelope's code, sometimes with HTTP 200: a
// non-zero code is an error whatever the status, and the codes callers
// branch on match the core's sentinels.
func TestEnvelopeErrorsAreTyped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		is     error
		code   string
	}{
		{"1002 with 200", http.StatusOK, `{"code":1002,"message":"Invoice does not exist."}`, zoho.ErrNotFound, "1002"},
		{"1002 with 404", http.StatusNotFound, `{"code":1002,"message":"Invoice does not exist."}`, zoho.ErrNotFound, "1002"},
		{"per minute with 200", http.StatusOK, `{"code":44,"message":"blocked"}`, zoho.ErrRateLimited, "44"},
		{"scope", http.StatusBadRequest, `{"code":57,"message":"You are not authorized to perform this operation"}`, zoho.ErrForbidden, "57"},
		{"invalid value", http.StatusBadRequest, `{"code":2,"message":"Invalid value passed for date"}`, zoho.ErrInvalidData, "2"},
		{"code as string", http.StatusOK, `{"code":"1002","message":"Item does not exist."}`, zoho.ErrNotFound, "1002"},
		{"no envelope", http.StatusBadGateway, `<html>Bad gateway</html>`, zoho.ErrServer, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
			require.NoError(t, b.srv.Script("GET /books/v3/invoices/{id}", zohotest.Respond(tc.status, tc.body)))
			_, _, err := b.c.Invoices.Get(b.ctx(), "460000000026049")
			require.ErrorIs(t, err, tc.is)
			var ze *zoho.Error
			require.ErrorAs(t, err, &ze)
			require.Equal(t, tc.code, ze.Code)
			require.Equal(t, tc.status, ze.StatusCode)
			require.Equal(t, zoho.Books, ze.Product)
			require.Contains(t, err.Error(), "books: get invoice 460000000026049")
		})
	}

	b := setup(t)
	_, _, err := b.c.Invoices.Get(b.ctx(), "460000000026049")
	require.ErrorIs(t, err, zoho.ErrNotFound, "the fake's own answer for an unknown id")
}

// An answer that the token is dead (401, code 57) makes the core refresh the
// token once and resend.
func TestDeadTokenIsRefreshedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	_, _, err := b.c.Contacts.Get(b.ctx(), cust)
	require.NoError(t, err)
	mints := b.srv.Calls("POST /oauth/v2/token")

	require.NoError(t, b.srv.Script("GET /books/v3/contacts/{id}", zohotest.ExpireToken()))
	_, resp, err := b.c.Contacts.Get(b.ctx(), cust)
	require.NoError(t, err)
	require.Equal(t, 2, resp.Attempts)
	require.Equal(t, mints+1, b.srv.Calls("POST /oauth/v2/token"))
	require.Equal(t, 1, b.srv.CallsWithStatus("GET /books/v3/contacts/{id}", http.StatusUnauthorized))
}

// A 5xx is retried for reads, never for an invoice creation (it could have
// been created).
func TestCreateIsNotRetriedAfterServerError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	require.NoError(t, b.srv.Script("POST /books/v3/invoices", zohotest.ServerError(502)))
	_, _, err := b.c.Invoices.Create(b.ctx(), books.Invoice{CustomerID: cust, LineItems: []books.LineItem{{Name: "x", Rate: amount(t, "1")}}}, nil)
	require.ErrorIs(t, err, zoho.ErrServer)
	require.Equal(t, 1, b.srv.Calls("POST /books/v3/invoices"))

	require.NoError(t, b.srv.Script("GET /books/v3/contacts/{id}", zohotest.ServerError(502)))
	_, resp, err := b.c.Contacts.Get(b.ctx(), cust)
	require.NoError(t, err)
	require.Equal(t, 2, resp.Attempts)

	require.NoError(t, b.srv.Script("POST /books/v3/invoices/{id}/status/sent", zohotest.ServerError(503)))
	inv, err := b.srv.Books().PutInvoice("", zohotest.Record{"customer_id": cust, "line_items": []any{map[string]any{"name": "x", "rate": "1"}}})
	require.NoError(t, err)
	resp, err = b.c.Invoices.MarkSent(b.ctx(), inv["invoice_id"].(string))
	require.NoError(t, err, "a status change is safe to repeat")
	require.Equal(t, 2, resp.Attempts)
	require.False(t, errors.Is(err, zoho.ErrServer))
}
