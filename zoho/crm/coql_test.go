package crm_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func TestSelectQueryText(t *testing.T) {
	t.Parallel()
	sel := crm.Select{Module: "Contacts", Fields: []string{"Last_Name", "Account_Name.Account_Name"}}
	q, err := sel.Query("")
	require.NoError(t, err)
	require.Equal(t, "select Last_Name, Account_Name.Account_Name, id from Contacts where id is not null order by id asc limit 2000", q)
	q, err = sel.Query("4876876000000624001")
	require.NoError(t, err)
	require.Equal(t, "select Last_Name, Account_Name.Account_Name, id from Contacts where id > 4876876000000624001 order by id asc limit 2000", q)

	sel = crm.Select{Module: "Leads", Fields: []string{"id", "Email"}, Where: "Lead_Source = " + crm.Quote("Web") + " and Email is not null", BatchSize: 500}
	q, err = sel.Query("12")
	require.NoError(t, err)
	require.Equal(t, "select id, Email from Leads where (Lead_Source = 'Web' and Email is not null) and id > 12 order by id asc limit 500", q)

	require.Equal(t, `'O\'Brien \\ Co'`, crm.Quote(`O'Brien \ Co`))

	for _, tc := range []struct {
		sel  crm.Select
		want string
	}{
		{crm.Select{Fields: []string{"a"}}, "Select.Module"},
		{crm.Select{Module: "Leads"}, "Select.Fields is empty"},
		{crm.Select{Module: "Leads", Fields: []string{"a,b"}}, "Select.Fields[0]"},
		{crm.Select{Module: "Leads", Fields: []string{"a"}, BatchSize: 2001}, "Select.BatchSize"},
	} {
		_, err := tc.sel.Query("")
		require.ErrorContains(t, err, tc.want)
	}
	_, err = crm.Select{Module: "Leads", Fields: []string{"a"}}.Query("12 or 1=1")
	require.ErrorContains(t, err, "not a record id")
}

func TestCOQLAllPagesByIDPastTheOffsetLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seeded := b.seedContacts(10_500)

	var ids []string
	for rec, err := range b.c.COQL.All(t.Context(), crm.Select{Module: "Contacts", Fields: []string{"Last_Name", "Email"}}) {
		require.NoError(t, err)
		ids = append(ids, rec.ID())
	}
	require.Len(t, ids, len(seeded), "every record, past the 10,000 that offsets reach")
	for i := range seeded {
		require.Equal(t, seeded[i]["id"], ids[i])
	}
	require.Equal(t, 6, b.srv.Calls("POST /crm/v8/coql"), "2,000 rows per call")
	require.Zero(t, b.srv.CallsWithStatus("POST /crm/v8/coql", http.StatusBadRequest))
}

func TestCOQLWhereAndQuery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedContacts(30)
	_, err := b.srv.CRM().Put("Contacts", zohotest.Record{"Last_Name": "O'Brien", "Email": "ob@example.com"})
	require.NoError(t, err)

	got := collect(t, b.c.COQL.All(t.Context(), crm.Select{
		Module: "Contacts", Fields: []string{"Last_Name"}, Where: "Last_Name = " + crm.Quote("O'Brien"),
	}))
	require.Len(t, got, 1)
	require.Equal(t, "O'Brien", got[0].String("Last_Name"))

	// Small batches with a condition: the condition holds across batches.
	got = collect(t, b.c.COQL.All(t.Context(), crm.Select{
		Module: "Contacts", Fields: []string{"Email"}, Where: "Last_Name like 'Contact-%'", BatchSize: 7,
	}))
	require.Len(t, got, 30)
	for i, r := range got {
		require.Equal(t, fmt.Sprintf("c%05d@example.com", i), r.String("Email"))
	}

	res, resp, err := b.c.COQL.Query(t.Context(), "select Last_Name from Contacts where Last_Name like 'Contact-%' order by id asc limit 5 offset 10")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, res.Records, 5)
	require.True(t, res.Info.MoreRecords)
	require.Equal(t, "Contact-00010", res.Records[0].String("Last_Name"))

	res, _, err = b.c.COQL.Query(t.Context(), "select Last_Name from Contacts where Last_Name = 'nobody'")
	require.NoError(t, err, "no match (204) is an empty result")
	require.Empty(t, res.Records)

	_, _, err = b.c.COQL.Query(t.Context(), "select Last_Name form Contacts")
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "SYNTAX_ERROR", ze.Code)
	require.True(t, strings.HasPrefix(err.Error(), "crm: coql: "))
	_, _, err = b.c.COQL.Query(t.Context(), " ")
	require.ErrorContains(t, err, "empty")
}
