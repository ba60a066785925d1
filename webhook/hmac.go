package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Encoding is how a header carries a signature's bytes.
type Encoding int

// The encodings of HMACOptions.
const (
	Hex    Encoding = iota // lower- or upper-case hexadecimal (GitHub)
	Base64                 // standard or URL-safe base64, padded or not (Xero)
)

// String names the encoding.
func (e Encoding) String() string {
	switch e {
	case Hex:
		return "hex"
	case Base64:
		return "base64"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// HMACOptions describes a header that carries an HMAC-SHA256 of the body.
type HMACOptions struct {
	// Header is the header's name, such as "X-Hub-Signature-256"; required.
	Header string
	// Encoding is how the signature is written; zero means Hex.
	Encoding Encoding
	// Prefix precedes the signature, such as "sha256="; matched without
	// regard to case. Empty means none.
	Prefix string
}

// GitHubHMAC describes GitHub's X-Hub-Signature-256 header: "sha256="
// followed by hex. Its deliveries are identified by X-GitHub-Delivery (use
// it as SignedOptions.IDHeader).
func GitHubHMAC() HMACOptions {
	return HMACOptions{Header: "X-Hub-Signature-256", Encoding: Hex, Prefix: "sha256="}
}

// XeroHMAC describes Xero's x-xero-signature header: base64, no prefix.
// Xero signs no timestamp and sends no event ID header: leave
// SignedOptions.IDHeader and IDField empty, and the body's hash dedups.
func XeroHMAC() HMACOptions {
	return HMACOptions{Header: "x-xero-signature", Encoding: Base64}
}

// HMACVerifier verifies a header that carries an HMAC-SHA256 of the raw
// body under a shared secret (GitHub, Xero, and many others). Such schemes
// sign no timestamp, so replays are stopped only by deduplication: the
// receiver keys jobs by the event ID (or the body's hash), and the queue
// enqueues a key once. It is safe for concurrent use.
type HMACVerifier struct {
	key  []byte
	opts HMACOptions
}

var (
	_ Verifier         = (*HMACVerifier)(nil)
	_ SignatureHeaders = (*HMACVerifier)(nil)
)

// NewHMACVerifier returns a verifier of opts' header under secret, whose
// bytes are the HMAC key as they are (as GitHub and Xero use theirs).
func NewHMACVerifier(secret string, opts HMACOptions) (*HMACVerifier, error) {
	if secret == "" {
		return nil, errors.New("webhook: HMAC secret is empty")
	}
	if strings.TrimSpace(opts.Header) == "" {
		return nil, errors.New("webhook: HMACOptions.Header is empty")
	}
	if opts.Encoding != Hex && opts.Encoding != Base64 {
		return nil, fmt.Errorf("webhook: HMACOptions.Encoding is %s, want Hex or Base64", opts.Encoding)
	}
	opts.Header = http.CanonicalHeaderKey(strings.TrimSpace(opts.Header))
	return &HMACVerifier{key: []byte(secret), opts: opts}, nil
}

// SignatureHeaders implements SignatureHeaders.
func (v *HMACVerifier) SignatureHeaders() []string { return []string{v.opts.Header} }

// Sign returns the header value for body. It serves tests, and senders
// built with this package.
func (v *HMACVerifier) Sign(body []byte) string {
	sum := v.mac(body)
	if v.opts.Encoding == Base64 {
		return v.opts.Prefix + base64.StdEncoding.EncodeToString(sum)
	}
	return v.opts.Prefix + hex.EncodeToString(sum)
}

func (v *HMACVerifier) mac(body []byte) []byte {
	m := hmac.New(sha256.New, v.key)
	m.Write(body)
	return m.Sum(nil)
}

// Verify implements Verifier. The scheme carries no event ID, so it
// returns "".
func (v *HMACVerifier) Verify(h http.Header, body []byte) (string, error) {
	values := h.Values(v.opts.Header)
	if len(values) == 0 || strings.TrimSpace(values[0]) == "" {
		return "", verifyErr(ErrMissingSignature, v.opts.Header+" header is missing")
	}
	want := v.mac(body)
	var firstErr error
	for _, value := range values {
		sig, err := v.parse(value)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if hmac.Equal(sig, want) {
			return "", nil
		}
	}
	if firstErr != nil && len(values) == 1 {
		return "", firstErr
	}
	return "", verifyErr(ErrBadSignature, v.opts.Header+" does not match the body")
}

// parse decodes one header value: the prefix, then the encoded signature.
func (v *HMACVerifier) parse(value string) ([]byte, error) {
	value = strings.TrimSpace(value)
	if p := v.opts.Prefix; p != "" {
		if len(value) < len(p) || !strings.EqualFold(value[:len(p)], p) {
			return nil, verifyErr(ErrBadSignature, fmt.Sprintf("%s does not start with %q", v.opts.Header, p))
		}
		value = value[len(p):]
	}
	var sig []byte
	var err error
	switch v.opts.Encoding {
	case Base64:
		sig, err = decodeAnyBase64(value)
	default:
		sig, err = hex.DecodeString(value)
	}
	if err != nil {
		return nil, verifyErr(ErrBadSignature, fmt.Sprintf("%s is not %s", v.opts.Header, v.opts.Encoding))
	}
	if len(sig) != sha256.Size {
		return nil, verifyErr(ErrBadSignature, fmt.Sprintf("%s is %d bytes, an HMAC-SHA256 is %d", v.opts.Header, len(sig), sha256.Size))
	}
	return sig, nil
}

// decodeAnyBase64 decodes standard or URL-safe base64, padded or not.
func decodeAnyBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}
