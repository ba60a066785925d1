package zohotest

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// CRM is the fake's CRM data: modules, their fields and records, the
// deleted-records list, and what changed. Get it with Server.CRM. Its helper
// methods bypass HTTP (no call is counted, no fault applies) but go through
// the same validation and the same change path as the API, so a record put by
// a helper gets an id, Created_Time and Modified_Time like any other.
type CRM struct {
	s *Server

	mu        sync.Mutex
	modules   map[string]*moduleState // by lower-case API name
	order     []*moduleState          // definition order
	changes   []Change
	writes    []Write
	observers []func(Change)
	tokens    map[string]*pageToken
	changeSeq uint64
	// tokenPruneAt is the page-token count that triggers the next prune.
	tokenPruneAt int

	bulk   *bulkState   // bulk read and write jobs (crm_bulk*.go)
	notify *notifyState // notification channels (crm_notify*.go)
	out    *deliverer   // outgoing callbacks: notifications and bulk job callbacks
}

// moduleState is one module: its definition and its records.
type moduleState struct {
	def    Module
	id     string
	custom bool
	fields map[string]*Field // by API name
	added  map[string]bool   // fields added by AddFields (custom fields of a standard module)

	records []*storedRecord // sorted by id
	byID    map[string]*storedRecord
	deleted []*deletedEntry                // in deletion order
	index   map[string]map[string][]string // field -> match key -> ids, for unique and duplicate-check fields

	version uint64 // bumped by every change; invalidates views
	views   map[viewKey]*view
}

// storedRecord is a record as held: user field values (normalized) and the
// system fields.
type storedRecord struct {
	id                    string
	values                map[string]any
	created, modified     time.Time
	createdBy, modifiedBy User
}

// lookupRef is a stored lookup value: the id of a record in another module.
// Its name is resolved when rendered, so a renamed target shows its new name.
type lookupRef struct{ module, id string }

// userRef is a stored owner/user lookup.
type userRef struct{ id string }

type deletedEntry struct {
	id, display string
	permanent   bool
	deletedBy   User
	createdBy   User
	deleted     time.Time
}

// Change is one record change, through the API or a helper. Every change
// passes through one function (CRM.applyLocked), which records it here and
// hands it to the OnChange observers.
type Change struct {
	Seq       uint64    // 1, 2, 3, ... in the order the changes happened
	Time      time.Time // the record's new Modified_Time (the deletion time for deletes)
	Module    string
	ID        string
	Operation string   // "create", "edit" or "delete", as Zoho's notifications name them
	Fields    []string // API names of the fields set (create) or changed (edit), sorted
	Source    string   // "api" or "helper"
	Triggers  []string // the automation the write asked Zoho to run (see Write.Triggers)
}

func newCRM(s *Server) *CRM {
	c := &CRM{s: s, modules: map[string]*moduleState{}, tokens: map[string]*pageToken{}, tokenPruneAt: 10_000}
	for _, m := range standardModules() {
		_ = c.defineLocked(m, false) // the standard definitions are valid; TestStandardModules checks them
	}
	c.bulk = newBulkState(s)
	c.notify = newNotifyState()
	c.out = newDeliverer(s)
	c.observers = append(c.observers, c.notifyChange)
	return c
}

// CRM returns the server's CRM data and test helpers.
func (s *Server) CRM() *CRM { return s.crm }

func (c *CRM) module(name string) *moduleState {
	return c.modules[strings.ToLower(name)]
}

// matchKey normalizes a value for unique and duplicate checks: strings
// compare case-insensitively and trimmed, as Zoho's duplicate check does.
func matchKey(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		k := strings.ToLower(strings.TrimSpace(x))
		return k, k != ""
	case lookupRef:
		return x.id, true
	case userRef:
		return x.id, true
	default:
		return strings.ToLower(strings.TrimSpace(toString(x))), true
	}
}

func (m *moduleState) indexAdd(r *storedRecord) {
	for f, idx := range m.index {
		if k, ok := matchKey(r.values[f]); ok {
			idx[k] = append(idx[k], r.id)
		}
	}
}

