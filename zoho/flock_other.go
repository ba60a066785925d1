//go:build !unix

package zoho

import (
	"context"
	"errors"
	"os"
)

// lockFile is unsupported where flock is missing: FileStore is Unix-only.
func lockFile(_ context.Context, f *os.File) error {
	_ = f.Close()
	return errors.New("zoho: file store lock: flock is not available on this platform")
}

func unlockFile(*os.File) error { return nil }
