// Command zohokit runs zohokit as a service, or offline as a demo.
//
//	zohokit demo [--addr 127.0.0.1:8080] [--dir DIR] [--duration 2m] [--quiet]
//	zohokit serve --config zohokit.yaml
//	zohokit plan --config zohokit.yaml [--pipeline NAME]
//	zohokit dead list|retry [IDS...] --config zohokit.yaml
//	zohokit authority [--config zohokit.yaml]
//	zohokit auth url --client-id ID --dc eu --scopes ZohoCRM.modules.ALL --redirect-uri URL
//	zohokit auth exchange --client-id ID --dc eu --redirect-uri URL --code CODE|--redirect-url URL
//
// Every command takes --log-level (debug, info, warn, error); logs go to
// standard error, what a command reports to standard output. Secrets come
// from environment variables only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()
	os.Exit(run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookup: os.LookupEnv}))
}

// env is what a command reads and writes: the process's, or a test's.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

var commands = []command{
	{"demo", "run every flow offline: fake Zoho, SQLite ERP, dashboard", runDemo},
	{"serve", "run the service of a zohokit.yaml", runServe},
	{"plan", "print what each pipeline would do now (a dry run)", runPlan},
	{"dead", "list or retry dead jobs of the configured queue", runDead},
	{"authority", "print the authority table as Markdown", runAuthority},
	{"auth", "bootstrap a Zoho refresh token (url, exchange)", runAuth},
}

// errUsage is a usage error: already explained on stderr.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
				return 2
			default:
				fmt.Fprintf(e.stderr, "zohokit %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(e.stderr, "zohokit: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: zohokit <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun zohokit <command> -h for its flags.")
}

// flags is a command's flag set with the common --log-level.
type flags struct {
	*flag.FlagSet
	logLevel *string
}

func newFlags(e *env, name string) *flags {
	fs := flag.NewFlagSet("zohokit "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return &flags{FlagSet: fs, logLevel: fs.String("log-level", "info", "log level: debug, info, warn or error")}
}

// parse parses args, allowing flags after positional arguments.
func (f *flags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, err
		}
		if f.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, f.Arg(0))
		args = f.Args()[1:]
	}
}

// logger is the slog text handler on stderr at the chosen level.
func (f *flags) logger(e *env) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(*f.logLevel))); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", *f.logLevel)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl})), nil
}