func (m *moduleState) indexRemove(r *storedRecord) {
	for f, idx := range m.index {
		if k, ok := matchKey(r.values[f]); ok {
			ids := slices.DeleteFunc(idx[k], func(id string) bool { return id == r.id })
			if len(ids) == 0 {
				delete(idx, k)
			} else {
				idx[k] = ids
			}
		}
	}
}

// findBy returns the oldest record whose field matches v, skipping except.
func (m *moduleState) findBy(field string, v any, except string) *storedRecord {
	k, ok := matchKey(v)
	if !ok {
		return nil
	}
	var best *storedRecord
	if idx, ok := m.index[field]; ok {
		for _, id := range idx[k] {
			if r := m.byID[id]; r != nil && id != except && (best == nil || compareIDs(id, best.id) < 0) {
				best = r
			}
		}
		return best
	}
	for _, r := range m.records { // not indexed (an upsert on an ordinary field): scan
		if r.id == except {
			continue
		}
		if rk, ok := matchKey(r.values[field]); ok && rk == k {
			return r
		}
	}
	return nil
}

func (m *moduleState) insertSorted(r *storedRecord) {
	n := len(m.records)
	if n == 0 || compareIDs(m.records[n-1].id, r.id) < 0 {
		m.records = append(m.records, r) // the common case: ids only grow
		return
	}
	i := sort.Search(n, func(i int) bool { return compareIDs(m.records[i].id, r.id) >= 0 })
	m.records = slices.Insert(m.records, i, r)
}

func (m *moduleState) removeSorted(id string) {
	i := sort.Search(len(m.records), func(i int) bool { return compareIDs(m.records[i].id, id) >= 0 })
	if i < len(m.records) && m.records[i].id == id {
		m.records = slices.Delete(m.records, i, i+1)
	}
}

// mutation is a record change to apply.
type mutation struct {
	op       string // "create", "edit", "replace", "delete"
	id       string // edit/replace/delete; create: "" for a new id, or the helper's id
	values   map[string]any
	source   string
	triggers []string
	// created/modified override the server's clock (helpers seeding history).
	created, modified time.Time
}

// applyLocked applies one change to a module. It is the single path of every
// record mutation, through the API or a helper: it keeps the id order, the
// indexes and the deleted list, stamps the system fields, and records the
// Change. Callers hold c.mu and hand the returned changes to publish after
// unlocking. A later notifications feature hooks in here (or in publish).
func (c *CRM) applyLocked(m *moduleState, mu mutation) (*storedRecord, Change) {
	now := c.s.now()
	user := c.s.opts.CurrentUser
	ch := Change{Module: m.def.APIName, Source: mu.source, Triggers: slices.Clone(mu.triggers)}
	var rec *storedRecord
	switch mu.op {
	case "create":
		id := mu.id
		if id == "" {
			id = c.s.ids.newID()
		}
		created, modified := now, now
		if !mu.created.IsZero() {
			created = mu.created.Truncate(time.Second)
			modified = created
		}
		if !mu.modified.IsZero() {
			modified = mu.modified.Truncate(time.Second)
		}
		rec = &storedRecord{id: id, values: map[string]any{}, created: created, modified: modified, createdBy: user, modifiedBy: user}
		if _, ok := m.fields["Owner"]; ok {
			rec.values["Owner"] = userRef{id: user.ID}
		}
		for k, v := range mu.values {
			if v != nil {
				rec.values[k] = v
			}
		}
		m.computeFields(rec)
		m.insertSorted(rec)
		m.byID[id] = rec
		m.indexAdd(rec)
		ch.Operation, ch.Time = "create", modified
		for k := range rec.values {
			ch.Fields = append(ch.Fields, k)
		}
	case "edit", "replace":
		rec = m.byID[mu.id]
		m.indexRemove(rec)
		before := rec.values
		after := make(map[string]any, len(before)+len(mu.values))
		if mu.op == "edit" {
			for k, v := range before {
				after[k] = v
			}
		} else if owner, ok := before["Owner"]; ok {
			after["Owner"] = owner
		}
		for k, v := range mu.values {
			if v == nil {
				delete(after, k)
			} else {
				after[k] = v
			}
		}
		rec.values = after
		m.computeFields(rec)
		rec.modified, rec.modifiedBy = now, user
		if !mu.modified.IsZero() {
			rec.modified = mu.modified.Truncate(time.Second)
		}
		m.indexAdd(rec)
		ch.Operation, ch.Time = "edit", rec.modified
		for k := range unionKeys(before, rec.values) {
			if !equalValues(before[k], rec.values[k]) {
				ch.Fields = append(ch.Fields, k)
			}
		}
	case "delete":
		rec = m.byID[mu.id]
		m.indexRemove(rec)
		delete(m.byID, rec.id)
		m.removeSorted(rec.id)
		m.deleted = append(m.deleted, &deletedEntry{
			id: rec.id, display: m.displayName(rec), deletedBy: user, createdBy: rec.createdBy, deleted: now,
		})
		ch.Operation, ch.Time = "delete", now
	}
	sort.Strings(ch.Fields)
	ch.ID = rec.id
	c.changeSeq++
	ch.Seq = c.changeSeq
	c.changes = append(c.changes, ch)
	m.version++
	clear(m.views)
	return rec, ch
}

