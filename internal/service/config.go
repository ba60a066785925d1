// Package service is the wiring behind `zohokit serve` and `zohokit demo`:
// it loads zohokit.yaml (every error named with file, line and field),
// builds the Zoho connections, adapters, pipelines, queue and state database
// from it, and runs them as one service with the webhook receivers, the
// worker pool, the scheduler, the dashboard and /metrics.
//
// Read it in this order: config.go (the file's shape), load.go and
// validate.go (decoding and checks), build.go (what each section becomes),
// run.go (how the pieces run together and stop).
package service

import (
	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/transform"
)

// Config is the shape of zohokit.yaml. Every section is optional except
// what the pipelines need; secrets are never written in the file: fields
// ending in _env name the environment variable that holds them.
type Config struct {
	// Service is the HTTP listener and shutdown behaviour.
	Service ServiceConfig `yaml:"service"`
	// Database holds the queue and the sync state, in one database so that
	// checkpoints and the jobs they park commit together.
	Database DatabaseConfig `yaml:"database"`
	// Tokens is where Zoho access tokens (and the refresh token that
	// `zohokit auth exchange` stored) are kept.
	Tokens TokensConfig `yaml:"tokens"`
	// Zoho lists the Zoho accounts the adapters use.
	Zoho []ConnectionConfig `yaml:"zoho"`
	// Adapters are the systems pipelines read and write.
	Adapters []AdapterConfig `yaml:"adapters"`
	// Pipelines are the flows.
	Pipelines []PipelineConfig `yaml:"pipelines"`
	// Webhooks are the receivers mounted on the service's listener.
	Webhooks WebhooksConfig `yaml:"webhooks"`
	// Dashboard is the operations dashboard and its access.
	Dashboard DashboardConfig `yaml:"dashboard"`
	// Worker is the queue's worker pool.
	Worker WorkerConfig `yaml:"worker"`
	// Authority is the authority table (package authority's Config); empty
	// means authority.Default.
	Authority *authority.Config `yaml:"authority"`
	// Mappings are the named field mappings (package transform's
	// MappingConfig), referred to by pipelines.
	Mappings map[string]transform.MappingConfig `yaml:"mappings"`
}

// ServiceConfig is the service's own listener.
type ServiceConfig struct {
	// Listen is the address of the listener that serves the webhooks,
	// /healthz, /readyz and (unless Dashboard.Listen is set) the dashboard
	// and /metrics. Empty means ":$PORT" when PORT is set (Cloud Run), else
	// "127.0.0.1:8080".
	Listen string `yaml:"listen"`
	// ShutdownTimeout bounds a graceful stop (a duration, "30s").
	ShutdownTimeout string `yaml:"shutdown_timeout"`
	// Owner names this replica in pipeline leases and the dashboard; the
	// host name, process ID and random bits are always appended, so that
	// replicas sharing one configuration file never share a lease owner
	// (a store lets an owner take its own lease again). Empty means just
	// those.
	Owner string `yaml:"owner"`
}

// defaultDatabasePath is the SQLite database when DatabaseConfig.Path is
// empty.
const defaultDatabasePath = "zohokit.db"

// DatabaseConfig selects the queue and state database.
type DatabaseConfig struct {
	// Driver is "sqlite" (the default: one file, one machine) or
	// "postgres" (several replicas).
	Driver string `yaml:"driver"`
	// Path is the SQLite file; empty means "zohokit.db". A relative path
	// is relative to the configuration file's directory.
	Path string `yaml:"path"`
	// URLEnv names the environment variable holding the PostgreSQL URL
	// (it carries a password, so it never sits in the file).
	URLEnv string `yaml:"url_env"`
}

// TokensConfig selects the Zoho token store.
type TokensConfig struct {
	// Store is "file" (the default) or "database" (the service's database:
	// what replicas share).
	Store string `yaml:"store"`
	// Path is the file store's path; empty means the user's configuration
	// directory, zohokit/tokens.json. A relative path is relative to the
	// configuration file's directory.
	Path string `yaml:"path"`
}

// ConnectionConfig is one Zoho account: an OAuth client and its grant.
type ConnectionConfig struct {
	Name string `yaml:"name"`
	// DataCenter is the account's data centre: us, eu, in, au, jp, cn, ca,
	// sa, uk or ae (or a domain suffix such as com.au).
	DataCenter string `yaml:"data_center"`
	// Hosts replaces every host of the data centre with one URL (a
	// sandbox, a proxy, or the fake Zoho of the demo).
	Hosts string `yaml:"hosts"`
	// ClientID is the OAuth client's id (not a secret).
	ClientID string `yaml:"client_id"`
	// ClientSecretEnv names the variable holding the client secret.
	ClientSecretEnv string `yaml:"client_secret_env"`
	// RefreshTokenEnv names the variable holding the refresh token; empty
	// means the one `zohokit auth exchange` stored in the token store.
	RefreshTokenEnv string `yaml:"refresh_token_env"`
	// OrgID is the CRM organisation id (optional).
	OrgID string `yaml:"org_id"`
	// CRMEdition sets CRM's concurrency limit: free, standard,
	// professional, enterprise or ultimate.
	CRMEdition string `yaml:"crm_edition"`
}

