package sqlqueue_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
)

// procEnv is one database shared by the test and its worker processes.
type procEnv struct {
	engine string // "postgres" or "sqlite"
	dsn    string // URL or file path
	q      queue.Queue
	query  func(t *testing.T, query string) [][2]int64 // rows of two integers
}

func newPostgresProcEnv(t *testing.T) *procEnv {
	dsn := pgtest.DSN(t)
	q := newPostgres(t, dsn, nil)
	pool := newPool(t, dsn)
	_, err := pool.Exec(t.Context(), procTablesPG)
	require.NoError(t, err)
	return &procEnv{engine: "postgres", dsn: dsn, q: q, query: func(t *testing.T, query string) [][2]int64 {
		rows, err := pool.Query(t.Context(), query)
		require.NoError(t, err)
		defer rows.Close()
		var out [][2]int64
		for rows.Next() {
			var r [2]int64
			require.NoError(t, rows.Scan(&r[0], &r[1]))
			out = append(out, r)
		}
		require.NoError(t, rows.Err())
		return out
	}}
}

func newSQLiteProcEnv(t *testing.T) *procEnv {
	path := filepath.Join(t.TempDir(), "queue.db")
	q, err := sqlqueue.OpenSQLite(t.Context(), path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	_, err = q.DB().ExecContext(t.Context(), procTablesSQLite)
	require.NoError(t, err)
	db := q.DB()
	return &procEnv{engine: "sqlite", dsn: path, q: q, query: func(t *testing.T, query string) [][2]int64 {
		return sqlRows(t, db, query)
	}}
}

func sqlRows(t *testing.T, db *sql.DB, query string) [][2]int64 {
	rows, err := db.QueryContext(t.Context(), query)
	require.NoError(t, err)
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var r [2]int64
		require.NoError(t, rows.Scan(&r[0], &r[1]))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

// proc is a worker process.
type proc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{} // closed when the process has exited
	err    error         // the exit status, once exited is closed
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the test binary as a worker process on e's database. The
// process is killed when the test ends if it still runs.
func (e *procEnv) start(t *testing.T, mode string, concurrency int, lease time.Duration) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		helperEnv+"="+e.engine,
		helperDSNEnv+"="+e.dsn,
		helperModeEnv+"="+mode,
		fmt.Sprintf("%s=%d", helperConcEnv, concurrency),
		helperLeaseEnv+"="+lease.String(),
	)
	p := &proc{cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill() //nolint:errcheck // it may have exited meanwhile
			<-p.exited
		}
		if t.Failed() {
			t.Logf("worker process %d output:\n%s", cmd.Process.Pid, p.out.String())
		}
	})
	return p
}

// wait waits for the process to exit and returns its exit status.
func (p *proc) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(30 * time.Second):
		t.Fatalf("worker process %d did not exit", p.cmd.Process.Pid)
		return nil
	}
}

// kill ends the process with SIGKILL: no handler returns, no lease is
// released, nothing is completed.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
}

