package zohotest

import (
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// searchSetup seeds deals with names, amounts, stages and modification times
// one hour apart.
func searchSetup(t *testing.T) (*bundle, []Record) {
	b := setup(t, nil)
	acc, err := b.srv.CRM().Put("Accounts", Record{"Account_Name": "Zylker (EU), Ltd"})
	require.NoError(t, err)
	var out []Record
	for i, d := range []struct {
		name, stage string
		amount      float64
	}{
		{"Alpha", "Qualification", 100},
		{"Beta (renewal)", "Closed Won", 250},
		{"Gamma, Inc", "Closed Won", 999.5},
		{"alphabet", "Closed Lost", 50},
	} {
		rec, err := b.srv.CRM().Put("Deals", Record{"Deal_Name": d.name, "Stage": d.stage, "Amount": d.amount,
			"Account_Name": acc["id"], "Closing_Date": "2026-0" + string(rune('1'+i)) + "-15"})
		require.NoError(t, err)
		out = append(out, rec)
		b.clock.Advance(time.Hour)
	}
	b.token = b.srv.IssueAccessToken() // the first one expired meanwhile
	return b, out
}

func searchNames(t *testing.T, b *bundle, criteria string) []string {
	t.Helper()
	r := b.call("GET", "/crm/v8/Deals/search?criteria="+url.QueryEscape(criteria), nil)
	if r.status == http.StatusNoContent {
		return nil
	}
	require.Equal(t, http.StatusOK, r.status, "%s: %s", criteria, r.raw)
	var names []string
	for _, d := range r.data(t) {
		names = append(names, d["Deal_Name"].(string))
	}
	sort.Strings(names)
	return names
}

func TestSearchCriteria(t *testing.T) {
	t.Parallel()
	b, deals := searchSetup(t)
	third := b.srv.formatTime(testStart.Add(2 * time.Hour)) // Modified_Time of Gamma
	utc := testStart.Add(2 * time.Hour).UTC().Format(time.RFC3339)
	for criteria, want := range map[string][]string{
		"(Deal_Name:equals:alpha)":                                  {"Alpha"},
		"(Deal_Name:starts_with:alpha)":                             {"Alpha", "alphabet"},
		"(Deal_Name:equals:Beta \\(renewal\\))":                     {"Beta (renewal)"},
		"(Deal_Name:equals:Gamma\\, Inc)":                           {"Gamma, Inc"},
		"(Stage:in:Closed Won,Closed Lost)":                         {"Beta (renewal)", "Gamma, Inc", "alphabet"},
		"(Stage:not_equal:Closed Won)":                              {"Alpha", "alphabet"},
		"(Amount:greater_than:100)":                                 {"Beta (renewal)", "Gamma, Inc"},
		"(Amount:greater_equal:100)":                                {"Alpha", "Beta (renewal)", "Gamma, Inc"},
		"(Amount:less_than:100)":                                    {"alphabet"},
		"(Amount:between:50,250)":                                   {"Alpha", "Beta (renewal)", "alphabet"},
		"(Closing_Date:less_equal:2026-02-15)":                      {"Alpha", "Beta (renewal)"},
		"((Stage:equals:Closed Won)and(Amount:less_than:500))":      {"Beta (renewal)"},
		"((Stage:equals:Qualification)or(Amount:greater_than:500))": {"Alpha", "Gamma, Inc"},
		"(((Stage:equals:Closed Won)or(Stage:equals:Closed Lost))and(Amount:less_than:300))": {"Beta (renewal)", "alphabet"},
		"(Modified_Time:greater_equal:" + third + ")":                                        {"Gamma, Inc", "alphabet"},
		"(Modified_Time:greater_equal:" + utc + ")":                                          {"Gamma, Inc", "alphabet"}, // same instant, other offset
		"(Account_Name:equals:Zylker \\(EU\\)\\, Ltd)":                                       {"Alpha", "Beta (renewal)", "Gamma, Inc", "alphabet"},
		"(id:equals:" + deals[0]["id"].(string) + ")":                                        {"Alpha"},
		"(Deal_Name:equals:nothing)":                                                         nil,
	} {
		require.Equal(t, want, searchNames(t, b, criteria), criteria)
	}
}

func TestSearchErrors(t *testing.T) {
	t.Parallel()
	b, _ := searchSetup(t)
	for criteria, reason := range map[string]string{
		"(Nope:equals:x)":         "Nope is not a field of Deals",
		"(Deal_Name:contains:x)":  `unknown operator "contains"`,
		"(Deal_Name:equals:a(b))": "unexpected",
		"((Deal_Name:equals:a)and(Stage:equals:b)or(Amount:equals:1))": "mixing and/or",
		"(Amount:greater_than:lots)":                                   `"lots" is not a number`,
		"(Deal_Name:greater_than:m)":                                   "does not apply",
		"(Modified_Time:greater_than:2026-03-01T10:00:00 05:30)":       "URL-encoded",
	} {
		r := b.call("GET", "/crm/v8/Deals/search?criteria="+url.QueryEscape(criteria), nil)
		require.Equal(t, http.StatusBadRequest, r.status, criteria)
		require.Equal(t, "INVALID_QUERY", r.body["code"], criteria)
		require.Contains(t, r.body["details"].(map[string]any)["reason"], reason, criteria)
	}
	eleven := "("
	for i := range 11 {
		if i > 0 {
			eleven += "or"
		}
		eleven += "(Amount:equals:1)"
	}
	eleven += ")"
	r := b.call("GET", "/crm/v8/Deals/search?criteria="+url.QueryEscape(eleven), nil)
	require.Contains(t, r.body["details"].(map[string]any)["reason"], "more than 10 criteria")

	r = b.call("GET", "/crm/v8/Deals/search", nil)
	require.Equal(t, "REQUIRED_PARAM_MISSING", r.body["code"])
	r = b.call("GET", "/crm/v8/Deals/search?word=a&email=a@b.c", nil)
	require.Equal(t, "INVALID_QUERY", r.body["code"])
}

func TestSearchEmailPhoneWord(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	_, err := b.srv.CRM().PutMany("Leads", []Record{
		{"Last_Name": "One", "Email": "one@example.com", "Phone": "+1 (555) 010-0001", "Company": "Acme Rockets"},
		{"Last_Name": "Two", "Secondary_Email": "ONE@example.com", "Company": "Globex"},
	})
	require.NoError(t, err)
	r := b.call("GET", "/crm/v8/Leads/search?email=one%40example.com", nil)
	require.Len(t, r.data(t), 2, "any email field, case-insensitively")
	r = b.call("GET", "/crm/v8/Leads/search?phone=5550100001", nil)
	require.Len(t, r.data(t), 1)
	r = b.call("GET", "/crm/v8/Leads/search?word=rocket&fields=Last_Name", nil)
	require.Equal(t, []map[string]any{{"id": r.data(t)[0]["id"], "Last_Name": "One"}}, r.data(t))
	r = b.call("GET", "/crm/v8/Leads/search?word=zzz", nil)
	require.Equal(t, http.StatusNoContent, r.status)
	require.Empty(t, r.raw)
}

func TestSearchCapsAt2000(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.seedContacts(2100)
	q := "/crm/v8/Contacts/search?criteria=" + url.QueryEscape("(Last_Name:starts_with:Contact)")
	r := b.call("GET", q+"&page=10&per_page=200", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, true, r.info(t)["more_records"], "more records match than the 2,000 a search reaches")
	r = b.call("GET", q+"&page=11&per_page=200", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "LIMIT_EXCEEDED", r.body["code"])

	// Exactly 2,000 matches: the last page says no more.
	r = b.call("GET", "/crm/v8/Contacts/search?criteria="+url.QueryEscape("((Last_Name:starts_with:Contact-00)or(Last_Name:starts_with:Contact-01))")+"&page=10&per_page=200", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Len(t, r.data(t), 200)
	require.Equal(t, false, r.info(t)["more_records"])
}
