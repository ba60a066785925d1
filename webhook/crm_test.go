package webhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/webhook"
)

const (
	crmToken  = "tok-7f3a9c-channel-secret"
	crmSecret = "notify-url-secret-91b2"
)

// crmBody is a notification of Leads edits as Zoho posts it, with 19-digit
// IDs sent as JSON numbers.
func crmBody(token string, serverTime int64, ids ...string) []byte {
	return fmt.Appendf(nil, `{"server_time":%d,"module":"Leads","resource_uri":"https://www.zohoapis.com/crm/v8/Leads",
		"ids":[%s],"operation":"edit","channel_id":1000000068001,"token":%q,
		"affected_fields":[{"%s":["Email"]}],"query_params":{"key":%q}}`,
		serverTime, strings.Join(ids, ","), token, ids[0], crmSecret)
}

var threeIDs = []string{"4876876000000123451", "4876876000000123452", "4876876000000123453"}

type crmBundle struct {
	q    *recordingQueue
	rc   *webhook.CRMReceiver
	logs *logBuffer
	seen *webhook.Counters
}

func setupCRM(t *testing.T, opts webhook.CRMOptions) crmBundle {
	t.Helper()
	b := crmBundle{q: &recordingQueue{Memory: newQueue(t)}, logs: &logBuffer{}, seen: &webhook.Counters{}}
	opts.Now = fixedNow
	opts.Logger = b.logs.logger()
	opts.Observer = b.seen
	rc, err := webhook.NewCRMReceiver(b.q, &opts)
	require.NoError(t, err)
	b.rc = rc
	return b
}

func TestCRMReceiverEnqueuesOneJobPerRecordOnce(t *testing.T) {
	t.Parallel()
	b := setupCRM(t, webhook.CRMOptions{Token: crmToken})
	body := crmBody(crmToken, 1772366400123, threeIDs...)

	a := post(b.rc, "/hooks/zoho", body, nil)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "3 job(s) enqueued")
	require.Equal(t, 3, jobCount(t, b.q))

	// Zoho delivers the same notification again: still three jobs.
	a = post(b.rc, "/hooks/zoho", body, nil)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "duplicate")
	require.Equal(t, 3, jobCount(t, b.q))

	jobs := claimAll(t, b.q)
	require.Len(t, jobs, 3)
	for i, j := range jobs {
		require.Equal(t, webhook.KindRecordEvent, j.Kind)
		require.Equal(t, "zoho-crm:1000000068001:Leads:"+threeIDs[i]+":update:1772366400123", j.Key)
		var ev webhook.RecordEvent
		require.NoError(t, json.Unmarshal(j.Payload, &ev))
		want := webhook.RecordEvent{
			Source:       "zoho-crm",
			Module:       "Leads",
			RecordID:     threeIDs[i],
			Operation:    webhook.OperationUpdate,
			RawOperation: "edit",
			ServerTime:   time.UnixMilli(1772366400123).UTC(),
			ChannelID:    "1000000068001",
			ReceivedAt:   t0,
		}
		if i == 0 {
			want.AffectedFields = []string{"Email"}
		}
		require.Equal(t, want, ev)
		require.NotContains(t, string(j.Payload), crmToken)
		require.NotContains(t, string(j.Payload), crmSecret)
	}

	want := webhook.Counts{Received: 2, Accepted: 1, Duplicate: 1, JobsEnqueued: 3, JobsDuplicate: 3}
	require.Equal(t, want, b.rc.Counts())
	require.Equal(t, map[string]webhook.Counts{"zoho-crm": want}, b.seen.Snapshot())
}

func TestCRMReceiverLaterChangeOfSameRecordIsEnqueued(t *testing.T) {
	t.Parallel()
	b := setupCRM(t, webhook.CRMOptions{Token: crmToken})
	id := threeIDs[:1]
	require.Equal(t, http.StatusOK, post(b.rc, "/", crmBody(crmToken, 1772366400000, id...), nil).status)
	require.Equal(t, http.StatusOK, post(b.rc, "/", crmBody(crmToken, 1772366460000, id...), nil).status)
	require.Equal(t, 2, jobCount(t, b.q), "a second edit a minute later is a new event, not a redelivery")
}

func TestCRMReceiverWithoutServerTimeDedupsByBody(t *testing.T) {
	t.Parallel()
	b := setupCRM(t, webhook.CRMOptions{Token: crmToken})
	body := fmt.Appendf(nil, `{"module":"Deals","ids":["1","2"],"operation":"create","token":%q}`, crmToken)
	require.Equal(t, http.StatusOK, post(b.rc, "/", body, nil).status)
	require.Equal(t, http.StatusOK, post(b.rc, "/", body, nil).status)
	jobs := claimAll(t, b.q)
	require.Len(t, jobs, 2)
	require.True(t, strings.HasPrefix(jobs[0].Key, "zoho-crm::Deals:1:create:body-"), jobs[0].Key)
}

