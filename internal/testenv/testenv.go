// Package testenv decides what a test does when something it needs from the
// machine is missing: locally it skips with a message naming what is missing,
// and under CI (the CI environment variable set to anything but "" or "false")
// it fails, so that CI can never pass by skipping.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI, where nothing may be skipped.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// Unavailable skips the test with the given reason, or fails it under CI.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("required under CI: "+format, args...)
	}
	tb.Skipf(format, args...)
}

// LookPath returns the path of an executable, calling Unavailable when it is
// not installed.
func LookPath(tb testing.TB, name string, candidates ...string) string {
	tb.Helper()
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(tb, "%s is not installed (%v)", name, err)
	}
	return p
}
