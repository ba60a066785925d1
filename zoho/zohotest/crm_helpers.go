package zohotest

import (
	"errors"
	"fmt"
	"time"
)

// Record is a CRM record as the API shows it: field API names to values
// ("Last_Name": "Doe", "Account_Name": {"name","id"}, "Modified_Time":
// "2026-01-02T10:00:00+05:30"). Helpers accept Go values too (ints, floats,
// time.Time, map[string]any{"id": accountID} or the id string for lookups).
type Record map[string]any

// DeletedRecord is an entry of a module's deleted-records list.
type DeletedRecord struct {
	ID          string
	DisplayName string
	Type        string // "recycle" (in the recycle bin) or "permanent"
	DeletedBy   User
	CreatedBy   User
	DeletedTime time.Time
}

func (c *CRM) helperModule(op, module string) (*moduleState, error) {
	m := c.module(module)
	if m == nil {
		return nil, fmt.Errorf("zohotest: %s: no module %q", op, module)
	}
	return m, nil
}

// helperTime reads a Created_Time/Modified_Time override from helper input.
func helperTime(in map[string]any, name string) (time.Time, error) {
	v, ok := in[name]
	if !ok || v == nil {
		return time.Time{}, nil
	}
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %v is not an RFC 3339 time", name, v)
	}
	return t, nil
}

// Put stores a record directly, bypassing HTTP: it is validated as an insert
// (mandatory fields, types, unique fields) and becomes a change with a
// Modified_Time like any other. Without "id" it inserts a record with a new
// id; with the id of an existing record it replaces that record's fields;
// with a new id it inserts under that id. "Created_Time" and
// "Modified_Time" (time.Time or RFC 3339) may be given to seed history.
// It returns the record as GET would show it.
func (c *CRM) Put(module string, rec Record) (Record, error) {
	out, err := c.PutMany(module, []Record{rec})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// PutMany is Put for several records, in order; it stops at the first
// invalid one and returns those stored before it.
func (c *CRM) PutMany(module string, recs []Record) ([]Record, error) {
	c.mu.Lock()
	out, changes, err := c.putManyLocked(module, recs)
	c.mu.Unlock()
	c.publish(changes)
	return out, err
}

func (c *CRM) putManyLocked(module string, recs []Record) ([]Record, []Change, error) {
	m, err := c.helperModule("Put", module)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Record, 0, len(recs))
	changes := make([]Change, 0, len(recs))
	for i, rec := range recs {
		in, err := plain(rec)
		if err != nil {
			return out, changes, fmt.Errorf("zohotest: Put %s: record %d: %w", m.def.APIName, i, err)
		}
		w := writeOne{op: "insert", in: in, source: "helper"}
		if w.mu.created, err = helperTime(in, "Created_Time"); err == nil {
			w.mu.modified, err = helperTime(in, "Modified_Time")
		}
		if err != nil {
			return out, changes, fmt.Errorf("zohotest: Put %s: record %d: %w", m.def.APIName, i, err)
		}
		if id := refID(in["id"]); id != "" {
			if m.byID[id] != nil {
				w.op, w.id = "replace", id
			} else {
				w.mu.id = id
			}
		}
		_, r, ch, rerr := c.writeOneLocked(m, w, nil)
		if rerr != nil {
			return out, changes, fmt.Errorf("record %d: %w", i, &RecordError{Module: m.def.APIName, Code: rerr.Code, Message: rerr.Message, Details: rerr.Details})
		}
		changes = append(changes, *ch)
		out = append(out, c.render(m, r, nil))
	}
	return out, changes, nil
}

// Get returns a record with all its fields, as GET /{module}/{id} shows it.
func (c *CRM) Get(module, id string) (Record, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.module(module)
	if m == nil || m.byID[id] == nil {
		return nil, false
	}
	return c.render(m, m.byID[id], nil), true
}

// Update changes some fields of a record directly (null clears one), as an
// API update would; "Modified_Time" may be given to seed history.
func (c *CRM) Update(module, id string, fields Record) (Record, error) {
	c.mu.Lock()
	rec, ch, err := c.updateLocked(module, id, fields)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	c.publish([]Change{ch})
	return rec, nil
}

func (c *CRM) updateLocked(module, id string, fields Record) (Record, Change, error) {
	m, err := c.helperModule("Update", module)
	if err != nil {
		return nil, Change{}, err
	}
	if m.byID[id] == nil {
		return nil, Change{}, fmt.Errorf("zohotest: Update %s: no record %s", m.def.APIName, id)
	}
	in, err := plain(fields)
	if err != nil {
		return nil, Change{}, fmt.Errorf("zohotest: Update %s %s: %w", m.def.APIName, id, err)
	}
	w := writeOne{op: "update", id: id, in: in, source: "helper"}
	if w.mu.modified, err = helperTime(in, "Modified_Time"); err != nil {
		return nil, Change{}, fmt.Errorf("zohotest: Update %s %s: %w", m.def.APIName, id, err)
	}
	_, r, ch, rerr := c.writeOneLocked(m, w, nil)
	if rerr != nil {
		return nil, Change{}, &RecordError{Module: m.def.APIName, Code: rerr.Code, Message: rerr.Message, Details: rerr.Details}
	}
	return c.render(m, r, nil), *ch, nil
}

// Delete deletes a record directly; it moves to the recycle bin and shows
// in GET /{module}/deleted.
func (c *CRM) Delete(module, id string) error {
	c.mu.Lock()
	m, err := c.helperModule("Delete", module)
	if err == nil && m.byID[id] == nil {
		err = fmt.Errorf("zohotest: Delete %s: no record %s", m.def.APIName, id)
	}
	var ch Change
	if err == nil {
		_, ch = c.applyLocked(m, mutation{op: "delete", id: id, source: "helper"})
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	c.publish([]Change{ch})
	return nil
}

// List returns every record of a module in id order (oldest first), with
// all fields; nil for an unknown module.
func (c *CRM) List(module string) []Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.module(module)
	if m == nil {
		return nil
	}
	out := make([]Record, len(m.records))
	for i, r := range m.records {
		out[i] = c.render(m, r, nil)
	}
	return out
}

// Count returns the number of records of a module, or -1 when there is no
// such module (so that a misspelt module fails an equality assertion).
func (c *CRM) Count(module string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.module(module)
	if m == nil {
		return -1
	}
	return len(m.records)
}

// Counts returns the number of records of every module, by API name.
func (c *CRM) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.order))
	for _, m := range c.order {
		out[m.def.APIName] = len(m.records)
	}
	return out
}

// Deleted returns a module's deleted records, oldest deletion first.
func (c *CRM) Deleted(module string) []DeletedRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.module(module)
	if m == nil {
		return nil
	}
	out := make([]DeletedRecord, len(m.deleted))
	for i, d := range m.deleted {
		out[i] = DeletedRecord{ID: d.id, DisplayName: d.display, Type: d.typ(), DeletedBy: d.deletedBy, CreatedBy: d.createdBy, DeletedTime: d.deleted}
	}
	return out
}

func (d *deletedEntry) typ() string {
	if d.permanent {
		return "permanent"
	}
	return "recycle"
}

// EmptyRecycleBin makes a module's recycled records permanently deleted
// (type "permanent" in the deleted-records list).
func (c *CRM) EmptyRecycleBin(module string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.module(module)
	if m == nil {
		return errors.New("zohotest: EmptyRecycleBin: no module " + module)
	}
	for _, d := range m.deleted {
		d.permanent = true
	}
	return nil
}
