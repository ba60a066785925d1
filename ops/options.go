package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/zoho"
)

// PipelineInfo describes one pipeline as the dashboard needs it. The service
// fills it from its sync pipelines; ops does not import the sync engine.
type PipelineInfo struct {
	// Name is the pipeline's name as the store records its runs. Required
	// and unique.
	Name string
	// Strategy is "push", "pull" or "bidirectional" (shown as given; the
	// authority advice understands those three).
	Strategy string
	// DataType is the canonical data type ("contacts"); its rule in the
	// authority table is shown next to the pipeline.
	DataType string
	// LeftSystem and RightSystem name the two systems as the authority
	// table does; for one-way pipelines data goes from left to right.
	LeftSystem, RightSystem string
	// Interval is the schedule: a run every Interval. Zero means the
	// pipeline is not scheduled (event-driven push), and the late and
	// failing rules that measure time since the last success do not apply.
	Interval time.Duration
	// Paused is true while the scheduler does not run the pipeline.
	Paused bool
}

// ZohoConnection is one Zoho client's token status, under the name the
// dashboard shows (the connection's name in the service's configuration).
// zoho.TokenStatus holds no secret; the dashboard shows the data centre,
// the expiry and the refresh count, never a token.
type ZohoConnection struct {
	Name   string
	Status zoho.TokenStatus
}

// Options configures a Dashboard. Authentication is the one thing that has
// no working zero value: set BasicAuth or BearerTokens (or, for a demo on a
// loopback address, InsecureNoAuth).
type Options struct {
	// Pipelines returns the pipelines to show, in display order; nil shows
	// none. It is called on every page view and scrape, so it may reflect
	// pausing and resuming; it must be quick.
	Pipelines func() []PipelineInfo
	// Authority is the authority table, shown on its own page and next to
	// each pipeline's data type; nil shows none.
	Authority *authority.Table
	// Connections returns the Zoho connections' token status; nil shows
	// none. Typically a closure over the service's zoho.Clients calling
	// TokenStatus.
	Connections func() []ZohoConnection
	// Ping checks that the database is reachable, for /readyz; nil skips
	// the check. It is called with a context bounded by PingTimeout.
	Ping func(ctx context.Context) error
	// PingTimeout bounds Ping; zero means 2 seconds.
	PingTimeout time.Duration
	// ReadyIgnoresPipelines makes /readyz answer ready while pipelines are
	// failing. By default a failing pipeline makes it answer 503; set this
	// when a load balancer acts on /readyz and should keep sending webhooks
	// to replicas while an upstream system is down.
	ReadyIgnoresPipelines bool

	// BasicAuth maps user names to passwords accepted with HTTP basic
	// authentication. Passwords must be at least 8 bytes.
	BasicAuth map[string]string
	// BearerTokens maps names to tokens accepted as "Authorization: Bearer
	// <token>". The name is recorded as who decided a review. Tokens must
	// be at least 8 bytes.
	BearerTokens map[string]string
	// InsecureNoAuth serves the dashboard without credentials to clients
	// connecting from a loopback address (127.0.0.0/8, ::1) whose request
	// carries no proxy header (Forwarded, X-Forwarded-For) and names a
	// loopback host (localhost, 127.0.0.1, [::1]: a web page that reaches
	// the dashboard by DNS rebinding names its own); anyone else still
	// needs credentials. It is for `zohokit demo` on a laptop. A
	// reverse proxy on the same host that strips proxy headers would defeat
	// the check: never set it on a server. New logs a warning when it is on.
	InsecureNoAuth bool
	// OpenMetrics serves /metrics without authentication (for a Prometheus
	// server on a private network). /healthz and /readyz are always open.
	OpenMetrics bool
	// TrustedOrigins are origins ("https://ops.example.com") allowed to
	// send cross-origin POSTs, for a dashboard reached through a proxy under
	// another host name. Same-origin requests never need listing.
	TrustedOrigins []string
	// BasePath is the path the dashboard is mounted under ("/ops"): mount
	// it with mux.Handle(BasePath+"/", d), without http.StripPrefix. Empty
	// means the root. It must start with "/" and not end with one.
	BasePath string

	// Secrets are strings that must never be shown: the dashboard scrubs
	// them from every error, value, payload and page it renders (Zoho
	// client secrets and refresh tokens, webhook keys, database passwords).
	// The configured passwords and bearer tokens are added automatically.
	Secrets []string
	// Redact, when set, is applied to every string the dashboard renders
	// from data, after Secrets, built-in patterns (Authorization header
	// values, access_token=... and the like) have been scrubbed.
	Redact func(string) string

	// RunHistory is how many recent runs per pipeline the overview shows
	// and the status rules look at; zero means 8.
	RunHistory int
	// FailAfterRuns is how many consecutive failed runs make a pipeline
	// failing; zero means 2. It must not exceed RunHistory.
	FailAfterRuns int
	// Grace is added to the interval before a pipeline counts as late (and
	// to twice the interval before it counts as failing), to absorb run
	// durations and scheduler jitter; zero means none.
	Grace time.Duration
	// ScrapeTimeout bounds the store and queue reads of one /metrics scrape
	// (prometheus.Collector has no context); zero means 5 seconds.
	ScrapeTimeout time.Duration

	// Title names the dashboard in page titles; empty means "zohokit".
	Title string
	// Location is the time zone of times on pages; nil means UTC. The JSON
	// API always answers RFC 3339 times in UTC.
	Location *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives action and error logs; nil discards them.
	Logger *slog.Logger
}

