package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/webhook"
	"github.com/zohokit/zohokit/zoho/crm"
)

// Listeners are the service's bound listeners.
type Listeners struct {
	// Service serves the webhooks, /healthz and /readyz, and the dashboard
	// unless it has its own.
	Service net.Listener
	// Dashboard is the dashboard's own listener, nil when it shares
	// Service's.
	Dashboard net.Listener
}

// Listen binds the configured addresses. With fallback, an address whose
// port is taken is replaced by a free port on the same host (the demo).
func (s *Service) Listen(lookupEnv func(string) (string, bool), fallback bool) (*Listeners, error) {
	listen := func(addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil && fallback {
			host, _, _ := net.SplitHostPort(addr)
			ln, err = net.Listen("tcp", net.JoinHostPort(host, "0"))
		}
		return ln, err
	}
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	var ls Listeners
	var err error
	ls.Service, err = listen(serviceListen(s.loaded.Config.Service, lookupEnv))
	if err != nil {
		return nil, fmt.Errorf("service.listen: %w", err)
	}
	if d := s.loaded.Config.Dashboard.Listen; d != "" {
		ls.Dashboard, err = listen(d)
		if err != nil {
			_ = ls.Service.Close()
			return nil, fmt.Errorf("dashboard.listen: %w", err)
		}
	}
	return &ls, nil
}

// DashboardURL returns the dashboard's URL on the bound listeners.
func (s *Service) DashboardURL(ls *Listeners) string {
	ln := ls.Service
	if ls.Dashboard != nil {
		ln = ls.Dashboard
	}
	return "http://" + ln.Addr().String() + s.loaded.Config.Dashboard.BasePath + "/"
}

// WebhookURL returns the URL of a webhook receiver by name.
func (s *Service) WebhookURL(ls *Listeners, name string) string {
	return "http://" + ls.Service.Addr().String() + s.webhookPath(name)
}

func (s *Service) webhookPath(name string) string {
	for _, w := range s.loaded.Config.Webhooks.CRM {
		if w.Name == name && w.Path != "" {
			return w.Path
		}
	}
	for _, w := range s.loaded.Config.Webhooks.Signed {
		if w.Name == name && w.Path != "" {
			return w.Path
		}
	}
	return "/webhooks/" + name
}

// Run runs the service on ls until ctx ends: the webhook receivers and
// the dashboard serve HTTP, the worker runs queue jobs (pushes from
// webhooks, parked records), the scheduler runs the scheduled pipelines.
// When ctx ends it stops taking requests, lets the worker and the
// scheduler finish what they run, and returns. It closes the listeners.
func (s *Service) Run(ctx context.Context, ls *Listeners) error {
	listeners := []net.Listener{ls.Service}
	if ls.Dashboard != nil {
		listeners = append(listeners, ls.Dashboard)
	}
	started := false
	defer func() {
		// Everything that can fail is checked before anything starts: on
		// such an error nothing runs, and the listeners are closed here.
		if !started {
			for _, ln := range listeners {
				_ = ln.Close()
			}
		}
	}()
	worker, err := s.worker()
	if err != nil {
		return err
	}
	mux, err := s.mux(ls.Dashboard == nil)
	if err != nil {
		return err
	}
	servers := []*http.Server{newHTTPServer(mux)}
	if ls.Dashboard != nil {
		servers = append(servers, newHTTPServer(s.dashboard))
	}
	renewers, err := s.renewers(ls)
	if err != nil {
		return err
	}
	var scheduled []*sync.Pipeline
	for _, p := range s.pipelines {
		if p.Describe().Interval > 0 {
			scheduled = append(scheduled, p)
		}
	}
	var sched *sync.Scheduler
	if len(scheduled) > 0 {
		sched, err = sync.NewScheduler(scheduled, &sync.SchedulerOptions{Logger: s.log.With("component", "scheduler"), OnRun: s.opts.OnRun})
		if err != nil {
			return err
		}
	}

	started = true
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Every goroutine below sends once on errc, and pending counts them: a
	// value on errc means a component ended, which stops the service, so
	// nothing may send for a component that does not run (a service whose
	// pipelines are all pushed on webhooks has no scheduler).
	errc := make(chan error, len(servers)+2+len(renewers))
	pending := 0
	for _, r := range renewers {
		pending++
		go func() {
			if err := r.Run(runCtx); err != nil && runCtx.Err() == nil {
				errc <- fmt.Errorf("crm channel: %w", err)
				return
			}
			errc <- nil
		}()
	}
	for i, srv := range servers {
		pending++
		go func() {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http: %w", err)
				return
			}
			errc <- nil
		}()
	}
	pending++
	go func() { errc <- worker.Run(runCtx) }()
	if sched != nil {
		pending++
		go func() { errc <- sched.Run(runCtx) }()
	}
	s.log.Info("service started", "listen", ls.Service.Addr().String(), "pipelines", len(s.pipelines), "scheduled", len(scheduled))

	var first error
	select {
	case <-ctx.Done():
	case first = <-errc:
		pending--
	}
	// Stop taking requests first, so nothing new is enqueued while the
	// worker drains, then stop the worker and the scheduler.
	shutdown := s.loaded.Duration("service.shutdown_timeout")
	if shutdown == 0 {
		shutdown = 30 * time.Second
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), shutdown)
	defer scancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
	}
	cancel()
	for ; pending > 0; pending-- {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	s.log.Info("service stopped")
	return first
}

