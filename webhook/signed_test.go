package webhook_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/webhook"
)

const (
	ghSecret   = "gh-webhook-secret-2c41"
	xeroSecret = "xero-webhook-key-77aa"
	ghBody     = `{"action":"opened","issue":{"number":42}}`
	xeroBody   = `{"events":[{"resourceId":"c5d1","eventType":"UPDATE"}],"firstEventSequence":7,"lastEventSequence":7,"entropy":"QWERTY"}`
)

func newSigned(t *testing.T, q queue.Queue, v webhook.Verifier, opts webhook.SignedOptions) *webhook.SignedReceiver {
	t.Helper()
	opts.Now = fixedNow
	rc, err := webhook.NewSignedReceiver(q, v, &opts)
	require.NoError(t, err)
	return rc
}

func TestHeaderHMACHexGitHubStyle(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewHMACVerifier(ghSecret, webhook.GitHubHMAC())
	require.NoError(t, err)
	q := &recordingQueue{Memory: newQueue(t)}
	rc := newSigned(t, q, v, webhook.SignedOptions{Name: "github", IDHeader: "X-GitHub-Delivery"})

	sig := "sha256=" + hex.EncodeToString(bodyHMAC(ghSecret, []byte(ghBody)))
	h := map[string]string{"X-Hub-Signature-256": sig, "X-GitHub-Delivery": "72d3162e-cc78-11e3", "X-GitHub-Event": "issues"}
	a := post(rc, "/hooks/github", []byte(ghBody), h)
	require.Equal(t, http.StatusOK, a.status, a.body)

	// Upper-case hex and prefix are the same signature.
	h["X-Hub-Signature-256"] = "SHA256=" + strings.ToUpper(sig[len("sha256="):])
	a = post(rc, "/hooks/github", []byte(ghBody), h)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "duplicate", "same delivery ID")

	jobs := claimAll(t, q)
	require.Len(t, jobs, 1)
	require.Equal(t, "github:72d3162e-cc78-11e3", jobs[0].Key)
	var p webhook.EventPayload
	require.NoError(t, json.Unmarshal(jobs[0].Payload, &p))
	require.Equal(t, "issues", p.Header.Get("X-GitHub-Event"))
	require.Empty(t, p.Header.Values("X-Hub-Signature-256"))
	require.NotContains(t, string(jobs[0].Payload), sig[len("sha256="):])
}

func TestHeaderHMACBase64XeroStyle(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewHMACVerifier(xeroSecret, webhook.XeroHMAC())
	require.NoError(t, err)
	q := &recordingQueue{Memory: newQueue(t)}
	rc := newSigned(t, q, v, webhook.SignedOptions{Name: "xero"})

	mac := bodyHMAC(xeroSecret, []byte(xeroBody))
	for _, sig := range []string{
		base64.StdEncoding.EncodeToString(mac),
		base64.RawURLEncoding.EncodeToString(mac),
	} {
		a := post(rc, "/hooks/xero", []byte(xeroBody), map[string]string{"x-xero-signature": sig})
		require.Equal(t, http.StatusOK, a.status, a.body)
	}
	// Xero sends no ID: the body's hash keyed both deliveries the same.
	jobs := claimAll(t, q)
	require.Len(t, jobs, 1)
	require.True(t, strings.HasPrefix(jobs[0].Key, "xero:sha256:"), jobs[0].Key)

	// Xero's intent-to-receive check: a wrong signature must get 401.
	a := post(rc, "/hooks/xero", []byte(xeroBody), map[string]string{"x-xero-signature": base64.StdEncoding.EncodeToString(bodyHMAC("other", []byte(xeroBody)))})
	require.Equal(t, http.StatusUnauthorized, a.status)
}

func TestHeaderHMACRefusals(t *testing.T) {
	t.Parallel()
	good := hex.EncodeToString(bodyHMAC(ghSecret, []byte(ghBody)))
	tests := []struct {
		name   string
		header string
		reason webhook.Reason
	}{
		{"missing", "", webhook.ReasonMissingSignature},
		{"no prefix", good, webhook.ReasonBadSignature},
		{"not hex", "sha256=zz" + good[2:], webhook.ReasonBadSignature},
		{"short", "sha256=" + good[:32], webhook.ReasonBadSignature},
		{"wrong key", "sha256=" + hex.EncodeToString(bodyHMAC("guess", []byte(ghBody))), webhook.ReasonBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := webhook.NewHMACVerifier(ghSecret, webhook.GitHubHMAC())
			require.NoError(t, err)
			q := &recordingQueue{Memory: newQueue(t)}
			rc := newSigned(t, q, v, webhook.SignedOptions{})
			a := post(rc, "/", []byte(ghBody), map[string]string{"X-Hub-Signature-256": tt.header})
			require.Equal(t, http.StatusUnauthorized, a.status, a.body)
			require.True(t, strings.HasPrefix(a.body, string(tt.reason)+": "), a.body)
			require.NotContains(t, a.body, good)
			require.NotContains(t, a.body, ghSecret)
			require.Zero(t, q.Calls())
		})
	}
}

