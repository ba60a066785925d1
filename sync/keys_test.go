package sync_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
)

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	k := sync.IdempotencyKey("deals", store.Left, "123")
	// Short, ASCII and without spaces: it must fit a Books reference_number
	// and a CRM single-line field.
	require.Regexp(t, regexp.MustCompile(`^zk2-[a-z2-7]{8}-[a-z2-7]{26}$`), k)
	require.LessOrEqual(t, len(k), 40)
	require.Equal(t, k, sync.IdempotencyKey("deals", store.Left, "123"), "the same in every attempt")
	require.NotEqual(t, k, sync.IdempotencyKey("deals", store.Right, "123"))
	require.NotEqual(t, k, sync.IdempotencyKey("deal", store.Left, "s123"))
	require.NotEqual(t, k, sync.IdempotencyKey("deals", store.Left, "124"))
	// The tag names the pipeline and the side, not the record.
	require.Equal(t, k[:13], sync.IdempotencyKey("deals", store.Left, "999")[:13])
	require.NotEqual(t, k[:13], sync.IdempotencyKey("deals", store.Right, "123")[:13])
}

func TestKeyFrom(t *testing.T) {
	t.Parallel()
	left := sync.IdempotencyKey("customers", store.Left, "L-1")
	right := sync.IdempotencyKey("customers", store.Right, "R-1")
	tampered := []byte(left)
	tampered[5] = map[bool]byte{true: 'b', false: 'a'}[tampered[5] == 'a']
	tests := []struct {
		name string
		key  string
		from store.Side
		ok   bool
	}{
		{"created from the left", left, store.Left, true},
		{"created from the right", right, store.Right, true},
		{"another pipeline's key", sync.IdempotencyKey("customers-2", store.Left, "L-1"), "", false},
		{"a key whose tag is changed", string(tampered), "", false},
		{"a key of the earlier form", "zk1-mypchomrbguamyf7yk6inveof", "", false},
		{"a key in upper case", "ZK2" + left[3:], "", false},
		{"a key cut short", left[:38], "", false},
		{"no key", "", "", false},
		{"a user's value", "ACME-0001", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from, ok := sync.KeyFrom("customers", tt.key)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.from, from)
		})
	}
}

func TestIsIdempotencyKey(t *testing.T) {
	t.Parallel()
	require.True(t, sync.IsIdempotencyKey(sync.IdempotencyKey("any", store.Right, "x")))
	for _, s := range []string{
		"", "zk2-", "zk1-mypchomrbguamyf7yk6inveof", "R0001",
		"zk2-abcdefgh-abcdefghijklmnopqrstuvwxy1", // 1 is not base32
		"zk2-abcdefgh_abcdefghijklmnopqrstuvwxyz",
		"zk2-abcdefgh-abcdefghijklmnopqrstuvwxyz ",
	} {
		require.False(t, sync.IsIdempotencyKey(s), s)
	}
}
