package zohotest

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOASValidRequestsPass(t *testing.T) {
	t.Parallel()
	RequireOAS(t)
	b := setup(t, nil)
	on, why := b.srv.ValidatesOAS()
	require.True(t, on, why)
	recs := b.seedContacts(3)
	id := recs[0]["id"].(string)
	since := b.srv.formatTime(testStart)
	for _, req := range []struct {
		method, path string
		body         any
		hdr          []string
	}{
		{"GET", "/crm/v8/Contacts?fields=Last_Name,Email&per_page=2&page=1&sort_by=Modified_Time&sort_order=asc", nil, []string{"If-Modified-Since", since}},
		{"GET", "/crm/v8/Contacts?fields=Last_Name&ids=" + id + "&converted=false&approved=true", nil, nil},
		{"GET", "/crm/v8/Contacts/" + id + "?fields=Last_Name", nil, nil},
		{"POST", "/crm/v8/Contacts", map[string]any{"data": []any{map[string]any{"Last_Name": "New", "Owner": map[string]any{"id": b.srv.CurrentUser().ID}}}, "trigger": []string{}}, nil},
		{"PUT", "/crm/v8/Contacts", map[string]any{"data": []any{map[string]any{"id": id, "Phone": "1"}}, "trigger": []string{"workflow"}}, nil},
		{"PUT", "/crm/v8/Contacts/" + id, map[string]any{"data": []any{map[string]any{"Phone": "2"}}}, nil},
		{"POST", "/crm/v8/Contacts/upsert", map[string]any{"data": []any{map[string]any{"Last_Name": "U", "Email": "u@example.com"}}, "duplicate_check_fields": []string{"Email"}}, nil},
		{"GET", "/crm/v8/Contacts/search?criteria=" + url.QueryEscape("(Last_Name:equals:New)") + "&page=1&per_page=10", nil, nil},
		{"GET", "/crm/v8/Contacts/search?email=u%40example.com", nil, nil},
		// Parameters the documents do not declare (Zoho ignores unknown ones) pass.
		{"GET", "/crm/v8/Contacts/search?word=u&sort_order=asc&zohotest_unknown=1", nil, nil},
		{"GET", "/crm/v8/Contacts/actions/count", nil, nil},
		{"POST", "/crm/v8/coql", map[string]any{"select_query": "select Last_Name from Contacts where id > 0 limit 10"}, nil},
		{"DELETE", "/crm/v8/Contacts?ids=" + recs[1]["id"].(string) + "&wf_trigger=false", nil, nil},
		{"DELETE", "/crm/v8/Contacts/" + recs[2]["id"].(string), nil, nil},
		{"GET", "/crm/v8/Contacts/deleted?type=all&page=1&per_page=200", nil, []string{"If-Modified-Since", since}},
		{"GET", "/crm/v8/settings/modules", nil, nil},
		{"GET", "/crm/v8/settings/modules/Contacts", nil, nil},
		{"GET", "/crm/v8/settings/fields?module=Contacts", nil, nil},
		{"GET", "/crm/v8/users?type=CurrentUser", nil, nil},
		{"GET", "/crm/v8/org", nil, nil},
	} {
		r := b.call(req.method, req.path, req.body, req.hdr...)
		require.NotEqual(t, "INVALID_REQUEST", r.body["code"], "%s %s: %s", req.method, req.path, r.raw)
	}
	require.Empty(t, b.srv.Violations())
}

