package zohotest

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func coql(b *bundle, query string) response {
	b.t.Helper()
	return b.call("POST", "/crm/v8/coql", map[string]any{"select_query": query})
}

func coqlNames(t *testing.T, b *bundle, where string) []string {
	t.Helper()
	r := coql(b, "select Deal_Name from Deals where "+where)
	if r.status == http.StatusNoContent {
		return nil
	}
	require.Equal(t, http.StatusOK, r.status, "%s: %s", where, r.raw)
	var names []string
	for _, d := range r.data(t) {
		names = append(names, d["Deal_Name"].(string))
	}
	sort.Strings(names)
	return names
}

func TestCOQLConditions(t *testing.T) {
	t.Parallel()
	b, deals := searchSetup(t)
	second := b.srv.formatTime(testStart.Add(time.Hour))
	for where, want := range map[string][]string{
		"Deal_Name = 'alpha'":                                    {"Alpha"},
		"Deal_Name != 'Alpha'":                                   {"Beta (renewal)", "Gamma, Inc", "alphabet"},
		"Deal_Name like 'alpha%'":                                {"Alpha", "alphabet"},
		"Deal_Name like '%a'":                                    {"Alpha"},
		"Deal_Name not like '%a%'":                               nil,
		"Stage in ('Closed Won', 'Closed Lost')":                 {"Beta (renewal)", "Gamma, Inc", "alphabet"},
		"Stage not in ('Closed Won')":                            {"Alpha", "alphabet"},
		"Amount > 100":                                           {"Beta (renewal)", "Gamma, Inc"},
		"Amount >= 100 and Amount <= 250":                        {"Alpha", "Beta (renewal)"},
		"Amount between 50 and 100":                              {"Alpha", "alphabet"},
		"Amount not between 50 and 100":                          {"Beta (renewal)", "Gamma, Inc"},
		"Description is null":                                    {"Alpha", "Beta (renewal)", "Gamma, Inc", "alphabet"},
		"Description is not null":                                nil,
		"(Stage = 'Closed Won' and Amount < 500) or Amount < 60": {"Beta (renewal)", "alphabet"},
		"Modified_Time > '" + second + "'":                       {"Gamma, Inc", "alphabet"},
		"Closing_Date < '2026-03-01'":                            {"Alpha", "Beta (renewal)"},
		"Account_Name.Account_Name = 'Zylker (EU), Ltd'":         {"Alpha", "Beta (renewal)", "Gamma, Inc", "alphabet"},
		"Owner = '" + b.srv.CurrentUser().ID + "'":               {"Alpha", "Beta (renewal)", "Gamma, Inc", "alphabet"},
		"id = " + deals[1]["id"].(string):                        {"Beta (renewal)"},
	} {
		require.Equal(t, want, coqlNames(t, b, where), where)
	}
}

func TestCOQLSelectOrderLimit(t *testing.T) {
	t.Parallel()
	b, deals := searchSetup(t)
	r := coql(b, "select Deal_Name, Amount, Account_Name, Account_Name.Account_Name, Modified_Time from Deals where Amount > 0 order by Amount desc limit 1, 2")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, map[string]any{"count": float64(2), "more_records": true}, r.info(t))
	d := r.data(t)
	require.Equal(t, "Beta (renewal)", d[0]["Deal_Name"])
	require.Equal(t, "Alpha", d[1]["Deal_Name"])
	require.Equal(t, map[string]any{"id": deals[0]["Account_Name"].(map[string]any)["id"]}, d[0]["Account_Name"], "COQL lookups are {id}")
	require.Equal(t, "Zylker (EU), Ltd", d[0]["Account_Name.Account_Name"])
	require.Equal(t, deals[1]["Modified_Time"], d[0]["Modified_Time"])
	require.Equal(t, deals[1]["id"], d[0]["id"], "id always comes back")

	// Text orders case-insensitively: Alpha, alphabet, Beta, Gamma.
	r = coql(b, "select Deal_Name from Deals order by Deal_Name asc limit 2 offset 2")
	require.Equal(t, []map[string]any{{"id": deals[1]["id"], "Deal_Name": "Beta (renewal)"}, {"id": deals[2]["id"], "Deal_Name": "Gamma, Inc"}}, r.data(t))
	require.Equal(t, false, r.info(t)["more_records"])

	r = coql(b, "select Deal_Name from Deals where Amount > 100000")
	require.Equal(t, http.StatusNoContent, r.status)
	require.Empty(t, r.raw)
}

func TestCOQLErrors(t *testing.T) {
	t.Parallel()
	b, _ := searchSetup(t)
	for q, want := range map[string]struct {
		code  string
		extra map[string]any
	}{
		"select Deal_Name from Deals where a = 1 and b = 2 and c = 3": {"SYNTAX_ERROR", map[string]any{"line": float64(1), "near": "and"}},
		"select Deal_Name Deals":                              {"SYNTAX_ERROR", map[string]any{"column": float64(18), "near": "Deals"}},
		"select Deal_Name from Deals where Deal_Name = 'open": {"SYNTAX_ERROR", nil},
		"select count(id) from Deals":                         {"SYNTAX_ERROR", nil},
		"select Nope from Deals":                              {"INVALID_QUERY", map[string]any{"column_name": "Nope"}},
		"select Deal_Name from Nope":                          {"INVALID_QUERY", nil},
		"select Deal_Name from Deals where Amount > 'lots'":   {"INVALID_QUERY", map[string]any{"column_name": "Amount"}},
		"select Deal_Name from Deals where Deal_Name > 'm'":   {"INVALID_QUERY", nil},
		"select Deal_Name from Deals limit 2001":              {"LIMIT_EXCEEDED", map[string]any{"by": "limit", "limit": float64(2000)}},
		"select Deal_Name from Deals limit 9000, 2000":        {"LIMIT_EXCEEDED", map[string]any{"by": "offset", "limit": float64(10000)}},
	} {
		r := coql(b, q)
		require.Equal(t, http.StatusBadRequest, r.status, q)
		require.Equal(t, want.code, r.body["code"], "%s: %s", q, r.raw)
		for k, v := range want.extra {
			require.Equal(t, v, r.body["details"].(map[string]any)[k], "%s: %s", q, k)
		}
	}
	// (a and b) and c is how Zoho wants three conditions.
	require.Equal(t, http.StatusNoContent, coql(b, "select Deal_Name from Deals where (Amount > 1 and Amount < 2) and Stage = 'x'").status)
	r := coql(b, "select Deal_Name from Deals where\n  Amount >> 1")
	require.Equal(t, map[string]any{"line": float64(2), "column": float64(11), "near": ">", "reason": "expected a value"}, r.body["details"])
}

func TestCOQLKeysetPagination(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.seedContacts(4500)
	var ids []string
	last := "0"
	calls := 0
	for {
		r := coql(b, fmt.Sprintf("select Last_Name from Contacts where id > %s order by id asc limit 2000", last))
		calls++
		if r.status == http.StatusNoContent {
			break
		}
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		for _, d := range r.data(t) {
			ids = append(ids, d["id"].(string))
		}
		last = ids[len(ids)-1]
		if r.info(t)["more_records"] == false {
			break
		}
	}
	require.Len(t, ids, 4500)
	require.Equal(t, 3, calls)
	require.True(t, sort.SliceIsSorted(ids, func(i, j int) bool { return compareIDs(ids[i], ids[j]) < 0 }))

	r := coql(b, "select Last_Name from Contacts where Last_Name like 'Contact-04%' order by id desc limit 3")
	require.Equal(t, "Contact-04499", r.data(t)[0]["Last_Name"])
}
