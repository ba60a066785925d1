package ops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
)

// The types below are what the JSON API answers (and the pages show). Times
// are UTC; zero times are left out; strings taken from data are redacted.

// PipelineView is one pipeline with its status.
type PipelineView struct {
	Name            string         `json:"name"`
	Strategy        string         `json:"strategy"`
	DataType        string         `json:"data_type"`
	LeftSystem      string         `json:"left_system"`
	RightSystem     string         `json:"right_system"`
	IntervalSeconds float64        `json:"interval_seconds"` // 0: not scheduled
	Paused          bool           `json:"paused"`
	Authority       *AuthorityRule `json:"authority,omitempty"` // nil without a table or rule
	Status          Status         `json:"status"`
	StatusReason    string         `json:"status_reason"`
	LastSuccess     time.Time      `json:"last_success,omitzero"`
	LastRun         *RunView       `json:"last_run,omitempty"`
	Running         bool           `json:"running"` // a run is under way
	// Runs are the recent runs, newest first (Options.RunHistory of them).
	Runs []RunView `json:"runs"`

	interval time.Duration
}

// AuthorityRule is the authority table's rule for a data type.
type AuthorityRule struct {
	DataType  string                 `json:"data_type"`
	System    string                 `json:"system"`
	Rationale string                 `json:"rationale,omitempty"`
	Overrides []authority.Override   `json:"overrides,omitempty"`
	Advice    []authority.AdviceItem `json:"advice,omitempty"` // findings about this pipeline
}

// RunView is one run of a pipeline.
type RunView struct {
	ID              int64        `json:"id"`
	Pipeline        string       `json:"pipeline"`
	Started         time.Time    `json:"started,omitzero"`
	Finished        time.Time    `json:"finished,omitzero"`
	DurationSeconds float64      `json:"duration_seconds,omitempty"`
	Status          string       `json:"status"`
	Counts          store.Counts `json:"counts"`
	Error           string       `json:"error,omitempty"`
	DryRun          bool         `json:"dry_run,omitempty"`
}

// QueueView is the queue's depth by kind.
type QueueView struct {
	Kinds []KindView `json:"kinds"` // by kind name
	Total KindView   `json:"total"`
}

// KindView counts one kind's jobs by state.
type KindView struct {
	Kind      string `json:"kind,omitempty"`
	Ready     int    `json:"ready"`
	Scheduled int    `json:"scheduled"`
	Running   int    `json:"running"`
	Dead      int    `json:"dead"`
	// OldestReady is the due time of the longest-waiting ready job.
	OldestReady           time.Time `json:"oldest_ready,omitzero"`
	OldestReadyAgeSeconds float64   `json:"oldest_ready_age_seconds"`
}

// DeadJob is a job that used its last attempt or was given up on.
type DeadJob struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Key         string    `json:"key,omitempty"`
	Attempts    int       `json:"attempts"`
	MaxAttempts int       `json:"max_attempts"`
	LastError   string    `json:"last_error,omitempty"`
	Created     time.Time `json:"created,omitzero"`
	Updated     time.Time `json:"updated,omitzero"`
	// Payload is the job's payload as text, cut at 2 KiB.
	Payload          string `json:"payload,omitempty"`
	PayloadTruncated bool   `json:"payload_truncated,omitempty"`
}

// ReviewView is a conflict held for a person, with its values.
type ReviewView struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Pipeline string    `json:"pipeline"`
	DataType string    `json:"data_type"`
	Field    string    `json:"field,omitempty"` // empty: the whole record
	Reason   string    `json:"reason,omitempty"`
	Created  time.Time `json:"created,omitzero"`
	// Base is the value both sides had at the last sync; Left and Right
	// each side's value now.
	Base  any        `json:"base"`
	Left  ReviewSide `json:"left"`
	Right ReviewSide `json:"right"`
	// Resolution is set once a person decided.
	Resolution *ResolutionView `json:"resolution,omitempty"`
}

// ReviewSide is one side of a review.
type ReviewSide struct {
	System   string    `json:"system"`
	RecordID string    `json:"record_id"`
	Value    any       `json:"value"`
	Modified time.Time `json:"modified,omitzero"`
}

