package zohotest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestListRequiresFields(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.call("GET", "/crm/v8/Contacts", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, map[string]any{"code": "REQUIRED_PARAM_MISSING", "details": map[string]any{"param_name": "fields"},
		"message": "One of the expected parameter is missing", "status": "error"}, r.body)

	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("F%d", i)
	}
	r = b.call("GET", "/crm/v8/Contacts?fields="+strings.Join(many, ","), nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "LIMIT_EXCEEDED", r.body["code"], "%s", r.raw)

	r = b.call("GET", "/crm/v8/Nope?fields=Last_Name", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "INVALID_MODULE", r.body["code"])
}

func TestListParamsValidated(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.seedContacts(3)
	for q, param := range map[string]string{
		"per_page=201":           "per_page",
		"per_page=0":             "per_page",
		"page=0":                 "page",
		"sort_by=Last_Name":      "sort_by",
		"sort_order=up":          "sort_order",
		"converted=maybe":        "converted",
		"page=1&page_token=abcd": "page",
		"page_token=abcd":        "page_token",
	} {
		r := b.call("GET", "/crm/v8/Contacts?fields=Last_Name&"+q, nil)
		require.Equal(t, http.StatusBadRequest, r.status, q)
		require.Equal(t, "INVALID_DATA", r.body["code"], q)
		require.Equal(t, param, r.body["details"].(map[string]any)["param_name"], q)
	}
	r := b.call("GET", "/crm/v8/Contacts?fields=Last_Name", nil, "If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT")
	require.Equal(t, http.StatusBadRequest, r.status, "If-Modified-Since must be ISO 8601; %s", r.raw)
	b.srv.TakeViolations() // the documents also say date-time
}