// publish hands changes to the OnChange observers. Callers must not hold
// c.mu, so an observer may call back into the CRM.
func (c *CRM) publish(changes []Change) {
	if len(changes) == 0 {
		return
	}
	c.mu.Lock()
	obs := slices.Clone(c.observers)
	c.mu.Unlock()
	for _, ch := range changes {
		for _, f := range obs {
			f(ch)
		}
	}
}

// OnChange registers f to be called, synchronously and after the change is
// visible, for every record change (API or helper); an API call's changes
// are delivered before its response is written. f may call the CRM's
// methods. Changes of concurrent requests may arrive out of Seq order.
func (c *CRM) OnChange(f func(Change)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.observers = append(c.observers, f)
}

// Changes returns every record change so far, oldest first.
func (c *CRM) Changes() []Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Change, len(c.changes))
	for i, ch := range c.changes {
		ch.Fields = slices.Clone(ch.Fields)
		ch.Triggers = slices.Clone(ch.Triggers)
		out[i] = ch
	}
	return out
}

func unionKeys(a, b map[string]any) map[string]struct{} {
	out := make(map[string]struct{}, len(a)+len(b))
	for k := range a {
		out[k] = struct{}{}
	}
	for k := range b {
		out[k] = struct{}{}
	}
	return out
}

// computeFields sets the fields Zoho computes: Full_Name from First_Name
// and Last_Name.
func (m *moduleState) computeFields(r *storedRecord) {
	if _, ok := m.fields["Full_Name"]; !ok {
		return
	}
	first, _ := r.values["First_Name"].(string)
	last, _ := r.values["Last_Name"].(string)
	if full := strings.TrimSpace(first + " " + last); full != "" {
		r.values["Full_Name"] = full
	} else {
		delete(r.values, "Full_Name")
	}
}

// displayName is the record's name in lookups and the deleted list.
func (m *moduleState) displayName(r *storedRecord) string {
	if r == nil {
		return ""
	}
	v, _ := r.values[m.def.DisplayField].(string)
	return v
}

// Write is one record write call (insert, update, upsert or delete) through
// the API, with the automation it asked for: tests assert that a sync's
// writes fired no workflows by checking Triggers is empty.
type Write struct {
	Time      time.Time
	Module    string
	Operation string // "insert", "update", "upsert", "delete"
	// Triggers is the automation Zoho would run for this write. For inserts,
	// updates and upserts it is the request's "trigger" array, or Zoho's
	// default (approval, workflow, blueprint) when the body has none; for
	// deletes it is ["workflow"] unless wf_trigger=false.
	Triggers         []string
	TriggerSpecified bool     // the request set "trigger" (or wf_trigger)
	Records          int      // records (or ids) in the request
	Succeeded        []string // ids written successfully, in request order
}

// Writes returns the record write calls so far, oldest first.
func (c *CRM) Writes() []Write {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Write, len(c.writes))
	for i, w := range c.writes {
		w.Triggers = slices.Clone(w.Triggers)
		w.Succeeded = slices.Clone(w.Succeeded)
		out[i] = w
	}
	return out
}