// ResolutionView is a person's decision.
type ResolutionView struct {
	Action    string    `json:"action"`
	Value     any       `json:"value,omitempty"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	Note      string    `json:"note,omitempty"`
}

// TokenView is a Zoho connection's token status; it never holds a token.
type TokenView struct {
	Name          string    `json:"name"`
	Key           string    `json:"key"`
	DataCentre    string    `json:"data_centre"`
	Grant         string    `json:"grant"`
	APIDomain     string    `json:"api_domain"`
	Valid         bool      `json:"valid"`
	Expiry        time.Time `json:"expiry,omitzero"`
	Refreshes     int       `json:"refreshes"`
	LastRefresh   time.Time `json:"last_refresh,omitzero"`
	MintsInWindow int       `json:"mints_in_window"`
	MintLimit     int       `json:"mint_limit"`
	NextMintSlot  time.Time `json:"next_mint_slot,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`
}

// pipelines returns the configured pipelines with their status.
func (d *Dashboard) pipelines(ctx context.Context) ([]PipelineView, error) {
	infos := d.opts.Pipelines()
	out := make([]PipelineView, 0, len(infos))
	var advice authority.Advice
	if d.opts.Authority != nil && len(infos) > 0 {
		flows := make([]authority.Flow, len(infos))
		for i, p := range infos {
			flows[i] = authority.Flow{Pipeline: p.Name, DataType: p.DataType, Strategy: authority.Strategy(p.Strategy),
				Source: p.LeftSystem, Target: p.RightSystem}
		}
		advice = d.opts.Authority.Advise(flows)
	}
	for _, p := range infos {
		v, err := d.pipeline(ctx, p, advice)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// findPipeline returns the configured pipeline with that name.
func (d *Dashboard) findPipeline(name string) (PipelineInfo, bool) {
	for _, p := range d.opts.Pipelines() {
		if p.Name == name {
			return p, true
		}
	}
	return PipelineInfo{}, false
}

func (d *Dashboard) pipeline(ctx context.Context, p PipelineInfo, advice authority.Advice) (PipelineView, error) {
	last, err := d.st.LastSuccess(ctx, p.Name)
	if err != nil {
		return PipelineView{}, fmt.Errorf("ops: pipeline %s: last success: %w", p.Name, err)
	}
	runs, err := d.st.Runs(ctx, store.RunFilter{Pipeline: p.Name, Limit: d.opts.RunHistory})
	if err != nil {
		return PipelineView{}, fmt.Errorf("ops: pipeline %s: runs: %w", p.Name, err)
	}
	status, reason := assess(d.now(), p, last, runs, statusRules{failAfterRuns: d.opts.FailAfterRuns, grace: d.opts.Grace})
	v := PipelineView{
		Name: p.Name, Strategy: p.Strategy, DataType: p.DataType, LeftSystem: p.LeftSystem, RightSystem: p.RightSystem,
		IntervalSeconds: p.Interval.Seconds(), interval: p.Interval, Paused: p.Paused,
		Status: status, StatusReason: reason, LastSuccess: utc(last), Runs: make([]RunView, 0, len(runs)),
	}
	for _, r := range runs {
		rv := d.runView(r)
		if r.Status == store.RunRunning {
			v.Running = true
		}
		if v.LastRun == nil && !r.DryRun && r.Status != store.RunRunning {
			v.LastRun = &rv
		}
		v.Runs = append(v.Runs, rv)
	}
	if t := d.opts.Authority; t != nil {
		if rule, ok := t.Rule(p.DataType); ok {
			v.Authority = &AuthorityRule{DataType: rule.DataType, System: rule.System, Rationale: rule.Rationale, Overrides: rule.Overrides}
		} else {
			v.Authority = &AuthorityRule{DataType: p.DataType}
		}
		for _, a := range advice {
			if a.Pipeline == p.Name {
				v.Authority.Advice = append(v.Authority.Advice, a)
			}
		}
	}
	return v, nil
}

func (d *Dashboard) runView(r store.Run) RunView {
	v := RunView{ID: r.ID, Pipeline: r.Pipeline, Started: utc(r.Started), Finished: utc(r.Finished),
		Status: string(r.Status), Counts: r.Counts, Error: d.red.string(r.Error), DryRun: r.DryRun}
	if !r.Finished.IsZero() && !r.Started.IsZero() {
		v.DurationSeconds = r.Finished.Sub(r.Started).Seconds()
	}
	return v
}

// runs lists runs, newest first.
func (d *Dashboard) runs(ctx context.Context, f store.RunFilter) ([]RunView, error) {
	runs, err := d.st.Runs(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("ops: runs: %w", err)
	}
	out := make([]RunView, len(runs))
	for i, r := range runs {
		out[i] = d.runView(r)
	}
	return out, nil
}

// queueView returns the queue's depth; ok is false without a queue.
func (d *Dashboard) queueView(ctx context.Context) (QueueView, bool, error) {
	if d.q == nil {
		return QueueView{}, false, nil
	}
	st, err := d.q.Stats(ctx)
	if err != nil {
		return QueueView{}, true, fmt.Errorf("ops: queue stats: %w", err)
	}
	now := d.now()
	view := func(kind string, k queue.KindStats) KindView {
		v := KindView{Kind: kind, Ready: k.Ready, Scheduled: k.Scheduled, Running: k.Running, Dead: k.Dead, OldestReady: utc(k.OldestReady)}
		if !k.OldestReady.IsZero() {
			v.OldestReadyAgeSeconds = max(0, now.Sub(k.OldestReady).Seconds())
		}
		return v
	}
	qv := QueueView{Kinds: make([]KindView, 0, len(st.Kinds)), Total: view("", st.Total())}
	for _, kind := range sortedKeys(st.Kinds) {
		qv.Kinds = append(qv.Kinds, view(kind, st.Kinds[kind]))
	}
	return qv, true, nil
}

// errNoQueue is returned by queue actions when the dashboard has no queue.
var errNoQueue = errors.New("ops: no queue is configured")

// maxPayload is how much of a dead job's payload is shown.
const maxPayload = 2 << 10

// dead lists dead jobs.
func (d *Dashboard) dead(ctx context.Context, f queue.DeadFilter) ([]DeadJob, error) {
	if d.q == nil {
		return nil, errNoQueue
	}
	jobs, err := d.q.Dead(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("ops: dead jobs: %w", err)
	}
	out := make([]DeadJob, len(jobs))
	for i, j := range jobs {
		dj := DeadJob{ID: j.ID, Kind: j.Kind, Key: d.red.string(j.Key), Attempts: j.Attempt, MaxAttempts: j.MaxAttempts,
			LastError: d.red.string(j.LastError), Created: utc(j.CreatedAt), Updated: utc(j.UpdatedAt)}
		dj.Payload, dj.PayloadTruncated = d.red.prefix(string(j.Payload), maxPayload)
		out[i] = dj
	}
	return out, nil
}

// reviews lists reviews with their values.
func (d *Dashboard) reviews(ctx context.Context, f store.ReviewFilter) ([]ReviewView, error) {
	items, err := d.st.Reviews(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("ops: reviews: %w", err)
	}
	out := make([]ReviewView, len(items))
	for i, it := range items {
		c := it.Review.Conflict
		v := ReviewView{ID: it.ID, Status: string(it.Status), Pipeline: c.Pipeline, DataType: c.DataType, Field: c.Field,
			Reason: d.red.string(it.Review.Reason), Created: utc(it.Created),
			Base:  d.red.value(c.Base),
			Left:  ReviewSide{System: c.LeftSystem, RecordID: c.LeftID, Value: d.red.value(c.Left), Modified: utc(c.LeftModified)},
			Right: ReviewSide{System: c.RightSystem, RecordID: c.RightID, Value: d.red.value(c.Right), Modified: utc(c.RightModified)},
		}
		if res := it.Resolution; res != nil {
			rv := &ResolutionView{Action: res.Action.String(), DecidedBy: res.DecidedBy, DecidedAt: utc(res.DecidedAt), Note: d.red.string(res.Note)}
			if res.Action == conflict.UseValue {
				rv.Value = d.red.value(res.Value)
			}
			v.Resolution = rv
		}
		out[i] = v
	}
	return out, nil
}

// pendingCounts counts pending reviews by pipeline, and in all.
func (d *Dashboard) pendingCounts(ctx context.Context) (map[string]int, int, error) {
	byPipeline, err := d.st.CountReviews(ctx, store.ReviewPending)
	if err != nil {
		return nil, 0, fmt.Errorf("ops: pending reviews: %w", err)
	}
	total := 0
	for _, n := range byPipeline {
		total += n
	}
	return byPipeline, total, nil
}

// tokens returns the Zoho connections' token status, by name.
func (d *Dashboard) tokens() []TokenView {
	conns := d.opts.Connections()
	out := make([]TokenView, len(conns))
	for i, c := range conns {
		s := c.Status
		out[i] = TokenView{Name: c.Name, Key: d.red.string(s.Key), DataCentre: string(s.Location), Grant: s.Grant,
			APIDomain: d.red.string(s.APIDomain), Valid: s.Valid, Expiry: utc(s.Expiry), Refreshes: s.Refreshes,
			LastRefresh: utc(s.LastRefresh), MintsInWindow: s.MintsInWindow, MintLimit: s.MintLimit,
			NextMintSlot: utc(s.NextMintSlot), LastError: d.red.string(s.LastError), LastErrorAt: utc(s.LastErrorAt)}
	}
	return out
}

// utc returns t in UTC, keeping the zero time zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