// renewers keep the configured CRM notification channels subscribed.
func (s *Service) renewers(ls *Listeners) ([]*crm.Renewer, error) {
	var out []*crm.Renewer
	for _, wc := range s.loaded.Config.Webhooks.CRM {
		ch := wc.Channel
		if ch == nil {
			continue
		}
		c, err := crm.New(s.clients[ch.Connection], nil)
		if err != nil {
			return nil, fmt.Errorf("webhooks.crm %s: %w", wc.Name, err)
		}
		url := ch.NotifyURL
		if url == "" {
			url = s.WebhookURL(ls, wc.Name)
		}
		r, err := crm.NewWatch(c).NewRenewer([]crm.Watch{{ChannelID: ch.ID, Events: ch.Events, NotifyURL: url,
			Token: s.loaded.Secrets[wc.TokenEnv]}}, &crm.RenewerOptions{Logger: s.log.With("channel", ch.ID)})
		if err != nil {
			return nil, fmt.Errorf("webhooks.crm %s: channel: %w", wc.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) worker() (*queue.Worker, error) {
	c := s.loaded.Config.Worker
	w, err := queue.NewWorker(s.queue, &queue.WorkerConfig{
		Concurrency:     c.Concurrency,
		PollInterval:    s.loaded.Duration("worker.poll_interval"),
		ShutdownTimeout: s.loaded.Duration("worker.shutdown_timeout"),
		Logger:          s.log.With("component", "worker"),
		Observer:        s.dashboard.Metrics(),
	})
	if err != nil {
		return nil, err
	}
	if err := sync.RegisterJobs(w, s.pipelines...); err != nil {
		return nil, err
	}
	routes := map[string]map[string][]webhook.PushTarget{} // receiver → module → targets
	for _, wc := range s.loaded.Config.Webhooks.CRM {
		byModule := map[string][]webhook.PushTarget{}
		for _, r := range wc.Routes {
			byModule[strings.ToLower(r.Module)] = append(byModule[strings.ToLower(r.Module)],
				webhook.PushTarget{Pipeline: s.byName[r.Pipeline], Side: store.Side(orDefault(r.Side, string(store.Left)))})
		}
		routes[wc.Name] = byModule
	}
	router := func(e webhook.RecordEvent) []webhook.PushTarget {
		return routes[e.Source][strings.ToLower(e.Module)]
	}
	var onPush func(webhook.PushTarget, webhook.RecordEvent, sync.Report, error)
	if s.opts.OnPush != nil {
		onPush = func(t webhook.PushTarget, _ webhook.RecordEvent, r sync.Report, err error) {
			s.opts.OnPush(t.Pipeline, r, err)
		}
	}
	if err := webhook.RegisterPush(w, router, &webhook.PushOptions{OnPush: onPush, Logger: s.log.With("component", "push")}); err != nil {
		return nil, err
	}
	return w, nil
}

// Timeouts of the service's HTTP servers. Webhook senders and dashboard
// users send small requests and read small answers: a client that takes
// longer is slow on purpose (slowloris) or broken, and would otherwise
// hold a connection and a goroutine for as long as it likes.
const (
	// readHeaderTimeout bounds reading a request's headers.
	readHeaderTimeout = 10 * time.Second
	// readTimeout bounds reading a whole request, body included (a webhook
	// body is at most 1 MiB).
	readTimeout = 30 * time.Second
	// writeTimeout bounds a request from the end of its headers to the end
	// of its answer: a /metrics scrape or a page reads the database first.
	writeTimeout = 60 * time.Second
	// idleTimeout bounds how long a kept-alive connection waits for its
	// next request.
	idleTimeout = 2 * time.Minute
	// maxHeaderBytes caps a request's headers.
	maxHeaderBytes = 64 << 10
)

// newHTTPServer returns a server of h with the timeouts above.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}
