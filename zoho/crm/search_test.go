package crm_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func TestCriteriaText(t *testing.T) {
	t.Parallel()
	at := time.Date(2023, 4, 20, 5, 58, 6, 0, ist)
	for _, tc := range []struct {
		name string
		c    crm.Criteria
		want string
		n    int
	}{
		{"equals", crm.Equals("Email", "a@b.c"), "(Email:equals:a@b.c)", 1},
		{"escaped", crm.Equals("Last_Name", `Burns, B (Jr) \o/`), `(Last_Name:equals:Burns\, B \(Jr\) \\o/)`, 1},
		{"time with offset", crm.GreaterEqual("Modified_Time", at), "(Modified_Time:greater_equal:2023-04-20T05:58:06+05:30)", 1},
		{"crm time", crm.LessThan("Created_Time", crm.NewTime(at.UTC())), "(Created_Time:less_than:2023-04-20T00:28:06+00:00)", 1},
		{"date", crm.Equals("Closing_Date", crm.Date{Year: 2026, Month: 5, Day: 4}), "(Closing_Date:equals:2026-05-04)", 1},
		{"in", crm.In("Stage", "Won", "Lost, maybe"), `(Stage:in:Won,Lost\, maybe)`, 1},
		{"between", crm.Between("Amount", 10, json.Number("20.50")), "(Amount:between:10,20.50)", 1},
		{"bool", crm.Equals("Email_Opt_Out", false), "(Email_Opt_Out:equals:false)", 1},
		{"and", crm.And(crm.Equals("A", "1"), crm.StartsWith("B", "x")), "((A:equals:1)and(B:starts_with:x))", 2},
		{"nested", crm.Or(crm.And(crm.Equals("A", 1), crm.Equals("B", 2)), crm.Equals("C", 3)),
			"(((A:equals:1)and(B:equals:2))or(C:equals:3))", 3},
		{"one", crm.And(crm.Equals("A", 1)), "(A:equals:1)", 1},
		{"raw", crm.RawCriteria(`((A:equals:x\(y)and(T:greater_than:2023-01-01T00:00:00+05:30))`), `((A:equals:x\(y)and(T:greater_than:2023-01-01T00:00:00+05:30))`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.c.Err())
			require.Equal(t, tc.want, tc.c.String())
			require.Equal(t, tc.n, tc.c.Conditions())
		})
	}
	for _, tc := range []struct {
		name string
		c    crm.Criteria
		want string
	}{
		{"empty field", crm.Equals("", 1), "not a field API name"},
		{"bad field", crm.Equals("Last Name", 1), "not a field API name"},
		{"nil value", crm.Equals("A", nil), "no null literal"},
		{"zero time", crm.Equals("A", time.Time{}), "zero time"},
		{"struct value", crm.Equals("A", struct{}{}), "unsupported value type"},
		{"and of nothing", crm.And(), "and of nothing"},
		{"bad operand", crm.And(crm.Equals("A", 1), crm.Equals("", 2)), "not a field API name"},
		{"no values", crm.In("A"), "has no value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.c.Err(), tc.want)
		})
	}
}