func TestHMACVerifierSignMatchesIndependentHMAC(t *testing.T) {
	t.Parallel()
	gh, err := webhook.NewHMACVerifier(ghSecret, webhook.GitHubHMAC())
	require.NoError(t, err)
	require.Equal(t, "sha256="+hex.EncodeToString(bodyHMAC(ghSecret, []byte(ghBody))), gh.Sign([]byte(ghBody)))
	x, err := webhook.NewHMACVerifier(xeroSecret, webhook.XeroHMAC())
	require.NoError(t, err)
	require.Equal(t, base64.StdEncoding.EncodeToString(bodyHMAC(xeroSecret, []byte(xeroBody))), x.Sign([]byte(xeroBody)))
}

func TestNewHMACVerifierValidates(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewHMACVerifier("", webhook.GitHubHMAC())
	require.ErrorContains(t, err, "secret is empty")
	_, err = webhook.NewHMACVerifier("s", webhook.HMACOptions{})
	require.ErrorContains(t, err, "HMACOptions.Header is empty")
	_, err = webhook.NewHMACVerifier("s", webhook.HMACOptions{Header: "X-Sig", Encoding: webhook.Encoding(7)})
	require.ErrorContains(t, err, "HMACOptions.Encoding is Encoding(7)")
}

func TestSignedReceiverEventIDSources(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewHMACVerifier(ghSecret, webhook.HMACOptions{Header: "X-Signature"})
	require.NoError(t, err)
	sign := func(body string) map[string]string {
		return map[string]string{"X-Signature": hex.EncodeToString(bodyHMAC(ghSecret, []byte(body)))}
	}
	tests := []struct {
		name    string
		opts    webhook.SignedOptions
		body    string
		wantKey string
		reason  webhook.Reason
	}{
		{"top-level field", webhook.SignedOptions{IDField: "id"}, `{"id":"evt_1"}`, "webhook:evt_1", ""},
		{"nested numeric field", webhook.SignedOptions{IDField: "data.object.id"}, `{"data":{"object":{"id":4876876000000123457}}}`, "webhook:4876876000000123457", ""},
		{"array index", webhook.SignedOptions{IDField: "events.0.eventId"}, `{"events":[{"eventId":"e-9"}]}`, "webhook:e-9", ""},
		{"field missing", webhook.SignedOptions{IDField: "id"}, `{"other":1}`, "", webhook.ReasonMalformed},
		{"field is an object", webhook.SignedOptions{IDField: "id"}, `{"id":{"x":1}}`, "", webhook.ReasonMalformed},
		{"header missing", webhook.SignedOptions{IDHeader: "X-Event-Id"}, `{"id":"evt_1"}`, "", webhook.ReasonMalformed},
		{"very long id is hashed", webhook.SignedOptions{IDField: "id"}, `{"id":"` + strings.Repeat("a", 300) + `"}`, "webhook:sha256:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := &recordingQueue{Memory: newQueue(t)}
			rc := newSigned(t, q, v, tt.opts)
			a := post(rc, "/", []byte(tt.body), sign(tt.body))
			if tt.reason != "" {
				require.Equal(t, tt.reason.Status(), a.status, a.body)
				require.True(t, strings.HasPrefix(a.body, string(tt.reason)+": "), a.body)
				require.Zero(t, q.Calls())
				return
			}
			require.Equal(t, http.StatusOK, a.status, a.body)
			jobs := claimAll(t, q)
			require.Len(t, jobs, 1)
			require.True(t, strings.HasPrefix(jobs[0].Key, tt.wantKey), jobs[0].Key)
			require.Less(t, len(jobs[0].Key), 100)
		})
	}
}

