package service

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// pipeListener is a net.Listener whose connections are in-memory pipes,
// so that a server runs inside a synctest bubble on its fake clock.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// dial returns the client end of a new connection.
func (l *pipeListener) dial() net.Conn {
	client, server := net.Pipe()
	l.conns <- server
	return client
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error { l.once.Do(func() { close(l.done) }); return nil }

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080} }

// The service's HTTP servers drop clients that hold a connection without
// finishing a request (slowloris: headers or body sent a byte at a time,
// or not at all) or that keep an idle connection open, so that such
// clients cannot exhaust connections and goroutines.
func TestHTTPServerDropsSlowAndIdleClients(t *testing.T) {
	t.Parallel()
	// Like the webhook receivers: read the whole body, then answer.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	tests := []struct {
		name  string
		send  func(t *testing.T, c net.Conn)
		limit time.Duration
	}{
		{"headers never finished", func(t *testing.T, c net.Conn) {
			_, err := io.WriteString(c, "POST /webhooks/a HTTP/1.1\r\nHost: x\r\n")
			require.NoError(t, err)
		}, readHeaderTimeout},
		{"body never finished", func(t *testing.T, c net.Conn) {
			_, err := io.WriteString(c, "POST /webhooks/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"id\":")
			require.NoError(t, err)
		}, readTimeout},
		{"idle after a request", func(t *testing.T, c net.Conn) {
			_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			require.NoError(t, err)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
		}, idleTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ln := newPipeListener()
				srv := newHTTPServer(handler)
				served := make(chan error, 1)
				go func() { served <- srv.Serve(ln) }()

				c := ln.dial()
				start := time.Now()
				tt.send(t, c)
				// The server closes the connection (perhaps after a 408
				// or 400): reading ends.
				_, err := io.Copy(io.Discard, c)
				if err != nil && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "closed") {
					require.NoError(t, err)
				}
				require.LessOrEqual(t, time.Since(start), tt.limit+time.Second, "the server held the connection too long")
				require.NoError(t, c.Close())

				require.NoError(t, srv.Close())
				require.ErrorIs(t, <-served, http.ErrServerClosed)
			})
		})
	}
}