func TestCRMReceiverPerChannelTokens(t *testing.T) {
	t.Parallel()
	body := func(channel, token string) []byte {
		return fmt.Appendf(nil, `{"module":"Leads","ids":["1"],"channel_id":%q,"token":%q,"server_time":1}`, channel, token)
	}
	tests := []struct {
		name    string
		opts    webhook.CRMOptions
		channel string
		token   string
		status  int
		reason  string
	}{
		{"own token", webhook.CRMOptions{Tokens: map[string]string{"1": "tok-one", "2": "tok-two"}}, "1", "tok-one", 200, ""},
		{"other channel's token", webhook.CRMOptions{Tokens: map[string]string{"1": "tok-one", "2": "tok-two"}}, "2", "tok-one", 401, "bad_token"},
		{"unknown channel", webhook.CRMOptions{Tokens: map[string]string{"1": "tok-one"}}, "3", "tok-one", 403, "unknown_channel"},
		{"fallback token", webhook.CRMOptions{Token: "tok-all", Tokens: map[string]string{"1": "tok-one"}}, "3", "tok-all", 200, ""},
		{"fallback does not cover a listed channel", webhook.CRMOptions{Token: "tok-all", Tokens: map[string]string{"1": "tok-one"}}, "1", "tok-all", 401, "bad_token"},
		{"missing token", webhook.CRMOptions{Token: "tok-all"}, "1", "", 401, "bad_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupCRM(t, tt.opts)
			a := post(b.rc, "/", body(tt.channel, tt.token), nil)
			require.Equal(t, tt.status, a.status, a.body)
			if tt.reason != "" {
				require.True(t, strings.HasPrefix(a.body, tt.reason+": "), a.body)
				require.Zero(t, b.q.Calls())
				require.NotContains(t, a.body, "tok-")
			}
		})
	}
}

func TestCRMReceiverNotifyURLSecret(t *testing.T) {
	t.Parallel()
	withQuery := func(q string) []byte {
		return fmt.Appendf(nil, `{"module":"Leads","ids":["1"],"server_time":1,"query_params":%s}`, q)
	}
	tests := []struct {
		name   string
		target string
		body   []byte
		status int
	}{
		{"in the URL", "/hooks/zoho?key=" + crmSecret, withQuery(`{}`), 200},
		{"wrong in the URL", "/hooks/zoho?key=guess", withQuery(`{"key":"` + crmSecret + `"}`), 401},
		{"echoed in the body only", "/hooks/zoho", withQuery(`{"key":"` + crmSecret + `"}`), 200},
		{"wrong in the body", "/hooks/zoho", withQuery(`{"key":"guess"}`), 401},
		{"missing", "/hooks/zoho", withQuery(`{}`), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupCRM(t, webhook.CRMOptions{SecretParam: "key", Secret: crmSecret})
			a := post(b.rc, tt.target, tt.body, nil)
			require.Equal(t, tt.status, a.status, a.body)
			if tt.status != 200 {
				require.True(t, strings.HasPrefix(a.body, "bad_secret: "), a.body)
				require.NotContains(t, a.body, crmSecret)
				require.Zero(t, b.q.Calls())
			}
		})
	}
}

// Every refusal: the status, a reason, nothing enqueued, no secret echoed.
func TestCRMReceiverRefusals(t *testing.T) {
	t.Parallel()
	good := crmBody(crmToken, 1, threeIDs...)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		reason string
		detail string
	}{
		{"wrong method", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/?key="+crmSecret, nil)
		}, 405, "method_not_allowed", "POST"},
		{"wrong content type", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/?key="+crmSecret, strings.NewReader(string(good)))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 415, "unsupported_media_type", "application/x-www-form-urlencoded"},
		{"body over the limit, length declared", func() *http.Request {
			return jsonRequest("/?key="+crmSecret, append(good, make([]byte, 2048)...))
		}, 413, "body_too_large", "limit"},
		{"body over the limit, length not declared", func() *http.Request {
			r := jsonRequest("/?key="+crmSecret, append(good, make([]byte, 2048)...))
			r.ContentLength = -1
			return r
		}, 413, "body_too_large", "limit"},
		{"malformed JSON", func() *http.Request {
			return jsonRequest("/?key="+crmSecret, good[:len(good)-5])
		}, 400, "malformed_payload", "not JSON"},
		{"no module", func() *http.Request {
			return jsonRequest("/?key="+crmSecret, []byte(`{"ids":["1"],"token":"`+crmToken+`"}`))
		}, 400, "malformed_payload", "module"},
		{"no ids", func() *http.Request {
			return jsonRequest("/?key="+crmSecret, []byte(`{"module":"Leads","ids":[],"token":"`+crmToken+`"}`))
		}, 400, "malformed_payload", "ids"},
		{"wrong token", func() *http.Request {
			return jsonRequest("/?key="+crmSecret, crmBody("tok-guessed", 1, threeIDs...))
		}, 401, "bad_token", "does not match"},
		{"wrong secret", func() *http.Request {
			return jsonRequest("/?key=guess", good)
		}, 401, "bad_secret", "key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupCRM(t, webhook.CRMOptions{Token: crmToken, SecretParam: "key", Secret: crmSecret, MaxBodyBytes: 1024})
			a := serve(b.rc, tt.req())
			require.Equal(t, tt.status, a.status, a.body)
			require.True(t, strings.HasPrefix(a.body, tt.reason+": "), a.body)
			require.Contains(t, a.body, tt.detail)
			require.NotContains(t, a.body, crmToken)
			require.NotContains(t, a.body, crmSecret)
			require.Zero(t, b.q.Calls(), "a refused request must not reach the queue")
			require.Zero(t, jobCount(t, b.q))
			require.Equal(t, map[webhook.Reason]int64{webhook.Reason(tt.reason): 1}, b.rc.Counts().Refused)
			if tt.status == 405 {
				require.Equal(t, "POST", a.header.Get("Allow"))
			}
			require.NotContains(t, b.logs.String(), crmToken)
			require.NotContains(t, b.logs.String(), crmSecret)
		})
	}
}