func TestSignedReceiverMapFunc(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewHMACVerifier(ghSecret, webhook.GitHubHMAC())
	require.NoError(t, err)
	sign := func(body string) map[string]string {
		return map[string]string{"X-Hub-Signature-256": v.Sign([]byte(body)), "X-GitHub-Delivery": "d-1"}
	}
	type issue struct {
		Number int `json:"number"`
	}
	mapFunc := func(_ context.Context, e webhook.Event) ([]queue.Job, error) {
		var body struct {
			Action string  `json:"action"`
			Issues []issue `json:"issues"`
		}
		if err := json.Unmarshal(e.Body, &body); err != nil {
			return nil, err
		}
		switch body.Action {
		case "ignored":
			return nil, nil
		case "broken":
			return nil, errors.New("cannot map action broken")
		}
		var jobs []queue.Job
		for _, is := range body.Issues {
			p, _ := json.Marshal(is)
			jobs = append(jobs, queue.Job{Kind: "github.issue", Payload: p})
		}
		return jobs, nil
	}

	q := &recordingQueue{Memory: newQueue(t)}
	logs := &logBuffer{}
	rc := newSigned(t, q, v, webhook.SignedOptions{Name: "github", IDHeader: "X-GitHub-Delivery", MapFunc: mapFunc, MaxAttempts: 3, Logger: logs.logger()})

	two := `{"action":"opened","issues":[{"number":1},{"number":2}]}`
	require.Equal(t, http.StatusOK, post(rc, "/", []byte(two), sign(two)).status)
	a := post(rc, "/", []byte(two), sign(two))
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "duplicate")

	ignored := `{"action":"ignored"}`
	a = post(rc, "/", []byte(ignored), sign(ignored))
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "0 job(s)")

	broken := `{"action":"broken"}`
	a = post(rc, "/", []byte(broken), sign(broken))
	require.Equal(t, http.StatusUnprocessableEntity, a.status, a.body)
	require.True(t, strings.HasPrefix(a.body, "unprocessable_event: "), a.body)
	require.NotContains(t, a.body, "cannot map", "the MapFunc's error stays in the logs")
	require.Contains(t, logs.String(), "cannot map action broken")

	jobs := claimAll(t, q)
	require.Len(t, jobs, 2)
	require.Equal(t, []string{"github:d-1#0", "github:d-1#1"}, []string{jobs[0].Key, jobs[1].Key})
	require.Equal(t, 3, jobs[0].MaxAttempts)
	require.Equal(t, webhook.Counts{
		Received: 4, Accepted: 2, Duplicate: 1, JobsEnqueued: 2, JobsDuplicate: 2,
		Refused: map[webhook.Reason]int64{webhook.ReasonUnprocessable: 1},
	}, rc.Counts())
}

func TestSignedReceiverMapFuncInvalidJobIs500(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewHMACVerifier(ghSecret, webhook.GitHubHMAC())
	require.NoError(t, err)
	q := newQueue(t)
	rc := newSigned(t, q, v, webhook.SignedOptions{MapFunc: func(context.Context, webhook.Event) ([]queue.Job, error) {
		return []queue.Job{{Payload: []byte(`{}`)}}, nil // no Kind
	}})
	a := post(rc, "/", []byte(ghBody), map[string]string{"X-Hub-Signature-256": v.Sign([]byte(ghBody))})
	require.Equal(t, http.StatusInternalServerError, a.status, a.body)
	require.True(t, strings.HasPrefix(a.body, "invalid_job: "), a.body)
	require.Zero(t, jobCount(t, q))
}

func TestSignedReceiverQueueDownIs503(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewStandardVerifier(stdSecret, &webhook.StandardOptions{Now: fixedNow})
	require.NoError(t, err)
	q := &downQueue{}
	rc := newSigned(t, q, v, webhook.SignedOptions{})
	a := post(rc, "/", []byte(stdBody), stdHeaders(t, "msg_q", t0, stdBody))
	require.Equal(t, http.StatusServiceUnavailable, a.status, a.body)
	require.True(t, strings.HasPrefix(a.body, "queue_unavailable: "), a.body)
	require.Equal(t, 1, q.calls)
}

func TestSignedReceiverNonJSONBodies(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewHMACVerifier(ghSecret, webhook.HMACOptions{Header: "X-Signature"})
	require.NoError(t, err)
	form := "payload=a%3Db&x=1"
	h := map[string]string{"X-Signature": v.Sign([]byte(form)), "Content-Type": "application/x-www-form-urlencoded"}

	q := newQueue(t)
	strict := newSigned(t, q, v, webhook.SignedOptions{ContentTypes: []string{"application/x-www-form-urlencoded"}})
	a := post(strict, "/", []byte(form), h)
	require.Equal(t, http.StatusBadRequest, a.status, a.body)
	require.True(t, strings.HasPrefix(a.body, "malformed_payload: "), a.body)

	lenient := newSigned(t, q, v, webhook.SignedOptions{ContentTypes: []string{"application/x-www-form-urlencoded"}, AcceptNonJSON: true})
	a = post(lenient, "/", []byte(form), h)
	require.Equal(t, http.StatusOK, a.status, a.body)
	jobs := claimAll(t, q)
	require.Len(t, jobs, 1)
	var p webhook.EventPayload
	require.NoError(t, json.Unmarshal(jobs[0].Payload, &p))
	require.Equal(t, []byte(form), p.RawBody)
	require.Nil(t, p.Body)
}

