package service

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/zohokit/zohokit/adapters/booksadapter"
	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/adapters/csvadapter"
	"github.com/zohokit/zohokit/adapters/sqladapter"
	"github.com/zohokit/zohokit/internal/sqlite"
	"github.com/zohokit/zohokit/ops"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/sqlqueue"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/crm"
)

// BuildOptions are what building a service needs besides its
// configuration.
type BuildOptions struct {
	// Logger receives the service's log lines; nil discards them.
	Logger *slog.Logger
	// HTTPClient sends Zoho requests; nil means the zoho package's default.
	HTTPClient *http.Client
	// OnRun is told of every scheduled run (the demo prints them).
	OnRun func(p *sync.Pipeline, r sync.Report, err error)
	// OnPush is told of every push a webhook event caused.
	OnPush func(p *sync.Pipeline, r sync.Report, err error)
	// Secrets are further strings the dashboard must never show.
	Secrets []string
}

// Service is a built service: its databases open, its clients, adapters
// and pipelines ready. Run it, then Close it.
type Service struct {
	loaded *Loaded
	opts   BuildOptions
	log    *slog.Logger

	store     *sqlstore.Store
	queue     queue.Queue
	tokens    zoho.TokenStore
	clients   map[string]*zoho.Client // by connection name
	adapters  map[string]any          // by adapter name: Source, Sink, Reader
	pipelines []*sync.Pipeline
	byName    map[string]*sync.Pipeline
	dashboard *ops.Dashboard
	owner     string // this replica's name in leases
	secrets   []string
	closers   []func() error // in reverse order of opening
}

