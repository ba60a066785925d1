package zoho

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileStore is a TokenStore in one JSON file, for processes on one machine
// (a CLI, several workers, a service and its cron jobs). The file is
// written atomically (a temporary file in the same directory, synced, then
// renamed over the old one) with mode 0600, so a reader never sees half a
// file and nobody else can read the tokens. Several keys can share a file.
//
// Its lock is an OS file lock (flock) on a sibling file, path + ".lock",
// which is exclusive between processes and also between FileStores (and so
// Clients) within one process that use the same path. The lock covers the
// whole file, whatever the key.
type FileStore struct {
	path string
	mu   sync.Mutex // serialises this value's read-modify-write of the file
}

var _ TokenStore = (*FileStore)(nil)

// fileFormat is the file's JSON layout.
type fileFormat struct {
	Version int                    `json:"version"`
	Tokens  map[string]*TokenState `json:"tokens"`
}

// NewFileStore returns a store kept in the file at path, creating its
// directory (mode 0700) when missing. The file itself is created on the
// first Save.
func NewFileStore(path string) (*FileStore, error) {
	if path == "" {
		return nil, errors.New("zoho: NewFileStore: path is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("zoho: NewFileStore: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("zoho: NewFileStore: %w", err)
	}
	return &FileStore{path: abs}, nil
}

// Path returns the file's absolute path.
func (f *FileStore) Path() string { return f.path }

// Load returns the state stored under key, or ErrNoToken when the file or
// the key does not exist.
func (f *FileStore) Load(_ context.Context, key string) (*TokenState, error) {
	ff, err := f.read()
	if err != nil {
		return nil, err
	}
	st, ok := ff.Tokens[key]
	if !ok || st == nil {
		return nil, ErrNoToken
	}
	return st, nil
}

// Save replaces the state under key, rewriting the file atomically. Call it
// while holding Lock, as the TokenStore protocol says.
func (f *FileStore) Save(_ context.Context, key string, st *TokenState) error {
	if st == nil {
		return errors.New("zoho: file store: Save of a nil state")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ff, err := f.read()
	if err != nil {
		return err
	}
	ff.Tokens[key] = st
	data, err := json.MarshalIndent(ff, "", "  ")
	if err != nil {
		return fmt.Errorf("zoho: file store: %w", err)
	}
	return writeFileAtomic(f.path, append(data, '\n'))
}

// Lock takes the exclusive OS lock on path + ".lock", waiting until it is
// free or ctx ends.
func (f *FileStore) Lock(ctx context.Context, _ string) (func() error, error) {
	lf, err := os.OpenFile(f.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("zoho: file store lock: %w", err)
	}
	if err := lockFile(ctx, lf); err != nil {
		return nil, err
	}
	var once sync.Once
	var uerr error
	return func() error {
		once.Do(func() {
			uerr = unlockFile(lf)
			if cerr := lf.Close(); uerr == nil && cerr != nil {
				uerr = fmt.Errorf("zoho: file store unlock: %w", cerr)
			}
		})
		return uerr
	}, nil
}

func (f *FileStore) read() (*fileFormat, error) {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &fileFormat{Version: 1, Tokens: map[string]*TokenState{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zoho: file store: %w", err)
	}
	var ff fileFormat
	if err := json.Unmarshal(data, &ff); err != nil {
		return nil, fmt.Errorf("zoho: file store %s: not a token file: %w", f.path, err)
	}
	if ff.Tokens == nil {
		ff.Tokens = map[string]*TokenState{}
	}
	ff.Version = 1
	return &ff, nil
}

// writeFileAtomic writes data to a temporary file (mode 0600) beside path,
// syncs it, renames it over path and syncs the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("zoho: file store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("zoho: file store: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("zoho: file store: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("zoho: file store: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("zoho: file store: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("zoho: file store: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // best effort: makes the rename durable on most file systems
		_ = d.Close()
	}
	return nil
}
