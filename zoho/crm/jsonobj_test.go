package crm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEachMember(t *testing.T) {
	t.Parallel()
	type kv struct{ k, v string }
	for _, tc := range []struct {
		in   string
		want []kv
		bad  bool
	}{
		{in: `{}`},
		{in: ` null `},
		{in: `{"a":1}`, want: []kv{{"a", "1"}}},
		{in: ` { "a" : "x,}" , "b\"c" : [1,{"d":"]"}], "e":{"f":{}},"g":true,"h":null } `,
			want: []kv{{"a", `"x,}"`}, {`b\"c`, `[1,{"d":"]"}]`}, {"e", `{"f":{}}`}, {"g", "true"}, {"h", "null"}}},
		{in: `[1]`, bad: true},
		{in: `{"a":1`, bad: true},
		{in: `{"a" 1}`, bad: true},
		{in: `{"a":"unterminated}`, bad: true},
		{in: `{"a":1 "b":2}`, bad: true},
		{in: `{"a":[1,2}`, bad: true},
		{in: ``, bad: true},
	} {
		var got []kv
		err := eachMember([]byte(tc.in), func(k, v []byte) error {
			got = append(got, kv{string(k), string(v)})
			return nil
		})
		if tc.bad {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestDecodeAnyKeepsNumbersExact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]any{
		`12345678901234567.89`: json.Number("12345678901234567.89"),
		`-0.5e3`:               json.Number("-0.5e3"),
		`"plain"`:              "plain",
		`"esc\"aped\u00e9"`:    "esc\"apedé",
		`true`:                 true,
		`null`:                 nil,
		`[1,"a"]`:              []any{json.Number("1"), "a"},
		`{"x":1.10}`:           map[string]any{"x": json.Number("1.10")},
	} {
		got, err := decodeAny([]byte(in))
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := decodeAny([]byte(`01x`))
	require.Error(t, err)
}

func TestStructFieldsSeesEmbeddedFields(t *testing.T) {
	t.Parallel()
	fs := fieldsOf[contactJSON]()
	for _, name := range []string{"id", "Owner", "Created_Time", "Last_Name", "Account_Name", "Mailing_Zip"} {
		require.True(t, fs.has([]byte(name)), name)
	}
	require.False(t, fs.has([]byte("Extra")))
	require.False(t, fs.has([]byte("RecordInfo")))
	require.True(t, fs.has([]byte("last_name")), "case-insensitive like encoding/json")
	require.LessOrEqual(t, len(fs.list), MaxFields, "a typed module lists its fields in one call")
}

func TestJSONSinkWriteFallback(t *testing.T) {
	t.Parallel()
	var v struct {
		N json.Number `json:"n"`
		M any         `json:"m"`
	}
	s := &jsonSink{v: &v}
	_, _ = s.Write([]byte(`{"n":1.50,`))
	_, _ = s.Write([]byte(`"m":2.25}`))
	require.NoError(t, s.finish())
	require.Equal(t, json.Number("1.50"), v.N)
	require.Equal(t, json.Number("2.25"), v.M)

	empty := &jsonSink{v: &v}
	n, err := empty.ReadFrom(strings.NewReader(""))
	require.NoError(t, err)
	require.Zero(t, n)
	require.NoError(t, empty.finish())

	_, err = (&jsonSink{v: &v}).ReadFrom(strings.NewReader(`{"n":`))
	require.Error(t, err)
}

func TestCheckWriteAcceptsOnlyPerRecordFailures(t *testing.T) {
	t.Parallel()
	resp := func(status int) *http.Response { return &http.Response{StatusCode: status} }
	perRecord := []byte(`{"data":[{"code":"MANDATORY_NOT_FOUND","status":"error"},{"code":"INVALID_DATA","status":"error"}]}`)
	require.NoError(t, checkWrite(2)(resp(http.StatusBadRequest), perRecord))
	require.NoError(t, checkWrite(2)(resp(http.StatusMultiStatus), perRecord))
	require.Error(t, checkWrite(3)(resp(http.StatusBadRequest), perRecord), "a count that does not match is a call failure")
	require.Error(t, checkWrite(1)(resp(http.StatusBadRequest), []byte(`{"code":"LIMIT_EXCEEDED","details":{},"message":"x","status":"error"}`)))
	require.Error(t, checkWrite(2)(resp(http.StatusInternalServerError), perRecord))
}

// FuzzTypedKeepsUnknownMembers checks that decoding any JSON object into a
// typed struct keeps every member it does not declare, with its value, and
// that encoding it back yields valid JSON.
func FuzzTypedKeepsUnknownMembers(f *testing.F) {
	f.Add([]byte(`{"Last_Name":"x","Custom":1.5,"Nested":{"a":[1,null]}}`))
	f.Add([]byte(`{"id":"1","Owner":{"id":"2"},"Phone":null,"odd\"key":"v","Email":"e"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var orig map[string]json.RawMessage
		if json.Unmarshal(data, &orig) != nil || orig == nil {
			return
		}
		var c Contact
		if err := json.Unmarshal(data, &c); err != nil {
			return // a declared field of the wrong type
		}
		for k, raw := range orig {
			if contactFields.has([]byte(k)) || bytes.ContainsRune([]byte(k), '\\') {
				continue
			}
			want, err := decodeAny(raw)
			require.NoError(t, err)
			got, ok := c.Extra[k]
			if !ok {
				// A later duplicate key that folds onto a declared name is
				// taken by encoding/json; anything else must be kept.
				t.Fatalf("member %q lost: %s", k, data)
			}
			require.Equal(t, want, got, "member %q", k)
		}
		out, err := json.Marshal(c)
		require.NoError(t, err)
		require.True(t, json.Valid(out), "%s", out)
	})
}
