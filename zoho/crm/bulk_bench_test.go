package crm_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// fakeEnv makes the test binary serve a fake Zoho seeded with that many
// contacts instead of running tests: BenchmarkBulkRead runs the fake in a
// child process, so that the heap it measures is the client's alone (the
// fake keeps every record in memory, some hundreds of bytes each).
const fakeEnv = "ZOHOKIT_BULK_BENCH_FAKE"

func TestMain(m *testing.M) {
	if n := os.Getenv(fakeEnv); n != "" {
		os.Exit(serveBenchFake(n))
	}
	os.Exit(m.Run())
}

// benchFakeConfig is what the child tells the parent.
type benchFakeConfig struct {
	URL, ClientID, ClientSecret, RefreshToken, OrgID string
}

// serveBenchFake seeds a fake with n contacts, prints its config as one
// JSON line, and serves until its standard input closes.
func serveBenchFake(count string) int {
	n, err := strconv.Atoi(count)
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "%s=%q is not a count\n", fakeEnv, count)
		return 2
	}
	srv, err := zohotest.Start(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Close()
	batch := make([]zohotest.Record, 0, 10_000)
	for i := range n {
		batch = append(batch, zohotest.Record{"Last_Name": "Contact-" + strconv.Itoa(i), "Email": "c" + strconv.Itoa(i) + "@example.com"})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := srv.CRM().PutMany("Contacts", batch); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			batch = batch[:0]
		}
	}
	cfg := benchFakeConfig{URL: srv.URL(), ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), RefreshToken: srv.RefreshToken(), OrgID: srv.OrgID()}
	if err := json.NewEncoder(os.Stdout).Encode(cfg); err != nil {
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it
	if v := srv.Violations(); len(v) > 0 {
		fmt.Fprintf(os.Stderr, "%d request(s) did not match Zoho's OpenAPI documents: %v\n", len(v), v)
		return 1
	}
	return 0
}

// startBenchFake runs the fake in a child process.
func startBenchFake(b *testing.B, n int) zoho.Config {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fakeEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Errorf("the fake's process: %v", err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		b.Fatalf("reading the fake's config: %v", err)
	}
	var fc benchFakeConfig
	if err := json.Unmarshal(line, &fc); err != nil {
		b.Fatal(err)
	}
	return zoho.Config{
		ClientID: fc.ClientID, ClientSecret: fc.ClientSecret, RefreshToken: fc.RefreshToken, OrgID: fc.OrgID,
		DataCenter: zoho.DataCenter{Location: zohotest.Location, Accounts: fc.URL, API: fc.URL, Content: fc.URL, Projects: fc.URL, People: fc.URL},
		HTTPClient: &http.Client{Timeout: 5 * time.Minute},
	}
}

// heapSampler tracks the peak of the heap's object bytes (live objects and
// garbage not yet swept) from a goroutine, through runtime/metrics, which
// does not stop the world.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func sampleHeap() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	return h.peak.Load()
}

// BenchmarkBulkRead reads 250,000 contacts through Bulk.Read: two jobs
// (200,000 and 50,000 records), each zipped CSV streamed to a temporary
// file and decoded row by row. It reports records/s and the peak heap of
// the process, which holds only the client (the fake runs in a child
// process).
//
//	go test -run '^$' -bench BulkRead -benchtime 1x ./zoho/crm/
func BenchmarkBulkRead(b *testing.B) {
	const n = 250_000
	cfg := startBenchFake(b, n)
	zc, err := zoho.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	c, err := crm.New(zc, nil)
	if err != nil {
		b.Fatal(err)
	}
	bs, err := crm.NewBulk(c, &crm.BulkOptions{PollInterval: 5 * time.Millisecond, MaxPollInterval: 50 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	h := sampleHeap()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		got := 0
		for rec, err := range bs.Read(context.Background(), crm.BulkRead{Module: "Contacts", Fields: []string{"Last_Name", "Email", "Modified_Time"}}) {
			if err != nil {
				b.Fatal(err)
			}
			if rec.String("Last_Name") == "" {
				b.Fatalf("record %d has no Last_Name", got)
			}
			got++
		}
		if got != n {
			b.Fatalf("read %d records, want %d", got, n)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	peak := h.Stop()
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if peak >= 64<<20 {
		b.Errorf("peak heap %.1f MiB is not under 64 MiB", float64(peak)/(1<<20))
	}
}
