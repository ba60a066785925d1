package transform

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	good := map[string][]segment{
		"Account_Name":           {{key: "Account_Name", index: -1}},
		"Billing_Address.Street": {{key: "Billing_Address", index: -1}, {key: "Street", index: -1}},
		"line_items[0].sku":      {{key: "line_items", index: -1}, {index: 0}, {key: "sku", index: -1}},
		"m[1][2]":                {{key: "m", index: -1}, {index: 1}, {index: 2}},
		"First Name":             {{key: "First Name", index: -1}},
	}
	for s, want := range good {
		p, err := ParsePath(s)
		require.NoError(t, err, s)
		require.Equal(t, want, p.segs, s)
		require.Equal(t, s, p.String())
	}
	bad := map[string]string{
		"":          "empty path",
		" a":        "leading or trailing spaces",
		"a.":        "empty key",
		".a":        "empty key",
		"a..b":      "empty key",
		"[0]":       "empty key",
		"a[x]":      "not a non-negative integer",
		"a[-1]":     "not a non-negative integer",
		"a[+1]":     "not a non-negative integer",
		"a[]":       "not a non-negative integer",
		"a[1":       "missing ']'",
		"a[1]b":     "after an index",
		"a]":        "unexpected ']'",
		"a[100000]": "larger than 9999",
	}
	for s, want := range bad {
		_, err := ParsePath(s)
		require.ErrorContains(t, err, want, "%q", s)
	}
}

func TestPathGetSet(t *testing.T) {
	t.Parallel()
	rec := map[string]any{
		"Owner":  map[string]any{"id": "1", "name": nil},
		"lines":  []any{map[string]any{"sku": "A"}, map[string]any{"sku": "B"}},
		"plain":  "x",
		"typed":  map[string]string{"k": "v"},
		"tagged": []string{"a", "b"},
	}
	get := func(s string) (any, bool) {
		p, err := ParsePath(s)
		require.NoError(t, err)
		return p.Get(rec)
	}
	v, ok := get("Owner.id")
	require.True(t, ok)
	require.Equal(t, "1", v)
	v, ok = get("Owner.name")
	require.True(t, ok, "a null is present")
	require.Nil(t, v)
	_, ok = get("Owner.email")
	require.False(t, ok)
	v, _ = get("lines[1].sku")
	require.Equal(t, "B", v)
	_, ok = get("lines[2].sku")
	require.False(t, ok)
	_, ok = get("plain.x")
	require.False(t, ok, "a step through a scalar is missing")
	v, _ = get("typed.k")
	require.Equal(t, "v", v)
	v, _ = get("tagged[1]")
	require.Equal(t, "b", v)

	out := map[string]any{}
	for s, v := range map[string]any{"address.street": "1 Main", "address.city": "Pune", "items[2].sku": "C", "items[0].sku": "A"} {
		p, err := ParsePath(s)
		require.NoError(t, err)
		require.NoError(t, p.Set(out, v))
	}
	require.Equal(t, map[string]any{
		"address": map[string]any{"street": "1 Main", "city": "Pune"},
		"items":   []any{map[string]any{"sku": "A"}, nil, map[string]any{"sku": "C"}},
	}, out)

	p, _ := ParsePath("address.street.no")
	require.ErrorContains(t, p.Set(out, 1), "not an object")
	p, _ = ParsePath("address[0]")
	require.ErrorContains(t, p.Set(out, 1), "needs an array")
}

func TestClash(t *testing.T) {
	t.Parallel()
	mk := func(s string) Path {
		p, err := ParsePath(s)
		require.NoError(t, err)
		return p
	}
	require.Contains(t, clash(mk("a.b"), mk("a.b")), "both write")
	require.Contains(t, clash(mk("a"), mk("a.b")), "overlap")
	require.Contains(t, clash(mk("a[0]"), mk("a[0].x")), "overlap")
	require.Contains(t, clash(mk("a.b"), mk("a[0]")), "object and an array")
	require.Empty(t, clash(mk("a.b"), mk("a.c")))
	require.Empty(t, clash(mk("a[0]"), mk("a[1]")))
	require.Empty(t, clash(mk("ab"), mk("a")))
}
