package crm_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func TestListCrossesTwoThousandWithPageToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seeded := b.seedContacts(5000)

	var pages []crm.PageInfo
	var ids []string
	for rec, err := range b.c.Records.List(t.Context(), "Contacts", &crm.ListOptions{
		Fields: []string{"Last_Name", "Email"}, SortBy: crm.SortByID, SortOrder: crm.SortAsc,
		OnPage: func(p crm.PageInfo) { pages = append(pages, p) },
	}) {
		require.NoError(t, err)
		ids = append(ids, rec.ID())
	}

	require.Len(t, ids, 5000)
	for i, r := range seeded {
		require.Equal(t, r["id"], ids[i], "record %d out of order or missing", i)
	}
	// 25 pages of 200: pages 1..10 by number (the first 2,000 records), the
	// other 15 with page_token.
	qs := b.queries(http.MethodGet, "/crm/v8/Contacts")
	require.Len(t, qs, 25)
	for i, q := range qs {
		if i < 10 {
			require.Equal(t, strconv.Itoa(i+1), q.Get("page"), "call %d", i)
			require.False(t, q.Has("page_token"), "call %d", i)
		} else {
			require.False(t, q.Has("page"), "call %d", i)
			require.NotEmpty(t, q.Get("page_token"), "call %d", i)
		}
		require.Equal(t, "Last_Name,Email", q.Get("fields"))
		require.Equal(t, "200", q.Get("per_page"))
	}
	require.Len(t, pages, 25)
	require.True(t, pages[0].MoreRecords)
	require.False(t, pages[24].MoreRecords)
	require.Equal(t, http.StatusOK, pages[24].Response.StatusCode)
}

func TestListNotModifiedAndEmpty(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedContacts(3)
	opts := &crm.ListOptions{Fields: []string{"Last_Name"}}

	// Nothing modified since an hour from now: Zoho answers 304, the list
	// yields nothing, and the page says why.
	opts.ModifiedSince = time.Now().Add(time.Hour).In(ist)
	require.Empty(t, collect(t, b.c.Records.List(t.Context(), "Contacts", opts)))
	pages := collect(t, b.c.Records.Pages(t.Context(), "Contacts", opts))
	require.Len(t, pages, 1)
	require.True(t, pages[0].NotModified)
	require.Equal(t, http.StatusNotModified, pages[0].Response.StatusCode)
	require.Empty(t, pages[0].Records)
	require.Equal(t, 2, b.srv.CallsWithStatus("GET /crm/v8/Contacts", http.StatusNotModified))

	// Modified since an hour ago: all three.
	opts.ModifiedSince = time.Now().Add(-time.Hour).In(ist)
	require.Len(t, collect(t, b.c.Records.List(t.Context(), "Contacts", opts)), 3)

	// An empty module: 204, nothing yielded, no error, not "not modified".
	require.Empty(t, collect(t, b.c.Records.List(t.Context(), "Deals", &crm.ListOptions{Fields: []string{"Deal_Name"}})))
	pages = collect(t, b.c.Records.Pages(t.Context(), "Deals", &crm.ListOptions{Fields: []string{"Deal_Name"}}))
	require.Len(t, pages, 1)
	require.False(t, pages[0].NotModified)
	require.Equal(t, http.StatusNoContent, pages[0].Response.StatusCode)
}

func TestListOptionsAreValidatedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	b := setup(t)
	many := make([]string, 51)
	for i := range many {
		many[i] = "F" + strconv.Itoa(i)
	}
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = strconv.Itoa(1000 + i)
	}
	for _, tc := range []struct {
		name   string
		module string
		opts   *crm.ListOptions
		want   string
	}{
		{"no fields", "Contacts", nil, "ListOptions.Fields is empty"},
		{"too many fields", "Contacts", &crm.ListOptions{Fields: many}, "ListOptions.Fields has 51 fields"},
		{"bad field", "Contacts", &crm.ListOptions{Fields: []string{"Last Name"}}, "ListOptions.Fields[0]"},
		{"sort field", "Contacts", &crm.ListOptions{Fields: []string{"Email"}, SortBy: "Email"}, "ListOptions.SortBy"},
		{"sort order", "Contacts", &crm.ListOptions{Fields: []string{"Email"}, SortOrder: "up"}, "ListOptions.SortOrder"},
		{"cvid and sort", "Contacts", &crm.ListOptions{Fields: []string{"Email"}, CustomViewID: "1", SortBy: crm.SortByID}, "CustomViewID"},
		{"ids", "Contacts", &crm.ListOptions{Fields: []string{"Email"}, IDs: ids}, "ListOptions.IDs has 101"},
		{"per page", "Contacts", &crm.ListOptions{Fields: []string{"Email"}, PerPage: 201}, "ListOptions.PerPage"},
		{"module", "Con tacts", &crm.ListOptions{Fields: []string{"Email"}}, "not an API name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := collectErr(b.c.Records.List(t.Context(), tc.module, tc.opts))
			require.ErrorContains(t, err, tc.want)
		})
	}
	require.Zero(t, b.srv.TotalCalls())
}

