package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/transform"
)

// This file holds the canonical form of records that the engine compares,
// hashes and stores as the base, and the field-level three-way merge.
//
// A record's canonical form is flat: each field the pipeline syncs (a path
// in the left system's names, such as "Billing.City") mapped to its
// canonical value (transform.Canonical). A field the record does not carry
// is absent, which is not the same as null. Left records are put through
// the mapping and back (inverse(mapping(left))) and right records through
// the inverse, so both sides are compared in the same schema and the same
// value forms, and a value one side normalises (trims, rounds to its scale)
// does not look like a change.

// fieldSet is the list of fields of a canonical record.
type fieldSet struct {
	names []string
	paths map[string]transform.Path
}

func newFieldSet(paths []string) (fieldSet, error) {
	fs := fieldSet{paths: make(map[string]transform.Path, len(paths))}
	for _, s := range paths {
		if _, dup := fs.paths[s]; dup {
			continue
		}
		p, err := transform.ParsePath(s)
		if err != nil {
			return fieldSet{}, err
		}
		fs.names = append(fs.names, s)
		fs.paths[s] = p
	}
	return fs, nil
}

// has reports whether name is one of the set's fields.
func (fs fieldSet) has(name string) bool {
	_, ok := fs.paths[name]
	return ok
}

// flat is a canonical record: field name (path) to canonical value.
type flat map[string]any

// flatten reads the set's fields from rec as canonical values.
func (fs fieldSet) flatten(rec map[string]any) (flat, error) {
	out := make(flat, len(fs.names))
	for _, name := range fs.names {
		v, ok := fs.paths[name].Get(rec)
		if !ok {
			continue
		}
		c, err := transform.Canonical(v)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
		out[name] = c
	}
	return out, nil
}

// nest builds a record (nested as the paths say) from the fields of f that
// keep accepts (all of them when keep is nil).
func (fs fieldSet) nest(f flat, keep func(name string) bool) (map[string]any, error) {
	out := make(map[string]any, len(f))
	for _, name := range fs.names {
		v, ok := f[name]
		if !ok || (keep != nil && !keep(name)) {
			continue
		}
		if err := fs.paths[name].Set(out, v); err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
	}
	return out, nil
}

// diff returns the fields of next (nested) whose values differ from those
// of cur, presence included.
func (fs fieldSet) diff(next, cur map[string]any) (map[string]any, error) {
	out := make(map[string]any)
	for _, name := range fs.names {
		p := fs.paths[name]
		nv, nok := p.Get(next)
		cv, cok := p.Get(cur)
		if !nok || same(nv, nok, cv, cok) {
			continue
		}
		if err := p.Set(out, nv); err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
	}
	return out, nil
}

// same compares two possibly absent canonical values.
func same(a any, aok bool, b any, bok bool) bool {
	return aok == bok && (!aok || transform.Equal(a, b))
}

// hashFlat is the content hash stored in links (transform.Hash).
func hashFlat(f flat) (string, error) { return transform.Hash(map[string]any(f)) }

// copyFlat returns a shallow copy of f (values are never modified in place).
func copyFlat(f flat) flat {
	out := make(flat, len(f)+1)
	maps.Copy(out, f)
	return out
}

// timeTag marks a time.Time in a stored base, since JSON has no time type.
const timeTag = "$zohokit.time"

// encodeBase encodes a canonical record as the JSON stored in Link.Base.
func encodeBase(f flat) ([]byte, error) {
	b, err := json.Marshal(tagTimes(map[string]any(f)))
	if err != nil {
		return nil, fmt.Errorf("encode base: %w", err)
	}
	return b, nil
}

// decodeBase decodes a Link.Base; nil or empty is an empty base.
func decodeBase(b []byte) (flat, error) {
	if len(b) == 0 {
		return flat{}, nil
	}
	var m map[string]any
	if err := decodeJSON(b, &m); err != nil {
		return nil, fmt.Errorf("decode base: %w", err)
	}
	return flat(untagTimes(m).(map[string]any)), nil
}

func tagTimes(v any) any {
	switch x := v.(type) {
	case time.Time:
		return map[string]any{timeTag: x.UTC().Format(time.RFC3339Nano)}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = tagTimes(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = tagTimes(e)
		}
		return out
	}
	return v
}

func untagTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x[timeTag].(string); ok && len(x) == 1 {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t
			}
		}
		for k, e := range x {
			x[k] = untagTimes(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = untagTimes(e)
		}
		return x
	}
	return v
}

// mergeInput is one linked pair to merge, in canonical form.
type mergeInput struct {
	base, left, right   flat
	leftID, rightID     string
	leftMod, rightMod   time.Time
	resolutions         map[string]conflict.Decision // a person's decisions, by field
	resolutionReviewIDs map[string]string
}

// mergeResult says what to write where.
type mergeResult struct {
	merged     flat            // each field's value after the merge (held fields excluded)
	newBase    flat            // the base to store: merged, with held fields at their old base
	leftWrite  map[string]bool // fields to write to the left record
	rightWrite map[string]bool // fields to write to the right record
	conflicts  []ConflictReport
}

// merge is the field-level three-way merge against the base. For each
// field: unchanged on both sides stays; changed on one side flows to the
// other; changed on both to the same value is no conflict; changed on both
// to different values goes to the resolver (or a person's resolution). A
// field a record does not carry counts as unchanged on that side.
func (r *run) merge(ctx context.Context, in mergeInput) (mergeResult, error) {
	p := r.p
	res := mergeResult{merged: flat{}, newBase: flat{}, leftWrite: map[string]bool{}, rightWrite: map[string]bool{}}
	for _, f := range p.fields.names {
		b, bok := in.base[f]
		l, lok := in.left[f]
		if !lok {
			l, lok = b, bok
		}
		rv, rok := in.right[f]
		if !rok {
			rv, rok = b, bok
		}
		lch, rch := !same(l, lok, b, bok), !same(rv, rok, b, bok)

		var m any
		mok := false
		c := conflict.Conflict{
			Pipeline: p.cfg.Name, DataType: p.cfg.DataType, Field: f,
			LeftID: in.leftID, RightID: in.rightID,
			LeftSystem: p.cfg.Left.System, RightSystem: p.cfg.Right.System,
			Base: b, Left: l, Right: rv, LeftModified: in.leftMod, RightModified: in.rightMod,
		}
		decided, byPerson := in.resolutions[f]
		switch {
		case byPerson:
			if v, ok := decided.Apply(c); ok {
				m, mok = v, true
			}
			rep := ConflictReport{Conflict: c, Decision: decided}
			rep.Decision.ReviewID = in.resolutionReviewIDs[f]
			res.conflicts = append(res.conflicts, rep)
		case !lch && !rch:
			m, mok = b, bok
		case lch && !rch:
			m, mok = l, lok
		case !lch && rch:
			m, mok = rv, rok
		case same(l, lok, rv, rok):
			m, mok = l, lok
		default:
			d, err := r.resolver.Resolve(ctx, c)
			if errors.Is(err, conflict.ErrUndecided) {
				d, err = conflict.Decision{Reason: "undecided: " + err.Error()}, nil
			}
			if err != nil {
				return mergeResult{}, fmt.Errorf("resolve %s: %w", f, err)
			}
			if v, ok := d.Apply(c); ok {
				m, mok = v, true
			} else if d.Action == conflict.Abstain {
				r.t.warn("no resolver decided some conflicts; their fields were held without a review (see the conflicts with action abstain): give the resolver a tie rule or end it with a ManualReview")
			}
			res.conflicts = append(res.conflicts, ConflictReport{Conflict: c, Decision: d})
		}
		if !mok {
			// Held (or absent everywhere): nothing is written and the base
			// keeps its value, so the field conflicts again until decided.
			if bok {
				res.newBase[f] = b
			}
			continue
		}
		cm, err := transform.Canonical(m)
		if err != nil {
			return mergeResult{}, fmt.Errorf("field %s: decided value: %w", f, err)
		}
		res.merged[f], res.newBase[f] = cm, cm
		if !same(cm, true, l, lok) {
			res.leftWrite[f] = true
		}
		if !same(cm, true, rv, rok) {
			res.rightWrite[f] = true
		}
	}
	return res, nil
}

// decodeJSON decodes with numbers as json.Number, as the canonical form
// wants.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
