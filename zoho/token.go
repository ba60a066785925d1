package zoho

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// TokenLimitError says that minting another access token now would exceed
// Zoho's limit per refresh token (by default 10 in any 10 minutes), and that
// waiting for a slot was not allowed (Config.FailOnMintLimit) or would
// outlast the context. The token endpoint was not called. It matches
// ErrTokenLimit and ErrRateLimited.
type TokenLimitError struct {
	Limit    int           // mints allowed per Window
	Window   time.Duration // the guard's window
	NextSlot time.Time     // when the next mint will be allowed (on the client's clock)
	Wait     time.Duration // NextSlot minus the time of the decision
}

// Error describes the limit and when the next slot frees.
func (e *TokenLimitError) Error() string {
	return fmt.Sprintf("zoho: access-token mint limit (%d per %s) reached; next slot in %s at %s",
		e.Limit, e.Window, e.Wait.Round(time.Millisecond), e.NextSlot.Format(time.RFC3339))
}

// Is matches ErrTokenLimit and ErrRateLimited.
func (e *TokenLimitError) Is(target error) bool {
	return target == ErrTokenLimit || target == ErrRateLimited
}

// TokenStatus is a secret-free read-out of a client's token, for dashboards
// and health checks. It reflects what this client last saw; it does no I/O.
type TokenStatus struct {
	Key         string   // the token store key (non-secret)
	Location    Location // data centre location of the accounts server
	Grant       string   // "refresh_token" or "client_credentials"
	APIDomain   string   // API base in use
	Valid       bool     // an unexpired access token is cached
	Expiry      time.Time
	Refreshes   int       // access tokens this client minted since it was built
	LastRefresh time.Time // when this client last minted one
	// MintsInWindow is how many mints the store recorded in the guard's
	// window at the last refresh check, out of MintLimit.
	MintsInWindow int
	MintLimit     int
	// NextMintSlot is when the guard allows another mint, zero if it
	// allowed one at the last check.
	NextMintSlot time.Time
	LastError    string // the last refresh failure (secret-free), empty after a success
	LastErrorAt  time.Time
}

// accessToken is what a request needs from the manager.
type accessToken struct {
	value     string
	apiDomain string
	expiry    time.Time
}

// tokenManager obtains, caches, shares and refreshes access tokens.
//
// Within a process, concurrent callers share one refresh (a "flight").
// Across processes, a refresh takes the store's lock, re-reads the store and
// mints only if the stored token is still stale. Every mint is recorded in
// the store before the token endpoint is called, and no mint happens when
// the store already records MintLimit mints within MintWindow.
type tokenManager struct {
	grant        string // grantRefresh or grantClientCredentials
	clientID     string
	clientSecret string
	refreshToken string
	soid         string
	scopes       []string
	dc           DataCenter
	key          string
	store        TokenStore
	hc           *http.Client
	callTimeout  time.Duration // of one token-endpoint call
	clock        Clock
	log          *slog.Logger
	margin       time.Duration
	mintLimit    int
	mintWindow   time.Duration
	failOnLimit  bool

	mu          sync.Mutex
	cur         *TokenState
	fl          *flight
	refreshes   int
	lastRefresh time.Time
	mintsSeen   int
	nextSlot    time.Time
	lastErr     string
	lastErrAt   time.Time
}

// flight is one in-process refresh shared by every caller that needs it.
type flight struct {
	done    chan struct{}
	st      *TokenState
	err     error
	waiters int
	cancel  context.CancelFunc
	// limited is closed when the flight starts waiting for the mint
	// guard's next slot (slot, guarded by the manager's mu): each caller
	// then decides whether its context allows the wait.
	limited chan struct{}
	slot    time.Time
}

// fresh reports whether st holds a token that is usable at now with the
// refresh-ahead margin to spare. The margin never exceeds half the token's
// lifetime, so a short-lived token is not considered stale on arrival.
func (m *tokenManager) fresh(st *TokenState, now time.Time) bool {
	if st == nil || st.AccessToken == "" || st.Expiry.IsZero() {
		return false
	}
	margin := m.margin
	if !st.Issued.IsZero() {
		if half := st.Expiry.Sub(st.Issued) / 2; margin > half {
			margin = half
		}
	}
	return now.Before(st.Expiry.Add(-margin))
}

func (m *tokenManager) toAccess(st *TokenState) accessToken {
	return accessToken{value: st.AccessToken, apiDomain: firstNonEmpty(st.APIDomain, m.dc.API), expiry: st.Expiry}
}

// token returns a fresh access token, refreshing when needed.
func (m *tokenManager) token(ctx context.Context) (accessToken, error) {
	m.mu.Lock()
	if m.fresh(m.cur, m.clock.Now()) {
		t := m.toAccess(m.cur)
		m.mu.Unlock()
		return t, nil
	}
	m.mu.Unlock()
	st, err := m.join(ctx, false, "")
	if err != nil {
		return accessToken{}, err
	}
	return m.toAccess(st), nil
}

