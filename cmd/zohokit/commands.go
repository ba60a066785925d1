package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/internal/service"
	"github.com/zohokit/zohokit/internal/service/demo"
	"github.com/zohokit/zohokit/ops"
	"github.com/zohokit/zohokit/queue"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "demo")
	addr := f.String("addr", "127.0.0.1:8080", "dashboard and webhook address (loopback; a busy port is replaced by a free one)")
	dir := f.String("dir", "", "keep the databases in this directory (default: a temporary one, removed at exit)")
	duration := f.Duration("duration", 0, "stop after this long (default: run until Ctrl-C)")
	quiet := f.Bool("quiet", false, "print only the banner and errors")
	// The demo narrates on stdout; --log-level info adds the service's log.
	*f.logLevel = "warn"
	f.Lookup("log-level").DefValue = "warn"
	if _, err := f.parse(args); err != nil {
		return err
	}
	log, err := f.logger(e)
	if err != nil {
		return err
	}
	return demo.Run(ctx, demo.Options{Addr: *addr, Dir: *dir, Duration: *duration, Quiet: *quiet, Out: e.stdout, Logger: log})
}

// build loads --config and builds the service it describes, with the
// logger --log-level asks for.
func build(ctx context.Context, e *env, f *flags, path string) (*service.Service, *slog.Logger, error) {
	log, err := f.logger(e)
	if err != nil {
		return nil, nil, err
	}
	l, err := load(e, path)
	if err != nil {
		return nil, nil, err
	}
	svc, err := service.Build(ctx, l, &service.BuildOptions{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return svc, log, nil
}

// load loads --config, or explains that it is required.
func load(e *env, path string) (*service.Loaded, error) {
	if path == "" {
		fmt.Fprintln(e.stderr, "--config is required")
		return nil, errUsage
	}
	return service.Load(path, &service.Options{LookupEnv: e.lookup})
}

func runServe(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "serve")
	cfg := f.String("config", "zohokit.yaml", "configuration file")
	if _, err := f.parse(args); err != nil {
		return err
	}
	svc, log, err := build(ctx, e, f, *cfg)
	if err != nil {
		return err
	}
	defer svc.Close()
	ls, err := svc.Listen(e.lookup, false)
	if err != nil {
		return err
	}
	log.Info("dashboard", "url", svc.DashboardURL(ls))
	return svc.Run(ctx, ls)
}

func runPlan(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "plan")
	cfg := f.String("config", "zohokit.yaml", "configuration file")
	only := f.String("pipeline", "", "plan only this pipeline")
	if _, err := f.parse(args); err != nil {
		return err
	}
	svc, _, err := build(ctx, e, f, *cfg)
	if err != nil {
		return err
	}
	defer svc.Close()
	found := false
	for _, p := range svc.Pipelines() {
		if *only != "" && p.Name() != *only {
			continue
		}
		found = true
		plan, err := p.Plan(ctx)
		if err != nil {
			return fmt.Errorf("pipeline %s: %w", p.Name(), err)
		}
		s := plan.String()
		fmt.Fprint(e.stdout, s)
		if !strings.HasSuffix(s, "\n") {
			fmt.Fprintln(e.stdout)
		}
	}
	if !found {
		return fmt.Errorf("no pipeline named %q", *only)
	}
	return nil
}

func runDead(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "dead")
	cfg := f.String("config", "zohokit.yaml", "configuration file")
	kind := f.String("kind", "", "list only jobs of this kind")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || (pos[0] != "list" && pos[0] != "retry") {
		fmt.Fprintln(e.stderr, "usage: zohokit dead list|retry [ids...] --config zohokit.yaml")
		return errUsage
	}
	log, err := f.logger(e)
	if err != nil {
		return err
	}
	l, err := load(e, *cfg)
	if err != nil {
		return err
	}
	q, closeQ, err := service.OpenQueue(ctx, l, log)
	if err != nil {
		return err
	}
	defer closeQ()
	if pos[0] == "list" {
		return listDead(ctx, e, q, *kind, l.SecretValues())
	}
	ids := make([]int64, 0, len(pos)-1)
	for _, s := range pos[1:] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not a job id", s)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		fmt.Fprintln(e.stderr, "zohokit dead retry: name the job ids to retry (see zohokit dead list)")
		return errUsage
	}
	n, err := q.Requeue(ctx, ids...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "requeued %d of %d job(s)\n", n, len(ids))
	return nil
}

// listDead prints the dead jobs, their last errors scrubbed of secrets.
func listDead(ctx context.Context, e *env, q queue.Queue, kind string, secrets []string) error {
	scrub := ops.Scrubber(secrets) // what the dashboard hides, this hides
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tATTEMPTS\tUPDATED\tLAST ERROR")
	total := 0
	for after := int64(0); ; {
		jobs, err := q.Dead(ctx, queue.DeadFilter{Kind: kind, AfterID: after, Limit: 100})
		if err != nil {
			return err
		}
		for _, j := range jobs {
			fmt.Fprintf(tw, "%d\t%s\t%d/%d\t%s\t%s\n", j.ID, j.Kind, j.Attempt, j.MaxAttempts,
				j.UpdatedAt.UTC().Format("2006-01-02 15:04:05Z"), firstLine(scrub(j.LastError)))
			after = j.ID
			total++
		}
		if len(jobs) < 100 {
			break
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d dead job(s)\n", total)
	return nil
}

func firstLine(s string) string {
	if first, _, cut := strings.Cut(s, "\n"); cut {
		return first + " ..."
	}
	return s
}

func runAuthority(_ context.Context, e *env, args []string) error {
	f := newFlags(e, "authority")
	cfg := f.String("config", "", "configuration file (default: print the default table)")
	if _, err := f.parse(args); err != nil {
		return err
	}
	table := authority.Default()
	if *cfg != "" {
		l, err := service.Load(*cfg, &service.Options{LookupEnv: e.lookup, OptionalSecrets: true})
		if err != nil {
			return err
		}
		table = l.Authority
	}
	fmt.Fprint(e.stdout, table.Markdown())
	return nil
}
