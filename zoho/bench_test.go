package zoho

import (
	"net/http"
	"testing"
	"time"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

// BenchmarkDo measures the client's own cost per call (token check, rate
// limiter, request building, JSON decoding) against a local server.
func BenchmarkDo(b *testing.B) {
	fz := newFakeZoho(b)
	fz.mux.HandleFunc("GET /crm/v8/Contacts", okHandler)
	cfg := fz.config()
	cfg.Logger = nil
	c := fz.client(cfg)
	req, err := c.NewRequest(http.MethodGet, CRM, "/Contacts", nil)
	if err != nil {
		b.Fatal(err)
	}
	var out map[string]any
	start := time.Now()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Do(b.Context(), req, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
}

// BenchmarkLimiterWindow measures taking a start slot in a 100-per-minute
// window that always has room (the clock jumps a minute per 100 calls).
func BenchmarkLimiterWindow(b *testing.B) {
	fc := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ls := newLimiters(RateLimits{}, fc)
	n := 0
	for b.Loop() {
		release, err := ls.acquire(b.Context(), Books, "org")
		if err != nil {
			b.Fatal(err)
		}
		release()
		if n++; n%100 == 0 {
			fc.Advance(time.Minute)
		}
	}
}