// AdapterConfig is one system. Which keys apply depends on Kind. Relative
// file paths (a SQLite path, CSV folders) are relative to the
// configuration file's directory.
type AdapterConfig struct {
	Name string `yaml:"name"`
	// Kind is zoho-crm, zoho-books, sql or csv.
	Kind string `yaml:"kind"`
	// System is the system's name in the authority table ("CRM", "ERP").
	System string `yaml:"system"`

	// Connection names the Zoho connection (zoho-crm, zoho-books).
	Connection string `yaml:"connection"`
	// Modules configures CRM modules by data type (zoho-crm; package
	// adapters/crmadapter). A type a pipeline names without an entry reads
	// the fields its mappings and filters use.
	Modules map[string]CRMModuleConfig `yaml:"modules"`
	// OrganizationID is the Books organisation (zoho-books); empty means
	// the account's only one.
	OrganizationID string `yaml:"organization_id"`
	// Entities configures Books entities by data type (zoho-books; package
	// adapters/booksadapter). A type without an entry is the entity of
	// that name (contacts, items, invoices).
	Entities map[string]BooksEntityConfig `yaml:"entities"`

	// Driver, Path and URLEnv locate the database (sql), as in
	// DatabaseConfig.
	Driver string `yaml:"driver"`
	Path   string `yaml:"path"`
	URLEnv string `yaml:"url_env"`
	// Tables configures tables by data type (sql; package
	// adapters/sqladapter).
	Tables map[string]SQLTableConfig `yaml:"tables"`

	// Folders configures CSV folders by data type (csv; package
	// adapters/csvadapter).
	Folders map[string]CSVFolderConfig `yaml:"folders"`
}

// CRMModuleConfig is one CRM module of a zoho-crm adapter (package
// adapters/crmadapter's Module).
type CRMModuleConfig struct {
	// Module is the module's API name; empty means the data type.
	Module string `yaml:"module"`
	// Fields are read by lists (at most 50), besides what the pipelines'
	// mappings and filters read.
	Fields []string `yaml:"fields"`
	// KeyField is a unique custom field holding the idempotency key of the
	// create that made a record; creates upsert on it.
	KeyField string `yaml:"key_field"`
	// MatchFields are natural unique fields creates upsert on instead.
	MatchFields []string `yaml:"match_fields"`
	// Triggers lists the automation Zoho runs for the adapter's writes
	// (workflow, approval, blueprint); empty runs none.
	Triggers []string `yaml:"triggers"`
	// SkipDeletes reads no tombstones from the deleted-records list.
	SkipDeletes bool `yaml:"skip_deletes"`
}

// BooksEntityConfig is one Books entity of a zoho-books adapter (package
// adapters/booksadapter's Entity).
type BooksEntityConfig struct {
	// Entity is contacts, items or invoices; empty means the data type.
	Entity string `yaml:"entity"`
	// Fields are the members kept; empty means all.
	Fields []string `yaml:"fields"`
	// KeyField holds the idempotency key of creates (invoices:
	// reference_number by default); MatchField identifies records by a
	// value they carry (contact_name, sku) instead.
	KeyField   string `yaml:"key_field"`
	MatchField string `yaml:"match_field"`
	// Full reads each changed record whole (line items), one call each.
	Full bool `yaml:"full"`
}

// CSVFolderConfig is one data type of a csv adapter (package
// adapters/csvadapter's Folder).
type CSVFolderConfig struct {
	Inbox           string `yaml:"inbox"`
	Work            string `yaml:"work"`
	Archive         string `yaml:"archive"`
	Rejected        string `yaml:"rejected"`
	Pattern         string `yaml:"pattern"`
	Outbox          string `yaml:"outbox"`
	IDColumn        string `yaml:"id_column"`
	UpdatedAtColumn string `yaml:"updated_at_column"`
	TimeLayout      string `yaml:"time_layout"`
	DeletedColumn   string `yaml:"deleted_column"`
	OpColumn        string `yaml:"op_column"`
	// Comma is the field separator (one character); empty means ",".
	Comma    string `yaml:"comma"`
	NullText string `yaml:"null_text"`
}

