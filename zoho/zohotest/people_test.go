package zohotest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPeopleWire(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{DisableOAS: true})
	fake := b.srv.People()
	id, err := fake.AddRecord("employee", Record{"EmployeeID": "E1", "FirstName": "Ada", "LastName": "L", "EmailID": "ada@x.example"})
	require.NoError(t, err)

	r := b.call("GET", "/people/api/forms/employee/getRecords?sIndex=1&limit=10", nil)
	require.Equal(t, http.StatusOK, r.status)
	resp := r.body["response"].(map[string]any)
	require.Equal(t, float64(0), resp["status"])
	require.Equal(t, "/api/forms/employee/getRecords", resp["uri"])
	entry := resp["result"].([]any)[0].(map[string]any)
	rec := entry[id].([]any)[0].(map[string]any)
	require.Equal(t, "Ada", rec["FirstName"])
	require.Regexp(t, `^\d{13}$`, rec["ModifiedTime"])

	r = b.call("GET", "/people/api/forms/employee/getRecords?sIndex=2&limit=10", nil)
	require.Equal(t, http.StatusOK, r.status, "People reports errors with HTTP 200")
	resp = r.body["response"].(map[string]any)
	require.Equal(t, float64(1), resp["status"])
	require.Equal(t, map[string]any{"code": float64(7024), "message": "No records found"}, resp["errors"])

	r = b.call("GET", "/people/api/forms/employee/getRecords?limit=201", nil)
	require.Equal(t, float64(7021), r.body["response"].(map[string]any)["errors"].(map[string]any)["code"])
	r = b.call("GET", "/people/api/forms/nope/getRecords", nil)
	require.Equal(t, float64(7011), r.body["response"].(map[string]any)["errors"].(map[string]any)["code"])

	// inputData in the query, as Zoho's documentation shows it.
	in := url.Values{"inputData": {`{"EmployeeID":"E2","FirstName":"Grace","LastName":"H","EmailID":"g@x.example"}`}}
	r = b.call("POST", "/people/api/forms/json/employee/insertRecord?"+in.Encode(), nil)
	pk := r.body["response"].(map[string]any)["result"].(map[string]any)["pkId"].(string)
	got, ok := fake.Record("employee", pk)
	require.True(t, ok)
	require.Equal(t, "Grace", got["FirstName"])

	b.clock.Advance(time.Minute)
	in = url.Values{"inputData": {`{"LastName":"Hopper"}`}, "recordId": {pk}}
	r = b.call("POST", "/people/api/forms/json/employee/updateRecord", in.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, float64(0), r.body["response"].(map[string]any)["status"], "%s", r.raw)
	got, _ = fake.Record("employee", pk)
	require.Equal(t, "Hopper", got["LastName"])
	require.True(t, strings.HasPrefix(got["AddedTime"].(string), "01-Mar-2026"))
}

func TestPeopleDailyLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{DisableOAS: true})
	b.srv.People().SetDailyLimit(2)
	for range 2 {
		r := b.call("GET", "/people/api/forms/employee/getRecords", nil)
		require.Equal(t, http.StatusOK, r.status)
	}
	r := b.call("GET", "/people/api/forms/employee/getRecords", nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	b.clock.Advance(24 * time.Hour)
	b.token = b.srv.IssueAccessToken() // the old one expired meanwhile
	r = b.call("GET", "/people/api/forms/employee/getRecords", nil)
	require.Equal(t, http.StatusOK, r.status, "a new day")
}
