package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/zohokit/zohokit/queue"
)

var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const fuzzSecret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// isVerifyError reports whether err is one of the verifiers' sentinels.
func isVerifyError(err error) bool {
	return errors.Is(err, ErrMissingSignature) || errors.Is(err, ErrBadSignature) || errors.Is(err, ErrBadTimestamp)
}

// FuzzParseStandardSignatures: any webhook-signature value parses without
// panicking into v1 signatures, or fails with ErrBadSignature.
func FuzzParseStandardSignatures(f *testing.F) {
	for _, s := range []string{
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		"v1,AAAA v1a,BBBB v2,CCCC",
		"v1,", ",", "v1", "  v1,AA==  v1,AA  ", "v1,***", "\x00,\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		sigs, err := parseStandardSignatures(header)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("error %v is not ErrBadSignature", err)
			}
			return
		}
		if len(sigs) == 0 {
			t.Fatal("no signatures and no error")
		}
	})
}

// FuzzStandardVerify: Verify never panics, fails only with its sentinels,
// accepts a message exactly when it carries a correct signature (computed
// here independently) and a timestamp within the tolerance, and returns
// the webhook-id it was given.
func FuzzStandardVerify(f *testing.F) {
	f.Add("msg_1", "1772366400", "", []byte(`{"a":1}`), true)
	f.Add("msg_1", "1772366400", "v1,AAAA", []byte(`{}`), false)
	f.Add("", "", "", []byte(nil), false)
	f.Add("id", "-9223372036854775808", "v1,x", []byte("x"), true)
	f.Add("id", "9223372036854775807", "", []byte("x"), true)
	f.Add("id", " 1772366400 ", "v1a,zz", []byte("x"), true)
	v, err := NewStandardVerifier(fuzzSecret, &StandardOptions{Now: func() time.Time { return fuzzNow }})
	if err != nil {
		f.Fatal(err)
	}
	key, _ := base64.StdEncoding.DecodeString(fuzzSecret[len("whsec_"):])
	f.Fuzz(func(t *testing.T, id, ts, sigHeader string, body []byte, addGood bool) {
		h := http.Header{}
		h.Set(HeaderWebhookID, id)
		h.Set(HeaderWebhookTimestamp, ts)
		trimmedID, trimmedTS := trimSpace(id), trimSpace(ts)
		m := hmac.New(sha256.New, key)
		m.Write([]byte(trimmedID + "." + trimmedTS + "."))
		m.Write(body)
		good := m.Sum(nil)
		if addGood {
			sigHeader += " v1," + base64.StdEncoding.EncodeToString(good)
		}
		h.Set(HeaderWebhookSignature, sigHeader)

		got, err := v.Verify(h, body)
		if err != nil {
			if !isVerifyError(err) {
				t.Fatalf("error %v is not a verifier sentinel", err)
			}
			return
		}
		if got != trimmedID || got == "" {
			t.Fatalf("Verify returned id %q, sent %q", got, id)
		}
		sigs, perr := parseStandardSignatures(trimSpace(h.Get(HeaderWebhookSignature)))
		if perr != nil {
			t.Fatalf("accepted an unparsable signature header: %v", perr)
		}
		found := false
		for _, s := range sigs {
			found = found || bytes.Equal(s, good)
		}
		if !found {
			t.Fatal("accepted without a correct signature")
		}
		sec, perr := strconv.ParseInt(trimmedTS, 10, 64)
		if perr != nil {
			t.Fatalf("accepted timestamp %q", trimmedTS)
		}
		if d := fuzzNow.Sub(time.Unix(sec, 0)); d > DefaultTolerance || d < -DefaultTolerance {
			t.Fatalf("accepted a timestamp %s away", d)
		}
	})
}

func trimSpace(s string) string {
	return string(bytes.TrimSpace([]byte(s)))
}

// FuzzHMACVerify: a header HMAC value, hex or base64, never makes Verify
// panic; it is accepted only when it decodes to the body's HMAC.
func FuzzHMACVerify(f *testing.F) {
	f.Add("sha256=0b1c", []byte(`{}`), false, "sha256=")
	f.Add("", []byte(nil), true, "")
	f.Add("SHA256=", []byte("x"), false, "sha256=")
	f.Add("q1w2e3==", []byte("x"), true, "")
	f.Add("=\x00", []byte("x"), true, "é")
	f.Fuzz(func(t *testing.T, value string, body []byte, b64 bool, prefix string) {
		enc := Hex
		if b64 {
			enc = Base64
		}
		v, err := NewHMACVerifier("fuzz-secret", HMACOptions{Header: "X-Sig", Encoding: enc, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("X-Sig", value)
		if _, err := v.Verify(h, body); err != nil {
			if !isVerifyError(err) {
				t.Fatalf("error %v is not a verifier sentinel", err)
			}
			return
		}
		sig, err := v.parse(h.Get("X-Sig"))
		if err != nil {
			t.Fatalf("accepted an unparsable value: %v", err)
		}
		m := hmac.New(sha256.New, []byte("fuzz-secret"))
		m.Write(body)
		if !hmac.Equal(sig, m.Sum(nil)) {
			t.Fatal("accepted a wrong signature")
		}
		// A correct signature made by Sign always verifies.
		h.Set("X-Sig", v.Sign(body))
		if _, err := v.Verify(h, body); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}

// FuzzJSONPath: event-ID look-ups never panic on any document or path.
func FuzzJSONPath(f *testing.F) {
	f.Add([]byte(`{"data":{"id":12}}`), "data.id")
	f.Add([]byte(`{"events":[{"id":"x"}]}`), "events.0.id")
	f.Add([]byte(`[1,2]`), "-1")
	f.Add([]byte(`{"a":`), "a")
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		_, _ = jsonPath(doc, bytes2parts(path))
	})
}

func bytes2parts(path string) []string {
	var parts []string
	for p := range bytes.SplitSeq([]byte(path), []byte(".")) {
		parts = append(parts, string(p))
	}
	return parts
}

// FuzzCRMReceiver: whatever body Zoho (or anyone) posts, the CRM receiver
// answers 200 or a 4xx refusal, never panics or answers 5xx, and never
// echoes the token.
func FuzzCRMReceiver(f *testing.F) {
	const token = "fuzz-token-1"
	for _, s := range []string{
		`{"server_time":1,"module":"Leads","ids":["1","2"],"operation":"edit","channel_id":1,"token":"fuzz-token-1"}`,
		`{"module":"Leads","ids":[1],"token":"fuzz-token-1","affected_values":[{"record_id":1,"values":{"A":1}}]}`,
		`{"module":"Leads","ids":[1],"token":"wrong"}`,
		`{"module":"Leads","ids":[1],"token":"fuzz-token-1","server_time":253402300799999}`,
		`{`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		q, err := queue.NewMemory(nil)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := NewCRMReceiver(q, &CRMOptions{Token: token, MaxBodyBytes: 4096})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		rc.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && (rec.Code < 400 || rec.Code >= 500) {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if bytes.Contains(rec.Body.Bytes(), []byte(token)) {
			t.Fatalf("answer echoes the token: %s", rec.Body)
		}
	})
}