func TestSearchEscapesAndEncodes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	odd := `O(Brien), Jr \ the 3rd`
	_, err := b.srv.CRM().PutMany("Contacts", []zohotest.Record{
		{"Last_Name": odd, "Email": "ob@example.com", "Phone": "+1 555 0100"},
		{"Last_Name": "Plain", "Email": "plain@example.com"},
	})
	require.NoError(t, err)

	got := collect(t, b.c.Records.Search(t.Context(), "Contacts", &crm.SearchOptions{Criteria: crm.Equals("Last_Name", odd)}))
	require.Len(t, got, 1)
	require.Equal(t, odd, got[0].String("Last_Name"))

	// A date-time with its offset: the "+" reaches Zoho as "+" (sent as %2B).
	since := time.Now().Add(-time.Hour).In(ist)
	got = collect(t, b.c.Records.Search(t.Context(), "Contacts", &crm.SearchOptions{
		Criteria: crm.And(crm.GreaterEqual("Modified_Time", since), crm.StartsWith("Email", "plain")),
		Fields:   []string{"Last_Name", "Email"},
	}))
	require.Len(t, got, 1)
	require.Equal(t, "Plain", got[0].String("Last_Name"))
	qs := b.queries(http.MethodGet, "/crm/v8/Contacts/search")
	require.Contains(t, qs[len(qs)-1].Get("criteria"), crm.FormatTime(since))
	require.Contains(t, qs[len(qs)-1].Get("criteria"), "+05:30")

	require.Len(t, collect(t, b.c.Records.Search(t.Context(), "Contacts", &crm.SearchOptions{Email: "ob@example.com"})), 1)
	require.Len(t, collect(t, b.c.Records.Search(t.Context(), "Contacts", &crm.SearchOptions{Phone: "555 0100"})), 1)
	require.Len(t, collect(t, b.c.Records.Search(t.Context(), "Contacts", &crm.SearchOptions{Word: "plain"})), 1)
	// No match: 204, nothing yielded, no error.
	require.Empty(t, collect(t, b.c.Records.Search(t.Context(), "Contacts", &crm.SearchOptions{Email: "nobody@example.com"})))
	require.Equal(t, 1, b.srv.CallsWithStatus("GET /crm/v8/Contacts/search", http.StatusNoContent))

	typed := collect(t, b.c.Contacts().Search(t.Context(), &crm.SearchOptions{Email: "ob@example.com"}))
	require.Len(t, typed, 1)
	require.Equal(t, "+1 555 0100", typed[0].Phone)
}

func TestSearchStopsAtZohosCap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedContacts(2100)

	var got []crm.Record
	var last error
	for rec, err := range b.c.Records.Search(t.Context(), "Contacts", &crm.SearchOptions{
		Criteria: crm.StartsWith("Last_Name", "Contact-"), Fields: []string{"Last_Name"},
	}) {
		if err != nil {
			last = err
			break
		}
		got = append(got, rec)
	}
	require.Len(t, got, crm.SearchLimit)
	require.ErrorIs(t, last, crm.ErrSearchLimit)
	require.Equal(t, 10, b.srv.Calls("GET /crm/v8/Contacts/search"), "page 11 would exceed Zoho's cap and is not asked for")
	require.LessOrEqual(t, b.srv.Calls("GET /crm/v8/Contacts/actions/count"), 1, "at most one count, when Zoho does not say more match")
	seen := map[string]bool{}
	for _, r := range got {
		require.False(t, seen[r.ID()], "record %s twice", r.ID())
		seen[r.ID()] = true
	}

	// Exactly 2,000 matches: no error.
	b.srv.ResetCalls()
	got = collect(t, b.c.Records.Search(t.Context(), "Contacts", &crm.SearchOptions{
		Criteria: crm.Or(crm.StartsWith("Last_Name", "Contact-00"), crm.StartsWith("Last_Name", "Contact-01")), Fields: []string{"Last_Name"},
	}))
	require.Len(t, got, 2000)
	require.Equal(t, 10, b.srv.Calls("GET /crm/v8/Contacts/search"))
}

func TestSearchOptionsAreValidated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	eleven := make([]crm.Criteria, 11)
	for i := range eleven {
		eleven[i] = crm.Equals(fmt.Sprintf("F%d", i), i)
	}
	for _, tc := range []struct {
		name string
		opts *crm.SearchOptions
		want string
	}{
		{"nothing", nil, "set one of Criteria, Email, Phone and Word"},
		{"two", &crm.SearchOptions{Email: "a@b.c", Phone: "1"}, "not Email and Phone"},
		{"criteria error", &crm.SearchOptions{Criteria: crm.Equals("", 1)}, "SearchOptions.Criteria"},
		{"too many conditions", &crm.SearchOptions{Criteria: crm.And(eleven...)}, "11 conditions"},
		{"per page", &crm.SearchOptions{Word: "x", PerPage: -1}, "SearchOptions.PerPage"},
	} {
		_, err := collectErr(b.c.Records.Search(t.Context(), "Contacts", tc.opts))
		require.ErrorContains(t, err, tc.want, tc.name)
		require.True(t, strings.HasPrefix(err.Error(), "crm: search Contacts: "), err.Error())
	}
	require.Zero(t, b.srv.TotalCalls())
}
