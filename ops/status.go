package ops

import (
	"fmt"
	"time"

	"github.com/zohokit/zohokit/store"
)

// Status is a pipeline's health as the dashboard, /readyz and the
// zohokit_pipeline_status metric report it.
type Status string

// The statuses, decided in this order (the first that applies wins):
//
//   - paused: PipelineInfo.Paused;
//   - never_run: no run has finished and none ever succeeded;
//   - failing: the last Options.FailAfterRuns finished runs all failed, or
//     the last one failed and no run ever succeeded, or (scheduled
//     pipelines) no success for more than twice the interval plus the grace;
//   - late: (scheduled pipelines) no success for more than the interval
//     plus the grace;
//   - healthy: otherwise.
//
// A partial run (some records failed) counts as a success, as it does for
// store.LastSuccess: the pipeline moved; its failed records are in the
// run's error and the queue. Dry runs are ignored. An unscheduled pipeline
// (Interval zero) is judged by its runs alone.
const (
	StatusHealthy  Status = "healthy"
	StatusLate     Status = "late"
	StatusFailing  Status = "failing"
	StatusPaused   Status = "paused"
	StatusNeverRun Status = "never_run"
)

// statuses lists every status, for the metric's state set.
var statuses = [...]Status{StatusHealthy, StatusLate, StatusFailing, StatusPaused, StatusNeverRun}

// Label returns the status for people: "healthy", "late", "failing",
// "paused", "never run".
func (s Status) Label() string {
	if s == StatusNeverRun {
		return "never run"
	}
	return string(s)
}

// statusRules are the thresholds of assess.
type statusRules struct {
	failAfterRuns int
	grace         time.Duration
}

// assess decides a pipeline's status at now from its last success (zero
// when none) and its recent runs, newest first, and says why in a sentence.
func assess(now time.Time, p PipelineInfo, lastSuccess time.Time, runs []store.Run, rules statusRules) (Status, string) {
	if p.Paused {
		return StatusPaused, "paused: the scheduler does not run it"
	}
	finished := 0
	failedInARow := 0
	counting := true
	var lastFailure store.Run
	for _, r := range runs {
		if r.DryRun || r.Status == store.RunRunning {
			continue
		}
		finished++
		if !counting {
			continue
		}
		if r.Status == store.RunFailed {
			if failedInARow == 0 {
				lastFailure = r
			}
			failedInARow++
		} else {
			counting = false
		}
	}
	if finished == 0 && lastSuccess.IsZero() {
		return StatusNeverRun, "no run has finished yet"
	}
	switch {
	case failedInARow >= rules.failAfterRuns:
		return StatusFailing, fmt.Sprintf("the last %d runs failed (latest at %s)", failedInARow, stamp(lastFailure.Finished))
	case failedInARow > 0 && lastSuccess.IsZero():
		return StatusFailing, fmt.Sprintf("the last run failed (at %s) and no run has succeeded yet", stamp(lastFailure.Finished))
	}
	if p.Interval > 0 && !lastSuccess.IsZero() {
		age := now.Sub(lastSuccess)
		switch {
		case age > 2*p.Interval+rules.grace:
			return StatusFailing, fmt.Sprintf("no success for %s (more than twice the %s interval)", roundAge(age), p.Interval)
		case age > p.Interval+rules.grace:
			return StatusLate, fmt.Sprintf("no success for %s (more than the %s interval)", roundAge(age), p.Interval)
		}
	}
	if failedInARow > 0 {
		return StatusHealthy, fmt.Sprintf("the last run failed (at %s) but a success is recent enough", stamp(lastFailure.Finished))
	}
	if lastSuccess.IsZero() {
		return StatusHealthy, "runs finished, none recorded a success time"
	}
	return StatusHealthy, "last success at " + stamp(lastSuccess)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	return t.UTC().Format(time.RFC3339)
}

// roundAge rounds a duration for people: seconds under a minute, minutes
// under a day, hours beyond.
func roundAge(d time.Duration) time.Duration {
	switch {
	case d < time.Minute:
		return d.Round(time.Second)
	case d < 24*time.Hour:
		return d.Round(time.Minute)
	default:
		return d.Round(time.Hour)
	}
}
