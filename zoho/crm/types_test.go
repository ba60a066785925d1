package crm_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

const dealJSON = `{
	"id": "4876876000000624001",
	"Owner": {"name": "Test User", "id": "4876876000000100001", "email": "test.user@example.com"},
	"Deal_Name": "Big one",
	"Stage": "Qualification",
	"Amount": 12345678901234567.89,
	"Closing_Date": "2026-05-04",
	"Account_Name": {"name": "Zylker", "id": "4876876000000300001"},
	"Modified_Time": "2026-03-01T09:00:00+05:30",
	"Region__c": "EMEA",
	"Score__c": 0.1000000000000000055511151231257827,
	"Tags__c": ["a", "b"],
	"Nested__c": {"k": [1, {"x": null}]},
	"Esc\"aped": "v"
}`

func TestTypedStructKeepsUnknownFieldsAndExactNumbers(t *testing.T) {
	t.Parallel()
	var d crm.Deal
	require.NoError(t, json.Unmarshal([]byte(dealJSON), &d))
	require.Equal(t, "4876876000000624001", d.ID)
	require.Equal(t, "test.user@example.com", d.Owner.Email)
	require.Equal(t, "Big one", d.DealName)
	require.Equal(t, json.Number("12345678901234567.89"), d.Amount, "no float64 on the way")
	require.Equal(t, crm.Date{Year: 2026, Month: 5, Day: 4}, d.ClosingDate)
	require.Equal(t, "Zylker", d.AccountName.Name)
	require.Equal(t, "2026-03-01T09:00:00+05:30", d.ModifiedTime.String())
	require.Equal(t, map[string]any{
		"Region__c": "EMEA",
		"Score__c":  json.Number("0.1000000000000000055511151231257827"),
		"Tags__c":   []any{"a", "b"},
		"Nested__c": map[string]any{"k": []any{json.Number("1"), map[string]any{"x": nil}}},
		`Esc"aped`:  "v",
	}, d.Extra)

	// Round trip: nothing lost, numbers exact.
	out, err := json.Marshal(d)
	require.NoError(t, err)
	require.JSONEq(t, dealJSON, string(out))
	require.Contains(t, string(out), "12345678901234567.89")
	require.Contains(t, string(out), "0.1000000000000000055511151231257827")

	// The open Record decodes the same JSON without loss too.
	rec := decodeRecord(t, dealJSON)
	n, ok := rec.Number("Amount")
	require.True(t, ok)
	require.Equal(t, json.Number("12345678901234567.89"), n)
	var back crm.Deal
	require.NoError(t, rec.Decode(&back))
	require.Equal(t, d, back)
}

// decodeRecord decodes a record as the client does (numbers as json.Number).
func decodeRecord(t *testing.T, s string) crm.Record {
	t.Helper()
	var env struct {
		Data []crm.Record `json:"data"`
	}
	dec := json.NewDecoder(strings.NewReader(`{"data":[` + s + `]}`))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&env))
	return env.Data[0]
}

func TestExtraWinsAndNilClears(t *testing.T) {
	t.Parallel()
	c := crm.Contact{LastName: "Lovelace", Phone: "123", Extra: map[string]any{"Phone": nil, "Custom__c": 3}}
	out, err := json.Marshal(c)
	require.NoError(t, err)
	require.JSONEq(t, `{"Last_Name":"Lovelace","Phone":null,"Custom__c":3}`, string(out))

	out, err = json.Marshal(crm.Contact{})
	require.NoError(t, err)
	require.Equal(t, `{}`, string(out), "zero fields are not sent, so an update changes only what is set")

	var empty crm.Contact
	require.NoError(t, json.Unmarshal([]byte(`null`), &empty))
	require.Error(t, json.Unmarshal([]byte(`[1]`), &empty))
	require.NoError(t, json.Unmarshal([]byte(`{"last_name":"folded"}`), &empty))
	require.Equal(t, "folded", empty.LastName, "encoding/json matches names case-insensitively")
	require.Nil(t, empty.Extra, "so the member is not also kept in Extra")
}