// Dashboard is the operations dashboard: an http.Handler serving the HTML
// pages, the JSON API, /healthz, /readyz and /metrics. Build it with New.
type Dashboard struct {
	st      store.Store
	q       queue.Queue // may be nil
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	red     *redactor
	auth    *authenticator
	cop     *http.CrossOriginProtection
	pages   map[string]*pageTemplate
	metrics *Metrics
	handler http.Handler
}

var _ http.Handler = (*Dashboard)(nil)

// New returns a dashboard over the sync state st and the queue q (nil when
// the service runs without a queue: the queue pages then say so). opts may
// not be nil: authentication must be configured (see Options).
func New(st store.Store, q queue.Queue, opts *Options) (*Dashboard, error) {
	if st == nil {
		return nil, errors.New("ops: New: store is nil")
	}
	if opts == nil {
		opts = &Options{}
	}
	o := *opts
	if err := o.validate(); err != nil {
		return nil, err
	}
	o.defaults()
	d := &Dashboard{st: st, q: q, opts: o, now: o.Now, log: o.Logger}
	d.red = newRedactor(o.secrets(), o.Redact)
	d.auth = newAuthenticator(o.BasicAuth, o.BearerTokens, o.InsecureNoAuth)
	d.cop = http.NewCrossOriginProtection()
	for _, origin := range o.TrustedOrigins {
		if err := d.cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("ops: New: Options.TrustedOrigins: %w", err)
		}
	}
	d.cop.SetDenyHandler(http.HandlerFunc(d.denyCrossOrigin))
	var err error
	if d.pages, err = d.parsePages(); err != nil {
		return nil, fmt.Errorf("ops: New: templates: %w", err)
	}
	if d.metrics, err = newMetrics(d); err != nil {
		return nil, fmt.Errorf("ops: New: metrics: %w", err)
	}
	d.handler = d.routes()
	if o.InsecureNoAuth {
		d.log.Warn("ops: AUTHENTICATION IS DISABLED for loopback clients (Options.InsecureNoAuth); never use this on a server")
	}
	return d, nil
}

// ServeHTTP serves the dashboard.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.handler.ServeHTTP(w, r) }

