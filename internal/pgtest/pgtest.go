// Package pgtest gives tests a throwaway PostgreSQL database.
//
// When ZOHOKIT_TEST_POSTGRES holds the URL of a server on which the user may
// create databases (CI starts one), every database is created there.
// Otherwise the first test that asks starts a private cluster from the
// machine's PostgreSQL binaries (ZOHOKIT_PG_BIN, then
// /usr/lib/postgresql/*/bin, then pg_config --bindir), in a temporary
// directory, listening only on a Unix socket, and stopped when the test binary
// ends. When running as root the cluster runs as the postgres user, because
// PostgreSQL refuses to run as root.
//
// A package whose tests use pgtest must call Run from its TestMain so that the
// private cluster is stopped:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
// When no server can be had, tests skip with the reason, or fail under CI.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zohokit/zohokit/internal/testenv"
)

// EnvURL names the environment variable holding an existing server's URL.
const EnvURL = "ZOHOKIT_TEST_POSTGRES"

var (
	mu         sync.Mutex
	runCalled  bool
	cluster    *Cluster
	clusterErr error
)

// Run runs the tests and then stops the private cluster, if one was started.
// It returns m.Run's exit code.
func Run(m *testing.M) int {
	mu.Lock()
	runCalled = true
	mu.Unlock()
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
		cluster = nil
	}
	return code
}

// DSN returns the URL of a new, empty database that exists for this test only.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := serverURL(tb)
	name := "zk_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", redact(base), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Logf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

func serverURL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	mu.Lock()
	defer mu.Unlock()
	if !runCalled {
		tb.Fatal("pgtest: call os.Exit(pgtest.Run(m)) from this package's TestMain")
	}
	if cluster == nil && clusterErr == nil {
		bin, err := findBinDir()
		if err != nil {
			clusterErr = err
		} else {
			cluster, clusterErr = Start(bin)
		}
	}
	if clusterErr != nil {
		testenv.Unavailable(tb, "no PostgreSQL for tests: %v (set %s or install PostgreSQL 15)", clusterErr, EnvURL)
	}
	return cluster.URL()
}

// Cluster is a PostgreSQL cluster in a temporary directory.
type Cluster struct {
	dir  string
	bin  string
	cred *syscall.Credential
}

// Start initialises and starts a cluster with the binaries in bin. The
// cluster trusts local connections, listens on a Unix socket in its own
// directory only, and trades durability for speed (fsync off): it is for tests.
func Start(bin string) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "zohokit-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", dir)
	if out, err := c.run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
	return c, nil
}

// URL is the connection URL of the cluster's postgres database.
func (c *Cluster) URL() string {
	return "postgres://postgres@/postgres?host=" + url.QueryEscape(c.dir) + "&sslmode=disable"
}

// Stop stops the cluster and removes its directory.
func (c *Cluster) Stop() error {
	out, err := c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	if rmErr := os.RemoveAll(c.dir); err == nil && rmErr != nil {
		err = rmErr
	}
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Env = append(os.Environ(), "HOME="+c.dir)
	}
	return cmd.CombinedOutput()
}

func findBinDir() (string, error) {
	if d := os.Getenv("ZOHOKIT_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL binaries found (looked in ZOHOKIT_PG_BIN, /usr/lib/postgresql/*/bin and pg_config --bindir)")
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the server"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
