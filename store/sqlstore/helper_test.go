package sqlstore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/store/sqlstore"
)

// The test binary re-executes itself as a replica process when helperEnv is
// set; TestMain then calls helperMain instead of running tests. The replica
// opens the store, says "ready", waits for "go" on its standard input, races
// for the lease and says "won" or "lost".
const (
	helperEnv    = "ZOHOKIT_SQLSTORE_HELPER"     // "postgres" or "sqlite"
	helperDSNEnv = "ZOHOKIT_SQLSTORE_HELPER_DSN" // PostgreSQL URL or SQLite path
	helperLease  = "sync:contacts"
)

func helperMain() int {
	if err := runHelper(); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

func runHelper() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var st *sqlstore.Store
	var err error
	switch engine, dsn := os.Getenv(helperEnv), os.Getenv(helperDSNEnv); engine {
	case "postgres":
		pool, perr := pgxpool.New(ctx, dsn)
		if perr != nil {
			return perr
		}
		defer pool.Close()
		st, err = sqlstore.NewPostgres(ctx, pool, nil)
	case "sqlite":
		st, err = sqlstore.OpenSQLite(ctx, dsn, nil)
	default:
		return fmt.Errorf("%s: unknown engine %q", helperEnv, engine)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Println("ready")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "go" {
		return fmt.Errorf("waiting for go: %q, %v", line, err)
	}
	won, err := st.AcquireLease(ctx, helperLease, "pid-"+strconv.Itoa(os.Getpid()), time.Minute)
	if err != nil {
		return err
	}
	if won {
		fmt.Println("won")
	} else {
		fmt.Println("lost")
	}
	return nil
}

// TestLeaseRaceBetweenProcesses starts replica processes that race for one
// lease at the same moment: exactly one wins.
func TestLeaseRaceBetweenProcesses(t *testing.T) {
	t.Parallel()
	engines := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "state.db")
			newSQLite(t, path, nil) // migrated before the race, so the replicas start alike
			return path
		},
		"postgres": func(t *testing.T) string {
			dsn := pgtest.DSN(t)
			newPostgres(t, newPool(t, dsn), nil)
			return dsn
		},
	}
	for engine, prepare := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dsn := prepare(t)
			const replicas = 4
			type replica struct {
				cmd   *exec.Cmd
				in    io.WriteCloser
				lines *bufio.Scanner
			}
			var rs []replica
			for range replicas {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), helperEnv+"="+engine, helperDSNEnv+"="+dsn)
				cmd.Stderr = os.Stderr
				stdin, err := cmd.StdinPipe()
				require.NoError(t, err)
				stdout, err := cmd.StdoutPipe()
				require.NoError(t, err)
				require.NoError(t, cmd.Start())
				t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
				rs = append(rs, replica{cmd: cmd, in: stdin, lines: bufio.NewScanner(stdout)})
			}
			for _, r := range rs {
				require.True(t, r.lines.Scan(), "a replica did not start")
				require.Equal(t, "ready", r.lines.Text())
			}
			for _, r := range rs {
				_, err := io.WriteString(r.in, "go\n")
				require.NoError(t, err)
			}
			won := 0
			for _, r := range rs {
				require.True(t, r.lines.Scan(), "a replica did not answer")
				switch r.lines.Text() {
				case "won":
					won++
				case "lost":
				default:
					t.Fatalf("replica said %q", r.lines.Text())
				}
				require.NoError(t, r.cmd.Wait())
			}
			require.Equal(t, 1, won, "replicas that won the lease")
		})
	}
}
