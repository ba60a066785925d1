package zohotest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// upload posts a multipart "file" to the upload endpoint with the given
// headers (name/value pairs).
func (b *bundle) upload(file []byte, hdr ...string) response {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "Leads.zip")
	require.NoError(b.t, err)
	_, _ = fw.Write(file)
	require.NoError(b.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.srv.URL()+"/crm/v8/upload", &buf)
	require.NoError(b.t, err)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+b.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.srv.Client().Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, raw: raw}
	require.NoError(b.t, decodeJSON(raw, &r.body), "%s", raw)
	return r
}

func zipCSV(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create("Leads.csv")
	require.NoError(t, err)
	cw := csv.NewWriter(f)
	require.NoError(t, cw.WriteAll(rows))
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestUploadChecksHeadersAndFormat(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	file := zipCSV(t, [][]string{{"Last_Name"}, {"A"}})
	org := b.srv.OrgID()

	r := b.upload(file, "X-CRM-ORG", org)
	require.Equal(t, http.StatusBadRequest, r.status, "no feature header")
	require.Equal(t, "check if headers [feature, X-CRM-ORG] are present and valid", r.body["x-error"])
	r = b.upload(file, "feature", "bulk-write")
	require.Equal(t, http.StatusBadRequest, r.status, "no X-CRM-ORG header")
	r = b.upload(file, "feature", "bulk-write", "X-CRM-ORG", "123")
	require.Equal(t, http.StatusBadRequest, r.status, "another organisation")
	r = b.upload(file, "feature", "bulk-read", "X-CRM-ORG", org)
	require.Equal(t, http.StatusOK, r.status, "Zoho answers an unknown feature with 200 and an error body")
	require.Equal(t, "NOT_SUPPORTED_FEATURE", r.body["code"])
	r = b.upload([]byte("Last_Name\nA\n"), "feature", "bulk-write", "X-CRM-ORG", org)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "INVALID_FILE_FORMAT", r.body["code"])
	r = b.upload(file, "feature", "bulk-write", "X-CRM-ORG", org)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "FILE_UPLOAD_SUCCESS", r.body["code"])
	require.NotEmpty(t, r.body["details"].(map[string]any)["file_id"])
	require.Empty(t, b.srv.Violations(), "the upload validates, with the document's file-part defect waived")
}

