package sqlqueue_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
)

// The test binary re-executes itself as a worker process when helperEnv is
// set; TestMain then calls helperMain instead of running tests. The process
// runs a queue.Worker until SIGTERM (a graceful stop) or SIGKILL (a crash).
const (
	helperEnv          = "ZOHOKIT_SQLQUEUE_HELPER"             // "postgres" or "sqlite"
	helperDSNEnv       = "ZOHOKIT_SQLQUEUE_HELPER_DSN"         // PostgreSQL URL or SQLite path
	helperModeEnv      = "ZOHOKIT_SQLQUEUE_HELPER_MODE"        // "record" or "hold"
	helperConcEnv      = "ZOHOKIT_SQLQUEUE_HELPER_CONCURRENCY" // handlers at once
	helperLeaseEnv     = "ZOHOKIT_SQLQUEUE_HELPER_LEASE"       // WorkerConfig.Lease
	procKind           = "proc.test"
	procTablesPG       = `CREATE TABLE proc_started (job_id bigint NOT NULL, attempt integer NOT NULL, pid integer NOT NULL); CREATE TABLE proc_runs (job_id bigint NOT NULL, attempt integer NOT NULL, pid integer NOT NULL)`
	procTablesSQLite   = `CREATE TABLE proc_started (job_id INTEGER NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL); CREATE TABLE proc_runs (job_id INTEGER NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL)`
	helperPollInterval = 100 * time.Millisecond
)

// helperMain is a worker process. In "record" mode its handler records each
// run in proc_runs and returns; in "hold" mode it records the start in
// proc_started and then holds the job (its lease extended by the Worker's
// heartbeat) until the process ends.
func helperMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := runHelper(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

func runHelper(ctx context.Context) error {
	engine, dsn, mode := os.Getenv(helperEnv), os.Getenv(helperDSNEnv), os.Getenv(helperModeEnv)
	conc, err := strconv.Atoi(os.Getenv(helperConcEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", helperConcEnv, err)
	}
	lease, err := time.ParseDuration(os.Getenv(helperLeaseEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", helperLeaseEnv, err)
	}

	var q queue.Queue
	var exec func(ctx context.Context, query string, args ...any) error
	switch engine {
	case "postgres":
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return err
		}
		defer pool.Close()
		pq, err := sqlqueue.NewPostgres(ctx, pool, nil)
		if err != nil {
			return err
		}
		defer pq.Close()
		q = pq
		exec = func(ctx context.Context, query string, args ...any) error {
			_, err := pool.Exec(ctx, query, args...)
			return err
		}
	case "sqlite":
		sq, err := sqlqueue.OpenSQLite(ctx, dsn, nil)
		if err != nil {
			return err
		}
		defer sq.Close()
		q = sq
		exec = sqlExec(sq.DB())
	default:
		return fmt.Errorf("%s: unknown engine %q", helperEnv, engine)
	}

	w, err := queue.NewWorker(q, &queue.WorkerConfig{Concurrency: conc, Lease: lease, PollInterval: helperPollInterval})
	if err != nil {
		return err
	}
	pid := os.Getpid()
	var handler queue.HandlerFunc
	switch mode {
	case "record":
		handler = func(ctx context.Context, j queue.Job) error {
			return exec(ctx, `INSERT INTO proc_runs (job_id, attempt, pid) VALUES ($1, $2, $3)`, j.ID, j.Attempt, pid)
		}
	case "hold":
		handler = func(ctx context.Context, j queue.Job) error {
			if err := exec(ctx, `INSERT INTO proc_started (job_id, attempt, pid) VALUES ($1, $2, $3)`, j.ID, j.Attempt, pid); err != nil {
				return err
			}
			<-ctx.Done()
			return ctx.Err()
		}
	default:
		return fmt.Errorf("%s: unknown mode %q", helperModeEnv, mode)
	}
	if err := w.HandleRaw(procKind, handler, nil); err != nil {
		return err
	}
	return w.Run(ctx)
}

func sqlExec(db *sql.DB) func(ctx context.Context, query string, args ...any) error {
	return func(ctx context.Context, query string, args ...any) error {
		_, err := db.ExecContext(ctx, query, args...)
		return err
	}
}
