package sync_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// webhookSink delivers the system's "record created" webhook as a Push as
// soon as the sync creates a record there, before the run's checkpoint,
// naming the record or (carry) carrying it as the webhook's payload holds
// it, without its key.
type webhookSink struct {
	*synctest.Adapter
	side    store.Side
	p       **sync.Pipeline
	carry   bool
	reports *[]sync.Report
}

func (s webhookSink) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	res, err := s.Adapter.Write(ctx, dataType, ops)
	for i, op := range ops {
		if err == nil && op.Kind == sync.OpCreate && res[i].Err == nil {
			ev := sync.Event{Side: s.side, ID: res[i].ID}
			if s.carry {
				ev.Record = &sync.Record{ID: res[i].ID, Fields: op.Fields, Modified: res[i].Modified}
			}
			rep, err := (*s.p).Push(ctx, ev)
			if err != nil {
				return nil, err
			}
			if s.reports != nil {
				*s.reports = append(*s.reports, rep)
			}
		}
	}
	return res, err
}

// A push of the record a run has just created, before the run's checkpoint
// links it (a webhook racing the run), creates nothing: the record carries
// the key this pipeline created it with, so the push skips it, and the
// run links it. In both directions, whether the event names the record or
// carries it without its key.
func TestBidiPushRacingARunsCreateDoesNotDuplicate(t *testing.T) {
	t.Parallel()
	for _, webhookOn := range []store.Side{store.Left, store.Right} {
		for _, carry := range []bool{false, true} {
			t.Run(fmt.Sprintf("webhook of the %s system, carried %v", webhookOn, carry), func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				var src sync.Record
				if webhookOn == store.Left {
					src = b.right.Put(dt, "", customer("Ana", "ana@example.com", "Paris"))
				} else {
					src = b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
				}
				var p *sync.Pipeline
				var pushes []sync.Report
				cfg := b.config(sync.Bidirectional)
				cfg.Resolver = mustLatest(t)
				hook := webhookSink{side: webhookOn, p: &p, carry: carry, reports: &pushes}
				if webhookOn == store.Left {
					hook.Adapter = b.left
					cfg.Left.Sink = hook
				} else {
					hook.Adapter = b.right
					cfg.Right.Sink = hook
				}
				p = b.pipeline(t, cfg)

				rep := run(t, p)
				require.Equal(t, store.RunSucceeded, rep.Status, rep.String())
				require.Len(t, pushes, 1)
				require.Equal(t, 1, pushes[0].Skipped, pushes[0].String())
				require.Zero(t, pushes[0].Counts.Created)
				l, r := b.requireOnePair(t, p)
				require.Equal(t, src.ID, map[store.Side]string{store.Left: r, store.Right: l}[webhookOn])
				b.tick()
				b.requireQuiet(t, p)
			})
		}
	}
}

// Without keys read back, a push that pairs the record a run just created
// before the run's checkpoint leaves that record paired: the run's own pair
// fails alone, rather than every run failing on its checkpoint from then
// on.
func TestBidiPushRacingARunsCreateWithoutKeysDoesNotStopThePipeline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ana := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	var p *sync.Pipeline
	cfg := b.config(sync.Bidirectional)
	cfg.Resolver = mustLatest(t)
	cfg.Right.Sink = webhookSink{Adapter: b.right, side: store.Right, p: &p}
	cfg.Right.Source, cfg.Right.Reader = keyless{b.right}, keyless{b.right}
	p = b.pipeline(t, cfg)

	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Failed)
	require.Equal(t, ana.ID, rep.Failures[0].SourceID)
	require.ErrorIs(t, rep.Failures[0].Err, store.ErrConflictingLink)
	b.tick()
	rep = run(t, p)
	require.NotEqual(t, store.RunFailed, rep.Status)
}
