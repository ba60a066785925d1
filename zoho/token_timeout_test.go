package zoho

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A hung accounts server must not hold the token store's cross-process lock
// for ever, even with an HTTP client that has no timeout.
func TestHungTokenEndpointReleasesTheStoreLock(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answers while the test runs
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	path := filepath.Join(t.TempDir(), "tokens.json")
	fs, err := NewFileStore(path)
	require.NoError(t, err)
	u := srv.URL
	c, err := New(Config{
		ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefreshToken,
		DataCenter:   DataCenter{Location: "test", Accounts: u, API: u, Content: u, Projects: u, People: u},
		TokenStore:   fs,
		HTTPClient:   &http.Client{}, // no timeout of its own
		TokenTimeout: 50 * time.Millisecond,
		Logger:       testLogger(),
	})
	require.NoError(t, err)

	_, err = c.Token(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	noSecret(t, err)

	// The lock is free again: another process's store takes it at once.
	other, err := NewFileStore(path)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := other.Lock(ctx, c.TokenKey())
	require.NoError(t, err)
	require.NoError(t, unlock())
}
