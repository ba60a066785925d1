// Package demo is `zohokit demo`: the service of `zohokit serve`, run
// offline on embedded defaults. A fake Zoho (CRM and Books) stands in for
// Zoho, a SQLite file for the client's ERP, and a simulator edits both
// sides every few seconds, so that the three flows of the design (a push,
// a scheduled pull and a bidirectional sync with a review) run and show on
// the dashboard within a minute.
package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	stdsync "sync"
	"text/template"
	"time"

	"github.com/zohokit/zohokit/internal/service"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

//go:embed demo.yaml
var configTemplate string

// Options configure a demo run. The zero value works.
type Options struct {
	// Addr is where the dashboard and the webhooks listen; empty means
	// 127.0.0.1:8080. A port in use is replaced by a free one.
	Addr string
	// Dir keeps the databases; empty means a temporary directory that is
	// removed at the end.
	Dir string
	// Duration stops the demo after this long; zero runs until ctx ends.
	Duration time.Duration
	// Quiet prints only the start banner and errors.
	Quiet bool
	// Out receives what the demo prints; nil means os.Stdout.
	Out io.Writer
	// Logger receives the service's log lines; nil discards them.
	Logger *slog.Logger
	// Interval is the simulator's pace; zero means 3 seconds.
	Interval time.Duration
	// Ready, when set, is called once the service listens.
	Ready func(Info)
}

// Info tells a caller (a test) where the running demo is.
type Info struct {
	DashboardURL string
	Fake         *zohotest.Server
	BooksOrg     string
	ERP          *sql.DB
	// Secrets are the values the demo must never print or log: the fake's
	// client secret and refresh token, the channel token.
	Secrets []string
}