// SQLTableConfig maps a data type to a table of a sql adapter (package
// adapters/sqladapter's Table).
type SQLTableConfig struct {
	// Table is the table name; empty means the data type.
	Table string `yaml:"table"`
	// IDColumn is the primary key; empty means "id".
	IDColumn string `yaml:"id_column"`
	// UpdatedAtColumn holds each row's modification time (the change
	// cursor); empty means "updated_at".
	UpdatedAtColumn string `yaml:"updated_at_column"`
	// SoftDeleteColumn marks deleted rows (a timestamp or a boolean).
	SoftDeleteColumn string `yaml:"soft_delete_column"`
	// KeyColumn is a unique column holding the idempotency key of the
	// create that made the row; without it the table takes no creates.
	KeyColumn string `yaml:"key_column"`
	// Columns are the columns read; empty means all.
	Columns []string `yaml:"columns"`
	// TimeFormat is how the updated-at column stores time: empty for the
	// driver's time type, unix, unix_ms, unix_us, or a Go layout.
	TimeFormat string `yaml:"time_format"`
}

// PipelineConfig is one flow.
type PipelineConfig struct {
	Name string `yaml:"name"`
	// DataType is the canonical data type, as the authority table names it.
	DataType string `yaml:"data_type"`
	// Strategy is push, pull or bidirectional.
	Strategy string `yaml:"strategy"`
	// Left is the source of one-way flows; Right the target.
	Left  SideConfig `yaml:"left"`
	Right SideConfig `yaml:"right"`
	// Mapping names a mapping (left to right) in the mappings section.
	Mapping string `yaml:"mapping"`
	// Schedule runs the pipeline every so often ("15m"); push pipelines
	// with a schedule run a catch-up pass for lost events.
	Schedule string `yaml:"schedule"`
	// BatchSize is the number of changes written per checkpoint.
	BatchSize int `yaml:"batch_size"`
	// Lookback re-reads this much before the cursor ("2m").
	Lookback string `yaml:"lookback"`
	// Deletes is the delete policy.
	Deletes DeletesConfig `yaml:"deletes"`
	// Resolver decides the conflicts of a bidirectional pipeline.
	Resolver *ResolverConfig `yaml:"resolver"`
	// Filter keeps only the records matching every condition (in the left
	// system's field names).
	Filter []FilterConfig `yaml:"filter"`
	// RetryAttempts is the attempts of records parked after a retryable
	// failure; zero means the queue's default.
	RetryAttempts int `yaml:"retry_attempts"`
}

// SideConfig is one side of a pipeline.
type SideConfig struct {
	// Adapter names an adapter.
	Adapter string `yaml:"adapter"`
	// Type is the data type as the adapter names it: a CRM module, a Books
	// entity, a table's data type.
	Type string `yaml:"type"`
}

// DeletesConfig is a pipeline's delete policy.
type DeletesConfig struct {
	// Mode is ignore (the default), propagate or flag.
	Mode      string `yaml:"mode"`
	LeftFlag  string `yaml:"left_flag"`
	RightFlag string `yaml:"right_flag"`
}

// FilterConfig is one condition of a pipeline's filter: the field equals
// a value, or one of several.
type FilterConfig struct {
	Field  string `yaml:"field"`
	Equals any    `yaml:"equals"`
	In     []any  `yaml:"in"`
}

// ResolverConfig names a conflict resolver; exactly one key is set.
type ResolverConfig struct {
	// Latest: the later modification wins.
	Latest *LatestConfig `yaml:"latest"`
	// Authority: the system that owns the field in the authority table.
	Authority bool `yaml:"authority"`
	// Review: held for a person on the dashboard.
	Review bool `yaml:"review"`
	// Chain: the first resolver that decides.
	Chain []ResolverConfig `yaml:"chain"`
	// Policy: a resolver per field or data type.
	Policy *PolicyConfig `yaml:"policy"`
}

// LatestConfig configures the latest-timestamp resolver.
type LatestConfig struct {
	// Skew is the clock-skew tolerance ("1m") inside which TieSystem wins.
	Skew      string `yaml:"skew"`
	TieSystem string `yaml:"tie_system"`
}

// PolicyConfig assigns resolvers to fields.
type PolicyConfig struct {
	Rules   []PolicyRuleConfig `yaml:"rules"`
	Default *ResolverConfig    `yaml:"default"`
}

// PolicyRuleConfig is one rule of a policy: fields are left-side names.
type PolicyRuleConfig struct {
	Fields   []string        `yaml:"fields"`
	DataType string          `yaml:"data_type"`
	Resolver *ResolverConfig `yaml:"resolver"`
}

