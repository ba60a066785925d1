package crmadapter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/adapters/internal/order"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
)

// Write performs ops on the module of dataType: creates as upserts on the
// module's KeyField or MatchFields, updates by id, deletes by ids, each kind
// in calls of 100. It returns one Result per op, in order. The error is
// non-nil when the data type is unknown, or when every op failed because
// its call failed (nothing was written).
func (a *Adapter) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	m, err := a.module(dataType)
	if err != nil {
		return nil, err
	}
	results := make([]sync.Result, len(ops))
	var creates, updates []crm.Record
	var createIdx, updateIdx, deleteIdx []int
	var deletes []string
	for i, op := range ops {
		switch op.Kind {
		case sync.OpCreate:
			rec, err := m.createRecord(op)
			if err != nil {
				results[i].Err = fmt.Errorf("crmadapter: create in %s: %w", m.cfg.Module, err)
				continue
			}
			creates, createIdx = append(creates, rec), append(createIdx, i)
		case sync.OpUpdate:
			if !order.IsID(op.ID) {
				results[i].Err = fmt.Errorf("crmadapter: update %s: id %q is not a CRM record id: %w", m.cfg.Module, op.ID, zoho.ErrNotFound)
				continue
			}
			rec := crmRecord(op.Fields)
			rec["id"] = op.ID
			updates, updateIdx = append(updates, rec), append(updateIdx, i)
		case sync.OpDelete:
			if !order.IsID(op.ID) {
				results[i].ID = op.ID // no record can have this id: deleted already
				continue
			}
			deletes, deleteIdx = append(deletes, op.ID), append(deleteIdx, i)
		default:
			results[i].Err = fmt.Errorf("crmadapter: unknown op kind %q", op.Kind)
		}
	}

	var callErrs []error
	collect := func(idx []int, res []crm.Result, err error, isDelete bool) {
		var we *crm.WriteError
		if err != nil && !errors.As(err, &we) {
			// The write was refused before any call (bad arguments).
			for _, i := range idx {
				results[i].Err = err
			}
			return
		}
		for k, i := range idx {
			results[i] = toResult(res[k], isDelete, ops[i].ID)
		}
		if we != nil {
			for _, f := range we.Failed {
				callErrs = append(callErrs, f.Err)
			}
		}
	}
	if len(creates) > 0 {
		res, err := a.c.Records.Upsert(ctx, m.cfg.Module, creates, &m.opts)
		collect(createIdx, res, err, false)
	}
	if len(updates) > 0 {
		opts := m.opts
		opts.DuplicateCheckFields = nil
		res, err := a.c.Records.Update(ctx, m.cfg.Module, updates, &opts)
		collect(updateIdx, res, err, false)
	}
	if len(deletes) > 0 {
		res, err := a.c.Records.Delete(ctx, m.cfg.Module, deletes, &m.delOpts)
		collect(deleteIdx, res, err, true)
	}
	if len(callErrs) > 0 && allCallFailures(results, callErrs) {
		return nil, fmt.Errorf("crmadapter: write %q (%s): %w", dataType, m.cfg.Module, errors.Join(callErrs...))
	}
	return results, nil
}

// allCallFailures reports whether every op failed with the failure of a
// whole call (not a refusal of its own record).
func allCallFailures(results []sync.Result, callErrs []error) bool {
	for _, r := range results {
		var re *crm.RecordError
		if r.Err == nil || errors.As(r.Err, &re) {
			return false
		}
		wasCall := false
		for _, ce := range callErrs {
			if errors.Is(r.Err, ce) {
				wasCall = true
			}
		}
		if !wasCall {
			return false
		}
	}
	return true
}

// toResult converts a CRM write result. A delete Zoho answers "invalid id"
// or "not found" for is a success: the record is gone already.
func toResult(r crm.Result, isDelete bool, id string) sync.Result {
	if r.Err != nil {
		var re *crm.RecordError
		if isDelete && errors.As(r.Err, &re) && (re.Code == "INVALID_DATA" || errors.Is(re, zoho.ErrNotFound)) {
			return sync.Result{ID: id}
		}
		return sync.Result{Err: r.Err}
	}
	out := sync.Result{ID: r.ID, Modified: r.ModifiedTime.UTC()}
	if r.ModifiedTime.IsZero() {
		out.Modified = time.Time{}
	}
	if out.ID == "" {
		out.ID = id
	}
	return out
}

// createRecord is the upsert record of a create, with its idempotency key.
func (m *module) createRecord(op sync.Op) (crm.Record, error) {
	rec := crmRecord(op.Fields)
	switch {
	case m.cfg.KeyField != "":
		if op.Key == "" {
			return nil, fmt.Errorf("%w: the create has no Op.Key for %s", ErrNotIdempotent, m.cfg.KeyField)
		}
		if v, ok := rec[m.cfg.KeyField]; ok && v != op.Key {
			return nil, fmt.Errorf("%w: the create sets %s, which holds Op.Key", ErrNotIdempotent, m.cfg.KeyField)
		}
		rec[m.cfg.KeyField] = op.Key
	case len(m.cfg.MatchFields) > 0:
		for _, f := range m.cfg.MatchFields {
			if v, ok := rec[f]; ok && v != nil && v != "" {
				return rec, nil
			}
		}
		return nil, fmt.Errorf("%w: the create sets none of MatchFields %v", ErrNotIdempotent, m.cfg.MatchFields)
	default:
		return nil, fmt.Errorf("%w: set Module.KeyField or Module.MatchFields for data type %q", ErrNotIdempotent, m.dataType)
	}
	return rec, nil
}

// crmRecord copies fields into a CRM record, writing time.Time values in
// Zoho's form.
func crmRecord(fields map[string]any) crm.Record {
	rec := make(crm.Record, len(fields)+1)
	for k, v := range fields {
		if t, ok := v.(time.Time); ok {
			v = crm.NewTime(t.UTC())
		}
		rec[k] = v
	}
	return rec
}
