package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zohokit/zohokit/internal/pgtest"
	"github.com/zohokit/zohokit/store"
)

// Run with, e.g.
//
//	go test -run '^$' -bench LinksCommit -benchtime 300x ./store/sqlstore/
//
// Each op is one batch of a sync run: Links for 100 IDs, then a Commit of
// 100 links and a cursor. Consecutive batches overlap by half, so each
// finds 50 links and commits 50 updates and 50 new links. The figures that
// matter are batches/s and records/s.

const benchBatch = 100

func BenchmarkLinksCommit(b *testing.B) {
	engines := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"memory", func(b *testing.B) store.Store { return store.NewMemory(nil) }},
		{"sqlite", func(b *testing.B) store.Store {
			return newSQLite(b, filepath.Join(b.TempDir(), "state.db"), nil)
		}},
		{"postgres", func(b *testing.B) store.Store { return newPostgres(b, newPool(b, pgtest.DSN(b)), nil) }},
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) { benchLinksCommit(b, e.open(b)) })
	}
}

func benchLinksCommit(b *testing.B, s store.Store) {
	ctx := b.Context()
	base := []byte(`{"name":"Zylker Traders","email":"ops@zylker.example","city":"Pune","street":"` + strings.Repeat("x", 100) + `"}`)
	hash := strings.Repeat("ab", 32)
	modified := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	ids := make([]string, benchBatch)
	links := make([]store.Link, benchBatch)
	found := 0
	b.ResetTimer()
	for i := range b.N {
		for j := range ids {
			ids[j] = fmt.Sprintf("crm-%09d", i*benchBatch/2+j)
		}
		got, err := s.Links(ctx, "contacts", store.Left, ids)
		if err != nil {
			b.Fatal(err)
		}
		found += len(got)
		for j, id := range ids {
			links[j] = store.Link{LeftID: id, RightID: "erp-" + id[4:], Base: base, LeftHash: hash, RightHash: hash,
				LeftModified: modified, RightModified: modified}
		}
		cp := store.Checkpoint{Pipeline: "contacts", Links: links, Cursors: map[store.Side]string{store.Left: ids[benchBatch-1]}}
		if err := s.Commit(ctx, cp); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if want := (b.N - 1) * benchBatch / 2; found != want {
		b.Fatalf("Links found %d links, want %d", found, want)
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/secs, "batches/s")
	b.ReportMetric(float64(b.N*benchBatch)/secs, "records/s")
}
