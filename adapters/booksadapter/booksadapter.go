package booksadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
)

// Errors the adapter reports, matched with errors.Is.
var (
	// ErrUnknownDataType: no entity is configured for the data type.
	ErrUnknownDataType = errors.New("booksadapter: unknown data type")
	// ErrNotIdempotent: a create the entity's configuration cannot make
	// idempotent (no KeyField or MatchField, no Op.Key, or no value in the
	// MatchField).
	ErrNotIdempotent = errors.New("booksadapter: create cannot be made idempotent")
	// ErrUnsupported: an operation Books (or its client) does not offer.
	ErrUnsupported = errors.New("booksadapter: unsupported operation")
	// ErrBadValue: fields that do not fit the entity's record.
	ErrBadValue = errors.New("booksadapter: bad value")
)

// The entities the adapter syncs.
const (
	Contacts = "contacts"
	Items    = "items"
	Invoices = "invoices"
)

// lookups are the members of each entity a list can filter on exactly,
// which a create's key can be looked up by.
var lookups = map[string][]string{
	Contacts: {"contact_name", "company_name", "email", "phone"},
	Items:    {"name", "sku"},
	Invoices: {"reference_number", "invoice_number"},
}

// Entity configures the Books entity of one data type.
type Entity struct {
	// Entity is Contacts, Items or Invoices; empty means the data type.
	Entity string
	// Fields are the members kept in Record.Fields; empty means all of
	// them but the id.
	Fields []string
	// KeyField is a member, one a list can filter on, that holds the
	// idempotency key of the create that made the record (Op.Key), read
	// back into Record.Key (bidirectional pipelines need it to recognise
	// the records they created: sync.KeyFrom). For invoices it defaults to
	// "reference_number" unless MatchField is set.
	KeyField string
	// MatchField is a member, one a list can filter on, whose value the
	// created records carry and that identifies them (a contact's
	// contact_name or email, an item's sku): a create finds the record with
	// its value before creating one.
	MatchField string
	// Full makes Changes read each changed record whole (an invoice's line
	// items, a contact's persons), one call per record; lists give
	// summaries.
	Full bool
}

// Options configures an Adapter. The zero value works.
type Options struct {
	// PageSize is the records per list call, 1..200; zero means 200.
	PageSize int
}

// Adapter connects the configured Books entities to the sync engine. It is
// a sync.Source, sync.Sink and sync.Reader, safe for concurrent use.
type Adapter struct {
	entities map[string]*entity
	pageSize int

	mu    gosync.Mutex
	locks map[string]*keyLock // creates in flight, by entity and key
}

var (
	_ sync.Source = (*Adapter)(nil)
	_ sync.Sink   = (*Adapter)(nil)
	_ sync.Reader = (*Adapter)(nil)
)

// entity is a configured Entity with its service.
type entity struct {
	dataType string
	cfg      Entity
	svc      service
}

