package zoho

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

func TestObserverSeesEveryAttempt(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.mux.Handle("GET /books/v3/items", &script{steps: []http.HandlerFunc{
		status(http.StatusServiceUnavailable, `{"code":"INTERNAL_ERROR","message":"down"}`),
		status(http.StatusOK, `{"code":0,"message":"success"}`),
	}})
	var mu sync.Mutex
	var calls []Call
	cfg := fz.config()
	cfg.Clock = fakeclock.NewAuto(time.Now())
	cfg.Observer = ObserverFunc(func(c Call) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, c)
	})
	c := fz.client(cfg)
	_, err := doGet(t, c, t.Context(), Books, "/items?organization_id=1", nil)
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, calls, 2)
	require.Equal(t, Books, calls[0].Product)
	require.Equal(t, http.MethodGet, calls[0].Method)
	require.Equal(t, "/books/v3/items", calls[0].Path, "no query in the path")
	require.Equal(t, http.StatusServiceUnavailable, calls[0].Status)
	require.Error(t, calls[0].Err)
	require.Equal(t, 1, calls[0].Attempt)
	require.Equal(t, http.StatusOK, calls[1].Status)
	require.NoError(t, calls[1].Err)
	require.Equal(t, 2, calls[1].Attempt)
}
