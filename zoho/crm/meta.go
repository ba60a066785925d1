package crm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// ModuleInfo describes a module (GET /settings/modules).
type ModuleInfo struct {
	ID             string `json:"id"`
	APIName        string `json:"api_name"`
	ModuleName     string `json:"module_name"`
	SingularLabel  string `json:"singular_label"`
	PluralLabel    string `json:"plural_label"`
	GeneratedType  string `json:"generated_type"` // "default", "custom", ...
	APISupported   bool   `json:"api_supported"`
	Creatable      bool   `json:"creatable"`
	Editable       bool   `json:"editable"`
	Deletable      bool   `json:"deletable"`
	Viewable       bool   `json:"viewable"`
	Convertable    bool   `json:"convertable"`
	SequenceNumber int    `json:"sequence_number"`
}

// FieldInfo describes a field of a module (GET /settings/fields).
type FieldInfo struct {
	ID              string          `json:"id"`
	APIName         string          `json:"api_name"`
	FieldLabel      string          `json:"field_label"`
	DisplayLabel    string          `json:"display_label"`
	DataType        string          `json:"data_type"` // "text", "email", "lookup", "currency", "datetime", ...
	JSONType        string          `json:"json_type"` // "string", "double", "jsonobject", ...
	SystemMandatory bool            `json:"system_mandatory"`
	CustomField     bool            `json:"custom_field"`
	ReadOnly        bool            `json:"read_only"`
	FieldReadOnly   bool            `json:"field_read_only"`
	Length          int             `json:"length"`
	Unique          *FieldUnique    `json:"unique"`
	Lookup          *FieldLookup    `json:"lookup"`
	PickListValues  []PickListValue `json:"pick_list_values"`
}

// FieldUnique is set on fields that do not allow duplicate values.
type FieldUnique struct {
	CaseSensitive string `json:"casesensitive"`
}

// FieldLookup is the module a lookup field points into.
type FieldLookup struct {
	Module struct {
		APIName string `json:"api_name"`
		ID      string `json:"id"`
	} `json:"module"`
	DisplayLabel string `json:"display_label"`
}

// PickListValue is one value of a picklist field.
type PickListValue struct {
	DisplayValue string `json:"display_value"`
	ActualValue  string `json:"actual_value"`
	ID           string `json:"id"`
}

// MetaService reads module and field metadata. Answers are cached per
// Client (for Options.MetadataTTL, or until Invalidate); concurrent callers
// of an uncached entry share one call.
type MetaService struct {
	c       *Client
	mu      sync.Mutex
	modules *cacheEntry[[]ModuleInfo]
	fields  map[string]*cacheEntry[[]FieldInfo] // by lower-case module name
}

func newMetaService(c *Client) *MetaService {
	return &MetaService{c: c, fields: map[string]*cacheEntry[[]FieldInfo]{}}
}

// cacheEntry is one cached answer, or the call fetching it.
type cacheEntry[T any] struct {
	done chan struct{} // closed when val/err are set
	val  T
	err  error
	at   time.Time
}

// cached returns the entry's value, fetching it when missing, failed or
// expired. The fetch runs on the first caller's context; a caller whose
// context ends stops waiting, and if the fetch failed only because its
// own caller left, the next caller fetches again.
//
// get and set read and write the entry's slot; they run under s.mu.
func cached[T any](ctx context.Context, s *MetaService, get func() *cacheEntry[T], set func(*cacheEntry[T]), fetch func(context.Context) (T, error)) (T, error) {
	for {
		s.mu.Lock()
		e := get()
		if e != nil && e.expired(s) {
			e = nil
		}
		leader := e == nil
		if leader {
			e = &cacheEntry[T]{done: make(chan struct{})}
			set(e)
		}
		s.mu.Unlock()
		if leader {
			e.val, e.err = fetch(ctx)
			e.at = s.c.zc.Clock().Now()
			s.mu.Lock()
			if e.err != nil && get() == e {
				set(nil) // failures are not cached
			}
			s.mu.Unlock()
			close(e.done)
			return e.val, e.err
		}
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if e.err != nil && ctx.Err() == nil && (errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)) {
			continue // the leader's context ended, not ours: try again
		}
		return e.val, e.err
	}
}