// New returns an adapter of the given entities, by data type, on client c;
// opts may be nil. Every problem of the configuration is reported at once.
func New(c *books.Client, entities map[string]Entity, opts *Options) (*Adapter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var problems []string
	if c == nil {
		problems = append(problems, "the books.Client is nil")
	}
	if o.PageSize < 0 || o.PageSize > 200 {
		problems = append(problems, fmt.Sprintf("Options.PageSize %d is outside 1..200", o.PageSize))
	}
	if len(entities) == 0 {
		problems = append(problems, "no entities configured")
	}
	a := &Adapter{entities: map[string]*entity{}, pageSize: o.PageSize, locks: map[string]*keyLock{}}
	names := make([]string, 0, len(entities))
	for dt := range entities {
		names = append(names, dt)
	}
	sort.Strings(names)
	for _, dt := range names {
		cfg := entities[dt]
		if cfg.Entity == "" {
			cfg.Entity = dt
		}
		var errs []string
		allowed, known := lookups[cfg.Entity]
		if !known {
			errs = append(errs, fmt.Sprintf("Entity %q: want %s, %s or %s", cfg.Entity, Contacts, Items, Invoices))
		}
		if cfg.Entity == Invoices && cfg.KeyField == "" && cfg.MatchField == "" {
			cfg.KeyField = "reference_number"
		}
		switch {
		case cfg.KeyField != "" && cfg.MatchField != "":
			errs = append(errs, "KeyField and MatchField: set one, not both")
		case known && cfg.KeyField != "" && !slices.Contains(allowed, cfg.KeyField):
			errs = append(errs, fmt.Sprintf("KeyField %q: a %s list can look up only %s", cfg.KeyField, cfg.Entity, strings.Join(allowed, ", ")))
		case known && cfg.MatchField != "" && !slices.Contains(allowed, cfg.MatchField):
			errs = append(errs, fmt.Sprintf("MatchField %q: a %s list can look up only %s", cfg.MatchField, cfg.Entity, strings.Join(allowed, ", ")))
		}
		for i, f := range cfg.Fields {
			if f == "" {
				errs = append(errs, fmt.Sprintf("Fields[%d] is empty", i))
			}
		}
		for _, e := range errs {
			problems = append(problems, fmt.Sprintf("entities[%q].%s", dt, e))
		}
		if len(errs) == 0 && c != nil {
			a.entities[dt] = &entity{dataType: dt, cfg: cfg, svc: newService(c, cfg.Entity)}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("booksadapter: New: %s", strings.Join(problems, "; "))
	}
	return a, nil
}

// entity returns the configured entity of dataType.
func (a *Adapter) entity(dataType string) (*entity, error) {
	e, ok := a.entities[dataType]
	if !ok {
		names := make([]string, 0, len(a.entities))
		for dt := range a.entities {
			names = append(names, dt)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w %q (configured: %s)", ErrUnknownDataType, dataType, strings.Join(names, ", "))
	}
	return e, nil
}

// raw is a Books record as the adapter handles it.
type raw struct {
	id       string
	modified time.Time
	fields   map[string]any
}

// service is one entity of the Books client, over raw records.
type service interface {
	list(ctx context.Context, o books.ListOptions) iter.Seq2[raw, error]
	get(ctx context.Context, id string) (raw, error)
	create(ctx context.Context, fields map[string]any) (raw, error)
	update(ctx context.Context, id string, fields map[string]any) (raw, error)
	delete(ctx context.Context, id string) error
}

// typed implements service over one of the client's typed services.
type typed[T any] struct {
	idMember string
	listF    func(context.Context, books.ListOptions) iter.Seq2[T, error]
	getF     func(context.Context, string) (T, *zoho.Response, error)
	createF  func(context.Context, T) (T, *zoho.Response, error)
	updateF  func(context.Context, string, T) (T, *zoho.Response, error)
	deleteF  func(context.Context, string) (*zoho.Response, error) // nil: not offered
	stamp    func(T) (string, time.Time)
}

func newService(c *books.Client, name string) service {
	switch name {
	case Contacts:
		return &typed[books.Contact]{idMember: "contact_id",
			listF: func(ctx context.Context, o books.ListOptions) iter.Seq2[books.Contact, error] {
				return c.Contacts.List(ctx, &books.ContactListOptions{ListOptions: o})
			},
			getF: c.Contacts.Get, createF: c.Contacts.Create, updateF: c.Contacts.Update, deleteF: c.Contacts.Delete,
			stamp: func(v books.Contact) (string, time.Time) { return v.ContactID, v.LastModifiedTime.Time }}
	case Items:
		return &typed[books.Item]{idMember: "item_id",
			listF: func(ctx context.Context, o books.ListOptions) iter.Seq2[books.Item, error] {
				return c.Items.List(ctx, &books.ItemListOptions{ListOptions: o})
			},
			getF: c.Items.Get, createF: c.Items.Create, updateF: c.Items.Update,
			stamp: func(v books.Item) (string, time.Time) { return v.ItemID, v.LastModifiedTime.Time }}
	default:
		return &typed[books.Invoice]{idMember: "invoice_id",
			listF: func(ctx context.Context, o books.ListOptions) iter.Seq2[books.Invoice, error] {
				return c.Invoices.List(ctx, &books.InvoiceListOptions{ListOptions: o})
			},
			getF: c.Invoices.Get,
			createF: func(ctx context.Context, v books.Invoice) (books.Invoice, *zoho.Response, error) {
				return c.Invoices.Create(ctx, v, nil)
			},
			updateF: c.Invoices.Update, deleteF: c.Invoices.Delete,
			stamp: func(v books.Invoice) (string, time.Time) { return v.InvoiceID, v.LastModifiedTime.Time }}
	}
}

func (s *typed[T]) list(ctx context.Context, o books.ListOptions) iter.Seq2[raw, error] {
	return func(yield func(raw, error) bool) {
		for v, err := range s.listF(ctx, o) {
			if err != nil {
				yield(raw{}, err)
				return
			}
			r, err := s.raw(v)
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

func (s *typed[T]) get(ctx context.Context, id string) (raw, error) {
	v, _, err := s.getF(ctx, id)
	if err != nil {
		return raw{}, err
	}
	return s.raw(v)
}

func (s *typed[T]) create(ctx context.Context, fields map[string]any) (raw, error) {
	v, err := s.value(fields)
	if err != nil {
		return raw{}, err
	}
	out, _, err := s.createF(ctx, v)
	if err != nil {
		return raw{}, err
	}
	return s.raw(out)
}

func (s *typed[T]) update(ctx context.Context, id string, fields map[string]any) (raw, error) {
	v, err := s.value(fields)
	if err != nil {
		return raw{}, err
	}
	out, _, err := s.updateF(ctx, id, v)
	if err != nil {
		return raw{}, err
	}
	return s.raw(out)
}

func (s *typed[T]) delete(ctx context.Context, id string) error {
	if s.deleteF == nil {
		return fmt.Errorf("%w: zoho/books cannot delete %s; use the pipeline's DeleteIgnore or DeleteFlag", ErrUnsupported, strings.TrimSuffix(s.idMember, "_id")+"s")
	}
	_, err := s.deleteF(ctx, id)
	return err
}

// raw converts a typed record into its members, numbers exact.
func (s *typed[T]) raw(v T) (raw, error) {
	id, mod := s.stamp(v)
	b, err := json.Marshal(v)
	if err != nil {
		return raw{}, fmt.Errorf("%w: %v", ErrBadValue, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		return raw{}, fmt.Errorf("%w: %v", ErrBadValue, err)
	}
	delete(fields, s.idMember)
	return raw{id: id, modified: mod.UTC(), fields: fields}, nil
}

// value converts fields into the typed record written, through its JSON
// form (time.Time values become RFC 3339 text, which the client reads).
func (s *typed[T]) value(fields map[string]any) (T, error) {
	var v T
	if _, ok := fields[s.idMember]; ok {
		return v, fmt.Errorf("%w: field %q is the record's id, which writes do not set", ErrBadValue, s.idMember)
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return v, fmt.Errorf("%w: %v", ErrBadValue, err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%w: %v", ErrBadValue, err)
	}
	return v, nil
}

// record converts a raw record into the engine's, keeping the configured
// fields.
func (e *entity) record(r raw) sync.Record {
	rec := sync.Record{ID: r.id, Modified: r.modified, Fields: r.fields}
	if e.cfg.KeyField != "" {
		rec.Key, _ = r.fields[e.cfg.KeyField].(string)
	}
	if len(e.cfg.Fields) > 0 {
		rec.Fields = make(map[string]any, len(e.cfg.Fields))
		for _, f := range e.cfg.Fields {
			if v, ok := r.fields[f]; ok {
				rec.Fields[f] = v
			}
		}
	}
	return rec
}