func TestRecordAccessors(t *testing.T) {
	t.Parallel()
	r := decodeRecord(t, `{"id":"1","Last_Name":"L","Email_Opt_Out":true,"Amount":10.5,
		"Date_of_Birth":"1990-02-03","Created_Time":"2026-01-02T03:04:05+05:30",
		"Account_Name":{"name":"Zylker","id":"7"},"Owner":{"name":"U","id":"9","email":"u@x"},"Nothing":null}`)
	require.Equal(t, "1", r.ID())
	require.Equal(t, "L", r.String("Last_Name"))
	require.Empty(t, r.String("Amount"))
	v, ok := r.Bool("Email_Opt_Out")
	require.True(t, v && ok)
	_, ok = r.Bool("Nothing")
	require.False(t, ok)
	n, ok := r.Number("Amount")
	require.True(t, ok)
	require.Equal(t, json.Number("10.5"), n)
	d, ok := r.Date("Date_of_Birth")
	require.True(t, ok)
	require.Equal(t, "1990-02-03", d.String())
	require.Equal(t, "2026-01-02T03:04:05+05:30", r.CreatedTime().String())
	require.True(t, r.ModifiedTime().IsZero())
	l, ok := r.Lookup("Account_Name")
	require.True(t, ok)
	require.Equal(t, crm.Lookup{ID: "7", Name: "Zylker"}, l)
	_, ok = r.Lookup("Nothing")
	require.False(t, ok)
	o, ok := r.Owner()
	require.True(t, ok)
	require.Equal(t, crm.UserLookup{ID: "9", Name: "U", Email: "u@x"}, o)

	// Records built in Go read the same way.
	built := crm.Record{"Amount": 3.25, "When": crm.NewTime(r.CreatedTime().Time), "Acct": crm.Lookup{ID: "5"}}
	n, _ = built.Number("Amount")
	require.Equal(t, json.Number("3.25"), n)
	tm, ok := built.Time("When")
	require.True(t, ok)
	require.True(t, tm.Equal(r.CreatedTime().Time))
	l, ok = built.Lookup("Acct")
	require.True(t, ok)
	require.Equal(t, "5", l.ID)
}

func TestTypedModuleRoundTripKeepsCustomFields(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.srv.CRM().AddFields("Contacts", zohotest.Field{APIName: "Loyalty_Tier", Type: zohotest.FieldText}))
	acct, err := b.srv.CRM().Put("Accounts", zohotest.Record{"Account_Name": "Zylker"})
	require.NoError(t, err)

	contacts := b.c.Contacts()
	optOut := true
	res, err := contacts.Upsert(t.Context(), []crm.Contact{{
		LastName: "Lovelace", Email: "ada@example.com", AccountName: &crm.Lookup{ID: acct["id"].(string)},
		DateOfBirth: crm.Date{Year: 1815, Month: 12, Day: 10}, EmailOptOut: &optOut,
		Extra: map[string]any{"Loyalty_Tier": "Gold"},
	}}, &crm.WriteOptions{NoTriggers: true})
	require.NoError(t, err)
	require.True(t, res[0].OK(), "%v", res[0].Err)

	// List asks for the struct's declared fields by default, plus what the
	// caller adds; the custom field lands in Extra.
	list := collect(t, contacts.List(t.Context(), &crm.ListOptions{Fields: append(contacts.DefaultFields(), "Loyalty_Tier")}))
	require.Len(t, list, 1)
	c := list[0]
	require.Equal(t, res[0].ID, c.ID)
	require.Equal(t, "Lovelace", c.FullName)
	require.Equal(t, "Zylker", c.AccountName.Name)
	require.Equal(t, "1815-12-10", c.DateOfBirth.String())
	require.True(t, *c.EmailOptOut)
	require.Equal(t, "Gold", c.Extra["Loyalty_Tier"])
	require.Equal(t, b.srv.CurrentUser().ID, c.Owner.ID)

	// Change a declared field and write the record back as read: the custom
	// field survives, the system fields are ignored by Zoho.
	c.Phone = "+44 20 7946 0000"
	res, err = contacts.Update(t.Context(), []crm.Contact{c}, nil)
	require.NoError(t, err)
	require.True(t, res[0].OK(), "%v", res[0].Err)
	stored, _ := b.srv.CRM().Get("Contacts", c.ID)
	require.Equal(t, "+44 20 7946 0000", stored["Phone"])
	require.Equal(t, "Gold", stored["Loyalty_Tier"])

	// The default field list without the custom field: not asked, not kept.
	plain := collect(t, contacts.List(t.Context(), nil))
	require.Len(t, plain, 1)
	require.NotContains(t, plain[0].Extra, "Loyalty_Tier")
	q := b.queries("GET", "/crm/v8/Contacts")
	require.Contains(t, q[len(q)-1].Get("fields"), "Last_Name")
	require.NotContains(t, q[len(q)-1].Get("fields"), "id,")
}