func TestBulkJobStatesOnTheClock(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.CRM().SetBulkOptions(BulkOptions{CompleteAtPoll: 100, Duration: 5 * time.Minute}))
	b.seedContacts(3)
	r := b.call("POST", "/crm/bulk/v8/read", map[string]any{"query": map[string]any{"module": map[string]any{"api_name": "Contacts"}, "fields": []string{"Last_Name"}, "page": 1}, "file_type": "csv"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	det := r.data(t)[0]["details"].(map[string]any)
	require.Equal(t, "ADDED", det["state"])
	id := det["id"].(string)

	state := func() string {
		r := b.call("GET", "/crm/bulk/v8/read/"+id, nil)
		require.Equal(t, http.StatusOK, r.status)
		return r.data(t)[0]["state"].(string)
	}
	require.Equal(t, "IN PROGRESS", state())
	r = b.call("GET", "/crm/bulk/v8/read/"+id+"/result", nil)
	require.Equal(t, http.StatusBadRequest, r.status, "no result before completion")
	b.clock.Advance(5 * time.Minute)
	require.Equal(t, "COMPLETED", state())
	require.Equal(t, []BulkJob{{ID: id, Kind: "read", Module: "Contacts", State: "COMPLETED", Polls: 2, Created: testStart}}, b.srv.CRM().BulkJobs())
}

func TestBulkFilesRemovedOnClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, err := Start(&Options{DisableOAS: true})
	require.NoError(t, err)
	require.NoError(t, srv.CRM().SetBulkOptions(BulkOptions{CompleteAtPoll: 1, TempDir: dir}))
	_, err = srv.CRM().Put("Leads", Record{"Last_Name": "A"})
	require.NoError(t, err)
	tok := srv.IssueAccessToken()
	req, _ := http.NewRequest("POST", srv.URL()+"/crm/bulk/v8/read", bytes.NewReader([]byte(`{"query":{"module":{"api_name":"Leads"}}}`)))
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.NoError(t, srv.CRM().CompleteBulkJobs())
	entries, _ := filepath.Glob(filepath.Join(dir, "zohotest-bulk-*", "*.zip"))
	require.Len(t, entries, 1, "the export's zip")
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		left, _ := os.ReadDir(dir)
		if len(left) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("bulk files left after Close: %v", left)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestBulkOASDefectsWaivedOthersNot(t *testing.T) {
	t.Parallel()
	RequireOAS(t)
	b := setup(t, nil)
	// Zoho's documented shape: module by api_name, no cvid, criteria values
	// as strings: every complaint is a waived defect of bulk_read.json.
	r := b.call("POST", "/crm/bulk/v8/read", map[string]any{
		"query": map[string]any{"module": map[string]any{"api_name": "Contacts"}, "fields": []string{"Last_Name"}, "page": 1,
			"criteria": map[string]any{"field": map[string]any{"api_name": "Last_Name"}, "comparator": "equal", "value": "Doe"}},
		"file_type": "csv"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	require.Empty(t, b.srv.Violations())
	// Anything else is still checked.
	r = b.call("POST", "/crm/bulk/v8/read", map[string]any{"query": map[string]any{"module": map[string]any{"api_name": "Contacts"}, "fields": []string{"Last_Name"}, "page": 1}, "file_type": "xlsx"})
	require.Equal(t, http.StatusBadRequest, r.status)
	v := b.srv.TakeViolations()
	require.Len(t, v, 1)
	require.Contains(t, v[0].Reason, "/file_type")
	r = b.call("POST", "/crm/v8/actions/watch", map[string]any{"watch": []any{map[string]any{"channel_id": 1, "events": "Deals.edit", "notify_url": "https://example.com"}}})
	require.Equal(t, http.StatusBadRequest, r.status)
	v = b.srv.TakeViolations()
	require.Len(t, v, 1)
	require.Contains(t, v[0].Reason, "/watch/0/events")
	require.NotContains(t, v[0].Reason, "channel_id", "the channel_id defect is waived")
}

func TestWatchAPIAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.call("POST", "/crm/v8/actions/watch", map[string]any{"watch": []any{
		map[string]any{"channel_id": 1, "events": []string{"Deals.edit"}, "notify_url": "https://example.com/a",
			"channel_expiry": b.clock.Now().Add(30 * 24 * time.Hour).Format(time.RFC3339)},
		map[string]any{"channel_id": 2, "events": []string{"Nope.edit"}, "notify_url": "https://example.com/b"},
	}})
	require.Equal(t, http.StatusAccepted, r.status, "a refused channel makes it 202")
	list := r.body["watch"].([]any)
	require.Equal(t, "SUCCESS", list[0].(map[string]any)["code"])
	require.Equal(t, "INVALID_DATA", list[1].(map[string]any)["code"])
	chs := b.srv.CRM().Channels()
	require.Len(t, chs, 1)
	require.Equal(t, testStart.Add(time.Hour), chs[0].Expiry, "beyond a week, Zoho's one-hour default")

	r = b.call("PATCH", "/crm/v8/actions/watch", map[string]any{"watch": []any{map[string]any{"channel_id": 9, "channel_expiry": b.clock.Now().Add(time.Hour).Format(time.RFC3339)}}})
	require.Equal(t, http.StatusAccepted, r.status)
	require.Equal(t, "NOT_SUBSCRIBED", r.body["watch"].([]any)[0].(map[string]any)["code"])
	b.clock.Advance(2 * time.Hour)
	b.token = b.srv.IssueAccessToken() // the old one expired too
	r = b.call("GET", "/crm/v8/actions/watch", nil)
	require.Equal(t, http.StatusNoContent, r.status, "expired channels are not listed")
}

func TestAddedFieldsAreCustom(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.CRM().AddFields("Contacts", Field{APIName: "Loyalty_Tier"}))
	r := b.call("GET", "/crm/v8/settings/fields?module=Contacts", nil)
	custom := map[string]bool{}
	for _, f := range r.body["fields"].([]any) {
		m := f.(map[string]any)
		custom[m["api_name"].(string)] = m["custom_field"].(bool)
	}
	require.True(t, custom["Loyalty_Tier"], "a field added to a standard module is custom")
	require.False(t, custom["Last_Name"])
	require.False(t, custom["Created_Time"])
}
