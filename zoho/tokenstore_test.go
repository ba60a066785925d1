package zoho

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testStoreContract checks what the client relies on from any TokenStore.
func testStoreContract(t *testing.T, open func(t *testing.T) TokenStore) {
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		_, err := open(t).Load(t.Context(), "k")
		require.ErrorIs(t, err, ErrNoToken)
	})
	t.Run("round trip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
		st := &TokenState{AccessToken: "a", Expiry: now.Add(time.Hour), Issued: now, APIDomain: "https://www.zohoapis.eu",
			Mints: []time.Time{now.Add(-time.Minute), now}}
		require.NoError(t, s.Save(t.Context(), "k1", st))
		require.NoError(t, s.Save(t.Context(), "k2", &TokenState{AccessToken: "b"}))
		got, err := s.Load(t.Context(), "k1")
		require.NoError(t, err)
		require.Equal(t, st.AccessToken, got.AccessToken)
		require.True(t, st.Expiry.Equal(got.Expiry))
		require.Equal(t, st.APIDomain, got.APIDomain)
		require.Len(t, got.Mints, 2)
		got.Mints[0] = time.Time{} // the caller's copy is its own
		again, err := s.Load(t.Context(), "k1")
		require.NoError(t, err)
		require.False(t, again.Mints[0].IsZero())
		other, err := s.Load(t.Context(), "k2")
		require.NoError(t, err)
		require.Equal(t, "b", other.AccessToken)
	})
	t.Run("lock is exclusive and honours the context", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		unlock, err := s.Lock(t.Context(), "k")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		got := make(chan error, 1)
		go func() {
			_, err := s.Lock(ctx, "k")
			got <- err
		}()
		cancel()
		require.ErrorIs(t, <-got, context.Canceled)
		require.NoError(t, unlock())
		// The abandoned waiter does not keep the lock.
		unlock2, err := s.Lock(waitCtx(t), "k")
		require.NoError(t, err)
		require.NoError(t, unlock2())
	})
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	testStoreContract(t, func(*testing.T) TokenStore { return NewMemoryStore() })
}

func TestFileStore(t *testing.T) {
	t.Parallel()
	testStoreContract(t, func(t *testing.T) TokenStore {
		s, err := NewFileStore(filepath.Join(t.TempDir(), "sub", "tokens.json"))
		require.NoError(t, err)
		return s
	})
}

func TestFileStoreModeAtomicAndReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	// A file left readable by others is replaced by a private one.
	require.NoError(t, os.WriteFile(path, []byte(`{"version":1,"tokens":{}}`), 0o644))
	s, err := NewFileStore(path)
	require.NoError(t, err)
	unlock, err := s.Lock(t.Context(), "k")
	require.NoError(t, err)
	st := &TokenState{AccessToken: "x", Expiry: time.Now().Add(time.Hour).Round(0), APIDomain: "https://www.zohoapis.in"}
	require.NoError(t, s.Save(t.Context(), "k", st))
	require.NoError(t, unlock())

	for _, p := range []string{path, path + ".lock"} {
		info, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), p)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.ElementsMatch(t, []string{"tokens.json", "tokens.json.lock"}, names, "no temporary file left behind")

	reloaded, err := NewFileStore(path)
	require.NoError(t, err)
	got, err := reloaded.Load(t.Context(), "k")
	require.NoError(t, err)
	require.Equal(t, "x", got.AccessToken)
	require.True(t, st.Expiry.Equal(got.Expiry))
	require.Equal(t, "https://www.zohoapis.in", got.APIDomain)
}

func TestFileStoreReadersNeverSeeAPartialFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tokens.json")
	s, err := NewFileStore(path)
	require.NoError(t, err)
	big := strings.Repeat("x", 64<<10) // large enough that a non-atomic write would be seen half done
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	wg.Go(func() {
		for !stop.Load() {
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil || !json.Valid(data) {
				t.Errorf("reader saw a partial file (%d bytes, %v)", len(data), err)
				return
			}
			reads.Add(1)
		}
	})
	for i := range 40 {
		require.NoError(t, s.Save(t.Context(), "k", &TokenState{AccessToken: fmt.Sprint(i, big)}))
	}
	eventually(t, "a few reads", func() bool { return reads.Load() > 10 })
	stop.Store(true)
	wg.Wait()
}

func TestFileStoreRejectsCorruptFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tokens.json")
	require.NoError(t, os.WriteFile(path, []byte("not json"), 0o600))
	s, err := NewFileStore(path)
	require.NoError(t, err)
	_, err = s.Load(t.Context(), "k")
	require.ErrorContains(t, err, path)
	require.ErrorContains(t, err, "not a token file")
}

func TestNewFileStoreNeedsAPath(t *testing.T) {
	t.Parallel()
	_, err := NewFileStore("")
	require.ErrorContains(t, err, "path is empty")
}

func TestTokenKeyNeverHoldsTheSecret(t *testing.T) {
	t.Parallel()
	k1 := TokenKey("cid", EU, testRefreshToken)
	require.NotContains(t, k1, secretMarker)
	require.Contains(t, k1, "cid:eu:")
	require.Equal(t, k1, TokenKey("cid", EU, testRefreshToken), "stable")
	require.NotEqual(t, k1, TokenKey("cid", EU, testRefreshToken+"2"))
	require.NotEqual(t, k1, TokenKey("cid", US, testRefreshToken))
}

// The subprocess test: two processes share one token file and refresh once.

const helperEnv = "ZOHOKIT_TEST_TOKEN_HELPER"

// runHelperProcess is a child process of TestFileStoreAcrossProcesses: it
// builds a client on the shared file, reports ready, then asks for tokens
// from ten goroutines.
func runHelperProcess() int {
	accounts, path := os.Getenv("ZOHOKIT_TEST_ACCOUNTS"), os.Getenv("ZOHOKIT_TEST_STORE")
	fs, err := NewFileStore(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	c, err := New(Config{
		ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefreshToken,
		DataCenter: DataCenter{Location: "test", Accounts: accounts, API: accounts},
		TokenStore: fs,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	resp, err := http.Post(accounts+"/open/ready", "text/plain", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var failed atomic.Bool
	for range 10 {
		wg.Go(func() {
			if _, err := c.Token(ctx); err != nil {
				fmt.Fprintln(os.Stderr, err)
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		return 1
	}
	return 0
}

func TestFileStoreAcrossProcesses(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	fz := newFakeZoho(t)
	var ready atomic.Int32
	gate := make(chan struct{})
	fz.gate = gate
	fz.mux.HandleFunc("POST /open/ready", func(http.ResponseWriter, *http.Request) {
		if ready.Add(1) == 2 {
			close(gate) // both processes are up: let the first refresh finish
		}
	})

	path := filepath.Join(t.TempDir(), "tokens.json")
	var cmds []*exec.Cmd
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=1", "ZOHOKIT_TEST_ACCOUNTS="+fz.srv.URL, "ZOHOKIT_TEST_STORE="+path)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("helper output: %s", out.String())
			}
		})
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait())
	}
	require.Equal(t, int32(1), fz.tokenCalls.Load(), "one refresh across two processes")
}