// WebhooksConfig lists the receivers.
type WebhooksConfig struct {
	CRM    []CRMWebhookConfig    `yaml:"crm"`
	Signed []SignedWebhookConfig `yaml:"signed"`
}

// CRMWebhookConfig is a Zoho CRM notification receiver.
type CRMWebhookConfig struct {
	Name string `yaml:"name"`
	// Path is where it is mounted; empty means /webhooks/<name>.
	Path string `yaml:"path"`
	// TokenEnv names the variable holding the token every channel echoes.
	TokenEnv string `yaml:"token_env"`
	// ChannelTokensEnv maps channel ids to variables holding their tokens.
	ChannelTokensEnv map[string]string `yaml:"channel_tokens_env"`
	// SecretParam and SecretEnv: a secret query parameter of the notify URL.
	SecretParam string `yaml:"secret_param"`
	SecretEnv   string `yaml:"secret_env"`
	// Routes send each module's events to pipelines.
	Routes []RouteConfig `yaml:"routes"`
	// Channel, when set, is the CRM notification channel the service keeps
	// subscribed: enabled at start, renewed before it expires (Zoho ends
	// channels after a week at most). Its token is token_env's.
	Channel *ChannelConfig `yaml:"channel"`
}

// ChannelConfig is a CRM notification channel (Zoho's Watch API).
type ChannelConfig struct {
	// Connection names the Zoho connection that subscribes it.
	Connection string `yaml:"connection"`
	// ID is the channel id Zoho echoes in every callback.
	ID int64 `yaml:"id"`
	// Events are "Module.operation": "Deals.all", "Accounts.edit".
	Events []string `yaml:"events"`
	// NotifyURL is this receiver's public URL; empty means the service's
	// own listener address (only for a Zoho that can reach it: the demo).
	NotifyURL string `yaml:"notify_url"`
}

// RouteConfig sends a CRM module's notifications to a pipeline's side.
type RouteConfig struct {
	Module   string `yaml:"module"`
	Pipeline string `yaml:"pipeline"`
	// Side is the pipeline side the module is on; empty means left.
	Side string `yaml:"side"`
}

// SignedWebhookConfig is a receiver of signed webhooks whose events name
// records of a pipeline's side.
type SignedWebhookConfig struct {
	Name string `yaml:"name"`
	Path string `yaml:"path"`
	// Scheme is standard (Standard Webhooks), hmac, github or xero.
	Scheme    string `yaml:"scheme"`
	SecretEnv string `yaml:"secret_env"`
	// Header, Prefix and Encoding (hex, base64) describe an hmac header.
	Header   string `yaml:"header"`
	Prefix   string `yaml:"prefix"`
	Encoding string `yaml:"encoding"`
	// IDHeader or IDField locate the event id (for deduplication).
	IDHeader string `yaml:"id_header"`
	IDField  string `yaml:"id_field"`
	// Pipeline, Side and RecordIDField: each event pushes the record whose
	// id is at RecordIDField of the body through that pipeline side.
	Pipeline      string `yaml:"pipeline"`
	Side          string `yaml:"side"`
	RecordIDField string `yaml:"record_id_field"`
}

// DashboardConfig is the dashboard's listener and access.
type DashboardConfig struct {
	// Listen is a listener of its own for the dashboard and /metrics
	// (keep it private); empty means the service's listener.
	Listen string `yaml:"listen"`
	// BasePath mounts the dashboard under a path ("/ops").
	BasePath string `yaml:"base_path"`
	// Users may sign in with basic authentication.
	Users []UserConfig `yaml:"users"`
	// Tokens are accepted as bearer tokens (Prometheus, scripts).
	Tokens []TokenConfig `yaml:"tokens"`
	// OpenMetrics serves /metrics without credentials.
	OpenMetrics bool `yaml:"open_metrics"`
	// InsecureNoAuth opens the dashboard to loopback clients; refused
	// unless the dashboard listens on a loopback address.
	InsecureNoAuth bool   `yaml:"insecure_no_auth"`
	Title          string `yaml:"title"`
}

// UserConfig is a dashboard user.
type UserConfig struct {
	User        string `yaml:"user"`
	PasswordEnv string `yaml:"password_env"`
}

// TokenConfig is a dashboard bearer token.
type TokenConfig struct {
	Name     string `yaml:"name"`
	TokenEnv string `yaml:"token_env"`
}

// WorkerConfig tunes the queue worker.
type WorkerConfig struct {
	Concurrency     int    `yaml:"concurrency"`
	PollInterval    string `yaml:"poll_interval"`
	ShutdownTimeout string `yaml:"shutdown_timeout"`
}
