package sync

import (
	"time"

	"github.com/zohokit/zohokit/store"
)

// Observer receives what pipelines do, for the dashboard and metrics (the
// ops package exports them to Prometheus). Methods are called from the
// goroutines that run pipelines, concurrently; they must be quick and must
// not block. Plans (dry runs) are not observed.
type Observer interface {
	// RunStarted is called when a run has its lease and starts.
	RunStarted(info RunInfo)
	// RunFinished is called when a run ends, with its report.
	RunFinished(info RunInfo, r Report)
	// Record is called once per record outcome: each write (created,
	// updated, deleted or failed, on the side written) and each record read
	// and left alone (unchanged, echo, skipped, on the side read).
	Record(e RecordEvent)
	// Conflict is called for each conflicting field and its decision.
	Conflict(pipeline string, c ConflictReport)
}

// RunInfo identifies a run.
type RunInfo struct {
	Pipeline string
	RunID    int64
	Strategy Strategy
	Started  time.Time
}

// RecordEvent is one record's outcome. Values are never included.
type RecordEvent struct {
	Pipeline string
	// Side is the side written for writes and failures, the side read for
	// records left alone.
	Side    store.Side
	Outcome Outcome
	// ID is the record's ID on Side; empty for a create that failed.
	ID string
	// SourceID is the ID of the record it came from on the other side, for
	// writes.
	SourceID string
	// Err is the failure, for OutcomeFailed.
	Err error
}

// ObserverFuncs is an Observer made of optional functions; a nil function
// is not called.
type ObserverFuncs struct {
	OnRunStarted  func(info RunInfo)
	OnRunFinished func(info RunInfo, r Report)
	OnRecord      func(e RecordEvent)
	OnConflict    func(pipeline string, c ConflictReport)
}

var _ Observer = ObserverFuncs{}

// RunStarted implements Observer.
func (o ObserverFuncs) RunStarted(info RunInfo) {
	if o.OnRunStarted != nil {
		o.OnRunStarted(info)
	}
}

// RunFinished implements Observer.
func (o ObserverFuncs) RunFinished(info RunInfo, r Report) {
	if o.OnRunFinished != nil {
		o.OnRunFinished(info, r)
	}
}

// Record implements Observer.
func (o ObserverFuncs) Record(e RecordEvent) {
	if o.OnRecord != nil {
		o.OnRecord(e)
	}
}

// Conflict implements Observer.
func (o ObserverFuncs) Conflict(pipeline string, c ConflictReport) {
	if o.OnConflict != nil {
		o.OnConflict(pipeline, c)
	}
}
