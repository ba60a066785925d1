package zohotest

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestProjectsWire(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{DisableOAS: true})
	fake := b.srv.Projects()
	portal := fake.PortalID()
	pr, err := fake.AddProject("", Record{"name": "Relaunch"})
	require.NoError(t, err)
	pid := pr["id"].(string)
	for _, n := range []string{"A", "B", "C"} {
		_, err := fake.AddTask(portal, pid, Record{"name": n})
		require.NoError(t, err)
	}
	base := "/api/v3/portal/" + portal + "/projects"

	status, raw := projRaw(t, b, base)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, byte('['), raw[0], "the project list is a bare array")

	r := b.call("GET", base+"/"+pid+"/tasks?per_page=2", nil)
	require.Len(t, r.body["tasks"], 2)
	require.Equal(t, map[string]any{"page": float64(1), "per_page": float64(2), "has_next_page": true}, r.body["page_info"])
	task := r.body["tasks"].([]any)[0].(map[string]any)
	require.Equal(t, "Open", task["status"].(map[string]any)["name"])

	r = b.call("PATCH", base+"/"+pid+"/tasks/"+task["id"].(string), map[string]any{"status": map[string]any{"name": "in progress"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, "In Progress", r.body["status"].(map[string]any)["name"])
	r = b.call("PATCH", base+"/"+pid+"/tasks/"+task["id"].(string), map[string]any{"status": map[string]any{"id": "1"}})
	require.Equal(t, http.StatusBadRequest, r.status)

	r = b.call("GET", base+"/404", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, "RESOURCE_NOT_FOUND", r.body["error"].(map[string]any)["title"])

	r = b.callToken("", "GET", base+"/"+pid, nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
}

func TestProjectsThrottleLocksOutForThirtyMinutes(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{DisableOAS: true})
	fake := b.srv.Projects()
	pr, err := fake.AddProject("", Record{"name": "P"})
	require.NoError(t, err)
	one := "/api/v3/portal/" + fake.PortalID() + "/projects/" + pr["id"].(string)
	for i := range 100 {
		r := b.call("GET", one, nil)
		require.Equal(t, http.StatusOK, r.status, i)
		b.clock.Advance(time.Second)
	}
	require.Zero(t, fake.LockOuts())
	r := b.call("GET", one, nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	e := r.body["error"].(map[string]any)
	require.Equal(t, "URL_ROLLING_THROTTLES_LIMIT_EXCEEDED", e["title"])
	require.Equal(t, "1800", r.header.Get("Retry-After"))
	require.Equal(t, 1, fake.LockOuts())

	b.clock.Advance(5 * time.Minute) // the 2-minute window has passed, the lock-out has not
	status, _ := projRaw(t, b, "/api/v3/portals")
	require.Equal(t, http.StatusTooManyRequests, status, "every call is locked out")
	r = b.call("GET", one, nil)
	require.Equal(t, http.StatusTooManyRequests, r.status, "every call is locked out")
	require.Equal(t, "1500", r.header.Get("Retry-After"))
	locked, until := fake.LockedOut()
	require.True(t, locked)

	b.clock.Set(until)
	b.token = b.srv.IssueAccessToken() // the old one expired meanwhile
	r = b.call("GET", one, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, 1, fake.LockOuts())
}

// projRaw GETs path and returns the status and the raw body (Projects
// answers some lists as bare arrays).
func projRaw(t *testing.T, b *bundle, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", b.srv.URL()+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+b.token)
	resp, err := b.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}
