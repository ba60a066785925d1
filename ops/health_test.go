package ops

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	var pingErr error
	pinged := 0
	b := setup(t, func(o *Options) {
		o.Ping = func(ctx context.Context) error {
			pinged++
			_, hasDeadline := ctx.Deadline()
			require.True(t, hasDeadline, "the ping is bounded")
			return pingErr
		}
	})
	ready := func() (int, string) {
		w := serve(b.dash, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return w.Code, w.Body.String()
	}

	code, body := ready()
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, "ready\n", body)
	require.Equal(t, 1, pinged)

	pingErr = errors.New("dial tcp 10.0.0.5:5432: connection refused")
	code, body = ready()
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, body, "database: ping failed")
	require.NotContains(t, body, "10.0.0.5", "an unauthenticated answer carries no error text")
	require.Contains(t, b.logs.String(), "connection refused", "the log has it")

	pingErr = nil
	b.run("invoices-push", t0.Add(-2*time.Hour), store.RunFailed, store.Counts{}, "Books 500")
	b.run("invoices-push", t0.Add(-time.Hour), store.RunFailed, store.Counts{}, "Books 500")
	code, body = ready()
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, body, "pipeline invoices-push: failing")
	require.NotContains(t, body, "contacts-crm-erp")

	// The process is alive all along.
	w := serve(b.dash, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, "ok\n", w.Body.String())
}

func TestReadyIgnoresPipelines(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.ReadyIgnoresPipelines = true })
	b.run("invoices-push", t0.Add(-2*time.Hour), store.RunFailed, store.Counts{}, "Books 500")
	b.run("invoices-push", t0.Add(-time.Hour), store.RunFailed, store.Counts{}, "Books 500")
	w := serve(b.dash, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}
