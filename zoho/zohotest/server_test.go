package zohotest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRoutesWellFormed(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, &Options{DisableOAS: true})
	seen := map[string]bool{}
	for _, rt := range srv.router.routes {
		require.Contains(t, []string{"GET", "POST", "PUT", "DELETE", "PATCH"}, rt.method, rt.key())
		require.True(t, strings.HasPrefix(rt.pattern, "/"), rt.key())
		require.False(t, seen[rt.key()], "route %s registered twice", rt.key())
		seen[rt.key()] = true
		if strings.HasPrefix(rt.pattern, "/crm/") {
			require.True(t, rt.auth, "%s must authenticate", rt.key())
			require.NotEmpty(t, rt.oasDoc, "%s must name its OpenAPI document", rt.key())
		}
	}
}

func TestRouterPrefersLiteralSegments(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, &Options{DisableOAS: true})
	for path, want := range map[string]string{
		"/crm/v8/Leads":                     "GET /crm/v8/{module}",
		"/crm/v8/Leads/search":              "GET /crm/v8/{module}/search",
		"/crm/v8/Leads/deleted":             "GET /crm/v8/{module}/deleted",
		"/crm/v8/Leads/5725767000000415001": "GET /crm/v8/{module}/{id}",
		"/crm/v8/settings/modules":          "GET /crm/v8/settings/modules",
		"/crm/v8/settings/modules/Leads":    "GET /crm/v8/settings/modules/{module}",
		"/crm/v8/users":                     "GET /crm/v8/users",
		"/crm/v8/Leads/actions/count":       "GET /crm/v8/{module}/actions/count",
	} {
		rt, _, _ := srv.router.match("GET", path)
		require.NotNil(t, rt, path)
		require.Equal(t, want, rt.key(), path)
	}
	rt, params, _ := srv.router.match("GET", "/crm/v8/Deals/42")
	require.Equal(t, "GET /crm/v8/{module}/{id}", rt.key())
	require.Equal(t, map[string]string{"module": "Deals", "id": "42"}, params)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	invalid := map[string]any{"code": "INVALID_TOKEN", "details": map[string]any{}, "message": "invalid oauth token", "status": "error"}
	for name, auth := range map[string]string{
		"missing": "",
		"unknown": "Zoho-oauthtoken 1000.nope.nope",
		"bearer":  "Bearer " + b.token, // a valid token with the wrong scheme
	} {
		r := b.callToken(auth, "GET", "/crm/v8/Contacts?fields=Last_Name", nil)
		require.Equal(t, http.StatusUnauthorized, r.status, name)
		require.Equal(t, invalid, r.body, name)
	}
	r := b.call("GET", "/crm/v8/Contacts?fields=Last_Name", nil)
	require.Equal(t, http.StatusNoContent, r.status, "a valid token on an empty module")

	b.clock.Advance(time.Hour) // lifetime over
	r = b.call("GET", "/crm/v8/Contacts?fields=Last_Name", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, invalid, r.body)

	var notes []string
	for _, c := range b.srv.CallLog() {
		notes = append(notes, c.Notes...)
	}
	require.Contains(t, strings.Join(notes, "\n"), `"Bearer" rejected`, "the call log says why")
}

func TestUnknownPathAndMethod(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{DisableOAS: true})
	r := b.call("GET", "/crm/v8/Leads/1/2/3", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, "INVALID_URL_PATTERN", r.body["code"])

	r = b.call("PATCH", "/crm/v8/Leads", map[string]any{"data": []any{}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "INVALID_REQUEST_METHOD", r.body["code"])

	r = b.call("GET", "/crm/v8/settings/layouts", nil)
	require.Equal(t, http.StatusNotFound, r.status, "an endpoint the fake lacks is not taken for a module")
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Options{
		"AccessTokenLifetime": {AccessTokenLifetime: -time.Second},
		"TokenMintLimit":      {TokenMintLimit: -1},
		"TokenMintWindow":     {TokenMintWindow: -time.Minute},
		"TokenThrottleStatus": {TokenThrottleStatus: 42},
		"OrgID":               {OrgID: "a.b"},
	} {
		_, err := Start(&o)
		require.ErrorContains(t, err, "Options."+name, name)
	}
	s, err := Start(nil)
	require.NoError(t, err, "the zero value works")
	s.Close()
}

func TestTimesInUserOffset(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	rec, err := b.srv.CRM().Put("Contacts", Record{"Last_Name": "Doe"})
	require.NoError(t, err)
	// 09:00 UTC is 14:30 at +05:30, Zoho's default-ish offset here.
	require.Equal(t, "2026-03-01T14:30:00+05:30", rec["Created_Time"])

	loc := time.FixedZone("", -4*3600)
	b2 := setup(t, &Options{TimeZone: loc})
	rec, err = b2.srv.CRM().Put("Contacts", Record{"Last_Name": "Doe"})
	require.NoError(t, err)
	require.Equal(t, "2026-03-01T05:00:00-04:00", rec["Modified_Time"])
	require.Equal(t, map[string]any{"name": "Test User", "id": b2.srv.CurrentUser().ID, "email": "test.user@example.com"}, rec["Created_By"])
}