func (e *cacheEntry[T]) expired(s *MetaService) bool {
	select {
	case <-e.done:
	default:
		return false // in flight
	}
	ttl := s.c.opts.MetadataTTL
	return ttl > 0 && s.c.zc.Clock().Now().Sub(e.at) >= ttl
}

// Modules returns every module of the organisation (cached).
func (s *MetaService) Modules(ctx context.Context) ([]ModuleInfo, error) {
	mods, err := cached(ctx, s,
		func() *cacheEntry[[]ModuleInfo] { return s.modules },
		func(e *cacheEntry[[]ModuleInfo]) { s.modules = e },
		s.fetchModules)
	return slices.Clone(mods), err
}

func (s *MetaService) fetchModules(ctx context.Context) ([]ModuleInfo, error) {
	req, err := s.c.newRequest(http.MethodGet, "/settings/modules", nil, nil)
	if err != nil {
		return nil, fmt.Errorf("crm: modules: %w", err)
	}
	var env struct {
		Modules []ModuleInfo `json:"modules"`
	}
	if _, err := s.c.get(ctx, req, &env); err != nil {
		return nil, fmt.Errorf("crm: modules: %w", err)
	}
	return env.Modules, nil
}

// Module returns one module's description (from the cached list), matching
// the API name case-insensitively as Zoho does; an unknown module is an
// error matching zoho.ErrNotFound.
func (s *MetaService) Module(ctx context.Context, apiName string) (ModuleInfo, error) {
	mods, err := s.Modules(ctx)
	if err != nil {
		return ModuleInfo{}, err
	}
	for _, m := range mods {
		if strings.EqualFold(m.APIName, apiName) {
			return m, nil
		}
	}
	return ModuleInfo{}, fmt.Errorf("crm: module %q: %w", apiName, zoho.ErrNotFound)
}

// Fields returns the fields of module (cached per module).
func (s *MetaService) Fields(ctx context.Context, module string) ([]FieldInfo, error) {
	if err := checkModule(module); err != nil {
		return nil, fmt.Errorf("crm: fields: %w", err)
	}
	key := strings.ToLower(module)
	fields, err := cached(ctx, s,
		func() *cacheEntry[[]FieldInfo] { return s.fields[key] },
		func(e *cacheEntry[[]FieldInfo]) {
			if e == nil {
				delete(s.fields, key)
			} else {
				s.fields[key] = e
			}
		},
		func(ctx context.Context) ([]FieldInfo, error) { return s.fetchFields(ctx, module) })
	return slices.Clone(fields), err
}

func (s *MetaService) fetchFields(ctx context.Context, module string) ([]FieldInfo, error) {
	req, err := s.c.newRequest(http.MethodGet, "/settings/fields", url.Values{"module": {module}}, nil)
	if err != nil {
		return nil, fmt.Errorf("crm: fields of %s: %w", module, err)
	}
	var env struct {
		Fields []FieldInfo `json:"fields"`
	}
	if _, err := s.c.get(ctx, req, &env); err != nil {
		return nil, fmt.Errorf("crm: fields of %s: %w", module, err)
	}
	return env.Fields, nil
}

// Field returns one field of module by API name; an unknown field is an
// error matching zoho.ErrNotFound.
func (s *MetaService) Field(ctx context.Context, module, apiName string) (FieldInfo, error) {
	fields, err := s.Fields(ctx, module)
	if err != nil {
		return FieldInfo{}, err
	}
	for _, f := range fields {
		if f.APIName == apiName {
			return f, nil
		}
	}
	return FieldInfo{}, fmt.Errorf("crm: field %s of %s: %w", apiName, module, zoho.ErrNotFound)
}

// Invalidate drops cached metadata: with no arguments, everything; else the
// fields of the named modules. The next read fetches again. Call it after
// changing a layout or adding a field, or when a write reports an unknown
// field.
func (s *MetaService) Invalidate(modules ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(modules) == 0 {
		s.modules = nil
		clear(s.fields)
		return
	}
	for _, m := range modules {
		delete(s.fields, strings.ToLower(m))
	}
}
