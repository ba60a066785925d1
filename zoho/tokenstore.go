package zoho

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// ErrNoToken is returned by TokenStore.Load when the store holds nothing
// for the key.
var ErrNoToken = errors.New("zoho: no token stored")

// TokenState is what a TokenStore keeps for one key: the current access
// token with its expiry and API domain, and the history of mints that the
// 10-tokens-per-10-minutes guard counts. Storing the history with the token
// is what lets several processes that share a store share the guard.
//
// It holds an access token, so stores must keep it private (the file store
// writes mode 0600). It never holds the client secret, and holds a refresh
// token only in the entry SaveGrant writes under GrantKey.
type TokenState struct {
	AccessToken string `json:"access_token,omitempty"`
	// RefreshToken is set only in grant entries (SaveGrant, LoadGrant).
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// Issued is when the access token was minted; with Expiry it gives the
	// token's lifetime, which bounds the refresh-ahead margin.
	Issued time.Time `json:"issued,omitzero"`
	// APIDomain is the token answer's api_domain: the API base for this
	// account's data (e.g. https://www.zohoapis.eu).
	APIDomain string `json:"api_domain,omitempty"`
	// Mints are the times of the calls to the token endpoint made with this
	// key's grant, oldest first, pruned to the guard's window.
	Mints []time.Time `json:"mints,omitempty"`
}

// clone returns a deep copy.
func (s *TokenState) clone() *TokenState {
	if s == nil {
		return nil
	}
	c := *s
	c.Mints = append([]time.Time(nil), s.Mints...)
	return &c
}

// TokenStore persists TokenState between requests, processes and replicas,
// and provides the lock that makes a refresh happen once across all of them.
//
// The protocol, followed by the client: Lock the key; Load (ErrNoToken when
// empty); if the stored token is still fresh use it, otherwise call Zoho,
// Save, and finally unlock. Save is only called while holding the lock.
//
// Implementations: NewMemoryStore (one process), NewFileStore (processes on
// one machine); a SQL store lives in another package, and a user can back
// the interface with a secrets vault. Keys are stable, non-secret strings
// (see TokenKey).
type TokenStore interface {
	// Load returns the state stored under key, or ErrNoToken.
	Load(ctx context.Context, key string) (*TokenState, error)
	// Save replaces the state stored under key.
	Save(ctx context.Context, key string, st *TokenState) error
	// Lock takes the exclusive, cross-process (for stores shared between
	// processes) lock for key, waiting as long as ctx allows, and returns the
	// function that releases it.
	Lock(ctx context.Context, key string) (unlock func() error, err error)
}

// TokenKey returns the store key for a client: the client id, the data
// centre's location and a short hash of the grant secret (the refresh token,
// or the Self Client soid), so the secret itself never becomes a key.
func TokenKey(clientID string, loc Location, grantSecret string) string {
	sum := sha256.Sum256([]byte(grantSecret))
	l := string(loc)
	if l == "" {
		l = "custom"
	}
	return clientID + ":" + l + ":" + hex.EncodeToString(sum[:8])
}

// MemoryStore is a TokenStore in process memory: tokens survive across
// requests and are shared by every Client given the same store, but not
// across restarts or processes. Its lock is per key.
type MemoryStore struct {
	mu     sync.Mutex
	states map[string]*TokenState
	locks  map[string]chan struct{}
}

var _ TokenStore = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{states: map[string]*TokenState{}, locks: map[string]chan struct{}{}}
}

// Load returns a copy of the state under key, or ErrNoToken.
func (m *MemoryStore) Load(_ context.Context, key string) (*TokenState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[key]
	if !ok {
		return nil, ErrNoToken
	}
	return st.clone(), nil
}

// Save stores a copy of st under key.
func (m *MemoryStore) Save(_ context.Context, key string, st *TokenState) error {
	if st == nil {
		return errors.New("zoho: memory store: Save of a nil state")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[key] = st.clone()
	return nil
}

// Lock takes key's lock, waiting until it is free or ctx ends.
func (m *MemoryStore) Lock(ctx context.Context, key string) (func() error, error) {
	m.mu.Lock()
	ch, ok := m.locks[key]
	if !ok {
		ch = make(chan struct{}, 1)
		m.locks[key] = ch
	}
	m.mu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() error {
		once.Do(func() { <-ch })
		return nil
	}, nil
}