func TestListFiveThousandRecords(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.seedContacts(5000)
	var ids []string
	var token string
	for page := 1; ; page++ {
		r := b.call("GET", fmt.Sprintf("/crm/v8/Contacts?fields=Last_Name,Email&per_page=200&page=%d", page), nil)
		if page == 11 {
			require.Equal(t, http.StatusBadRequest, r.status)
			require.Equal(t, map[string]any{"code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "details": map[string]any{"limit": float64(2000)},
				"message": "You can only get the first 2000 records without using page_token param", "status": "error"}, r.body)
			break
		}
		require.Equal(t, http.StatusOK, r.status, "page %d", page)
		info := r.info(t)
		require.Equal(t, float64(page), info["page"])
		require.Equal(t, float64(200), info["count"])
		require.Equal(t, true, info["more_records"])
		require.Equal(t, "id", info["sort_by"])
		require.Equal(t, "desc", info["sort_order"])
		require.NotEmpty(t, info["page_token_expiry"])
		token = info["next_page_token"].(string)
		for _, d := range r.data(t) {
			ids = append(ids, d["id"].(string))
			require.Contains(t, d, "Email")
		}
	}
	require.Len(t, ids, 2000)
	for {
		r := b.call("GET", "/crm/v8/Contacts?fields=Last_Name&per_page=200&page_token="+url.QueryEscape(token), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		for _, d := range r.data(t) {
			ids = append(ids, d["id"].(string))
		}
		info := r.info(t)
		if info["more_records"] == false {
			require.Nil(t, info["next_page_token"])
			break
		}
		token = info["next_page_token"].(string)
	}
	require.Len(t, ids, 5000)
	require.True(t, slices.IsSortedFunc(ids, func(a, b string) int { return compareIDs(b, a) }), "newest id first")
	slices.Sort(ids)
	require.Len(t, slices.Compact(ids), 5000, "no record twice")
	require.Equal(t, 10+1+15, b.srv.Calls("GET /crm/v8/{module}"))
}

func TestPageTokenSurvivesConcurrentInserts(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	seeded := b.seedContacts(450)
	r := b.call("GET", "/crm/v8/Contacts?fields=Last_Name&per_page=200", nil)
	seen := map[string]bool{}
	for _, d := range r.data(t) {
		seen[d["id"].(string)] = true
	}
	b.seedContacts(30) // newer records land before the first page of an id-desc listing
	_, err := b.srv.CRM().PutMany("Contacts", nil)
	require.NoError(t, err)
	token := r.info(t)["next_page_token"].(string)
	for token != "" {
		r = b.call("GET", "/crm/v8/Contacts?fields=Last_Name&per_page=200&page_token="+url.QueryEscape(token), nil)
		for _, d := range r.data(t) {
			require.False(t, seen[d["id"].(string)], "a record came twice")
			seen[d["id"].(string)] = true
		}
		token, _ = r.info(t)["next_page_token"].(string)
	}
	for _, rec := range seeded {
		require.True(t, seen[rec["id"].(string)], "record %s missed", rec["id"])
	}
	require.Len(t, seen, 450)
}

func TestListEmptyAndIfModifiedSince(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.call("GET", "/crm/v8/Contacts?fields=Last_Name", nil)
	require.Equal(t, http.StatusNoContent, r.status)
	require.Empty(t, r.raw, "204 has an empty body")

	recs := b.seedContacts(3)
	since := b.clock.Now()
	b.clock.Advance(time.Minute)
	_, err := b.srv.CRM().Update("Contacts", recs[1]["id"].(string), Record{"Phone": "+1 555 0100"})
	require.NoError(t, err)

	// The header carries the user's offset; the comparison is by instant.
	ims := since.In(time.FixedZone("", -7*3600)).Format(time.RFC3339)
	r = b.call("GET", "/crm/v8/Contacts?fields=Last_Name,Phone", nil, "If-Modified-Since", ims)
	require.Equal(t, http.StatusOK, r.status)
	data := r.data(t)
	require.Len(t, data, 1, "only the record modified after")
	require.Equal(t, recs[1]["id"], data[0]["id"])
	require.Equal(t, "+1 555 0100", data[0]["Phone"])

	r = b.call("GET", "/crm/v8/Contacts?fields=Last_Name", nil, "If-Modified-Since", b.srv.formatTime(b.clock.Now()))
	require.Equal(t, http.StatusNotModified, r.status)
	require.Empty(t, r.raw)

	r = b.call("GET", "/crm/v8/Contacts?fields=Last_Name&page=2", nil)
	require.Equal(t, http.StatusNoContent, r.status, "a page past the end")
}

func TestListSortFieldsAndIDs(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	recs := b.seedContacts(3)
	b.clock.Advance(time.Minute)
	_, err := b.srv.CRM().Update("Contacts", recs[0]["id"].(string), Record{"First_Name": "Ann"})
	require.NoError(t, err)

	r := b.call("GET", "/crm/v8/Contacts?fields=Full_Name,Owner,Nope&sort_by=Modified_Time&sort_order=asc", nil)
	require.Equal(t, http.StatusOK, r.status)
	data := r.data(t)
	require.Equal(t, []any{recs[1]["id"], recs[2]["id"], recs[0]["id"]}, []any{data[0]["id"], data[1]["id"], data[2]["id"]})
	require.Equal(t, "Ann Contact-00000", data[2]["Full_Name"], "Full_Name is computed")
	require.Equal(t, map[string]any{"id": data[2]["id"], "Full_Name": "Ann Contact-00000", "Owner": map[string]any{
		"name": "Test User", "id": b.srv.CurrentUser().ID, "email": "test.user@example.com"}}, data[2], "requested fields only, unknown ones dropped")
	info := r.info(t)
	require.Equal(t, "Modified_Time", info["sort_by"])
	require.Equal(t, "asc", info["sort_order"])

	r = b.call("GET", "/crm/v8/Contacts?fields=Email&ids="+recs[2]["id"].(string)+","+recs[0]["id"].(string), nil)
	require.Len(t, r.data(t), 2)
	require.Nil(t, r.data(t)[0]["Mobile"], "not requested")
	r = b.call("GET", "/crm/v8/Contacts?fields=Email,Mobile&ids=1", nil)
	require.Equal(t, http.StatusNoContent, r.status)
}

func TestGetRecord(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	acc, err := b.srv.CRM().Put("Accounts", Record{"Account_Name": "Zylker"})
	require.NoError(t, err)
	con, err := b.srv.CRM().Put("Contacts", Record{"Last_Name": "Doe", "Account_Name": map[string]any{"id": acc["id"]}})
	require.NoError(t, err)

	r := b.call("GET", "/crm/v8/Contacts/"+con["id"].(string), nil)
	require.Equal(t, http.StatusOK, r.status)
	d := r.data(t)[0]
	require.Equal(t, map[string]any{"name": "Zylker", "id": acc["id"]}, d["Account_Name"], "lookups are {name,id}")
	require.Contains(t, d, "Email", "every field, null when empty")
	require.Nil(t, d["Email"])
	require.Regexp(t, `^\d{19}$`, d["id"])

	r = b.call("GET", "/crm/v8/Contacts/"+con["id"].(string)+"?fields=Last_Name", nil)
	require.Equal(t, map[string]any{"id": con["id"], "Last_Name": "Doe"}, r.data(t)[0])

	r = b.call("GET", "/crm/v8/Contacts/1234567890123456789", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "INVALID_DATA", r.body["code"])
	require.Equal(t, "the id given seems to be invalid", r.body["message"])

	r = b.call("GET", "/crm/v8/Contacts/"+con["id"].(string), nil, "If-Modified-Since", b.srv.formatTime(b.clock.Now()))
	require.Equal(t, http.StatusNotModified, r.status)
}

func TestDeletedRecords(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	recs := b.seedContacts(3)
	r := b.call("GET", "/crm/v8/Contacts/deleted?type=all", nil)
	require.Equal(t, http.StatusNoContent, r.status)

	b.clock.Advance(time.Minute)
	require.Equal(t, http.StatusOK, b.call("DELETE", "/crm/v8/Contacts/"+recs[0]["id"].(string), nil).status)
	mark := b.clock.Now()
	b.clock.Advance(time.Minute)
	require.NoError(t, b.srv.CRM().Delete("Contacts", recs[1]["id"].(string)))

	r = b.call("GET", "/crm/v8/Contacts/deleted?type=all&per_page=1", nil)
	require.Equal(t, http.StatusOK, r.status)
	d := r.data(t)[0]
	require.Equal(t, recs[1]["id"], d["id"], "newest deletion first")
	require.Equal(t, "Contact-00001", d["display_name"])
	require.Equal(t, "recycle", d["type"])
	require.Equal(t, b.srv.formatTime(b.clock.Now()), d["deleted_time"])
	require.Equal(t, "Test User", d["deleted_by"].(map[string]any)["name"])
	require.Equal(t, true, r.info(t)["more_records"])

	r = b.call("GET", "/crm/v8/Contacts/deleted?type=all", nil, "If-Modified-Since", b.srv.formatTime(mark))
	require.Len(t, r.data(t), 1)
	r = b.call("GET", "/crm/v8/Contacts/deleted", nil, "If-Modified-Since", b.srv.formatTime(b.clock.Now()))
	require.Equal(t, http.StatusNotModified, r.status)

	require.NoError(t, b.srv.CRM().EmptyRecycleBin("Contacts"))
	require.Equal(t, http.StatusNoContent, b.call("GET", "/crm/v8/Contacts/deleted?type=recycle", nil).status)
	require.Len(t, b.call("GET", "/crm/v8/Contacts/deleted?type=permanent", nil).data(t), 2)
	require.Equal(t, 1, b.srv.CRM().Count("Contacts"))
	r = b.call("GET", "/crm/v8/Contacts/deleted?type=gone", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
}

func TestRecordCount(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.seedContacts(12)
	r := b.call("GET", "/crm/v8/Contacts/actions/count", nil)
	require.Equal(t, map[string]any{"count": float64(12)}, r.body)
	r = b.call("GET", "/crm/v8/Contacts/actions/count?criteria="+url.QueryEscape("(Last_Name:starts_with:Contact-0000)"), nil)
	require.Equal(t, map[string]any{"count": float64(10)}, r.body)
}
