package synctest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/zohokit/zohokit/transform"
)

// TB is what the assertions need of a test: *testing.T, *testing.B, and
// property-testing frameworks' T (pgregory.net/rapid) have it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

var _ TB = testing.TB(nil)

// AssertRecords checks that the live records of dataType in a have exactly
// the fields in want, whatever their IDs and order (values compare as
// canonical values: 2, 2.0 and "2" as a json.Number are equal). It reports
// what is missing and what is unexpected through t.Errorf and returns
// whether the records matched.
func AssertRecords(t TB, a *Adapter, dataType string, want []map[string]any) bool {
	t.Helper()
	var got []map[string]any
	for _, r := range a.Records(dataType) {
		got = append(got, r.Fields)
	}
	missing, extra, err := multisetDiff(want, got)
	if err != nil {
		t.Errorf("synctest: AssertRecords %s: %v", dataType, err)
		return false
	}
	if len(missing) == 0 && len(extra) == 0 {
		return true
	}
	t.Errorf("synctest: %s records differ (%d wanted, %d held)%s%s", dataType, len(want), len(got),
		describe("missing", missing), describe("unexpected", extra))
	return false
}

// RequireConverged stops the test (t.Fatalf) unless the two systems agree
// under the mapping m (left to right): every live left record, mapped,
// equals exactly one live right record, and the other way round (so that a
// duplicate on either side is caught). Right records are compared on the
// fields m writes; when m is invertible they are first put through the
// round trip m(inverse(right)), so that values the mapping normalises (" b "
// and "b" under a trim) count as equal, as they do for the sync engine.
func RequireConverged(t TB, left *Adapter, leftType string, right *Adapter, rightType string, m *transform.Mapping) {
	t.Helper()
	ctx := context.Background()
	var mapped []map[string]any
	for _, r := range left.Records(leftType) {
		out, err := m.Apply(ctx, r.Fields)
		if err != nil {
			t.Fatalf("synctest: RequireConverged: map left record %s: %v", r.ID, err)
			return
		}
		mapped = append(mapped, out)
	}
	inv, _ := m.Invert() // nil when not invertible: compare raw fields
	var paths []transform.Path
	for _, s := range m.TargetPaths() {
		p, err := transform.ParsePath(s)
		if err != nil {
			t.Fatalf("synctest: RequireConverged: %v", err)
			return
		}
		paths = append(paths, p)
	}
	var projected []map[string]any
	for _, r := range right.Records(rightType) {
		fields := r.Fields
		if inv != nil {
			back, err := inv.Apply(ctx, fields)
			if err == nil {
				fields, err = m.Apply(ctx, back)
			}
			if err != nil {
				t.Fatalf("synctest: RequireConverged: map right record %s through the round trip: %v", r.ID, err)
				return
			}
		}
		out := map[string]any{}
		for _, p := range paths {
			if v, ok := p.Get(fields); ok {
				if err := p.Set(out, v); err != nil {
					t.Fatalf("synctest: RequireConverged: %v", err)
					return
				}
			}
		}
		projected = append(projected, out)
	}
	missing, extra, err := multisetDiff(mapped, projected)
	if err != nil {
		t.Fatalf("synctest: RequireConverged: %v", err)
		return
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("synctest: %s (%d records) and %s (%d records) have not converged%s%s", leftType, len(mapped), rightType, len(projected),
			describe("left records with no right counterpart (mapped)", missing), describe("right records with no left counterpart", extra))
	}
}

// multisetDiff returns the records of want not in got and of got not in
// want, counting duplicates.
func multisetDiff(want, got []map[string]any) (missing, extra []map[string]any, err error) {
	count := map[string]int{}
	byHash := map[string]map[string]any{}
	for _, w := range want {
		h, err := transform.Hash(w)
		if err != nil {
			return nil, nil, err
		}
		count[h]++
		byHash[h] = w
	}
	for _, g := range got {
		h, err := transform.Hash(g)
		if err != nil {
			return nil, nil, err
		}
		if count[h] > 0 {
			count[h]--
			continue
		}
		extra = append(extra, g)
	}
	for _, h := range sortedKeys(count) {
		for range count[h] {
			missing = append(missing, byHash[h])
		}
	}
	return missing, extra, nil
}

func describe(what string, recs []map[string]any) string {
	if len(recs) == 0 {
		return ""
	}
	lines := make([]string, len(recs))
	for i, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			lines[i] = fmt.Sprint(r)
		} else {
			lines[i] = string(b)
		}
	}
	sort.Strings(lines)
	return fmt.Sprintf("\n%s:\n  %s", what, strings.Join(lines, "\n  "))
}
