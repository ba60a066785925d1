package crmadapter

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho/crm"
)

// Errors the adapter reports, matched with errors.Is.
var (
	// ErrUnknownDataType: no module is configured for the data type.
	ErrUnknownDataType = errors.New("crmadapter: unknown data type")
	// ErrNotIdempotent: a create that the module's configuration cannot
	// make idempotent (no KeyField or MatchFields, no Op.Key, or none of
	// the MatchFields set).
	ErrNotIdempotent = errors.New("crmadapter: create cannot be made idempotent")
	// ErrBadCursor: a cursor this adapter did not make.
	ErrBadCursor = errors.New("crmadapter: bad cursor")
)

// modifiedTime is the field Changes orders and filters by.
const modifiedTime = "Modified_Time"

// Module configures the CRM module of one data type.
type Module struct {
	// Module is the module's API name ("Products", "Deals"); empty means
	// the data type.
	Module string
	// Fields are the API names of the fields read into Record.Fields
	// (Zoho's lists need them: at most 50, Modified_Time included, which
	// the adapter adds). Required.
	Fields []string
	// KeyField is a unique custom field that holds the idempotency key of
	// the create that made the record: creates write Op.Key into it and
	// upsert on it, and Changes and Get read it into Record.Key (it counts
	// towards Zoho's 50 fields per list; it is in Record.Fields only when
	// Fields names it). Set KeyField or MatchFields for the module to take
	// creates; bidirectional pipelines need KeyField to recognise the
	// records they created (sync.KeyFrom).
	KeyField string
	// MatchFields are natural unique fields that created records carry
	// (Email, Product_Code): creates upsert on them, and a create that sets
	// none of them is refused.
	MatchFields []string
	// Triggers lists the automation Zoho runs for the adapter's writes
	// (crm.TriggerWorkflow, crm.TriggerApproval, crm.TriggerBlueprint); nil
	// or empty runs none.
	Triggers []string
	// SkipDeletes stops Changes from reading the deleted-records list: no
	// tombstones, one call fewer per run.
	SkipDeletes bool
}

// Options configures an Adapter. The zero value works.
type Options struct {
	// PageSize is the records per list call, 1..200; zero means 200.
	PageSize int
}

// Adapter connects the configured CRM modules to the sync engine. It is a
// sync.Source, sync.Sink, sync.Reader and sync.Rewinder, safe for
// concurrent use.
type Adapter struct {
	c        *crm.Client
	pageSize int
	modules  map[string]*module
}

var (
	_ sync.Source   = (*Adapter)(nil)
	_ sync.Sink     = (*Adapter)(nil)
	_ sync.Reader   = (*Adapter)(nil)
	_ sync.Rewinder = (*Adapter)(nil)
)

// module is a configured Module with its defaults applied.
type module struct {
	dataType string
	cfg      Module
	listed   []string // the fields a list asks for: Fields plus Modified_Time and KeyField
	opts     crm.WriteOptions
	delOpts  crm.DeleteOptions
}

// New returns an adapter of the given modules, by data type, on client c.
// Every problem of the configuration is reported at once.
func New(c *crm.Client, modules map[string]Module, opts *Options) (*Adapter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if c == nil {
		bad("the crm.Client is nil")
	}
	switch {
	case o.PageSize < 0 || o.PageSize > crm.MaxPerPage:
		bad("Options.PageSize %d is outside 1..%d", o.PageSize, crm.MaxPerPage)
	case o.PageSize == 0:
		o.PageSize = crm.MaxPerPage
	}
	if len(modules) == 0 {
		bad("no modules configured")
	}
	a := &Adapter{c: c, pageSize: o.PageSize, modules: map[string]*module{}}
	names := make([]string, 0, len(modules))
	for dt := range modules {
		names = append(names, dt)
	}
	sort.Strings(names)
	for _, dt := range names {
		m, errs := newModule(dt, modules[dt])
		for _, e := range errs {
			bad("modules[%q].%s", dt, e)
		}
		if m != nil {
			a.modules[dt] = m
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("crmadapter: New: %s", strings.Join(problems, "; "))
	}
	return a, nil
}

func newModule(dataType string, cfg Module) (*module, []string) {
	var errs []string
	if cfg.Module == "" {
		cfg.Module = dataType
	}
	if cfg.Module == "" || strings.ContainsAny(cfg.Module, "/?#%\\ \t\r\n") {
		errs = append(errs, fmt.Sprintf("Module %q is not a module API name", cfg.Module))
	}
	apiName := func(s string) bool { return s != "" && !strings.ContainsAny(s, ", \t\r\n()") }
	listed := slices.Clone(cfg.Fields)
	extra := modifiedTime
	if !slices.Contains(listed, modifiedTime) {
		listed = append(listed, modifiedTime)
	}
	if cfg.KeyField != "" && !slices.Contains(listed, cfg.KeyField) {
		listed = append(listed, cfg.KeyField) // read into Record.Key
		extra += " and KeyField"
	}
	switch {
	case len(cfg.Fields) == 0:
		errs = append(errs, fmt.Sprintf("Fields: required (the API names to read, at most %d with %s)", crm.MaxFields, extra))
	case len(listed) > crm.MaxFields:
		errs = append(errs, fmt.Sprintf("Fields: %d fields with %s exceed Zoho's %d per list", len(cfg.Fields), extra, crm.MaxFields))
	}
	for i, f := range cfg.Fields {
		if !apiName(f) || f == "id" {
			errs = append(errs, fmt.Sprintf("Fields[%d] %q is not a field API name", i, f))
		}
	}
	if cfg.KeyField != "" && len(cfg.MatchFields) > 0 {
		errs = append(errs, "KeyField and MatchFields: set one, not both")
	}
	if cfg.KeyField != "" && !apiName(cfg.KeyField) {
		errs = append(errs, fmt.Sprintf("KeyField %q is not a field API name", cfg.KeyField))
	}
	for i, f := range cfg.MatchFields {
		if !apiName(f) {
			errs = append(errs, fmt.Sprintf("MatchFields[%d] %q is not a field API name", i, f))
		}
	}
	for i, t := range cfg.Triggers {
		if t != crm.TriggerWorkflow && t != crm.TriggerApproval && t != crm.TriggerBlueprint {
			errs = append(errs, fmt.Sprintf("Triggers[%d] %q: want %s, %s or %s", i, t, crm.TriggerWorkflow, crm.TriggerApproval, crm.TriggerBlueprint))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	m := &module{dataType: dataType, cfg: cfg, listed: listed}
	if len(cfg.Triggers) == 0 {
		m.opts.NoTriggers = true
	} else {
		m.opts.Trigger = slices.Clone(cfg.Triggers)
	}
	m.delOpts.NoTriggers = !slices.Contains(cfg.Triggers, crm.TriggerWorkflow)
	switch {
	case cfg.KeyField != "":
		m.opts.DuplicateCheckFields = []string{cfg.KeyField}
	case len(cfg.MatchFields) > 0:
		m.opts.DuplicateCheckFields = slices.Clone(cfg.MatchFields)
	}
	return m, nil
}

// module returns the configured module of dataType.
func (a *Adapter) module(dataType string) (*module, error) {
	m, ok := a.modules[dataType]
	if !ok {
		names := make([]string, 0, len(a.modules))
		for dt := range a.modules {
			names = append(names, dt)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w %q (configured: %s)", ErrUnknownDataType, dataType, strings.Join(names, ", "))
	}
	return m, nil
}