// Build opens the databases, the token store and the adapters' databases,
// builds the Zoho clients and the pipelines, and checks the adapters'
// tables. On error everything opened is closed again.
func Build(ctx context.Context, l *Loaded, opts *BuildOptions) (_ *Service, err error) {
	if opts == nil {
		opts = &BuildOptions{}
	}
	s := &Service{loaded: l, opts: *opts, log: opts.Logger, clients: map[string]*zoho.Client{},
		adapters: map[string]any{}, byName: map[string]*sync.Pipeline{}, owner: replicaOwner(l.Config.Service.Owner)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	s.secrets = append(slices.Clone(opts.Secrets), l.SecretValues()...)
	if err := s.openDatabase(ctx); err != nil {
		return nil, err
	}
	if err := s.openTokens(ctx); err != nil {
		return nil, err
	}
	// Refresh tokens first: the dashboard must know every secret it scrubs.
	refresh, err := s.refreshTokens(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.buildDashboard(); err != nil {
		return nil, err
	}
	if err := s.buildClients(refresh); err != nil {
		return nil, err
	}
	if err := s.buildAdapters(ctx); err != nil {
		return nil, err
	}
	if err := s.buildPipelines(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes what Build opened, newest first.
func (s *Service) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// Pipeline returns a pipeline by name.
func (s *Service) Pipeline(name string) (*sync.Pipeline, bool) {
	p, ok := s.byName[name]
	return p, ok
}

// Pipelines returns the pipelines in configuration order.
func (s *Service) Pipelines() []*sync.Pipeline { return s.pipelines }

// Queue returns the service's queue.
func (s *Service) Queue() queue.Queue { return s.queue }

// Store returns the service's sync state.
func (s *Service) Store() *sqlstore.Store { return s.store }

// Dashboard returns the operations dashboard.
func (s *Service) Dashboard() *ops.Dashboard { return s.dashboard }

// Client returns a Zoho connection's client.
func (s *Service) Client(name string) (*zoho.Client, bool) {
	c, ok := s.clients[name]
	return c, ok
}

func (s *Service) openDatabase(ctx context.Context) error {
	c := s.loaded.Config.Database
	if c.Driver == "postgres" {
		pool, err := pgxpool.New(ctx, s.loaded.Secrets[c.URLEnv])
		if err != nil {
			return fmt.Errorf("database: %s: %w", c.URLEnv, scrub(err, s.secrets))
		}
		s.closers = append(s.closers, func() error { pool.Close(); return nil })
		st, err := sqlstore.NewPostgres(ctx, pool, nil)
		if err != nil {
			return fmt.Errorf("database: %w", scrub(err, s.secrets))
		}
		s.closers = append(s.closers, st.Close)
		q, err := sqlqueue.NewPostgres(ctx, pool, &sqlqueue.Options{Logger: s.log})
		if err != nil {
			return fmt.Errorf("database: %w", scrub(err, s.secrets))
		}
		s.closers = append(s.closers, q.Close)
		s.store, s.queue = st, q
		if s.loaded.Config.Tokens.Store == "database" {
			ts, err := sqlstore.NewPostgresTokenStore(ctx, pool, nil)
			if err != nil {
				return fmt.Errorf("tokens: %w", err)
			}
			s.tokens = ts
		}
		return nil
	}
	path := orDefault(c.Path, defaultDatabasePath)
	st, err := sqlstore.OpenSQLite(ctx, path, nil)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	s.closers = append(s.closers, st.Close)
	q, err := sqlqueue.NewSQLite(ctx, st.DB(), &sqlqueue.Options{Logger: s.log})
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	s.closers = append(s.closers, q.Close)
	s.store, s.queue = st, q
	if s.loaded.Config.Tokens.Store == "database" {
		ts, err := sqlstore.NewSQLiteTokenStore(ctx, st.DB(), nil)
		if err != nil {
			return fmt.Errorf("tokens: %w", err)
		}
		s.tokens = ts
	}
	return nil
}

// DefaultTokenPath is the file token store's path when the configuration
// names none: zohokit/tokens.json in the user's configuration directory.
func DefaultTokenPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "zohokit", "tokens.json")
}

func (s *Service) openTokens(context.Context) error {
	if s.tokens != nil {
		return nil
	}
	fs, err := zoho.NewFileStore(orDefault(s.loaded.Config.Tokens.Path, DefaultTokenPath()))
	if err != nil {
		return fmt.Errorf("tokens: %w", err)
	}
	s.tokens = fs
	return nil
}

// connectionDataCenter returns a connection's data centre.
func connectionDataCenter(c ConnectionConfig) zoho.DataCenter {
	if c.Hosts != "" {
		h := strings.TrimSuffix(c.Hosts, "/")
		return zoho.DataCenter{Location: zoho.Location(orDefault(c.DataCenter, "custom")), Accounts: h, API: h, Content: h, Projects: h, People: h}
	}
	loc, _ := zoho.ParseLocation(orDefault(c.DataCenter, "us"))
	return loc.DataCenter()
}

// refreshTokens returns each connection's refresh token: from its
// environment variable, or as `zohokit auth exchange` stored it.
func (s *Service) refreshTokens(ctx context.Context) ([]string, error) {
	out := make([]string, len(s.loaded.Config.Zoho))
	for i, c := range s.loaded.Config.Zoho {
		out[i] = s.loaded.Secrets[c.RefreshTokenEnv]
		if out[i] != "" {
			continue
		}
		tok, err := loadGrant(ctx, s.tokens, c.ClientID, connectionDataCenter(c).Location)
		if err != nil {
			return nil, fmt.Errorf("%s: zoho[%d] (%s): %w", s.loaded.File, i, c.Name, err)
		}
		out[i] = tok
		s.secrets = append(s.secrets, tok)
	}
	return out, nil
}

func (s *Service) buildClients(refresh []string) error {
	for i, c := range s.loaded.Config.Zoho {
		dc := connectionDataCenter(c)
		zc, err := zoho.New(zoho.Config{
			ClientID: c.ClientID, ClientSecret: s.loaded.Secrets[c.ClientSecretEnv], RefreshToken: refresh[i],
			DataCenter: dc, OrgID: c.OrgID, TokenStore: s.tokens, HTTPClient: s.opts.HTTPClient,
			RateLimits: zoho.RateLimits{CRMEdition: zoho.Edition(c.CRMEdition)},
			Logger:     s.log.With("zoho", c.Name), Observer: s.dashboard.Metrics().ZohoObserver(),
		})
		if err != nil {
			return fmt.Errorf("%s: zoho[%d] (%s): %w", s.loaded.File, i, c.Name, err)
		}
		s.clients[c.Name] = zc
	}
	return nil
}

// crmFields is the fields a zoho-crm adapter lists for each module: the
// configured ones, plus what the pipelines' mappings and filters read.
func (s *Service) crmFields(adapter string) map[string][]string {
	out := map[string][]string{}
	add := func(module string, paths []string) {
		for _, p := range paths {
			top, _, _ := strings.Cut(p, ".")
			top, _, _ = strings.Cut(top, "[")
			if top != "" && top != "id" && !slices.Contains(out[module], top) {
				out[module] = append(out[module], top)
			}
		}
	}
	for _, spec := range s.loaded.pipelines {
		if spec.Mapping == nil {
			continue
		}
		if spec.Config.Left.Adapter == adapter {
			add(spec.Config.Left.Type, spec.Mapping.SourcePaths())
			add(spec.Config.Left.Type, spec.FilterPaths)
		}
		if spec.Config.Right.Adapter == adapter {
			// A target's module is read too: bidirectional runs read it,
			// and its records are fetched to compare.
			add(spec.Config.Right.Type, spec.Mapping.TargetPaths())
		}
	}
	for _, a := range s.loaded.Config.Adapters {
		if a.Name == adapter {
			for mod, mc := range a.Modules {
				add(mod, mc.Fields)
			}
		}
	}
	return out
}

// sideTypes returns the data types the pipelines use on an adapter.
func (s *Service) sideTypes(adapter string) []string {
	var out []string
	for _, spec := range s.loaded.pipelines {
		for _, sc := range []SideConfig{spec.Config.Left, spec.Config.Right} {
			if sc.Adapter == adapter && !slices.Contains(out, sc.Type) {
				out = append(out, sc.Type)
			}
		}
	}
	return out
}

func (s *Service) buildAdapters(ctx context.Context) error {
	for i, a := range s.loaded.Config.Adapters {
		where := fmt.Sprintf("%s: adapters[%d] (%s)", s.loaded.File, i, a.Name)
		switch a.Kind {
		case "zoho-crm":
			c, err := crm.New(s.clients[a.Connection], nil)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			fields := s.crmFields(a.Name)
			modules := map[string]crmadapter.Module{}
			for dt, fs := range fields {
				mc := a.Modules[dt]
				modules[dt] = crmadapter.Module{Module: mc.Module, Fields: fs, KeyField: mc.KeyField,
					MatchFields: mc.MatchFields, Triggers: mc.Triggers, SkipDeletes: mc.SkipDeletes}
			}
			ad, err := crmadapter.New(c, modules, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			s.adapters[a.Name] = ad
		case "zoho-books":
			zc := s.clients[a.Connection]
			org := a.OrganizationID
			if org == "" {
				o, err := books.ResolveOrganization(ctx, zc)
				if err != nil {
					return fmt.Errorf("%s: organization_id: %w", where, err)
				}
				org = o.OrganizationID
			}
			c, err := books.New(zc, org)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			entities := map[string]booksadapter.Entity{}
			for _, dt := range s.sideTypes(a.Name) {
				ec := a.Entities[dt]
				entities[dt] = booksadapter.Entity{Entity: ec.Entity, Fields: ec.Fields, KeyField: ec.KeyField, MatchField: ec.MatchField, Full: ec.Full}
			}
			for dt, ec := range a.Entities {
				entities[dt] = booksadapter.Entity{Entity: ec.Entity, Fields: ec.Fields, KeyField: ec.KeyField, MatchField: ec.MatchField, Full: ec.Full}
			}
			ad, err := booksadapter.New(c, entities, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			s.adapters[a.Name] = ad
		case "sql":
			ad, err := s.sqlAdapter(ctx, a)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			s.adapters[a.Name] = ad
		case "csv":
			folders := map[string]csvadapter.Folder{}
			for dt, fc := range a.Folders {
				var comma rune
				if fc.Comma != "" {
					comma = []rune(fc.Comma)[0]
				}
				folders[dt] = csvadapter.Folder{Inbox: fc.Inbox, Work: fc.Work, Archive: fc.Archive, Rejected: fc.Rejected,
					Pattern: fc.Pattern, Outbox: fc.Outbox, IDColumn: fc.IDColumn, UpdatedAtColumn: fc.UpdatedAtColumn,
					TimeLayout: fc.TimeLayout, DeletedColumn: fc.DeletedColumn, OpColumn: fc.OpColumn, Comma: comma, NullText: fc.NullText}
			}
			ad, err := csvadapter.New(folders, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			s.adapters[a.Name] = ad
		}
	}
	return nil
}

func (s *Service) sqlAdapter(ctx context.Context, a AdapterConfig) (*sqladapter.Adapter, error) {
	var db *sql.DB
	if a.Driver == "postgres" {
		pool, err := pgxpool.New(ctx, s.loaded.Secrets[a.URLEnv])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.URLEnv, scrub(err, s.secrets))
		}
		s.closers = append(s.closers, func() error { pool.Close(); return nil })
		db = stdlib.OpenDBFromPool(pool)
	} else {
		var err error
		db, err = sqlite.Open(ctx, a.Path, nil)
		if err != nil {
			return nil, err
		}
	}
	s.closers = append(s.closers, db.Close)
	tables := map[string]sqladapter.Table{}
	for dt, tc := range a.Tables {
		tables[dt] = sqladapter.Table{Name: tc.Table, IDColumn: tc.IDColumn, UpdatedAtColumn: tc.UpdatedAtColumn,
			SoftDeleteColumn: tc.SoftDeleteColumn, KeyColumn: tc.KeyColumn, Columns: tc.Columns, TimeFormat: tc.TimeFormat}
	}
	ad, err := sqladapter.New(db, tables, nil)
	if err != nil {
		return nil, err
	}
	if err := ad.Check(ctx); err != nil {
		return nil, scrub(err, s.secrets)
	}
	return ad, nil
}

// scrub removes secrets from an error's text (a database URL's password
// in a driver's message).
func scrub(err error, secrets []string) error {
	msg := err.Error()
	clean := msg
	for _, sec := range secrets {
		if sec != "" {
			clean = strings.ReplaceAll(clean, sec, "[REDACTED]")
		}
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// OpenTokenStore opens the token store a configuration names (the file,
// or the database's token table), for `zohokit auth exchange --config`.
// The returned function closes what it opened.
func OpenTokenStore(ctx context.Context, l *Loaded) (zoho.TokenStore, func() error, error) {
	s := &Service{loaded: l, log: slog.New(slog.DiscardHandler), secrets: l.SecretValues()}
	if l.Config.Tokens.Store == "database" {
		if err := s.openDatabase(ctx); err != nil {
			_ = s.Close()
			return nil, nil, err
		}
		return s.tokens, s.Close, nil
	}
	if err := s.openTokens(ctx); err != nil {
		return nil, nil, err
	}
	return s.tokens, s.Close, nil
}

// OpenQueue opens the configured database's queue, for `zohokit dead`.
// The returned function closes what it opened.
func OpenQueue(ctx context.Context, l *Loaded, log *slog.Logger) (queue.Queue, func() error, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{loaded: l, log: log, secrets: l.SecretValues()}
	if err := s.openDatabase(ctx); err != nil {
		_ = s.Close()
		return nil, nil, err
	}
	return s.queue, s.Close, nil
}

// replicaOwner names this process in pipeline leases: the configured name,
// then the host name, process ID and random bits, so that replicas sharing
// one configuration never share an owner (a store lets an owner take its
// own lease again, which would let two replicas run one pipeline).
func replicaOwner(configured string) string {
	host, _ := os.Hostname()
	if host == "" {
		host = "host"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	unique := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	if configured == "" {
		return unique
	}
	return configured + "/" + unique
}
