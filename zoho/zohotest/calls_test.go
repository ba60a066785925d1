package zohotest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCallAccounting(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.seedContacts(3)
	b.call("GET", "/crm/v8/Contacts?fields=Last_Name", nil)
	b.call("GET", "/crm/v8/Contacts?fields=Last_Name&page=2", nil)
	b.call("GET", "/crm/v8/Leads?fields=Last_Name", nil)
	b.call("GET", "/crm/v8/users?type=CurrentUser", nil)
	b.call("GET", "/crm/v8/org", nil)
	b.call("PUT", "/crm/v8/Contacts", map[string]any{"data": []any{map[string]any{"id": "1", "Phone": "1"}}})
	b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken()))

	for route, want := range map[string]int{
		"GET /crm/v8/{module}":      3, // record lists only: not /users or /org
		"GET /crm/v8/Contacts":      2,
		"/crm/v8/Contacts":          3, // any method
		"* /crm/v8/{module}":        4,
		"GET /crm/v8/users":         1,
		"POST /oauth/v2/token":      1,
		"GET /crm/v8/{module}/{id}": 0,
		"":                          7,
	} {
		require.Equal(t, want, b.srv.Calls(route), route)
	}
	require.Equal(t, 2, b.srv.CallsWithStatus("GET /crm/v8/{module}", http.StatusNoContent), "Leads is empty; page 2 of Contacts too")
	require.Equal(t, 1, b.srv.CallsWithStatus("PUT /crm/v8/Contacts", http.StatusBadRequest), "all records failed")
	require.Equal(t, 7, b.srv.TotalCalls())

	log := b.srv.CallLog()
	require.Equal(t, "GET /crm/v8/{module}", log[1].Route)
	require.Equal(t, "/crm/v8/Contacts", log[1].Path)
	require.Equal(t, "2", log[1].Query.Get("page"))
	require.Equal(t, http.StatusOK, log[0].Status)
	require.Equal(t, testStart, log[0].Time)
	for _, c := range log {
		for _, n := range c.Notes {
			require.NotContains(t, n, b.token, "no secret in the log")
		}
	}

	b.srv.ResetCalls()
	require.Zero(t, b.srv.TotalCalls())
	require.Zero(t, b.srv.Calls("GET /crm/v8/{module}"))
}

func TestCallSelectorErrors(t *testing.T) {
	t.Parallel()
	srv, err := Start(&Options{DisableOAS: true})
	require.NoError(t, err)
	defer srv.Close()
	for _, bad := range []string{"GET", "get /crm/v8/Leads", "GET crm/v8", "GET /crm/v8/Leads?fields=x"} {
		require.Equal(t, -1, srv.Calls(bad), bad)
	}
}

func TestCallLogRedactsSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.call("POST", "/oauth/v2/token?grant_type=refresh_token&client_id="+b.srv.ClientID()+
		"&client_secret="+b.srv.ClientSecret()+"&refresh_token="+b.srv.RefreshToken(), nil)
	b.call("POST", "/oauth/v2/token/revoke?token="+b.srv.RefreshToken(), nil)
	for _, c := range b.srv.CallLog() {
		all := c.Query.Encode() + strings.Join(c.Notes, " ")
		for _, secret := range []string{b.srv.ClientSecret(), b.srv.RefreshToken()} {
			require.NotContains(t, all, secret)
		}
	}
	require.Equal(t, b.srv.ClientID(), b.srv.CallLog()[0].Query.Get("client_id"), "the client id is not a secret")
}
