package finance

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
)

func answer(status int, hdr ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &http.Response{StatusCode: status, Header: h}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		hdr    []string
		ok     bool
		code   string
		is     error
		retry  time.Duration
	}{
		{name: "success", status: 200, body: `{"code":0,"message":"success","invoices":[]}`, ok: true},
		{name: "success spaced", status: 201, body: ` { "message": "created", "code": 0 }`, ok: true},
		{name: "no envelope", status: 200, body: `[1,2]`, ok: true},
		{name: "empty 204", status: 204, body: ``, ok: true},
		{name: "not found in 200", status: 200, body: `{"code":1002,"message":"Invoice does not exist."}`, code: "1002", is: zoho.ErrNotFound},
		{name: "invalid url", status: 404, body: `{"code":5,"message":"Invalid URL Passed"}`, code: "5", is: zoho.ErrNotFound},
		{name: "no auth", status: 401, body: `{"code":14,"message":"The request could not be authenticated"}`, code: "14", is: zoho.ErrInvalidToken},
		{name: "dead token", status: 401, body: `{"code":57,"message":"You are not authorized to perform this operation"}`, code: "57", is: zoho.ErrInvalidToken},
		{name: "scope", status: 403, body: `{"code":57,"message":"You are not authorized to perform this operation"}`, code: "57", is: zoho.ErrForbidden},
		{name: "per minute", status: 429, body: `{"code":44,"message":"blocked"}`, code: "44", is: zoho.ErrRateLimited},
		{name: "concurrency", status: 429, body: `{"code":1070,"message":"in process"}`, code: "1070", is: zoho.ErrRateLimited},
		{name: "daily", status: 429, body: `{"code":45,"message":"limit"}`, hdr: []string{"X-Rate-Limit-Reset", "3600"}, code: "45", is: zoho.ErrRateLimited, retry: time.Hour},
		{name: "invalid value", status: 400, body: `{"code":2,"message":"Invalid value passed for organization_id"}`, code: "2", is: zoho.ErrInvalidData},
		{name: "string code", status: 200, body: `{"code":"1002","message":"x"}`, code: "1002", is: zoho.ErrNotFound},
		{name: "message object", status: 400, body: `{"code":9,"message":{"field":"bad"}}`, code: "9", is: zoho.ErrInvalidData},
		{name: "html 502", status: 502, body: `<html>bad gateway</html>`, code: "", is: zoho.ErrServer},
		{name: "code 0 with 500", status: 500, body: `{"code":0,"message":"odd"}`, code: "0", is: zoho.ErrServer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Check(answer(tc.status, tc.hdr...), []byte(tc.body))
			if tc.ok {
				require.NoError(t, err)
				return
			}
			var ze *zoho.Error
			require.ErrorAs(t, err, &ze)
			require.Equal(t, tc.code, ze.Code)
			require.Equal(t, tc.status, ze.StatusCode)
			require.ErrorIs(t, err, tc.is)
			require.Equal(t, tc.retry, ze.Wait)
		})
	}
}

type thing struct {
	ID    string                     `json:"id"`
	N     int                        `json:"n,omitzero"`
	F     float64                    `json:"f,omitzero"`
	On    bool                       `json:"on,omitzero"`
	Any   any                        `json:"any,omitzero"`
	Extra map[string]json.RawMessage `json:"-"`
}

func TestCodecTolerance(t *testing.T) {
	t.Parallel()
	c := NewCodec[thing]()
	var v thing
	var extra map[string]json.RawMessage
	require.NoError(t, c.Decode([]byte(`{"id":460000000026049,"n":"15","f":"2.5","on":"true","any":12345678901234567890,"x":[1]}`), &v, &extra))
	require.Equal(t, thing{ID: "460000000026049", N: 15, F: 2.5, On: true, Any: json.Number("12345678901234567890")}, v)
	require.Equal(t, map[string]json.RawMessage{"x": json.RawMessage(`[1]`)}, extra)

	out, err := c.Encode(&v, extra, "f")
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"460000000026049","n":15,"on":true,"any":12345678901234567890,"x":[1]}`, string(out))

	_, err = c.Encode(&v, map[string]json.RawMessage{"bad": json.RawMessage(`{`)})
	require.Error(t, err)
	out, err = c.Encode(&v, map[string]json.RawMessage{"id": json.RawMessage(`"other"`)})
	require.NoError(t, err)
	require.Contains(t, string(out), `"id":"460000000026049"`, "a declared member always comes from the struct")

	require.ErrorContains(t, c.Decode([]byte(`{"n":"many"}`), &v, &extra), "n:")
	require.Error(t, c.Decode([]byte(`[1]`), &v, &extra))
	require.Error(t, NewCodec[int]().Decode([]byte(`{}`), new(int), &extra))
}

func TestChooseDescribesEveryOrganization(t *testing.T) {
	t.Parallel()
	s := DescribeChoices([]Choice{{ID: "1", Name: "A", IsDefault: true}, {ID: "2", Name: `B "EU"`}})
	require.Equal(t, `1 ("A", default), 2 ("B \"EU\"")`, s)
}

func TestCheckID(t *testing.T) {
	t.Parallel()
	require.NoError(t, CheckID("460000000026049"))
	for _, bad := range []string{"", "1/2", "1?x", "a b", "%2F", "1&organization_id=2"} {
		require.Error(t, CheckID(bad), bad)
	}
	p, err := Path("/invoices", "12", "status", "sent")
	require.NoError(t, err)
	require.Equal(t, "/invoices/12/status/sent", p)
}