// A user's own verifier: its error text is not sent back, its sentinel
// chooses the reason.
type apiKeyVerifier struct{}

func (apiKeyVerifier) Verify(h http.Header, _ []byte) (string, error) {
	if h.Get("X-Api-Key") != "k-123" {
		return "", errors.Join(webhook.ErrBadSignature, errors.New("key "+h.Get("X-Api-Key")+" is unknown"))
	}
	return h.Get("X-Event"), nil
}

func TestSignedReceiverCustomVerifier(t *testing.T) {
	t.Parallel()
	q := newQueue(t)
	rc := newSigned(t, q, apiKeyVerifier{}, webhook.SignedOptions{Name: "erp"})
	a := post(rc, "/", []byte(`{}`), map[string]string{"X-Api-Key": "k-guess"})
	require.Equal(t, http.StatusUnauthorized, a.status)
	require.Equal(t, "bad_signature: no signature matched\n", a.body)

	a = post(rc, "/", []byte(`{}`), map[string]string{"X-Api-Key": "k-123", "X-Event": "ev-5"})
	require.Equal(t, http.StatusOK, a.status, a.body)
	jobs := claimAll(t, q)
	require.Equal(t, "erp:ev-5", jobs[0].Key)
	var p webhook.EventPayload
	require.NoError(t, json.Unmarshal(jobs[0].Payload, &p))
	require.Empty(t, p.Header.Get("X-Api-Key"), "headers naming a key are not passed on")
	require.Equal(t, "ev-5", p.Header.Get("X-Event"))
}

// Headers that may carry a credential are not passed on to jobs, whose
// payloads the dashboard shows: besides Authorization and Cookie, any
// whose name mentions a signature, secret, token, key, password or
// credential.
func TestSignedReceiverKeepsCredentialHeadersOutOfJobs(t *testing.T) {
	t.Parallel()
	q := newQueue(t)
	rc := newSigned(t, q, apiKeyVerifier{}, webhook.SignedOptions{Name: "erp"})
	sensitive := map[string]string{
		"Authorization":         "Basic dXNlcjpwYXNz",
		"Cookie":                "session=s-1",
		"X-Webhook-Secret":      "sec-2",
		"X-Auth-Token":          "tok-3",
		"X-Webhook-Password":    "pw-4",
		"X-Erp-Passwd":          "pw-5",
		"X-Client-Credential":   "cred-6",
		"X-Service-Credentials": "cred-7",
		"X-Hub-Signature-256":   "sha256=00",
		"X-Api-Key":             "k-123",
	}
	h := map[string]string{"X-Event": "ev-9", "X-Erp-Event": "order.updated"}
	for k, v := range sensitive {
		h[k] = v
	}
	a := post(rc, "/", []byte(`{}`), h)
	require.Equal(t, http.StatusOK, a.status, a.body)
	jobs := claimAll(t, q)
	require.Len(t, jobs, 1)
	var p webhook.EventPayload
	require.NoError(t, json.Unmarshal(jobs[0].Payload, &p))
	for k, v := range sensitive {
		require.Empty(t, p.Header.Values(k), k)
		require.NotContains(t, string(jobs[0].Payload), v, k)
	}
	require.Equal(t, "order.updated", p.Header.Get("X-Erp-Event"))
}

func TestNewSignedReceiverValidates(t *testing.T) {
	t.Parallel()
	q := newQueue(t)
	v, err := webhook.NewHMACVerifier("s", webhook.GitHubHMAC())
	require.NoError(t, err)
	_, err = webhook.NewSignedReceiver(q, nil, nil)
	require.ErrorContains(t, err, "verifier is nil")
	_, err = webhook.NewSignedReceiver(nil, v, nil)
	require.ErrorContains(t, err, "queue is nil")
	_, err = webhook.NewSignedReceiver(q, v, &webhook.SignedOptions{IDField: "data..id"})
	require.ErrorContains(t, err, "SignedOptions.IDField")
	_, err = webhook.NewSignedReceiver(q, v, &webhook.SignedOptions{MaxAttempts: -2})
	require.ErrorContains(t, err, "SignedOptions.MaxAttempts")
	_, err = webhook.NewSignedReceiver(q, v, &webhook.SignedOptions{EnqueueTimeout: -1})
	require.ErrorContains(t, err, "SignedOptions.EnqueueTimeout")
	rc, err := webhook.NewSignedReceiver(q, v, nil)
	require.NoError(t, err)
	require.Equal(t, webhook.Counts{}, rc.Counts())
}
