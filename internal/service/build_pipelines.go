package service

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zohokit/zohokit/ops"
	"github.com/zohokit/zohokit/sync"
)

func (s *Service) buildDashboard() error {
	c := s.loaded.Config.Dashboard
	opts := &ops.Options{
		Pipelines:      s.pipelineInfos,
		Authority:      s.loaded.Authority,
		Connections:    s.connections,
		Ping:           s.store.DB().PingContext,
		InsecureNoAuth: c.InsecureNoAuth,
		OpenMetrics:    c.OpenMetrics,
		BasePath:       c.BasePath,
		Secrets:        s.secrets,
		Title:          c.Title,
		Logger:         s.log.With("component", "dashboard"),
	}
	for _, u := range c.Users {
		if opts.BasicAuth == nil {
			opts.BasicAuth = map[string]string{}
		}
		opts.BasicAuth[u.User] = s.loaded.Secrets[u.PasswordEnv]
	}
	for _, t := range c.Tokens {
		if opts.BearerTokens == nil {
			opts.BearerTokens = map[string]string{}
		}
		opts.BearerTokens[t.Name] = s.loaded.Secrets[t.TokenEnv]
	}
	d, err := ops.New(s.store, s.queue, opts)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	s.dashboard = d
	return nil
}

// pipelineInfos describes the pipelines to the dashboard.
func (s *Service) pipelineInfos() []ops.PipelineInfo {
	out := make([]ops.PipelineInfo, 0, len(s.pipelines))
	for _, p := range s.pipelines {
		d := p.Describe()
		out = append(out, ops.PipelineInfo{Name: d.Name, Strategy: string(d.Strategy), DataType: d.DataType,
			LeftSystem: d.Left, RightSystem: d.Right, Interval: d.Interval})
	}
	return out
}

// connections reports the Zoho clients' token status to the dashboard.
func (s *Service) connections() []ops.ZohoConnection {
	out := make([]ops.ZohoConnection, 0, len(s.clients))
	for name, c := range s.clients {
		out = append(out, ops.ZohoConnection{Name: name, Status: c.TokenStatus()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// side builds one side of a pipeline from its adapter.
func (s *Service) side(sc SideConfig, a AdapterConfig) sync.Side {
	side := sync.Side{System: orDefault(a.System, adapterKinds[a.Kind]), DataType: sc.Type}
	impl := s.adapters[sc.Adapter]
	if src, ok := impl.(sync.Source); ok {
		side.Source = src
	}
	if sink, ok := impl.(sync.Sink); ok {
		side.Sink = sink
	}
	if r, ok := impl.(sync.Reader); ok {
		side.Reader = r
	}
	return side
}

func (s *Service) buildPipelines() error {
	observer := multiObserver{s.dashboard.Metrics().SyncObserver(), logObserver{s.log}}
	for i, spec := range s.loaded.pipelines {
		pc := spec.Config
		cfg := sync.Config{
			Name: pc.Name, DataType: pc.DataType, Strategy: spec.Strategy,
			Left: s.side(pc.Left, spec.Left), Right: s.side(pc.Right, spec.Right),
			Mapping: spec.Mapping, NewResolver: spec.NewResolver,
			Interval: spec.Interval, BatchSize: pc.BatchSize, Lookback: spec.Lookback,
			Deletes: spec.Deletes, Filter: spec.Filter,
			Store: s.store, Queue: s.queue, SameDatabase: true, RetryAttempts: pc.RetryAttempts,
			Authority: s.loaded.Authority, Observer: observer,
			Logger: s.log, Owner: s.owner,
		}
		p, err := sync.New(cfg)
		if err != nil {
			return fmt.Errorf("%s: pipelines[%d] (%s): %w", s.loaded.File, i, pc.Name, err)
		}
		if spec.Strategy == sync.Push && spec.Interval == 0 {
			s.log.Warn("push pipeline without a schedule: events are pushed, but no run is recorded, so the dashboard shows it as never run; a schedule adds a catch-up pass", "pipeline", pc.Name)
		}
		if spec.Strategy == sync.Bidirectional {
			for _, sd := range []struct {
				sc SideConfig
				a  AdapterConfig
			}{{pc.Left, spec.Left}, {pc.Right, spec.Right}} {
				if field := matchOnly(sd.a, sd.sc.Type); field != "" {
					s.log.Warn("bidirectional pipeline creates records matched by "+field+", which holds no idempotency key: "+
						"a record created just before a crash can be created again on the other side; set key_field instead",
						"pipeline", pc.Name, "adapter", sd.sc.Adapter, "type", sd.sc.Type)
				}
			}
		}
		for _, adv := range p.Advice() {
			s.log.Warn("authority advice", "pipeline", pc.Name, "advice", adv.String())
		}
		s.pipelines = append(s.pipelines, p)
		s.byName[pc.Name] = p
	}
	return nil
}

// multiObserver fans sync events out to several observers.
type multiObserver []sync.Observer

func (m multiObserver) RunStarted(info sync.RunInfo) {
	for _, o := range m {
		o.RunStarted(info)
	}
}

func (m multiObserver) RunFinished(info sync.RunInfo, r sync.Report) {
	for _, o := range m {
		o.RunFinished(info, r)
	}
}

func (m multiObserver) Record(e sync.RecordEvent) {
	for _, o := range m {
		o.Record(e)
	}
}

func (m multiObserver) Conflict(pipeline string, c sync.ConflictReport) {
	for _, o := range m {
		o.Conflict(pipeline, c)
	}
}

// logObserver logs each finished run (counts only: never record values).
type logObserver struct {
	log interface{ Info(string, ...any) }
}

func (logObserver) RunStarted(sync.RunInfo)              {}
func (logObserver) Record(sync.RecordEvent)              {}
func (logObserver) Conflict(string, sync.ConflictReport) {}
func (o logObserver) RunFinished(_ sync.RunInfo, r sync.Report) {
	o.log.Info("run finished", "report", r.String())
}

// matchOnly names the natural match field(s) an adapter upserts a data type
// on when it keeps no idempotency key for it (CRM match_fields, Books
// match_field without key_field), or "" when it keeps one.
func matchOnly(a AdapterConfig, dataType string) string {
	if mc, ok := a.Modules[dataType]; ok && mc.KeyField == "" && len(mc.MatchFields) > 0 {
		return "match_fields " + strings.Join(mc.MatchFields, ", ")
	}
	if ec, ok := a.Entities[dataType]; ok && ec.KeyField == "" && ec.MatchField != "" {
		return "match_field " + ec.MatchField
	}
	return ""
}