func TestOASInvalidRequestsReported(t *testing.T) {
	t.Parallel()
	RequireOAS(t)
	b := setup(t, nil)
	for _, tc := range []struct {
		method, path string
		body         any
		reason       string
	}{
		{"PUT", "/crm/v8/Contacts", map[string]any{"data": []any{map[string]any{"id": 5725767000000415001, "Phone": "1"}}}, "request body: /data/0/id: value must be a string"},
		{"POST", "/crm/v8/Contacts", map[string]any{"data": []any{map[string]any{"Last_Name": "x"}}, "trigger": "workflow"}, "request body: /trigger: value must be an array"},
		{"GET", "/crm/v8/Contacts?fields=Last_Name&page=first", nil, `parameter "page" in query`},
		{"GET", "/crm/v8/Contacts/1/bogus/2/3", nil, "no operation in Zoho's CRM v8 OpenAPI documents matches this path"},
		{"GET", "/crm/v2/Contacts?fields=Last_Name", nil, "no operation"},
		{"POST", "/crm/v8/coql", map[string]any{"query": "select"}, `property "select_query" is missing`},
	} {
		r := b.call(tc.method, tc.path, tc.body)
		require.Equal(t, http.StatusBadRequest, r.status, "%s %s", tc.method, tc.path)
		require.Equal(t, "INVALID_REQUEST", r.body["code"], "%s %s: %s", tc.method, tc.path, r.raw)
		require.Contains(t, r.body["details"].(map[string]any)["reason"], tc.reason, "%s %s", tc.method, tc.path)
	}
	v := b.srv.TakeViolations()
	require.Len(t, v, 6)
	require.Equal(t, "record.json", v[0].Document)
	require.Equal(t, "Update Records", v[0].Operation)
	require.Contains(t, v[3].String(), "GET /crm/v8/Contacts/1/bogus/2/3: no operation")
	require.Empty(t, b.srv.Violations(), "taken")

	// An operation Zoho has but the fake lacks is not the client's fault.
	r := b.call("GET", "/crm/v8/Contacts/123/photo", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Contains(t, r.body["details"].(map[string]any)["reason"], "zohotest does not implement Get Photo (record.json)")
	require.Empty(t, b.srv.Violations())
}

// recordingTB captures what NewServer reports at cleanup.
type recordingTB struct {
	testing.TB
	cleanups []func()
	errs     []string
}

func (r *recordingTB) Helper()             {}
func (r *recordingTB) Cleanup(f func())    { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Logf(string, ...any) {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestOASViolationsFailTheTestAtCleanup(t *testing.T) {
	t.Parallel()
	RequireOAS(t)
	rec := &recordingTB{TB: t}
	srv := NewServer(rec, nil)
	b := &bundle{t: t, srv: srv, token: srv.IssueAccessToken()}
	b.call("GET", "/crm/v8/Contacts?fields=Last_Name&per_page=many", nil)
	require.Empty(t, rec.errs)
	for _, f := range rec.cleanups {
		f()
	}
	require.Len(t, rec.errs, 1)
	require.Contains(t, rec.errs[0], "1 request(s) did not match")
	require.Contains(t, rec.errs[0], "GET /crm/v8/Contacts?fields=Last_Name&per_page=many")
	require.Contains(t, rec.errs[0], `parameter "per_page" in query`)
}

func TestOASDirectory(t *testing.T) {
	// Not parallel: it sets an environment variable.
	dir := t.TempDir()
	t.Setenv(OASEnv, dir)
	require.Equal(t, dir, OASDir())
	_, err := Start(nil)
	require.ErrorContains(t, err, "no OpenAPI document loaded", "a directory without documents is an error, not silence")

	t.Setenv(OASEnv, filepath.Join(dir, "missing"))
	srv := NewServer(t, nil)
	on, why := srv.ValidatesOAS()
	require.False(t, on)
	require.Contains(t, why, "not found")

	t.Setenv(OASEnv, "")
	wd, err := os.Getwd()
	require.NoError(t, err)
	if d := OASDir(); d != "" {
		require.True(t, strings.HasPrefix(wd, filepath.Dir(filepath.Dir(filepath.Dir(d)))), "found from the module root: %s", d)
		require.True(t, strings.HasSuffix(d, filepath.Join("shared", "zoho-oas", "crm-v8")))
	}
	srv = NewServer(t, &Options{DisableOAS: true})
	on, why = srv.ValidatesOAS()
	require.False(t, on)
	require.Equal(t, "disabled by Options.DisableOAS", why)
}

func TestOASLoadCost(t *testing.T) {
	t.Parallel()
	RequireOAS(t)
	set, err := loadOAS(OASDir())
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(set.routers), 100)
	require.Contains(t, set.skipped, "notes.json", "Zoho's notes.json refers to a parameter it does not define")
	t.Logf("loaded %d documents in %v (once per process); skipped: %v", len(set.routers), set.loadTime, set.skipped)
}