// rejected is called when Zoho rejected the access token failed. It returns
// a different token: the one this process or the store already holds if it
// is newer, or a newly minted one. It never returns failed.
func (m *tokenManager) rejected(ctx context.Context, failed string) (accessToken, error) {
	m.mu.Lock()
	if m.cur != nil && m.cur.AccessToken != failed && m.fresh(m.cur, m.clock.Now()) {
		t := m.toAccess(m.cur)
		m.mu.Unlock()
		return t, nil
	}
	m.mu.Unlock()
	// A flight already under way may have been started before the rejection
	// and return the rejected token from the store; then fly once more,
	// forced.
	for range 2 {
		st, err := m.join(ctx, true, failed)
		if err != nil {
			return accessToken{}, err
		}
		if st.AccessToken != failed {
			return m.toAccess(st), nil
		}
	}
	return accessToken{}, errors.New("zoho: token store keeps returning the rejected access token")
}

// join waits for the current flight, starting one if none is under way.
// The flight runs on a context detached from any one caller: it is
// cancelled only when every waiting caller has given up. When the flight
// has to wait for a mint slot, each caller whose context would end first
// leaves at once with *TokenLimitError; the others keep waiting.
func (m *tokenManager) join(ctx context.Context, force bool, failed string) (*TokenState, error) {
	m.mu.Lock()
	f := m.fl
	if f == nil {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel, limited: make(chan struct{})}
		m.fl = f
		go m.fly(fctx, f, force, failed)
	}
	f.waiters++
	m.mu.Unlock()
	limited := f.limited
	for {
		select {
		case <-f.done:
			if f.err != nil {
				return nil, f.err
			}
			return f.st.clone(), nil
		case <-ctx.Done():
			m.leave(f)
			return nil, ctx.Err()
		case <-limited:
			limited = nil
			select {
			case <-f.done:
				continue // it has just ended: take its result
			default:
			}
			m.mu.Lock()
			slot := f.slot
			m.mu.Unlock()
			wait := slot.Sub(m.clock.Now())
			if !deadlineBefore(ctx, wait) {
				continue
			}
			err := &TokenLimitError{Limit: m.mintLimit, Window: m.mintWindow, NextSlot: slot, Wait: wait}
			m.mu.Lock()
			m.lastErr, m.lastErrAt = err.Error(), m.clock.Now()
			m.mu.Unlock()
			if m.leave(f) {
				<-f.done // cancelled in its wait: it ends at once, and nothing waits on the clock
			}
			return nil, err
		}
	}
}

// leave removes a waiter from f, cancelling f when it was the last; it
// reports whether it was.
func (m *tokenManager) leave(f *flight) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	f.waiters--
	if f.waiters > 0 {
		return false
	}
	f.cancel()
	if m.fl == f {
		m.fl = nil
	}
	return true
}

func (m *tokenManager) fly(ctx context.Context, f *flight, force bool, failed string) {
	st, err := m.refresh(ctx, f, force, failed)
	m.mu.Lock()
	if err == nil {
		m.cur = st.clone()
	} else if ctx.Err() == nil {
		m.lastErr, m.lastErrAt = err.Error(), m.clock.Now()
	}
	f.st, f.err = st, err
	if m.fl == f {
		m.fl = nil
	}
	m.mu.Unlock()
	f.cancel()
	close(f.done)
}

// refresh runs the store protocol until it has a token or an error. When
// the guard is full it fails with *TokenLimitError if FailOnMintLimit is
// set, else it tells f's callers the next slot and waits for it (callers
// that cannot wait leave, and cancel it when none is left).
func (m *tokenManager) refresh(ctx context.Context, f *flight, force bool, failed string) (*TokenState, error) {
	for {
		unlock, err := m.store.Lock(ctx, m.key)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("zoho: token store lock: %w", err)
		}
		st, next, err := m.refreshLocked(ctx, force, failed)
		if uerr := unlock(); uerr != nil {
			m.log.Warn("zoho: token store unlock failed", "key", m.key, "error", uerr)
		}
		if err != nil || st != nil {
			return st, err
		}
		wait := next.Sub(m.clock.Now())
		if m.failOnLimit {
			return nil, &TokenLimitError{Limit: m.mintLimit, Window: m.mintWindow, NextSlot: next, Wait: wait}
		}
		m.mu.Lock()
		f.slot = next
		select {
		case <-f.limited:
		default:
			close(f.limited)
		}
		m.mu.Unlock()
		m.log.Warn("zoho: access-token mint limit reached; waiting for a slot",
			"key", m.key, "limit", m.mintLimit, "window", m.mintWindow, "wait", wait)
		if err := Sleep(ctx, m.clock, wait); err != nil {
			return nil, err
		}
	}
}

