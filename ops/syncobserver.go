package ops

import (
	zsync "github.com/zohokit/zohokit/sync"
)

// SyncObserver returns the sync.Observer to set in the pipelines'
// configuration (sync.Config.Observer), so that their runs, records and
// conflicts are counted: zohokit_sync_runs_total and
// zohokit_sync_run_duration_seconds per finished run,
// zohokit_sync_records_total per record outcome (and the run's read count,
// as operation "read"), zohokit_sync_conflicts_total per conflicting field
// with the decision's action. Dry runs are not observed by the engine.
func (m *Metrics) SyncObserver() zsync.Observer { return syncObserver{m} }

type syncObserver struct{ m *Metrics }

var _ zsync.Observer = syncObserver{}

// RunStarted implements sync.Observer; a run is counted when it finishes.
func (syncObserver) RunStarted(zsync.RunInfo) {}

// RunFinished implements sync.Observer.
func (o syncObserver) RunFinished(info zsync.RunInfo, r zsync.Report) {
	took := r.Finished.Sub(r.Started)
	if r.Started.IsZero() || r.Finished.IsZero() {
		took = -1
	}
	o.m.RunFinished(info.Pipeline, r.Status, took)
	o.m.RecordOps(info.Pipeline, "read", r.Counts.Read)
}

// Record implements sync.Observer.
func (o syncObserver) Record(e zsync.RecordEvent) { o.m.RecordOps(e.Pipeline, string(e.Outcome), 1) }

// Conflict implements sync.Observer.
func (o syncObserver) Conflict(pipeline string, c zsync.ConflictReport) {
	o.m.ConflictDecided(pipeline, c.Decision.Action.String())
}