// terminate asks the process to stop gracefully.
func (p *proc) terminate(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func count(t *testing.T, e *procEnv, table string) int64 {
	return e.query(t, "SELECT count(*), count(DISTINCT job_id) FROM "+table)[0][0]
}

func enqueueN(t *testing.T, q queue.Queue, n int) map[int64]bool {
	t.Helper()
	jobs := make([]queue.Job, n)
	for i := range jobs {
		jobs[i] = queue.Job{Kind: procKind, Payload: fmt.Appendf(nil, `{"n":%d}`, i)}
	}
	ids := map[int64]bool{}
	for start := 0; start < n; start += 50 {
		res, err := q.Enqueue(t.Context(), jobs[start:min(start+50, n)]...)
		require.NoError(t, err)
		for _, r := range res {
			ids[r.ID] = true
		}
	}
	require.Len(t, ids, n)
	return ids
}

// requireDrained checks that the queue holds nothing but completed jobs.
func requireDrained(t *testing.T, q queue.Queue) {
	t.Helper()
	st, err := q.Stats(t.Context())
	require.NoError(t, err)
	require.Equal(t, queue.KindStats{}, st.Total(), "nothing may be left ready, scheduled, running or dead")
}

// TestKilledWorkersLoseNothing kills worker processes with SIGKILL while they
// hold jobs, then checks that a new worker completes every job, the held
// ones once their leases ran out.
func TestKilledWorkersLoseNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) *procEnv
	}{
		{"postgres", newPostgresProcEnv},
		{"sqlite", newSQLiteProcEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := tc.env(t)
			const (
				holders     = 2
				concurrency = 4
				held        = holders * concurrency
				total       = 40
				lease       = 2 * time.Second
			)
			var procs []*proc
			for range holders {
				procs = append(procs, e.start(t, "hold", concurrency, lease))
			}
			ids := enqueueN(t, e.q, total)
			waitFor(t, 30*time.Second, "the holders to start their jobs", func() bool {
				return count(t, e, "proc_started") == held
			})
			for _, p := range procs {
				p.kill(t)
			}
			heldIDs := map[int64]bool{}
			for _, r := range e.query(t, "SELECT job_id, attempt FROM proc_started") {
				require.EqualValues(t, 1, r[1])
				heldIDs[r[0]] = true
			}
			require.Len(t, heldIDs, held, "each held job was started once")

			// A new worker does the rest at once and the held jobs after
			// their leases end.
			rec := e.start(t, "record", concurrency, lease)
			waitFor(t, 60*time.Second, "every job to complete", func() bool {
				return count(t, e, "proc_runs") >= total
			})
			rec.terminate(t)
			require.NoError(t, rec.wait(t))

			runs := e.query(t, "SELECT job_id, attempt FROM proc_runs")
			require.Len(t, runs, total, "every job ran to completion exactly once after the crash")
			for _, r := range runs {
				require.True(t, ids[r[0]], "job %d was not enqueued", r[0])
				want := int64(1)
				if heldIDs[r[0]] {
					want = 2 // the killed attempt counted
				}
				require.Equal(t, want, r[1], "attempt of job %d", r[0])
				delete(ids, r[0])
			}
			require.Empty(t, ids, "jobs never run")
			requireDrained(t, e.q)
		})
	}
}

// TestThreeWorkersRunEachJobOnce runs three worker processes on one database
// and checks that every job's handler ran exactly once.
func TestThreeWorkersRunEachJobOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) *procEnv
	}{
		{"postgres", newPostgresProcEnv},
		{"sqlite", newSQLiteProcEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := tc.env(t)
			const total = 600
			var procs []*proc
			for range 3 {
				procs = append(procs, e.start(t, "record", 8, 30*time.Second))
			}
			if e.engine == "postgres" {
				// Enqueue once all three listen, so that each takes part.
				waitFor(t, 30*time.Second, "three listening workers", func() bool {
					return e.query(t, `SELECT count(*), 0 FROM pg_stat_activity
						WHERE datname = current_database() AND query LIKE 'LISTEN%'`)[0][0] == 3
				})
			}
			ids := enqueueN(t, e.q, total)
			waitFor(t, 60*time.Second, "every job to run", func() bool {
				return count(t, e, "proc_runs") >= total
			})
			for _, p := range procs {
				p.terminate(t)
			}
			for _, p := range procs {
				require.NoError(t, p.wait(t))
			}
			requireDrained(t, e.q)

			counts := e.query(t, "SELECT count(*), count(DISTINCT job_id) FROM proc_runs")[0]
			require.EqualValues(t, total, counts[0], "handler runs")
			require.EqualValues(t, total, counts[1], "distinct jobs run")
			if e.engine == "postgres" {
				perProc := e.query(t, "SELECT pid, count(*) FROM proc_runs GROUP BY pid")
				require.Len(t, perProc, 3, "every process ran jobs: %v", perProc)
			}
			for _, r := range e.query(t, "SELECT job_id, attempt FROM proc_runs") {
				require.True(t, ids[r[0]], "job %d was not enqueued", r[0])
				require.EqualValues(t, 1, r[1], "job %d ran on its first attempt", r[0])
			}
		})
	}
}