// refreshLocked is the part of the protocol done under the store lock. It
// returns the state to use, or (nil, next slot, nil) when the guard is full.
func (m *tokenManager) refreshLocked(ctx context.Context, force bool, failed string) (*TokenState, time.Time, error) {
	st, err := m.store.Load(ctx, m.key)
	if errors.Is(err, ErrNoToken) {
		st = &TokenState{}
	} else if err != nil {
		return nil, time.Time{}, fmt.Errorf("zoho: token store load: %w", err)
	}
	now := m.clock.Now()
	rejected := force && st.AccessToken == failed
	if m.fresh(st, now) && !rejected {
		m.log.Debug("zoho: using access token from store", "key", m.key, "expiry", st.Expiry)
		m.mu.Lock()
		m.lastErr, m.lastErrAt = "", time.Time{}
		m.mu.Unlock()
		return st, time.Time{}, nil
	}
	// A token refreshed ahead of its expiry is still valid: when no new
	// one can be had now (the guard is full, Zoho throttles or fails), it
	// serves until it expires rather than failing or stalling requests.
	usable := !rejected && st.AccessToken != "" && now.Before(st.Expiry)

	// The guard: count the mints in the window, oldest first (replicas
	// with differing clocks may have recorded them out of order).
	cut := now.Add(-m.mintWindow)
	kept := st.Mints[:0:0]
	for _, t := range st.Mints {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	slices.SortFunc(kept, time.Time.Compare)
	st.Mints = kept
	if n := len(st.Mints); n >= m.mintLimit {
		next := st.Mints[n-m.mintLimit].Add(m.mintWindow)
		m.mu.Lock()
		m.mintsSeen, m.nextSlot = n, next
		m.mu.Unlock()
		if usable {
			m.log.Debug("zoho: access-token mint limit reached; using the current token until it expires",
				"key", m.key, "expiry", st.Expiry, "next_slot", next)
			return st, time.Time{}, nil
		}
		return nil, next, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, err // every caller left: no call, so no mint to count
	}

	// Record the mint before calling Zoho, so that a crash or an ambiguous
	// failure still counts against the limit.
	st.Mints = append(st.Mints, now)
	if err := m.store.Save(ctx, m.key, st); err != nil {
		return nil, time.Time{}, fmt.Errorf("zoho: token store save: %w", err)
	}
	m.mu.Lock()
	m.mintsSeen, m.nextSlot = len(st.Mints), time.Time{}
	m.mu.Unlock()

	ans, err := m.mint(ctx, now)
	if err != nil {
		var oe *OAuthError
		if errors.As(err, &oe) && oe.Throttled() {
			m.log.Warn("zoho: token endpoint throttled (too many requests)", "key", m.key, "grant", m.grant)
		} else {
			m.log.Warn("zoho: access-token refresh failed", "key", m.key, "grant", m.grant, "error", err)
		}
		if usable && ctx.Err() == nil {
			m.log.Warn("zoho: using the current access token until it expires", "key", m.key, "expiry", st.Expiry)
			m.mu.Lock()
			m.lastErr, m.lastErrAt = err.Error(), m.clock.Now()
			m.mu.Unlock()
			return st, time.Time{}, nil
		}
		return nil, time.Time{}, err
	}
	st.AccessToken, st.Expiry, st.Issued = ans.accessToken, ans.expiry, now
	if ans.apiDomain != "" {
		st.APIDomain = ans.apiDomain
	}
	if err := m.store.Save(ctx, m.key, st); err != nil {
		// The token is good; this process uses it, other processes will
		// mint their own (the mint is already recorded).
		m.log.Error("zoho: token store save failed after refresh", "key", m.key, "error", err)
	}
	m.mu.Lock()
	m.refreshes++
	m.lastRefresh = now
	m.lastErr, m.lastErrAt = "", time.Time{}
	m.mu.Unlock()
	m.log.Info("zoho: access token refreshed", "key", m.key, "grant", m.grant,
		"expiry", st.Expiry, "api_domain", st.APIDomain, "mints_in_window", len(st.Mints))
	return st, time.Time{}, nil
}

// mint calls the token endpoint with the configured grant.
func (m *tokenManager) mint(ctx context.Context, now time.Time) (*tokenAnswer, error) {
	form := url.Values{}
	form.Set("client_id", m.clientID)
	form.Set("client_secret", m.clientSecret)
	switch m.grant {
	case grantClientCredentials:
		form.Set("soid", m.soid)
		if len(m.scopes) > 0 {
			form.Set("scope", strings.Join(m.scopes, ","))
		}
	default:
		form.Set("refresh_token", m.refreshToken)
	}
	return postToken(ctx, m.hc, m.callTimeout, m.dc.Accounts, m.grant, form, now)
}

// status returns the read-out for TokenStatus.
func (m *tokenManager) status() TokenStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := TokenStatus{
		Key:           m.key,
		Location:      m.dc.Location,
		Grant:         m.grant,
		APIDomain:     m.dc.API,
		Refreshes:     m.refreshes,
		LastRefresh:   m.lastRefresh,
		MintsInWindow: m.mintsSeen,
		MintLimit:     m.mintLimit,
		NextMintSlot:  m.nextSlot,
		LastError:     m.lastErr,
		LastErrorAt:   m.lastErrAt,
	}
	if m.cur != nil {
		s.APIDomain = firstNonEmpty(m.cur.APIDomain, m.dc.API)
		s.Expiry = m.cur.Expiry
		s.Valid = m.cur.AccessToken != "" && m.clock.Now().Before(m.cur.Expiry)
	}
	return s
}
