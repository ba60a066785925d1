package sync_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

func TestSmoke(t *testing.T) {
	b := setup(t)
	for i := range 25 {
		b.left.Put(dt, "", contact("Ana "+string(rune('A'+i)), "a@x", "Paris"))
	}
	p := b.pipeline(t, b.config(sync.Pull))
	rep := run(t, p)
	t.Log(rep)
	require.Equal(t, 25, b.right.Len(dt))
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	rep = run(t, p)
	t.Log(rep)

	bb := setup(t)
	for i := range 5 {
		bb.left.Put(dt, "", contact("Ana "+string(rune('A'+i)), "a@x", "Paris"))
	}
	bb.right.Put(dt, "", customer("Bob", "b@x", "Rome"))
	cfg := bb.config(sync.Bidirectional)
	cfg.Resolver = mustLatest(t)
	q := bb.pipeline(t, cfg)
	rep = run(t, q)
	t.Log(rep)
	bb.resetCalls()
	rep = run(t, q)
	t.Log(rep)
	require.Zero(t, bb.writes())
	synctest.RequireConverged(t, bb.left, dt, bb.right, dt, bb.mapping)
}
