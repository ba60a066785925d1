package zohotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testStart is the fake clock's start in tests.
var testStart = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// bundle is a started fake, its clock and a valid access token.
type bundle struct {
	t     *testing.T
	srv   *Server
	clock *FakeClock
	token string
}

func setup(t *testing.T, opts *Options) *bundle {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	clock, ok := o.Clock.(*FakeClock)
	if o.Clock == nil {
		clock = NewFakeClock(testStart)
		o.Clock, ok = clock, true
	}
	if !ok {
		t.Fatal("setup wants a *FakeClock or none")
	}
	srv := NewServer(t, &o)
	return &bundle{t: t, srv: srv, clock: clock, token: srv.IssueAccessToken()}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// call sends a request with the bundle's token. body is JSON-encoded unless
// it is a string (sent as is) or nil. hdr holds header name/value pairs.
func (b *bundle) call(method, path string, body any, hdr ...string) response {
	b.t.Helper()
	return b.callToken("Zoho-oauthtoken "+b.token, method, path, body, hdr...)
}

func (b *bundle) callToken(auth, method, path string, body any, hdr ...string) response {
	b.t.Helper()
	var rd io.Reader
	switch x := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(x))
	default:
		j, err := json.Marshal(x)
		require.NoError(b.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.srv.URL()+path, rd)
	require.NoError(b.t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.srv.Client().Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		require.NoError(b.t, json.Unmarshal(raw, &r.body), "body: %s", raw)
	}
	return r
}

// form posts form values (to the token endpoint).
func (b *bundle) form(path string, v url.Values) response {
	b.t.Helper()
	resp, err := b.srv.Client().PostForm(b.srv.URL()+path, v)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	require.NoError(b.t, json.Unmarshal(raw, &r.body), "body: %s", raw)
	return r
}

// data returns the body's "data" array as objects.
func (r response) data(t *testing.T) []map[string]any {
	t.Helper()
	list, ok := r.body["data"].([]any)
	require.True(t, ok, "no data array in %s", r.raw)
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = e.(map[string]any)
	}
	return out
}

func (r response) info(t *testing.T) map[string]any {
	t.Helper()
	info, ok := r.body["info"].(map[string]any)
	require.True(t, ok, "no info in %s", r.raw)
	return info
}

// seedContacts puts n contacts named Contact-0001... with emails.
func (b *bundle) seedContacts(n int) []Record {
	b.t.Helper()
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{"Last_Name": contactName(i), "Email": contactEmail(i)}
	}
	out, err := b.srv.CRM().PutMany("Contacts", recs)
	require.NoError(b.t, err)
	return out
}

func contactName(i int) string  { return "Contact-" + pad(i) }
func contactEmail(i int) string { return "c" + pad(i) + "@example.com" }

func pad(i int) string {
	s := []byte("00000")
	for j := len(s) - 1; j >= 0 && i > 0; j-- {
		s[j] = byte('0' + i%10)
		i /= 10
	}
	return string(s)
}