func TestListByIDsAndPageSize(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seeded := b.seedContacts(7)
	got := collect(t, b.c.Records.List(t.Context(), "Contacts", &crm.ListOptions{
		Fields: []string{"Last_Name"}, IDs: []string{seeded[1]["id"].(string), seeded[5]["id"].(string)},
	}))
	require.Len(t, got, 2)

	// Page size 3 over 7 records: 3 calls, all records once.
	b.srv.ResetCalls()
	got = collect(t, b.c.Records.List(t.Context(), "Contacts", &crm.ListOptions{Fields: []string{"Last_Name"}, PerPage: 3, SortBy: crm.SortByCreatedTime}))
	require.Len(t, got, 7)
	require.Equal(t, 3, b.srv.Calls("GET /crm/v8/Contacts"))
}

func TestListStopsFetchingWhenTheLoopBreaks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedContacts(450)
	n := 0
	for _, err := range b.c.Records.List(t.Context(), "Contacts", &crm.ListOptions{Fields: []string{"Last_Name"}}) {
		require.NoError(t, err)
		if n++; n == 250 {
			break
		}
	}
	require.Equal(t, 2, b.srv.Calls("GET /crm/v8/Contacts"))
}

func TestGet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	acct, err := b.srv.CRM().Put("Accounts", zohotest.Record{"Account_Name": "Zylker"})
	require.NoError(t, err)
	stored, err := b.srv.CRM().Put("Contacts", zohotest.Record{"Last_Name": "Lovelace", "Email": "ada@example.com", "Account_Name": acct["id"]})
	require.NoError(t, err)
	id := stored["id"].(string)

	rec, resp, err := b.c.Records.Get(t.Context(), "Contacts", id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, id, rec.ID())
	require.Equal(t, "Lovelace", rec.String("Last_Name"))
	l, ok := rec.Lookup("Account_Name")
	require.True(t, ok)
	require.Equal(t, crm.Lookup{ID: acct["id"].(string), Name: "Zylker"}, l)
	owner, ok := rec.Owner()
	require.True(t, ok)
	require.Equal(t, b.srv.CurrentUser().ID, owner.ID)
	mt := rec.ModifiedTime()
	require.False(t, mt.IsZero())
	_, offset := mt.Zone()
	require.Equal(t, 5*3600+30*60, offset, "the user's offset is kept")

	contact, _, err := b.c.Contacts().Get(t.Context(), id, &crm.GetOptions{Fields: []string{"Last_Name", "Account_Name"}})
	require.NoError(t, err)
	require.Equal(t, "Lovelace", contact.LastName)
	require.Equal(t, "Zylker", contact.AccountName.Name)
	require.Empty(t, contact.Email, "only the fields asked for")

	_, _, err = b.c.Records.Get(t.Context(), "Contacts", "1234567890123456789", nil)
	require.ErrorIs(t, err, zoho.ErrNotFound)
	_, _, err = b.c.Records.Get(t.Context(), "Contacts", "12/34", nil)
	require.ErrorContains(t, err, "not a record id")
}

func TestCount(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedContacts(12)
	n, _, err := b.c.Records.Count(t.Context(), "Contacts", nil)
	require.NoError(t, err)
	require.Equal(t, 12, n)
	n, _, err = b.c.Records.Count(t.Context(), "Contacts", &crm.CountOptions{Criteria: crm.StartsWith("Last_Name", "Contact-0000")})
	require.NoError(t, err)
	require.Equal(t, 10, n)
	_, _, err = b.c.Records.Count(t.Context(), "Contacts", &crm.CountOptions{Email: "a@b.c", Word: "x"})
	require.ErrorContains(t, err, "not Email and Word")
}
