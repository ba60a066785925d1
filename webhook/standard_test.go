package webhook_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/webhook"
)

// stdSecret is a Standard Webhooks secret: whsec_ and base64 of the key.
var stdSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

const stdBody = `{"type":"invoice.paid","data":{"id":"inv_123","amount":"125.00"}}`

type stdBundle struct {
	q    *recordingQueue
	rc   *webhook.SignedReceiver
	logs *logBuffer
}

func setupStandard(t *testing.T, vopts webhook.StandardOptions, opts webhook.SignedOptions) stdBundle {
	t.Helper()
	if vopts.Now == nil {
		vopts.Now = fixedNow
	}
	v, err := webhook.NewStandardVerifier(stdSecret, &vopts)
	require.NoError(t, err)
	b := stdBundle{q: &recordingQueue{Memory: newQueue(t)}, logs: &logBuffer{}}
	opts.Now = fixedNow
	opts.Logger = b.logs.logger()
	rc, err := webhook.NewSignedReceiver(b.q, v, &opts)
	require.NoError(t, err)
	b.rc = rc
	return b
}

// stdHeaders are the headers of a message signed at ts by the test's own
// implementation of the scheme.
func stdHeaders(t *testing.T, id string, ts time.Time, body string) map[string]string {
	t.Helper()
	return map[string]string{
		"webhook-id":        id,
		"webhook-timestamp": strconv.FormatInt(ts.Unix(), 10),
		"webhook-signature": standardSign(t, stdSecret, id, ts.Unix(), []byte(body)),
	}
}

func TestStandardWebhookVerifiesAndEnqueuesOnce(t *testing.T) {
	t.Parallel()
	b := setupStandard(t, webhook.StandardOptions{}, webhook.SignedOptions{Name: "billing"})
	h := stdHeaders(t, "msg_2b9Xx", t0.Add(-30*time.Second), stdBody)
	h["X-Request-Source"] = "billing-eu"

	a := post(b.rc, "/hooks/billing", []byte(stdBody), h)
	require.Equal(t, http.StatusOK, a.status, a.body)
	a = post(b.rc, "/hooks/billing", []byte(stdBody), h)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "duplicate")

	jobs := claimAll(t, b.q)
	require.Len(t, jobs, 1)
	require.Equal(t, webhook.KindEvent, jobs[0].Kind)
	require.Equal(t, "billing:msg_2b9Xx", jobs[0].Key)
	var p webhook.EventPayload
	require.NoError(t, json.Unmarshal(jobs[0].Payload, &p))
	require.Equal(t, "billing", p.Source)
	require.Equal(t, "msg_2b9Xx", p.EventID)
	require.Equal(t, t0, p.ReceivedAt)
	require.JSONEq(t, stdBody, string(p.Body))
	require.Equal(t, "billing-eu", p.Header.Get("X-Request-Source"))
	require.Empty(t, p.Header.Get("webhook-signature"), "the signature is not passed on")
	require.Equal(t, webhook.Counts{Received: 2, Accepted: 1, Duplicate: 1, JobsEnqueued: 1, JobsDuplicate: 1}, b.rc.Counts())
}

func TestStandardWebhookSignatureForms(t *testing.T) {
	t.Parallel()
	ts := t0.Add(-time.Minute)
	good := standardSign(t, stdSecret, "msg_1", ts.Unix(), []byte(stdBody))
	other := "v1," + base64.StdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name string
		sig  string
		ok   bool
	}{
		{"one signature", good, true},
		{"rotation: a stale key's signature first", other + " " + good, true},
		{"asymmetric entries are skipped", "v1a,AAAA " + good, true},
		{"unpadded base64", strings.TrimRight(good, "="), true},
		{"malformed entries are skipped", "garbage v1,*** " + good, true},
		{"only a wrong signature", other, false},
		{"no v1 entry", "v2," + good[3:], false},
		{"not version,signature", "garbage", false},
		{"v1 entry not base64", "v1,***", false},
		{"signature of another id", standardSign(t, stdSecret, "msg_2", ts.Unix(), []byte(stdBody)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupStandard(t, webhook.StandardOptions{}, webhook.SignedOptions{})
			h := stdHeaders(t, "msg_1", ts, stdBody)
			h["webhook-signature"] = tt.sig
			a := post(b.rc, "/", []byte(stdBody), h)
			if tt.ok {
				require.Equal(t, http.StatusOK, a.status, a.body)
				return
			}
			require.Equal(t, http.StatusUnauthorized, a.status, a.body)
			require.True(t, strings.HasPrefix(a.body, "bad_signature: "), a.body)
			require.NotContains(t, a.body, good[3:], "the expected signature is never echoed")
			require.Zero(t, b.q.Calls())
		})
	}
}