// Metrics returns the dashboard's Prometheus metrics, which the service
// feeds from the sync engine, the queue worker, the Zoho clients and the
// webhook receivers.
func (d *Dashboard) Metrics() *Metrics { return d.metrics }

func (o *Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("ops: Options."+format, args...)) }
	if len(o.BasicAuth) == 0 && len(o.BearerTokens) == 0 && !o.InsecureNoAuth {
		bad("BasicAuth/BearerTokens: no credentials configured (set one of them, or InsecureNoAuth for a loopback demo)")
	}
	for _, user := range sortedKeys(o.BasicAuth) {
		switch {
		case user == "" || strings.ContainsAny(user, ":\r\n"):
			bad("BasicAuth: user name %q is empty or contains ':' or a line break", user)
		case len(o.BasicAuth[user]) < minSecretLen:
			bad("BasicAuth[%q]: password is shorter than %d bytes", user, minSecretLen)
		}
	}
	for _, name := range sortedKeys(o.BearerTokens) {
		switch {
		case name == "":
			bad("BearerTokens: a token has an empty name")
		case len(o.BearerTokens[name]) < minSecretLen:
			bad("BearerTokens[%q]: token is shorter than %d bytes", name, minSecretLen)
		case strings.ContainsAny(o.BearerTokens[name], " \t\r\n"):
			bad("BearerTokens[%q]: token contains white space", name)
		}
	}
	for i, s := range o.Secrets {
		if s == "" {
			bad("Secrets[%d] is empty", i)
		}
	}
	if o.BasePath != "" && (!strings.HasPrefix(o.BasePath, "/") || strings.HasSuffix(o.BasePath, "/") ||
		strings.ContainsAny(o.BasePath, "{}? #%")) {
		bad("BasePath %q must start with '/', not end with one, and hold no '{', '}', '?', '#', '%%' or space", o.BasePath)
	}
	if o.RunHistory < 0 {
		bad("RunHistory is negative (%d)", o.RunHistory)
	}
	if o.FailAfterRuns < 0 {
		bad("FailAfterRuns is negative (%d)", o.FailAfterRuns)
	}
	history, fail := cmp.Or(o.RunHistory, defaultRunHistory), cmp.Or(o.FailAfterRuns, defaultFailAfterRuns)
	if o.FailAfterRuns >= 0 && o.RunHistory >= 0 && fail > history {
		bad("FailAfterRuns (%d) exceeds RunHistory (%d)", fail, history)
	}
	for name, d := range map[string]time.Duration{"Grace": o.Grace, "PingTimeout": o.PingTimeout, "ScrapeTimeout": o.ScrapeTimeout} {
		if d < 0 {
			bad("%s is negative (%s)", name, d)
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

const (
	minSecretLen         = 8
	defaultRunHistory    = 8
	defaultFailAfterRuns = 2
)

func (o *Options) defaults() {
	o.RunHistory = cmp.Or(o.RunHistory, defaultRunHistory)
	o.FailAfterRuns = cmp.Or(o.FailAfterRuns, defaultFailAfterRuns)
	o.PingTimeout = cmp.Or(o.PingTimeout, 2*time.Second)
	o.ScrapeTimeout = cmp.Or(o.ScrapeTimeout, 5*time.Second)
	o.Title = cmp.Or(o.Title, "zohokit")
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Pipelines == nil {
		o.Pipelines = func() []PipelineInfo { return nil }
	}
	if o.Connections == nil {
		o.Connections = func() []ZohoConnection { return nil }
	}
}

// secrets lists everything to scrub: the configured secrets and every
// credential the dashboard accepts.
func (o *Options) secrets() []string {
	out := slices.Clone(o.Secrets)
	for _, user := range sortedKeys(o.BasicAuth) {
		out = append(out, o.BasicAuth[user], basicValue(user, o.BasicAuth[user]))
	}
	for _, name := range sortedKeys(o.BearerTokens) {
		out = append(out, o.BearerTokens[name])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
