package sync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// BenchmarkBidirectional syncs n contacts both ways between two in-memory
// systems (synctest adapters) with the SQLite store (store/sqlstore, a file
// in a temporary directory, default batch size). Half the contacts start in
// the CRM and half in the ERP.
//
// Reported:
//
//   - initial-records/s: the first run, which creates every record on the
//     other side and links it;
//   - records/s: records (pairs) per second of an incremental run after
//     every contact was edited on both sides (different fields): it reads
//     2n changes, pairs each with its counterpart through the link table,
//     merges, writes both sides and drops its own writes as echoes;
//   - engine-heap-MiB: the most heap the engine held on top of the two
//     systems' data during that incremental run, measured exactly: every
//     n/10 records the run is paused in an Observer callback, a full GC
//     runs and the live heap is read (that time is not counted in
//     records/s). The systems hold n records each before and after, so this
//     is what the engine itself keeps; it does not grow with n because the
//     engine streams batches and holds one at a time.
//
// Run it with: go test ./sync -run '^$' -bench Bidirectional -benchtime 1x
func BenchmarkBidirectional(b *testing.B) {
	for _, n := range []int{10_000, 50_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) { benchBidi(b, n) })
	}
}

// benchSystems is a populated, synced pair of systems.
type benchSystems struct {
	clock       *synctest.Clock
	left, right *synctest.Adapter
	p           *sync.Pipeline
	st          *sqlstore.Store
	probe       func()
}

func newBenchSystems(b *testing.B, n, i int) *benchSystems {
	ctx := context.Background()
	s := &benchSystems{clock: synctest.NewClock(t0)}
	s.left = synctest.NewAdapter(&synctest.Options{Now: s.clock.Now, IDPrefix: "L-", NoWriteLog: true})
	s.right = synctest.NewAdapter(&synctest.Options{Now: s.clock.Now, IDPrefix: "R-", NoWriteLog: true})
	for j := range n / 2 {
		s.left.Put(dt, "", contact(fmt.Sprint("Left ", j), fmt.Sprintf("l%d@example.com", j), "Paris"))
		s.right.Put(dt, "", customer(fmt.Sprint("Right ", j), fmt.Sprintf("r%d@example.com", j), "Rome"))
	}
	var err error
	s.st, err = sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), fmt.Sprint("state-", i, ".db")), nil)
	require.NoError(b, err)
	b.Cleanup(func() { _ = s.st.Close() })
	s.p, err = sync.New(sync.Config{
		Name: "bench", DataType: dt, Strategy: sync.Bidirectional,
		Left: s.left.Side("CRM"), Right: s.right.Side("ERP"),
		Mapping: contactMapping(b), Resolver: mustLatest(b), Store: s.st, Clock: s.clock,
		Observer: sync.ObserverFuncs{OnRecord: func(sync.RecordEvent) {
			if s.probe != nil {
				s.probe()
			}
		}},
	})
	require.NoError(b, err)
	return s
}

// editAll changes every record on both sides, different fields per side.
func (s *benchSystems) editAll(b *testing.B, round int) {
	s.clock.Advance(time.Second)
	for _, r := range s.left.Records(dt) {
		_, err := s.left.Update(dt, r.ID, map[string]any{"City": fmt.Sprint("City ", round)})
		require.NoError(b, err)
	}
	for _, r := range s.right.Records(dt) {
		_, err := s.right.Update(dt, r.ID, map[string]any{"phone": fmt.Sprint("+1 ", round)})
		require.NoError(b, err)
	}
	s.clock.Advance(time.Second)
}

func (s *benchSystems) run(b *testing.B) (sync.Report, time.Duration) {
	start := time.Now()
	rep, err := s.p.Run(context.Background())
	d := time.Since(start)
	require.NoError(b, err)
	require.Zero(b, rep.Counts.Failed)
	return rep, d
}

func benchBidi(b *testing.B, n int) {
	var initial, incremental time.Duration
	var engine uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := newBenchSystems(b, n, i)
		b.StartTimer()
		rep, d := s.run(b)
		b.StopTimer()
		initial += d
		require.Equal(b, n, rep.Counts.Created)

		// The incremental run, with the exact live heap read every n/10
		// records; the time spent in those reads is not counted.
		s.editAll(b, 1)
		runtime.GC()
		before := liveHeap()
		events, most := 0, before
		var probing time.Duration
		s.probe = func() {
			if events++; events%(n/10) == 0 {
				start := time.Now()
				runtime.GC()
				most = max(most, liveHeap())
				probing += time.Since(start)
			}
		}
		b.StartTimer()
		rep, d = s.run(b)
		b.StopTimer()
		incremental += d - probing
		require.Equal(b, 2*n, rep.Counts.Updated, "each pair gets the other side's edit")
		s.probe = nil
		runtime.GC()
		after := liveHeap()
		runtime.KeepAlive(s)
		engine = max(engine, most-min(most, max(before, after)))
	}
	b.ReportMetric(float64(n*b.N)/initial.Seconds(), "initial-records/s")
	b.ReportMetric(float64(n*b.N)/incremental.Seconds(), "records/s")
	b.ReportMetric(float64(engine)/(1<<20), "engine-heap-MiB")
}

// liveHeap is the live heap as of the last GC.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
