package ops

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// authenticator checks credentials. Every comparison hashes both sides to
// a fixed length and compares in constant time, and every credential is
// compared, so that neither timing nor an early exit tells an attacker
// which part of a guess was right.
type authenticator struct {
	basic   []credential // user name → password
	bearer  []credential // name → token
	noAuth  bool
	csrfKey []byte
	realm   string
	schemes []string
}

type credential struct {
	name   string
	secret [sha256.Size]byte // hash of the password or token
	user   [sha256.Size]byte // hash of the user name (basic only)
}

func newAuthenticator(basic, bearer map[string]string, noAuth bool) *authenticator {
	a := &authenticator{noAuth: noAuth, realm: "zohokit operations"}
	// The form token key is derived from the credentials, so that every
	// replica configured alike accepts the tokens of the others, and no one
	// without the credentials can compute it. With no credentials at all it
	// is random (a loopback demo is one process).
	mac := sha256.New()
	mac.Write([]byte("zohokit ops csrf v1\x00"))
	for _, user := range sortedKeys(basic) {
		a.basic = append(a.basic, credential{name: user, user: sha256.Sum256([]byte(user)), secret: sha256.Sum256([]byte(basic[user]))})
		mac.Write([]byte("basic\x00" + user + "\x00" + basic[user] + "\x00"))
	}
	for _, name := range sortedKeys(bearer) {
		a.bearer = append(a.bearer, credential{name: name, secret: sha256.Sum256([]byte(bearer[name]))})
		mac.Write([]byte("bearer\x00" + name + "\x00" + bearer[name] + "\x00"))
	}
	if len(a.basic) == 0 && len(a.bearer) == 0 {
		key := make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
		mac.Write(key)
	}
	a.csrfKey = mac.Sum(nil)
	if len(a.basic) > 0 {
		a.schemes = append(a.schemes, `Basic realm="`+a.realm+`", charset="UTF-8"`)
	}
	if len(a.bearer) > 0 {
		a.schemes = append(a.schemes, `Bearer realm="`+a.realm+`"`)
	}
	return a
}

// principal is who made a request: a basic-auth user name, a bearer
// token's name, or anonymous on a loopback demo.
type principal struct {
	name   string
	method string // "basic", "bearer" or "none"
}

type principalKey struct{}

func principalOf(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// check returns the request's principal, or false when it must be refused.
func (a *authenticator) check(r *http.Request) (principal, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if a.noAuth && loopbackClient(r) && loopbackHost(r.Host) {
			return principal{name: "anonymous (loopback)", method: "none"}, true
		}
		return principal{}, false
	}
	scheme, rest, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return a.match(a.bearer, nil, strings.TrimSpace(rest), "bearer")
	case strings.EqualFold(scheme, "Basic"):
		user, pass, ok := r.BasicAuth()
		if !ok {
			return principal{}, false
		}
		return a.match(a.basic, &user, pass, "basic")
	}
	return principal{}, false
}

// match compares the presented secret (and user name) with every
// credential in constant time.
func (a *authenticator) match(creds []credential, user *string, secret, method string) (principal, bool) {
	s := sha256.Sum256([]byte(secret))
	var u [sha256.Size]byte
	if user != nil {
		u = sha256.Sum256([]byte(*user))
	}
	found := -1
	for i, c := range creds {
		ok := subtle.ConstantTimeCompare(s[:], c.secret[:])
		if user != nil {
			ok &= subtle.ConstantTimeCompare(u[:], c.user[:])
		}
		if ok == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return principal{}, false
	}
	return principal{name: creds[found].name, method: method}, true
}

// loopbackClient reports whether the request comes straight from a
// loopback address: no proxy header, and a loopback remote address.
func loopbackClient(r *http.Request) bool {
	if r.Header.Get("Forwarded") != "" || r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("X-Real-Ip") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}

// loopbackHost reports whether a request's Host names this machine's
// loopback interface: localhost or a loopback address. A page that reaches
// a loopback server by DNS rebinding sends its own host name, which this
// refuses.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" {
		return true
	}
	addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil && addr.Unmap().IsLoopback()
}

// csrfToken is the form token of a principal: an HMAC of its name, so a
// page rendered for one user cannot be replayed as another's, and a page on
// another site cannot forge one.
func (a *authenticator) csrfToken(p principal) string {
	mac := hmac.New(sha256.New, a.csrfKey)
	mac.Write([]byte("form\x00" + p.method + "\x00" + p.name))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (a *authenticator) validCSRF(p principal, token string) bool {
	want := a.csrfToken(p)
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

// basicValue is the Authorization header value a basic-auth client sends,
// which is a secret too.
func basicValue(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// access is who may use a route.
type access int

const (
	public   access = iota // no credentials (/healthz, /readyz)
	reader                 // authenticated reads
	formPost               // authenticated POST from a dashboard form: form token required
	apiPost                // authenticated POST of JSON
)

// guard wraps a handler with authentication, cross-origin protection and
// the form token or content type check its access needs.
func (d *Dashboard) guard(acc access, h http.HandlerFunc) http.Handler {
	if acc == public {
		return h
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := d.auth.check(r)
		if !ok {
			d.unauthorized(w, r)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		switch acc {
		case formPost:
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if err := r.ParseForm(); err != nil {
				d.fail(w, r, http.StatusBadRequest, "the form could not be read")
				return
			}
			if !d.auth.validCSRF(p, r.PostForm.Get("csrf")) {
				d.log.Warn("ops: form refused: missing or wrong form token", "path", d.red.string(r.URL.Path), "remote", r.RemoteAddr)
				d.fail(w, r, http.StatusForbidden, "the form's token is missing or stale: reload the page and try again")
				return
			}
		case apiPost:
			if !isJSON(r) {
				d.fail(w, r, http.StatusUnsupportedMediaType, "send the request body as application/json")
				return
			}
		}
		h(w, r)
	})
	return d.cop.Handler(inner)
}

// maxBody caps request bodies.
const maxBody = 1 << 20

func (d *Dashboard) unauthorized(w http.ResponseWriter, r *http.Request) {
	d.log.Warn("ops: request refused: missing or wrong credentials", "method", r.Method, "path", d.red.string(r.URL.Path), "remote", r.RemoteAddr)
	for _, s := range d.auth.schemes {
		w.Header().Add("WWW-Authenticate", s)
	}
	d.fail(w, r, http.StatusUnauthorized, "authentication required")
}

func (d *Dashboard) denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	d.log.Warn("ops: cross-origin request refused", "method", r.Method, "path", d.red.string(r.URL.Path),
		"origin", d.red.string(r.Header.Get("Origin")), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	d.fail(w, r, http.StatusForbidden, "cross-origin request refused")
}
