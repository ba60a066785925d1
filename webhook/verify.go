package webhook

import (
	"errors"
	"net/http"
)

// Verifier authenticates a signed webhook from its headers and raw body.
// StandardVerifier and HMACVerifier implement it; so can a user's own
// scheme.
type Verifier interface {
	// Verify returns the event ID the scheme carries ("" when it carries
	// none), or an error that matches ErrMissingSignature, ErrBadSignature
	// or ErrBadTimestamp (any other error is treated as ErrBadSignature).
	// The error must not contain a secret or an expected signature.
	Verify(h http.Header, body []byte) (eventID string, err error)
}

// SignatureHeaders is implemented by verifiers that can name the headers
// that carry their signature, so that receivers keep them out of jobs.
type SignatureHeaders interface {
	SignatureHeaders() []string
}

// Errors of verifiers, to test with errors.Is.
var (
	// ErrMissingSignature means the request has no signature, or lacks a
	// header the scheme signs (webhook-id, webhook-timestamp).
	ErrMissingSignature = errors.New("webhook: missing signature")
	// ErrBadSignature means no signature of the request matched, or the
	// signature header is malformed.
	ErrBadSignature = errors.New("webhook: bad signature")
	// ErrBadTimestamp means the signed timestamp is malformed, older than
	// the tolerance or further in the future than the tolerance.
	ErrBadTimestamp = errors.New("webhook: bad timestamp")
)

// verifyError is an error of this package's verifiers: a sentinel and a
// detail that is safe to send back to the caller.
type verifyError struct {
	kind   error
	detail string
}

func (e *verifyError) Error() string { return e.kind.Error() + ": " + e.detail }
func (e *verifyError) Unwrap() error { return e.kind }

func verifyErr(kind error, detail string) error { return &verifyError{kind: kind, detail: detail} }

// verifyRefusal turns a Verifier's error into a refusal. Only this
// package's own errors have their detail sent back: a user's verifier might
// put anything in its messages.
func verifyRefusal(err error) *refusal {
	reason, detail := ReasonBadSignature, "no signature matched"
	switch {
	case errors.Is(err, ErrMissingSignature):
		reason, detail = ReasonMissingSignature, "the request is not signed"
	case errors.Is(err, ErrBadTimestamp):
		reason, detail = ReasonTimestamp, "the signed timestamp is not acceptable"
	}
	if ve, ok := errors.AsType[*verifyError](err); ok {
		detail = ve.detail
	}
	return &refusal{reason: reason, detail: detail}
}
