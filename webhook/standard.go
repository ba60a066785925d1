package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a Standard Webhooks timestamp may be from the
// receiver's clock, into the past or the future, when
// StandardOptions.Tolerance is zero: 5 minutes, as the scheme's reference
// libraries use.
const DefaultTolerance = 5 * time.Minute

// The headers of the Standard Webhooks scheme. Verify falls back to the
// svix- spellings (svix-id, svix-timestamp, svix-signature) that the scheme
// began with, when the webhook- ones are absent.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// standardSecretPrefix begins a Standard Webhooks secret.
const standardSecretPrefix = "whsec_"

// StandardOptions configures a StandardVerifier. The zero value is valid.
type StandardOptions struct {
	// Tolerance is how far the signed timestamp may be from Now, into the
	// past or the future; zero means DefaultTolerance, negative is an error.
	Tolerance time.Duration
	// Now is the clock; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
}

// StandardVerifier verifies the Standard Webhooks scheme: the
// webhook-signature header holds space-separated "v1,<base64>" entries, each
// an HMAC-SHA256, under the secret, of "<webhook-id>.<webhook-timestamp>.<body>";
// the timestamp is in Unix seconds and must be within the tolerance. One
// matching entry is enough, so a sender can sign with an old and a new
// secret while it rotates them. The event ID is webhook-id, which the
// sender keeps across retries. It is safe for concurrent use.
type StandardVerifier struct {
	key       []byte
	tolerance time.Duration
	now       func() time.Time
}

var (
	_ Verifier         = (*StandardVerifier)(nil)
	_ SignatureHeaders = (*StandardVerifier)(nil)
)

// NewStandardVerifier returns a verifier for secret, written as
// "whsec_<base64>" (the prefix may be left out); opts may be nil.
func NewStandardVerifier(secret string, opts *StandardOptions) (*StandardVerifier, error) {
	var o StandardOptions
	if opts != nil {
		o = *opts
	}
	key, err := decodeStandardSecret(secret)
	if err != nil {
		return nil, err
	}
	if o.Tolerance < 0 {
		return nil, fmt.Errorf("webhook: StandardOptions.Tolerance is %s, must not be negative", o.Tolerance)
	}
	if o.Tolerance == 0 {
		o.Tolerance = DefaultTolerance
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &StandardVerifier{key: key, tolerance: o.Tolerance, now: o.Now}, nil
}

// decodeStandardSecret decodes a "whsec_<base64>" secret. Its errors never
// quote the secret.
func decodeStandardSecret(secret string) ([]byte, error) {
	b64 := strings.TrimPrefix(strings.TrimSpace(secret), standardSecretPrefix)
	if b64 == "" {
		return nil, errors.New("webhook: Standard Webhooks secret is empty")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if key, err := enc.DecodeString(b64); err == nil && len(key) > 0 {
			return key, nil
		}
	}
	return nil, errors.New("webhook: Standard Webhooks secret is not base64 after its whsec_ prefix")
}

// SignatureHeaders implements SignatureHeaders.
func (v *StandardVerifier) SignatureHeaders() []string {
	return []string{HeaderWebhookSignature, "svix-signature"}
}

// Sign returns the webhook-signature value for an event: "v1,<base64>". It
// serves tests, and senders built with this package.
func (v *StandardVerifier) Sign(id string, timestamp time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(v.mac(id, strconv.FormatInt(timestamp.Unix(), 10), body))
}

func (v *StandardVerifier) mac(id, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, v.key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify implements Verifier. It checks the signature first, then the
// timestamp, so a stale but authentic delivery is told apart from a forged
// one; both are refused.
func (v *StandardVerifier) Verify(h http.Header, body []byte) (string, error) {
	id := standardHeader(h, HeaderWebhookID, "svix-id")
	ts := standardHeader(h, HeaderWebhookTimestamp, "svix-timestamp")
	sigHeader := standardHeader(h, HeaderWebhookSignature, "svix-signature")
	switch {
	case sigHeader == "":
		return "", verifyErr(ErrMissingSignature, "webhook-signature header is missing")
	case id == "":
		return "", verifyErr(ErrMissingSignature, "webhook-id header is missing")
	case ts == "":
		return "", verifyErr(ErrMissingSignature, "webhook-timestamp header is missing")
	}
	sigs, err := parseStandardSignatures(sigHeader)
	if err != nil {
		return "", err
	}
	want := v.mac(id, ts, body)
	matched := 0
	for _, sig := range sigs {
		// hmac.Equal is constant time; every entry is compared, so the time
		// taken does not tell which one matched.
		if hmac.Equal(sig, want) {
			matched++
		}
	}
	if matched == 0 {
		return "", verifyErr(ErrBadSignature, "no v1 signature matched")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", verifyErr(ErrBadTimestamp, "webhook-timestamp is not a Unix time in seconds")
	}
	now := v.now()
	sent := time.Unix(sec, 0)
	switch {
	case now.Sub(sent) > v.tolerance:
		return "", verifyErr(ErrBadTimestamp, fmt.Sprintf("webhook-timestamp is older than the tolerance of %s", v.tolerance))
	case sent.Sub(now) > v.tolerance:
		return "", verifyErr(ErrBadTimestamp, fmt.Sprintf("webhook-timestamp is more than %s in the future", v.tolerance))
	}
	return id, nil
}

// standardHeader returns the trimmed value of name, or of the svix- name
// when name is absent.
func standardHeader(h http.Header, name, svix string) string {
	if v := strings.TrimSpace(h.Get(name)); v != "" {
		return v
	}
	return strings.TrimSpace(h.Get(svix))
}

// parseStandardSignatures returns the decoded v1 signatures of a
// webhook-signature value: space-separated "<version>,<base64>" entries.
// Entries of other versions (such as v1a, asymmetric) and entries that are
// malformed are skipped, as the scheme's reference libraries do; a value
// without any usable v1 entry is an error.
func parseStandardSignatures(header string) ([][]byte, error) {
	var sigs [][]byte
	for entry := range strings.FieldsSeq(header) {
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			if sig, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
				continue
			}
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		return nil, verifyErr(ErrBadSignature, "webhook-signature has no v1 entry in base64")
	}
	return sigs, nil
}
