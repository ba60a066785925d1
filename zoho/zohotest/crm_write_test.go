package zohotest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestInsertAllSucceed(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.call("POST", "/crm/v8/Contacts", map[string]any{"data": []any{
		map[string]any{"Last_Name": "Doe", "Email": "doe@example.com", "Date_of_Birth": "1990-04-01"},
		map[string]any{"Last_Name": "Roe", "First_Name": "Rita"},
	}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	data := r.data(t)
	require.Len(t, data, 2)
	now := b.srv.formatTime(b.clock.Now())
	user := map[string]any{"name": "Test User", "id": b.srv.CurrentUser().ID, "email": "test.user@example.com"}
	require.Equal(t, map[string]any{
		"code": "SUCCESS", "message": "record added", "status": "success",
		"details": map[string]any{"Modified_Time": now, "Modified_By": user, "Created_Time": now, "id": data[0]["details"].(map[string]any)["id"], "Created_By": user},
	}, data[0])
	id := data[1]["details"].(map[string]any)["id"].(string)
	rec, ok := b.srv.CRM().Get("Contacts", id)
	require.True(t, ok)
	require.Equal(t, "Rita Roe", rec["Full_Name"])

	w := b.srv.CRM().Writes()
	require.Len(t, w, 1)
	require.Equal(t, []string{"approval", "workflow", "blueprint"}, w[0].Triggers, "no trigger array: Zoho runs everything")
	require.False(t, w[0].TriggerSpecified)
}

func TestInsertPartialFailureIs207(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.call("POST", "/crm/v8/Contacts", map[string]any{"trigger": []string{}, "data": []any{
		map[string]any{"Last_Name": "Doe"},
		map[string]any{"First_Name": "No last name"},
		map[string]any{"Last_Name": "Bad email", "Email": "not-an-email"},
		map[string]any{"Last_Name": "Bad date", "Date_of_Birth": "01/04/1990"},
		map[string]any{"Last_Name": "Bad account", "Account_Name": map[string]any{"id": "1"}},
	}})
	require.Equal(t, http.StatusMultiStatus, r.status)
	data := r.data(t)
	require.Equal(t, "SUCCESS", data[0]["code"])
	require.Equal(t, map[string]any{"code": "MANDATORY_NOT_FOUND", "message": "required field not found", "status": "error",
		"details": map[string]any{"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"}}, data[1], "in request order")
	require.Equal(t, "INVALID_DATA", data[2]["code"])
	require.Equal(t, map[string]any{"api_name": "Email", "json_path": "$.data[2].Email", "expected_data_type": "email"}, data[2]["details"])
	require.Equal(t, "INVALID_DATA", data[3]["code"])
	require.Equal(t, "INVALID_DATA", data[4]["code"])
	require.Equal(t, 1, b.srv.CRM().Count("Contacts"))

	w := b.srv.CRM().Writes()[0]
	require.Empty(t, w.Triggers, "trigger: [] fires nothing")
	require.True(t, w.TriggerSpecified)
	require.Len(t, w.Succeeded, 1)
}

func TestWriteAllFailedIs400(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.call("POST", "/crm/v8/Deals", map[string]any{"data": []any{map[string]any{"Deal_Name": "No stage"}}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "Stage", r.data(t)[0]["details"].(map[string]any)["api_name"])
}

func TestWriteLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	recs := make([]any, 101)
	for i := range recs {
		recs[i] = map[string]any{"Last_Name": fmt.Sprint(i)}
	}
	for _, path := range []string{"POST /crm/v8/Contacts", "PUT /crm/v8/Contacts", "POST /crm/v8/Contacts/upsert"} {
		var method, p string
		fmt.Sscan(path, &method, &p)
		r := b.call(method, p, map[string]any{"data": recs})
		require.Equal(t, http.StatusBadRequest, r.status, path)
		require.Equal(t, "LIMIT_EXCEEDED", r.body["code"], path)
		require.Equal(t, float64(100), r.body["details"].(map[string]any)["limit"], path)
	}
	require.Equal(t, 0, b.srv.CRM().Count("Contacts"), "nothing written")
	require.Equal(t, http.StatusCreated, b.call("POST", "/crm/v8/Contacts", map[string]any{"data": recs[:100]}).status)

	r := b.call("POST", "/crm/v8/Contacts", map[string]any{"data": []any{}})
	require.Equal(t, "MANDATORY_NOT_FOUND", r.body["code"])
	r = b.call("POST", "/crm/v8/Contacts", `{"data": [`)
	require.Equal(t, http.StatusBadRequest, r.status)
	b.srv.TakeViolations()
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	recs := b.seedContacts(2)
	id0, id1 := recs[0]["id"].(string), recs[1]["id"].(string)
	b.clock.Advance(10 * time.Minute)
	r := b.call("PUT", "/crm/v8/Contacts", map[string]any{"trigger": []string{"workflow"}, "data": []any{
		map[string]any{"id": id0, "Phone": "555"},
		map[string]any{"id": "5725767000999999999", "Phone": "555"},
		map[string]any{"Phone": "no id"},
		map[string]any{"id": id1, "Last_Name": nil},
	}})
	require.Equal(t, http.StatusMultiStatus, r.status)
	data := r.data(t)
	require.Equal(t, "record updated", data[0]["message"])
	require.Equal(t, b.srv.formatTime(b.clock.Now()), data[0]["details"].(map[string]any)["Modified_Time"])
	require.NotEqual(t, data[0]["details"].(map[string]any)["Created_Time"], data[0]["details"].(map[string]any)["Modified_Time"])
	require.Equal(t, "INVALID_DATA", data[1]["code"])
	require.Equal(t, "the id given seems to be invalid", data[1]["message"])
	require.Equal(t, map[string]any{"api_name": "id", "json_path": "$.data[2].id"}, data[2]["details"])
	require.Equal(t, "MANDATORY_NOT_FOUND", data[3]["code"], "a mandatory field cannot be emptied")

	r = b.call("PUT", "/crm/v8/Contacts/"+id1, map[string]any{"data": []any{map[string]any{"Mobile": "777"}}})
	require.Equal(t, http.StatusOK, r.status)
	got, _ := b.srv.CRM().Get("Contacts", id1)
	require.Equal(t, "777", got["Mobile"])
	require.Equal(t, []string{"workflow"}, b.srv.CRM().Writes()[0].Triggers)

	changes := b.srv.CRM().Changes()
	last := changes[len(changes)-1]
	require.Equal(t, "edit", last.Operation)
	require.Equal(t, []string{"Mobile"}, last.Fields)
	require.Equal(t, "api", last.Source)
}

func TestUpsert(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	existing := b.seedContacts(1)[0]
	r := b.call("POST", "/crm/v8/Contacts/upsert", map[string]any{"data": []any{
		map[string]any{"Last_Name": "Changed", "Email": "C00000@EXAMPLE.com"}, // matches case-insensitively
		map[string]any{"Last_Name": "New", "Email": "new@example.com"},
		map[string]any{"Last_Name": "New again", "Email": "new@example.com"}, // matches the one just inserted
	}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	data := r.data(t)
	require.Equal(t, "update", data[0]["action"])
	require.Equal(t, "Email", data[0]["duplicate_field"])
	require.Equal(t, "record updated", data[0]["message"])
	require.Equal(t, existing["id"], data[0]["details"].(map[string]any)["id"])
	require.Equal(t, "insert", data[1]["action"])
	require.Nil(t, data[1]["duplicate_field"])
	require.Equal(t, "record added", data[1]["message"])
	require.Equal(t, "update", data[2]["action"])
	require.Equal(t, 2, b.srv.CRM().Count("Contacts"))

	// duplicate_check_fields picks the key and its order.
	r = b.call("POST", "/crm/v8/Contacts/upsert", map[string]any{"duplicate_check_fields": []string{"Last_Name"},
		"data": []any{map[string]any{"Last_Name": "Changed", "Email": "other@example.com"}}})
	require.Equal(t, "update", r.data(t)[0]["action"])
	require.Equal(t, "Last_Name", r.data(t)[0]["duplicate_field"])
	got, _ := b.srv.CRM().Get("Contacts", existing["id"].(string))
	require.Equal(t, "other@example.com", got["Email"])

	r = b.call("POST", "/crm/v8/Contacts/upsert", map[string]any{"duplicate_check_fields": []string{"Nope"},
		"data": []any{map[string]any{"Last_Name": "x"}}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "INVALID_DATA", r.body["code"])

	r = b.call("POST", "/crm/v8/Contacts/upsert", map[string]any{"data": []any{map[string]any{"Email": "nobody@example.com"}}})
	require.Equal(t, http.StatusBadRequest, r.status, "an insert through upsert needs the mandatory fields")
	require.Equal(t, "MANDATORY_NOT_FOUND", r.data(t)[0]["code"])
}

func TestUniqueFieldsAndCustomModules(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	crm := b.srv.CRM()
	require.NoError(t, crm.DefineModule(Module{APIName: "Invoices_X", SingularLabel: "Invoice X", Fields: []Field{
		{APIName: "Name", Mandatory: true},
		{APIName: "Number", Type: FieldText, Unique: true},
		{APIName: "Total", Type: FieldCurrency},
		{APIName: "Issued", Type: FieldDateTime},
		{APIName: "Customer", Type: FieldLookup, LookupModule: "Accounts"},
	}}))
	require.Error(t, crm.DefineModule(Module{APIName: "Invoices_X"}), "defined twice")
	require.Error(t, crm.DefineModule(Module{APIName: "Bad", Fields: []Field{{APIName: "L", Type: FieldLookup}}}), "lookup without module")
	require.NoError(t, crm.AddFields("Contacts", Field{APIName: "ERP_ID", Type: FieldText, Unique: true}))

	r := b.call("POST", "/crm/v8/Invoices_X", map[string]any{"data": []any{
		map[string]any{"Name": "A", "Number": "INV-1", "Total": 12.5, "Issued": "2026-03-01T10:00:00-04:00"},
		map[string]any{"Name": "B", "Number": "inv-1"},
	}})
	require.Equal(t, http.StatusMultiStatus, r.status)
	dup := r.data(t)[1]
	require.Equal(t, "DUPLICATE_DATA", dup["code"])
	require.Equal(t, "Number", dup["details"].(map[string]any)["api_name"])
	id := r.data(t)[0]["details"].(map[string]any)["id"].(string)
	require.Equal(t, dup["details"].(map[string]any)["duplicate_record"].(map[string]any)["id"], id)

	rec, _ := crm.Get("Invoices_X", id)
	require.Equal(t, "2026-03-01T19:30:00+05:30", rec["Issued"], "date-times come back in the user's offset")
	require.EqualValues(t, "12.5", fmt.Sprint(rec["Total"]))

	r = b.call("GET", "/crm/v8/settings/modules", nil)
	var names []string
	for _, m := range r.body["modules"].([]any) {
		names = append(names, m.(map[string]any)["api_name"].(string))
	}
	require.Contains(t, names, "Invoices_X")
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	crm := b.srv.CRM()
	var seen []Change
	crm.OnChange(func(c Change) { seen = append(seen, c) })

	_, err := crm.Put("Contacts", Record{"First_Name": "no last name"})
	var re *RecordError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "MANDATORY_NOT_FOUND", re.Code)
	_, err = crm.Put("Nope", Record{})
	require.ErrorContains(t, err, "no module")

	past := testStart.Add(-48 * time.Hour)
	rec, err := crm.Put("Contacts", Record{"Last_Name": "Old", "Created_Time": past, "Modified_Time": past.Add(time.Hour)})
	require.NoError(t, err)
	require.Equal(t, b.srv.formatTime(past), rec["Created_Time"])
	id := rec["id"].(string)

	b.clock.Advance(time.Minute)
	upd, err := crm.Update("Contacts", id, Record{"Email": "old@example.com"})
	require.NoError(t, err)
	require.Equal(t, b.srv.formatTime(b.clock.Now()), upd["Modified_Time"])

	rec, err = crm.Put("Contacts", Record{"id": id, "Last_Name": "Replaced"})
	require.NoError(t, err)
	require.Nil(t, rec["Email"], "Put with an existing id replaces the fields")

	require.Len(t, crm.List("Contacts"), 1)
	require.Equal(t, 1, crm.Count("Contacts"))
	require.Equal(t, -1, crm.Count("Nope"))
	require.NoError(t, crm.Delete("Contacts", id))
	require.Error(t, crm.Delete("Contacts", id))
	require.Equal(t, map[string]int{"Leads": 0, "Contacts": 0, "Accounts": 0, "Deals": 0, "Products": 0}, crm.Counts())

	var ops []string
	for _, c := range seen {
		ops = append(ops, c.Operation+":"+c.Source)
	}
	require.Equal(t, []string{"create:helper", "edit:helper", "edit:helper", "delete:helper"}, ops)
	require.Empty(t, crm.Writes(), "helpers are not API writes")
	require.Zero(t, b.srv.TotalCalls(), "helpers make no calls")
}

func TestDelete(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	recs := b.seedContacts(3)
	ids := recs[0]["id"].(string) + "," + recs[1]["id"].(string) + ",42"
	r := b.call("DELETE", "/crm/v8/Contacts?wf_trigger=false&ids="+ids, nil)
	require.Equal(t, http.StatusMultiStatus, r.status)
	data := r.data(t)
	require.Equal(t, map[string]any{"code": "SUCCESS", "details": map[string]any{"id": recs[0]["id"]}, "message": "record deleted", "status": "success"}, data[0])
	require.Equal(t, "INVALID_DATA", data[2]["code"])
	require.Equal(t, 1, b.srv.CRM().Count("Contacts"))
	w := b.srv.CRM().Writes()[0]
	require.Equal(t, "delete", w.Operation)
	require.Empty(t, w.Triggers)

	r = b.call("DELETE", "/crm/v8/Contacts", nil)
	require.Equal(t, "REQUIRED_PARAM_MISSING", r.body["code"])
	r = b.call("DELETE", "/crm/v8/Contacts/"+recs[2]["id"].(string), nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, []string{"workflow"}, b.srv.CRM().Writes()[1].Triggers, "a rejected call is not a write")
}
