package crm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/crm"
)

// A callback as Zoho documents it: numbers for server_time and channel_id,
// string IDs, echoed token and query parameters.
const documentedCallback = `{
  "server_time": 1581417121441,
  "query_params": {"key1": "val1", "n": 2},
  "module": "Leads",
  "resource_uri": "https://www.zohoapis.com/crm/v8/Leads",
  "ids": ["3652397000000433001", "3652397000000433002"],
  "affected_fields": [{"3652397000000433001": ["Last_Name", "Email"]}],
  "operation": "update",
  "channel_id": 1000000068001,
  "token": "TOKEN_FOR_VERIFICATION"
}`

func TestParseNotificationDocumentedShape(t *testing.T) {
	t.Parallel()
	n, err := crm.ParseNotification([]byte(documentedCallback))
	require.NoError(t, err)
	require.Equal(t, time.UnixMilli(1581417121441).UTC(), n.ServerTime)
	require.Equal(t, "Leads", n.Module)
	require.Equal(t, "https://www.zohoapis.com/crm/v8/Leads", n.ResourceURI)
	require.Equal(t, []string{"3652397000000433001", "3652397000000433002"}, n.IDs)
	require.Equal(t, crm.OperationUpdate, n.Operation)
	require.Equal(t, "update", n.RawOperation)
	require.Equal(t, "1000000068001", n.ChannelID)
	require.Equal(t, "TOKEN_FOR_VERIFICATION", n.Token)
	require.Equal(t, map[string]string{"key1": "val1", "n": "2"}, n.QueryParams)
	require.Equal(t, []string{"Last_Name", "Email"}, n.FieldsOf("3652397000000433001"))
	require.Empty(t, n.FieldsOf("3652397000000433002"))
	require.Empty(t, n.Extra)
	require.Empty(t, n.Unparsed)
}

func TestParseNotificationKeepsEveryDigitOfNumericIDs(t *testing.T) {
	t.Parallel()
	// 19 digits: a float64 would round these to ...000 and merge them.
	body := `{"module":"Deals","ids":[4876876000000123457, "4876876000000123458", 9223372036854775807123],
		"channel_id":"42","server_time":"1700000000123","operation":"insert"}`
	n, err := crm.ParseNotification([]byte(body))
	require.NoError(t, err)
	require.Equal(t, []string{"4876876000000123457", "4876876000000123458", "9223372036854775807123"}, n.IDs)
	require.Equal(t, time.UnixMilli(1700000000123).UTC(), n.ServerTime)
	require.Equal(t, crm.OperationCreate, n.Operation)
	require.Equal(t, "insert", n.RawOperation)
}

func TestParseNotificationLoneID(t *testing.T) {
	t.Parallel()
	for _, ids := range []string{`"111"`, `111`} {
		n, err := crm.ParseNotification([]byte(`{"module":"Leads","ids":` + ids + `}`))
		require.NoError(t, err, ids)
		require.Equal(t, []string{"111"}, n.IDs)
	}
}

func TestParseOperation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want crm.Operation
	}{
		{"create", crm.OperationCreate},
		{"insert", crm.OperationCreate},
		{"Inserted", crm.OperationCreate},
		{"edit", crm.OperationUpdate},
		{"UPDATE", crm.OperationUpdate},
		{" updated ", crm.OperationUpdate},
		{"Leads.edit", crm.OperationUpdate},
		{"delete", crm.OperationDelete},
		{"deleted", crm.OperationDelete},
		{"restore", crm.Operation("restore")},
		{" Merge ", crm.Operation("Merge")},
		{"", crm.Operation("")},
	}
	for _, tt := range tests {
		got := crm.ParseOperation(tt.raw)
		require.Equal(t, tt.want, got, "ParseOperation(%q)", tt.raw)
		require.Equal(t, tt.want == crm.OperationCreate || tt.want == crm.OperationUpdate || tt.want == crm.OperationDelete, got.Known())
	}
}

func TestParseNotificationUnknownOperationIsKept(t *testing.T) {
	t.Parallel()
	n, err := crm.ParseNotification([]byte(`{"module":"Leads","ids":["1"],"operation":"convert"}`))
	require.NoError(t, err)
	require.Equal(t, crm.Operation("convert"), n.Operation)
	require.False(t, n.Operation.Known())
	require.Equal(t, "convert", n.RawOperation)
}

func TestParseNotificationAffectedFieldShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want map[string][]string
	}{
		{"array of id objects", `[{"1":["A","B"]},{"2":["C"]}]`, map[string][]string{"1": {"A", "B"}, "2": {"C"}}},
		{"one id object", `{"1":["A"],"2":"B"}`, map[string][]string{"1": {"A"}, "2": {"B"}}},
		{"plain names", `["A","B"]`, map[string][]string{"": {"A", "B"}}},
		{"null", `null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := crm.ParseNotification([]byte(`{"module":"Leads","ids":["1","2"],"affected_fields":` + tt.json + `}`))
			require.NoError(t, err)
			require.Equal(t, tt.want, n.AffectedFields)
			require.Empty(t, n.Unparsed)
		})
	}
	n, err := crm.ParseNotification([]byte(`{"module":"Leads","ids":["1","2"],"affected_fields":["A"]}`))
	require.NoError(t, err)
	require.Equal(t, []string{"A"}, n.FieldsOf("2"), "names sent without a record apply to every record")
}

func TestParseNotificationAffectedValueShapes(t *testing.T) {
	t.Parallel()
	want := map[string]map[string]json.RawMessage{
		"1": {"Email": json.RawMessage(`"a@example.com"`), "Amount": json.RawMessage(`12.50`)},
	}
	for _, body := range []string{
		`"affected_values":[{"record_id":"1","values":{"Email":"a@example.com","Amount":12.50}}]`,
		`"affected_values":[{"id":1,"values":{"Email":"a@example.com","Amount":12.50}}]`,
		`"affected_values":{"1":{"Email":"a@example.com","Amount":12.50}}`,
		`"affected_field_values":[{"1":{"Email":"a@example.com","Amount":12.50}}]`,
	} {
		n, err := crm.ParseNotification([]byte(`{"module":"Leads","ids":["1"],` + body + `}`))
		require.NoError(t, err, body)
		require.Equal(t, want, n.AffectedValues, body)
		require.Empty(t, n.Unparsed, body)
	}
}

func TestParseNotificationKeepsWhatItDoesNotUnderstand(t *testing.T) {
	t.Parallel()
	body := `{"module":"Leads","ids":["1"],"affected_fields":42,"affected_values":"x",
		"server_time":"yesterday","channel_id":{"id":1},"new_thing":{"a":[1,2]}}`
	n, err := crm.ParseNotification([]byte(body))
	require.NoError(t, err)
	require.Nil(t, n.AffectedFields)
	require.Nil(t, n.AffectedValues)
	require.True(t, n.ServerTime.IsZero())
	require.Empty(t, n.ChannelID)
	require.Equal(t, map[string]json.RawMessage{
		"affected_fields": json.RawMessage(`42`),
		"affected_values": json.RawMessage(`"x"`),
		"server_time":     json.RawMessage(`"yesterday"`),
		"channel_id":      json.RawMessage(`{"id":1}`),
	}, n.Unparsed)
	require.Equal(t, map[string]json.RawMessage{"new_thing": json.RawMessage(`{"a":[1,2]}`)}, n.Extra)
}

func TestParseNotificationTolerantForms(t *testing.T) {
	t.Parallel()
	n, err := crm.ParseNotification([]byte(`{"module":{"api_name":"Contacts","id":"5"},"ids":["9"],
		"query_params":"?a=1&b=two","server_time":"2026-05-14T12:53:58+03:00","operation":null,"token":12345}`))
	require.NoError(t, err)
	require.Equal(t, "Contacts", n.Module)
	require.Equal(t, map[string]string{"a": "1", "b": "two"}, n.QueryParams)
	require.Equal(t, time.Date(2026, 5, 14, 9, 53, 58, 0, time.UTC), n.ServerTime)
	require.Empty(t, n.Operation)
	require.Equal(t, "12345", n.Token)
}

func TestParseNotificationErrorsNameTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, field, reason string
	}{
		{"not json", `{"module":`, "", "not JSON"},
		{"empty", ``, "", "not JSON"},
		{"array", `[1,2]`, "", "not a JSON object"},
		{"null", `null`, "", "not a JSON object"},
		{"no module", `{"ids":["1"]}`, "module", "missing"},
		{"blank module", `{"module":"  ","ids":["1"]}`, "module", "missing or empty"},
		{"numeric module", `{"module":7,"ids":["1"]}`, "module", "number"},
		{"no ids", `{"module":"Leads"}`, "ids", "missing"},
		{"null ids", `{"module":"Leads","ids":null}`, "ids", "lists no record"},
		{"empty ids", `{"module":"Leads","ids":[]}`, "ids", "lists no record"},
		{"object ids", `{"module":"Leads","ids":{"a":1}}`, "ids", "object"},
		{"empty id", `{"module":"Leads","ids":["1",""]}`, "ids[1]", "empty"},
		{"object id", `{"module":"Leads","ids":["1",{"id":2}]}`, "ids[1]", "object"},
		{"rounded id", `{"module":"Leads","ids":[4.876876e18]}`, "ids[0]", "integer"},
		{"negative id", `{"module":"Leads","ids":[-3]}`, "ids[0]", "integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := crm.ParseNotification([]byte(tt.body))
			require.ErrorIs(t, err, crm.ErrInvalidNotification)
			var ne *crm.NotificationError
			require.True(t, errors.As(err, &ne))
			require.Equal(t, tt.field, ne.Field)
			require.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestNotificationNeverPrintsItsToken(t *testing.T) {
	t.Parallel()
	n, err := crm.ParseNotification([]byte(`{"module":"Leads","ids":["1"],"token":"s3cr3t-token","query_params":{"key":"s3cr3t-key"}}`))
	require.NoError(t, err)
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("got", "notification", n)
	for _, out := range []string{fmt.Sprint(n), fmt.Sprintf("%+v", n), fmt.Sprintf("%v", &n), logged.String()} {
		require.NotContains(t, out, "s3cr3t")
		require.Contains(t, out, "Leads")
	}
}