// Run runs the demo until ctx ends or Options.Duration has passed, then
// stops everything and removes its temporary directory.
func Run(ctx context.Context, opts Options) (err error) {
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := opts.Dir
	if dir == "" {
		dir, err = os.MkdirTemp("", "zohokit-demo-")
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	} else if err := freshDir(dir); err != nil {
		return err
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}

	// The fake's notes (OpenAPI documents it skips, faults) are for
	// debugging the demo itself.
	fakeLog := slog.New(slog.DiscardHandler)
	if log.Enabled(ctx, slog.LevelDebug) {
		fakeLog = log.With("component", "fake-zoho")
	}
	fake, err := zohotest.Start(&zohotest.Options{Logger: fakeLog})
	if err != nil {
		return fmt.Errorf("demo: start the fake Zoho: %w", err)
	}
	defer fake.Close()
	erp, err := sqlite.Open(ctx, filepath.Join(dir, "erp.db"), nil)
	if err != nil {
		return fmt.Errorf("demo: open the ERP: %w", err)
	}
	defer erp.Close()
	w := &world{fake: fake, erp: erp, books: map[string]string{}, now: time.Now}
	if err := w.seed(ctx); err != nil {
		return fmt.Errorf("demo: seed: %w", err)
	}

	channelToken := randomHex(16)
	secrets := map[string]string{
		"ZOHO_CLIENT_SECRET":     fake.ClientSecret(),
		"ZOHO_REFRESH_TOKEN":     fake.RefreshToken(),
		"ZOHO_CRM_CHANNEL_TOKEN": channelToken,
	}
	cfgText, err := render(templateData{Addr: orDefault(opts.Addr, "127.0.0.1:8080"), Dir: dir, FakeURL: fake.URL(),
		ClientID: fake.ClientID(), BooksOrg: fake.Books().OrgID()})
	if err != nil {
		return err
	}
	reg := &transform.Registry{Lookups: map[string]transform.LookupConverter{
		"crm-account-to-books-customer": transform.Lookup(w.booksCustomer),
	}}
	loaded, err := service.Parse("demo.yaml", cfgText, &service.Options{
		LookupEnv: func(k string) (string, bool) { v, ok := secrets[k]; return v, ok },
		Registry:  reg,
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	p := &printer{out: out, quiet: opts.Quiet}
	svc, err := service.Build(ctx, loaded, &service.BuildOptions{
		Logger:  log,
		OnRun:   p.run,
		OnPush:  p.push,
		Secrets: []string{channelToken},
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer svc.Close()
	ls, err := svc.Listen(nil, true)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	url := svc.DashboardURL(ls)
	p.banner(url, opts.Dir == "", dir)
	if opts.Ready != nil {
		opts.Ready(Info{DashboardURL: url, Fake: fake, BooksOrg: fake.Books().OrgID(), ERP: erp,
			Secrets: []string{fake.ClientSecret(), fake.RefreshToken(), channelToken}})
	}

	simCtx, stopSim := context.WithCancel(ctx)
	simDone := make(chan struct{})
	go func() {
		defer close(simDone)
		sim := &simulator{world: w, store: svc.Store(), print: p, interval: opts.Interval}
		sim.run(simCtx)
	}()
	runErr := svc.Run(ctx, ls)
	stopSim()
	<-simDone
	p.printf("\nStopped: the worker and the scheduler finished, the servers and databases are closed.\n")
	if opts.Dir == "" {
		p.printf("Removed %s.\n", dir)
	}
	return runErr
}

// freshDir makes dir and removes a previous demo's databases from it: the
// fake Zoho starts empty every time, so old links and cursors would point
// at records that no longer exist.
func freshDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, db := range []string{"zohokit.db", "erp.db"} {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(filepath.Join(dir, db+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

type templateData struct {
	Addr, Dir, FakeURL, ClientID, BooksOrg string
}

// render fills in the configuration. Every value goes inside a
// double-quoted YAML string, so it is escaped for one: a Windows path's
// backslashes would otherwise be read as escapes.
func render(d templateData) ([]byte, error) {
	t, err := template.New("demo.yaml").Option("missingkey=error").Parse(configTemplate)
	if err != nil {
		return nil, fmt.Errorf("demo: config template: %w", err)
	}
	for _, v := range []*string{&d.Addr, &d.Dir, &d.FakeURL, &d.ClientID, &d.BooksOrg} {
		*v = quotedYAML(*v)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("demo: config template: %w", err)
	}
	return b.Bytes(), nil
}

// quotedYAML escapes s for the inside of a double-quoted YAML string,
// whose escapes are JSON's.
func quotedYAML(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b[1 : len(b)-1])
}

// Config returns the demo's configuration as the service reads it, with
// placeholders for the values known only at start: the shape to copy.
func Config() string { return configTemplate }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// printer writes what the demo is doing, never a value that could be a
// secret (reports hold counts and record ids only).
type printer struct {
	out   io.Writer
	quiet bool

	mu      stdsync.Mutex
	reviews map[string]bool // reviews already announced
}

func (p *printer) printf(format string, args ...any) {
	if !p.quiet {
		fmt.Fprintf(p.out, format, args...)
	}
}

func (p *printer) banner(url string, temp bool, dir string) {
	fmt.Fprintf(p.out, `zohokit demo: the service of "zohokit serve", offline.

  Zoho CRM and Books: a fake Zoho in this process
  ERP:                a SQLite database (products, prices, customers with delivery addresses)
  Queue and state:    SQLite, in %s%s

Dashboard: %s   (no login: it listens on loopback only)

What runs:
  1. deal-to-invoice (push): a CRM deal reaching Closed Won becomes one Books invoice.
     CRM notification -> webhook receiver -> queue -> push. Watch the pipeline page.
  2. erp-prices (pull, every 10s): ERP price changes reach CRM Products.
  3. delivery-addresses (bidirectional, every 10s): CRM Accounts <-> ERP customers.
     When both sides edit the same address field, it is held for review:
     open Reviews, pick a side (or type a value), and the next run writes it to both.

A simulator edits both sides every few seconds. Ctrl-C stops everything cleanly.

`, dir, map[bool]string{true: " (removed at exit)", false: ""}[temp], url)
}

func (p *printer) run(pl *sync.Pipeline, r sync.Report, err error) {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, sync.ErrBusy):
	case err != nil:
		fmt.Fprintf(p.out, "  [%s] run failed: %v\n", pl.Name(), err)
	default:
		held := p.newReviews(r)
		if r.Counts.Created+r.Counts.Updated+r.Counts.Deleted+r.Counts.Failed > 0 || held > 0 {
			p.printf("  [%s] %s\n", pl.Name(), summary(r, held))
		}
	}
}

// newReviews counts the reviews of r not announced before: a held field
// conflicts again on every run until a person decides.
func (p *printer) newReviews(r sync.Report) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reviews == nil {
		p.reviews = map[string]bool{}
	}
	n := 0
	for _, c := range r.Conflicts {
		if id := c.Decision.ReviewID; id != "" && !p.reviews[id] {
			p.reviews[id] = true
			n++
		}
	}
	return n
}

func (p *printer) push(pl *sync.Pipeline, r sync.Report, err error) {
	switch {
	case err != nil:
		fmt.Fprintf(p.out, "  [%s] push failed: %v\n", pl.Name(), err)
	case r.Counts.Created > 0:
		p.printf("  [%s] webhook push: created %d invoice(s) in Books\n", pl.Name(), r.Counts.Created)
	case r.Counts.Updated > 0:
		p.printf("  [%s] webhook push: updated %d invoice(s) in Books\n", pl.Name(), r.Counts.Updated)
	}
}

func summary(r sync.Report, held int) string {
	s := fmt.Sprintf("%s run: read %d, created %d, updated %d", r.Strategy, r.Counts.Read, r.Counts.Created, r.Counts.Updated)
	if held > 0 {
		s += fmt.Sprintf(", %d new conflict(s) held for review: open Reviews on the dashboard", held)
	}
	if r.Counts.Failed > 0 {
		s += fmt.Sprintf(", failed %d (parked %d)", r.Counts.Failed, r.Parked)
	}
	return s
}
