package conflict_test

import (
	"context"
	"testing"
	"time"

	"github.com/zohokit/zohokit/conflict"
)

// BenchmarkChain measures a typical chain (latest timestamp within skew,
// then the authority table) deciding one field conflict.
func BenchmarkChain(b *testing.B) {
	latest, _ := conflict.NewLatest(&conflict.LatestOptions{Skew: 2 * time.Second})
	auth, _ := conflict.NewAuthority(table(b))
	chain, err := conflict.NewChain(latest, auth)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	c := conflict.Conflict{DataType: "customers", Field: "delivery_city", LeftSystem: "CRM", RightSystem: "ERP",
		Left: "Paris", Right: "Lyon", LeftModified: t0, RightModified: t0.Add(time.Second)}
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := chain.Resolve(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "conflicts/s")
}