func jsonRequest(target string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	return r
}

func TestCRMReceiverQueueDownIs503(t *testing.T) {
	t.Parallel()
	q := &downQueue{}
	logs := &logBuffer{}
	rc, err := webhook.NewCRMReceiver(q, &webhook.CRMOptions{Token: crmToken, Logger: logs.logger()})
	require.NoError(t, err)
	a := post(rc, "/", crmBody(crmToken, 1, threeIDs...), nil)
	require.Equal(t, http.StatusServiceUnavailable, a.status)
	require.True(t, strings.HasPrefix(a.body, "queue_unavailable: "), a.body)
	require.NotContains(t, a.body, "connection refused", "the queue's error stays in the logs")
	require.Equal(t, 1, q.calls)
	require.Contains(t, logs.String(), "connection refused")
	require.NotContains(t, logs.String(), crmToken)
	require.Equal(t, map[webhook.Reason]int64{webhook.ReasonQueueUnavailable: 1}, rc.Counts().Refused)
}

func TestCRMReceiverContentTypes(t *testing.T) {
	t.Parallel()
	body := crmBody(crmToken, 1, threeIDs[:1]...)
	tests := []struct {
		name   string
		opts   webhook.CRMOptions
		ct     string
		status int
	}{
		{"json with charset", webhook.CRMOptions{}, "application/json; charset=UTF-8", 200},
		{"vendor json", webhook.CRMOptions{}, "application/vnd.zoho+json", 200},
		{"missing is tolerated", webhook.CRMOptions{}, "", 200},
		{"missing when required", webhook.CRMOptions{RequireContentType: true}, "", 415},
		{"text plain", webhook.CRMOptions{}, "text/plain", 415},
		{"text plain allowed", webhook.CRMOptions{ContentTypes: []string{"text/plain"}}, "text/plain", 200},
		{"anything allowed", webhook.CRMOptions{ContentTypes: []string{"*/*"}, RequireContentType: true}, "", 200},
		{"garbage", webhook.CRMOptions{}, ";;;", 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.Token = crmToken
			b := setupCRM(t, tt.opts)
			a := post(b.rc, "/", body, map[string]string{"Content-Type": tt.ct})
			require.Equal(t, tt.status, a.status, a.body)
		})
	}
}

func TestNewCRMReceiverValidates(t *testing.T) {
	t.Parallel()
	q := newQueue(t)
	tests := []struct {
		name string
		q    queue.Queue
		opts *webhook.CRMOptions
		want string
	}{
		{"nil options", q, nil, "no credential"},
		{"no credential", q, &webhook.CRMOptions{Name: "crm"}, "no credential"},
		{"long token", q, &webhook.CRMOptions{Token: strings.Repeat("x", 51)}, "CRMOptions.Token is 51 characters"},
		{"empty channel token", q, &webhook.CRMOptions{Tokens: map[string]string{"1": ""}}, `Tokens["1"] is empty`},
		{"empty channel", q, &webhook.CRMOptions{Tokens: map[string]string{"": "x"}}, "empty channel ID"},
		{"secret without param", q, &webhook.CRMOptions{Token: "t", Secret: "s"}, "SecretParam and CRMOptions.Secret"},
		{"negative size", q, &webhook.CRMOptions{Token: "t", MaxBodyBytes: -1}, "MaxBodyBytes"},
		{"negative attempts", q, &webhook.CRMOptions{Token: "t", MaxAttempts: -1}, "MaxAttempts"},
		{"bad content type", q, &webhook.CRMOptions{Token: "t", ContentTypes: []string{"json"}}, "ContentTypes[0]"},
		{"nil queue", nil, &webhook.CRMOptions{Token: "t"}, "queue is nil"},
	}
	for _, tt := range tests {
		_, err := webhook.NewCRMReceiver(tt.q, tt.opts)
		require.ErrorContains(t, err, tt.want, tt.name)
		require.NotContains(t, err.Error(), strings.Repeat("x", 51), "errors never quote a token")
	}
}
