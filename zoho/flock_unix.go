//go:build unix

package zoho

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on f. The blocking flock runs in a
// goroutine so that the wait honours ctx; when ctx ends first, the lock is
// released and f closed as soon as the goroutine gets it.
func lockFile(ctx context.Context, f *os.File) error {
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		return nil
	} else if !errors.Is(err, syscall.EWOULDBLOCK) {
		_ = f.Close()
		return fmt.Errorf("zoho: file store lock: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- flock(f, syscall.LOCK_EX) }()
	select {
	case err := <-done:
		if err != nil {
			_ = f.Close()
			return fmt.Errorf("zoho: file store lock: %w", err)
		}
		return nil
	case <-ctx.Done():
		go func() {
			if err := <-done; err == nil {
				_ = flock(f, syscall.LOCK_UN)
			}
			_ = f.Close()
		}()
		return ctx.Err()
	}
}

func unlockFile(f *os.File) error {
	if err := flock(f, syscall.LOCK_UN); err != nil {
		return fmt.Errorf("zoho: file store unlock: %w", err)
	}
	return nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
