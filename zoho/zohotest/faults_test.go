package zohotest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFaultScript(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.seedContacts(1)
	require.NoError(t, b.srv.Script("GET /crm/v8/Contacts", TooManyRequests(), ServerError(503), Pass(), ServerError(0)))
	list := "/crm/v8/Contacts?fields=Last_Name"

	r := b.call("GET", list, nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Equal(t, map[string]any{"code": "TOO_MANY_REQUESTS", "details": map[string]any{}, "status": "error",
		"message": "Number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for the app is exceeded."}, r.body)
	r = b.call("GET", list, nil)
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.Equal(t, "INTERNAL_ERROR", r.body["code"])
	require.Equal(t, http.StatusOK, b.call("GET", list, nil).status)
	require.Equal(t, http.StatusInternalServerError, b.call("GET", list, nil).status)
	require.Equal(t, http.StatusOK, b.call("GET", list, nil).status, "the script is over")
	require.Equal(t, http.StatusNoContent, b.call("GET", "/crm/v8/Leads?fields=Last_Name", nil).status, "other modules untouched")

	log := b.srv.CallLog()
	require.Equal(t, "429 TOO_MANY_REQUESTS", log[0].Fault)
	require.Equal(t, "", log[2].Fault)
	require.Equal(t, 2, b.srv.CallsWithStatus("GET /crm/v8/{module}", http.StatusOK))
	require.Equal(t, 5, b.srv.Calls("GET /crm/v8/Contacts"))
	require.Equal(t, 6, b.srv.Calls("GET /crm/v8/{module}"))
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	t.Parallel()
	pattern := func(seed uint64) []int {
		b := setup(t, &Options{FaultSeed: seed})
		require.NoError(t, b.srv.AddFault(FaultRule{Route: "GET /crm/v8/{module}", Fault: ServerError(500), Probability: 0.3}))
		var got []int
		for range 40 {
			got = append(got, b.call("GET", "/crm/v8/Leads?fields=Last_Name", nil).status)
		}
		return got
	}
	a, again, other := pattern(7), pattern(7), pattern(8)
	require.Equal(t, a, again, "same seed, same faults")
	require.NotEqual(t, a, other)
	n := 0
	for _, s := range a {
		if s == 500 {
			n++
		}
	}
	require.InDelta(t, 12, n, 8, "about 30%% of 40")
}

func TestFaultTimesAndSkip(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.AddFault(FaultRule{Route: "GET /crm/v8/org", Fault: ServerError(502), Times: 2, Skip: 1}))
	var got []int
	for range 4 {
		got = append(got, b.call("GET", "/crm/v8/org", nil).status)
	}
	require.Equal(t, []int{200, 502, 502, 200}, got)
	b.srv.ClearFaults()

	for _, bad := range []FaultRule{
		{Route: "GET crm", Fault: TooManyRequests()},
		{Route: "GET /x"},
		{Route: "GET /x", Fault: TooManyRequests(), Script: []Fault{Pass()}},
		{Route: "GET /x", Fault: TooManyRequests(), Probability: 2},
		{Route: "GET /x", Fault: ServerError(404)},
		{Route: "GET /x", Fault: Slow(0)},
	} {
		require.Error(t, b.srv.AddFault(bad), "%+v", bad)
	}
}

func TestFaultSlowRespectsCancellation(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.Script("GET /crm/v8/org", Slow(time.Hour), Slow(time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.srv.URL()+"/crm/v8/org", nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+b.token)
	_, err := b.srv.Client().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the client's own timeout fires; the server does not hold it for an hour")
	require.Equal(t, http.StatusOK, b.call("GET", "/crm/v8/org", nil).status, "slow, then served")
}

func TestFaultDropConnection(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.Script("POST /crm/v8/Contacts", DropConnection()))
	req, _ := http.NewRequest("POST", b.srv.URL()+"/crm/v8/Contacts", strings.NewReader(`{"data":[{"Last_Name":"Doe"}]}`))
	req.Header.Set("Authorization", "Zoho-oauthtoken "+b.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "the client sees a broken connection, not an answer")
	require.Equal(t, 0, b.srv.CallLog()[0].Status)
	require.Equal(t, "dropped connection", b.srv.CallLog()[0].Fault)
	require.Equal(t, 0, b.srv.CRM().Count("Contacts"))
}

func TestFaultExpireToken(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.Script("GET /crm/v8/{module}", Pass(), ExpireToken()))
	list := "/crm/v8/Leads?fields=Last_Name"
	require.Equal(t, http.StatusNoContent, b.call("GET", list, nil).status)
	r := b.call("GET", list, nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, "INVALID_TOKEN", r.body["code"])
	require.Equal(t, http.StatusUnauthorized, b.call("GET", "/crm/v8/org", nil).status, "the token stays dead")

	b.token = b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken())).body["access_token"].(string)
	require.Equal(t, http.StatusNoContent, b.call("GET", list, nil).status, "a refreshed token works")
}

func TestFaultRecordFailure(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.Script("POST /crm/v8/{module}/upsert",
		FailRecord(RecordFailure{Index: 1, Code: "RECORD_LOCKED", Message: "the record is locked"})))
	r := b.call("POST", "/crm/v8/Contacts/upsert", map[string]any{"data": []any{
		map[string]any{"Last_Name": "A"}, map[string]any{"Last_Name": "B"}, map[string]any{"Last_Name": "C"}}})
	require.Equal(t, http.StatusMultiStatus, r.status)
	d := r.data(t)
	require.Equal(t, "SUCCESS", d[0]["code"])
	require.Equal(t, map[string]any{"code": "RECORD_LOCKED", "details": map[string]any{}, "message": "the record is locked", "status": "error"}, d[1])
	require.Equal(t, "SUCCESS", d[2]["code"])
	require.Equal(t, 2, b.srv.CRM().Count("Contacts"))
}

func TestFaultOnTokenEndpointAndRespond(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.Script("POST /oauth/v2/token", TooManyRequests(), Respond(http.StatusBadGateway, "<html>bad gateway</html>")))
	r := b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken()))
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "Access Denied", r.body["error"], "the accounts server throttles its own way")

	resp, err := b.srv.Client().PostForm(b.srv.URL()+"/oauth/v2/token", refreshForm(b, b.srv.RefreshToken()))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusBadGateway, resp.StatusCode)
	require.Equal(t, "<html>bad gateway</html>", string(body))
	require.NotEmpty(t, b.form("/oauth/v2/token", refreshForm(b, b.srv.RefreshToken())).body["access_token"])
}