func TestStandardWebhookSvixHeaders(t *testing.T) {
	t.Parallel()
	b := setupStandard(t, webhook.StandardOptions{}, webhook.SignedOptions{})
	ts := t0.Unix()
	a := post(b.rc, "/", []byte(stdBody), map[string]string{
		"svix-id":        "msg_svix",
		"svix-timestamp": strconv.FormatInt(ts, 10),
		"svix-signature": standardSign(t, stdSecret, "msg_svix", ts, []byte(stdBody)),
	})
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Equal(t, "webhook:msg_svix", claimAll(t, b.q)[0].Key)
}

func TestStandardWebhookTimestampTolerance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tolerance time.Duration
		sent      time.Time
		ok        bool
		detail    string
	}{
		{"now", 0, t0, true, ""},
		{"5 minutes old, at the default tolerance", 0, t0.Add(-5 * time.Minute), true, ""},
		{"5 minutes ahead, at the default tolerance", 0, t0.Add(5 * time.Minute), true, ""},
		{"stale", 0, t0.Add(-5*time.Minute - time.Second), false, "older than the tolerance of 5m0s"},
		{"future", 0, t0.Add(5*time.Minute + time.Second), false, "in the future"},
		{"stale for a tighter tolerance", 30 * time.Second, t0.Add(-time.Minute), false, "older than the tolerance of 30s"},
		{"fine for a wider tolerance", time.Hour, t0.Add(-50 * time.Minute), true, ""},
		{"a day old", 0, t0.Add(-24 * time.Hour), false, "older"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupStandard(t, webhook.StandardOptions{Tolerance: tt.tolerance}, webhook.SignedOptions{})
			a := post(b.rc, "/", []byte(stdBody), stdHeaders(t, "msg_ts", tt.sent, stdBody))
			if tt.ok {
				require.Equal(t, http.StatusOK, a.status, a.body)
				return
			}
			require.Equal(t, http.StatusUnauthorized, a.status, a.body)
			require.True(t, strings.HasPrefix(a.body, "bad_timestamp: "), a.body)
			require.Contains(t, a.body, tt.detail)
			require.Zero(t, b.q.Calls())
			require.Equal(t, map[webhook.Reason]int64{webhook.ReasonTimestamp: 1}, b.rc.Counts().Refused)
		})
	}
}

