package codec

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
)

func TestEncodeRefusesNamingThePath(t *testing.T) {
	t.Parallel()
	_, err := EncodeReview(conflict.Review{Key: "k", Conflict: conflict.Conflict{
		Left: map[string]any{"lines": []any{"a", struct{}{}}},
	}})
	require.ErrorContains(t, err, `the conflict's Left value: ["lines"]: [1]: unsupported value of type struct {}`)
}

func TestEncodeRefusesDeepNesting(t *testing.T) {
	t.Parallel()
	var v any = "leaf"
	for range maxDepth + 1 {
		v = []any{v}
	}
	_, err := EncodeValue(v)
	require.ErrorContains(t, err, "nested deeper")
	m := map[string]any{}
	m["self"] = m
	_, err = EncodeValue(m)
	require.ErrorContains(t, err, "nested deeper")
}

func TestDecodeRefusesMalformed(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{``, `{}`, `{"i":"1","k":"int128"}`, `{"i":"300","k":"uint8"}`, `{"f":"x","k":"float64"}`,
		`{"f":"1","k":"float16"}`, `{"t":"yesterday"}`, `[1]`, `{"m":{"a":7}}`, `nope`} {
		_, err := DecodeValue(json.RawMessage(raw))
		require.Error(t, err, raw)
	}
	_, err := DecodeReview([]byte(`{"key":"k","base":null,"left":{"q":1},"right":null}`))
	require.Error(t, err)
	_, err = DecodeResolution([]byte(`{"action":"maybe","value":null}`))
	require.Error(t, err)
}
