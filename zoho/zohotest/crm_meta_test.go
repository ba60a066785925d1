package zohotest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStandardModules(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.call("GET", "/crm/v8/settings/modules", nil)
	require.Equal(t, http.StatusOK, r.status)
	mods := map[string]map[string]any{}
	for _, m := range r.body["modules"].([]any) {
		mm := m.(map[string]any)
		mods[mm["api_name"].(string)] = mm
	}
	for _, name := range []string{"Leads", "Contacts", "Accounts", "Deals", "Products"} {
		require.Contains(t, mods, name)
		require.Equal(t, "default", mods[name]["generated_type"])
		require.Regexp(t, `^\d{19}$`, mods[name]["id"])
	}
	r = b.call("GET", "/crm/v8/settings/modules/deals", nil)
	require.Equal(t, "Deals", r.body["modules"].([]any)[0].(map[string]any)["api_name"])

	for module, want := range map[string]struct {
		mandatory []string
		dup       []string
	}{
		"Leads":    {[]string{"Last_Name"}, []string{"Email"}},
		"Contacts": {[]string{"Last_Name"}, []string{"Email"}},
		"Accounts": {[]string{"Account_Name"}, []string{"Account_Name"}},
		"Deals":    {[]string{"Deal_Name", "Stage"}, []string{"Deal_Name"}},
		"Products": {[]string{"Product_Name"}, []string{"Product_Name"}},
	} {
		m, ok := b.srv.CRM().Module(module)
		require.True(t, ok)
		require.Equal(t, want.dup, m.DuplicateCheckFields, module)
		r := b.call("GET", "/crm/v8/settings/fields?module="+module, nil)
		require.Equal(t, http.StatusOK, r.status)
		var mandatory []string
		types := map[string]string{}
		for _, f := range r.body["fields"].([]any) {
			ff := f.(map[string]any)
			types[ff["api_name"].(string)] = ff["data_type"].(string)
			if ff["system_mandatory"] == true {
				mandatory = append(mandatory, ff["api_name"].(string))
			}
		}
		require.Equal(t, want.mandatory, mandatory, module)
		require.Equal(t, "datetime", types["Modified_Time"], module)
		require.Equal(t, "ownerlookup", types["Owner"], module)
	}
}

func TestFieldsMetadata(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.NoError(t, b.srv.CRM().AddFields("Contacts", Field{APIName: "ERP_ID", Unique: true, MaxLength: 40}))
	r := b.call("GET", "/crm/v8/settings/fields?module=Contacts", nil)
	fields := map[string]map[string]any{}
	for _, f := range r.body["fields"].([]any) {
		ff := f.(map[string]any)
		fields[ff["api_name"].(string)] = ff
	}
	require.Equal(t, map[string]any{"casesensitive": "false"}, fields["ERP_ID"]["unique"])
	require.Equal(t, float64(40), fields["ERP_ID"]["length"])
	require.Nil(t, fields["Email"]["unique"])
	require.Equal(t, "Accounts", fields["Account_Name"]["lookup"].(map[string]any)["module"].(map[string]any)["api_name"])
	require.Equal(t, true, fields["Full_Name"]["read_only"])

	r = b.call("GET", "/crm/v8/settings/fields?module=Nope", nil)
	require.Equal(t, "INVALID_MODULE", r.body["code"])

	// Without validation the fake answers as Zoho does; with it, the
	// documents (which declare "module" required) answer first.
	nv := setup(t, &Options{DisableOAS: true})
	r = nv.call("GET", "/crm/v8/settings/fields", nil)
	require.Equal(t, map[string]any{"code": "REQUIRED_PARAM_MISSING", "details": map[string]any{"param_name": "module"},
		"message": "One of the expected parameter is missing", "status": "error"}, r.body)
}

func TestUsersAndOrg(t *testing.T) {
	t.Parallel()
	b := setup(t, &Options{OrgID: "60099", CompanyName: "Acme", CurrentUser: User{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}})
	r := b.call("GET", "/crm/v8/users?type=CurrentUser", nil)
	require.Equal(t, http.StatusOK, r.status)
	u := r.body["users"].([]any)[0].(map[string]any)
	require.Equal(t, "Ada Lovelace", u["full_name"])
	require.Equal(t, "ada@example.com", u["email"])
	require.Equal(t, b.srv.CurrentUser().ID, u["id"])

	r = b.call("GET", "/crm/v8/org", nil)
	org := r.body["org"].([]any)[0].(map[string]any)
	require.Equal(t, "60099", org["zgid"])
	require.Equal(t, "Acme", org["company_name"])
	require.Equal(t, b.srv.OrgID(), org["zgid"])

	rec, err := b.srv.CRM().Put("Leads", Record{"Last_Name": "X"})
	require.NoError(t, err)
	require.Equal(t, "Ada Lovelace", rec["Owner"].(map[string]any)["name"])
}