// Every refusal of the Standard Webhooks receiver: the status, a reason,
// nothing enqueued, and no secret or signature in the answer or the logs.
func TestStandardWebhookRefusals(t *testing.T) {
	t.Parallel()
	ts := t0.Add(-time.Minute)
	signed := func(body string) map[string]string { return stdHeaders(t, "msg_r", ts, body) }
	without := func(name string) map[string]string {
		h := signed(stdBody)
		h[name] = ""
		return h
	}
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		reason webhook.Reason
	}{
		{"wrong method", func() *http.Request { return httptest.NewRequest(http.MethodPut, "/", strings.NewReader(stdBody)) }, 405, webhook.ReasonMethod},
		{"wrong content type", func() *http.Request {
			r := signedRequest(stdBody, signed(stdBody))
			r.Header.Set("Content-Type", "text/html")
			return r
		}, 415, webhook.ReasonContentType},
		{"oversize body", func() *http.Request {
			big := `{"pad":"` + strings.Repeat("x", 4096) + `"}`
			return signedRequest(big, signed(big))
		}, 413, webhook.ReasonTooLarge},
		{"no signature", func() *http.Request { return signedRequest(stdBody, without("webhook-signature")) }, 401, webhook.ReasonMissingSignature},
		{"no id", func() *http.Request { return signedRequest(stdBody, without("webhook-id")) }, 401, webhook.ReasonMissingSignature},
		{"no timestamp", func() *http.Request { return signedRequest(stdBody, without("webhook-timestamp")) }, 401, webhook.ReasonMissingSignature},
		{"bad signature", func() *http.Request {
			h := signed(stdBody)
			return signedRequest(`{"type":"invoice.paid","data":{"id":"inv_123","amount":"999.00"}}`, h)
		}, 401, webhook.ReasonBadSignature},
		{"timestamp not a number, signed as sent", func() *http.Request {
			h := signed(stdBody)
			h["webhook-timestamp"] = "yesterday"
			h["webhook-signature"] = "v1," + independentStdMAC(t, "msg_r", "yesterday", stdBody)
			return signedRequest(stdBody, h)
		}, 401, webhook.ReasonTimestamp},
		{"stale timestamp", func() *http.Request {
			return signedRequest(stdBody, stdHeaders(t, "msg_r", t0.Add(-time.Hour), stdBody))
		}, 401, webhook.ReasonTimestamp},
		{"future timestamp", func() *http.Request {
			return signedRequest(stdBody, stdHeaders(t, "msg_r", t0.Add(time.Hour), stdBody))
		}, 401, webhook.ReasonTimestamp},
		{"malformed JSON, correctly signed", func() *http.Request {
			return signedRequest(`{"type":`, signed(`{"type":`))
		}, 400, webhook.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupStandard(t, webhook.StandardOptions{}, webhook.SignedOptions{MaxBodyBytes: 1024})
			req := tt.req()
			sentSig := req.Header.Get("webhook-signature")
			a := serve(b.rc, req)
			require.Equal(t, tt.status, a.status, a.body)
			require.Equal(t, tt.status, tt.reason.Status())
			require.True(t, strings.HasPrefix(a.body, string(tt.reason)+": "), a.body)
			require.Zero(t, b.q.Calls())
			require.Zero(t, jobCount(t, b.q))
			require.Equal(t, map[webhook.Reason]int64{tt.reason: 1}, b.rc.Counts().Refused)
			for _, out := range []string{a.body, b.logs.String()} {
				require.NotContains(t, out, strings.TrimPrefix(stdSecret, "whsec_"))
				if len(sentSig) > 3 {
					require.NotContains(t, out, sentSig[3:])
				}
			}
		})
	}
}

func signedRequest(body string, h map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	return r
}

// independentStdMAC signs with a timestamp taken as text, for malformed
// timestamps.
func independentStdMAC(t *testing.T, id, ts, body string) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(stdSecret, "whsec_"))
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(bodyHMAC(string(key), []byte(id+"."+ts+"."+body)))
}

func TestStandardVerifierSignMatchesTheScheme(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewStandardVerifier(stdSecret, nil)
	require.NoError(t, err)
	require.Equal(t, standardSign(t, stdSecret, "msg_x", t0.Unix(), []byte(stdBody)), v.Sign("msg_x", t0, []byte(stdBody)))
}

func TestNewStandardVerifierValidates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		secret string
		opts   *webhook.StandardOptions
		want   string
	}{
		{"", nil, "secret is empty"},
		{"whsec_", nil, "secret is empty"},
		{"whsec_not*base64!", nil, "not base64"},
		{stdSecret, &webhook.StandardOptions{Tolerance: -time.Second}, "Tolerance"},
	} {
		_, err := webhook.NewStandardVerifier(tt.secret, tt.opts)
		require.ErrorContains(t, err, tt.want)
		if tt.secret != "" && tt.secret != "whsec_" {
			require.NotContains(t, err.Error(), strings.TrimPrefix(tt.secret, "whsec_"), "errors never quote the secret")
		}
	}
	// The prefix may be left out.
	_, err := webhook.NewStandardVerifier(strings.TrimPrefix(stdSecret, "whsec_"), nil)
	require.NoError(t, err)
}
