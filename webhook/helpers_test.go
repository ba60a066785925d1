package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

// t0 is the tests' fixed "now".
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return t0 }

// newQueue returns an empty in-memory queue on the tests' clock.
func newQueue(t *testing.T) *queue.Memory {
	t.Helper()
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: fixedNow})
	require.NoError(t, err)
	return q
}

// jobCount is how many jobs q holds that were not yet claimed.
func jobCount(t *testing.T, q queue.Queue) int {
	t.Helper()
	st, err := q.Stats(context.Background())
	require.NoError(t, err)
	return st.Total().Ready + st.Total().Scheduled
}

// claimAll claims every job of q, sorted by key.
func claimAll(t *testing.T, q queue.Queue) []queue.Job {
	t.Helper()
	jobs, err := q.Claim(context.Background(), 1000, queue.ClaimOptions{})
	require.NoError(t, err)
	slices.SortFunc(jobs, func(a, b queue.Job) int { return strings.Compare(a.Key, b.Key) })
	return jobs
}

// downQueue is a queue whose Enqueue fails, as when its database is down;
// it counts the calls.
type downQueue struct {
	queue.Queue
	mu    sync.Mutex
	calls int
}

func (d *downQueue) Enqueue(context.Context, ...queue.Job) ([]queue.EnqueueResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	return nil, errors.New("sqlqueue: dial tcp: connection refused")
}

// recordingQueue is a Memory that also counts the Enqueue calls, so tests
// can assert that a refused request did not reach the queue at all.
type recordingQueue struct {
	*queue.Memory
	mu    sync.Mutex
	calls int
}

func (r *recordingQueue) Enqueue(ctx context.Context, jobs ...queue.Job) ([]queue.EnqueueResult, error) {
	r.mu.Lock()
	r.calls++
	r.mu.Unlock()
	return r.Memory.Enqueue(ctx, jobs...)
}

func (r *recordingQueue) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// answer is a receiver's answer to one request.
type answer struct {
	status int
	body   string
	header http.Header
}

// post sends body to h as a POST with the given headers.
func post(h http.Handler, target string, body []byte, header map[string]string) answer {
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	return serve(h, req)
}

func serve(h http.Handler, req *http.Request) answer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: string(b), header: res.Header}
}

// logBuffer is a logger that keeps every line, to check what reaches logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// standardSign signs a Standard Webhooks message the way the scheme
// defines it, independently of the package under test: base64 of
// HMAC-SHA256 under the decoded secret of "id.timestamp.body".
func standardSign(t *testing.T, secret, id string, ts int64, body []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// bodyHMAC is HMAC-SHA256 of body under secret, computed independently of
// the package under test.
func bodyHMAC(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}
