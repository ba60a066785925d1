package sync

import (
	"time"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/transform"
)

// checkAdapters reports the adapters a strategy needs and lacks.
func checkAdapters(cfg Config, bad func(string, ...any)) {
	need := func(side string, s Side, role string, why string) {
		var missing bool
		switch role {
		case "Source":
			missing = s.Source == nil || lacks(s.Source, role)
		case "Sink":
			missing = s.Sink == nil || lacks(s.Sink, role)
		case "Reader":
			missing = s.Reader == nil || lacks(s.Reader, role)
		}
		if missing {
			bad("%s.%s: required %s", side, role, why)
		}
	}
	for _, side := range []struct {
		name string
		s    Side
	}{{"Left", cfg.Left}, {"Right", cfg.Right}} {
		for _, a := range []any{side.s.Source, side.s.Sink, side.s.Reader} {
			if c, ok := a.(checker); ok && a != nil {
				if msg := c.problem(); msg != "" {
					bad("%s: %s", side.name, msg)
				}
			}
		}
	}
	switch cfg.Strategy {
	case Push:
		need("Left", cfg.Left, "Reader", "for push pipelines (events may name a record by ID only, and retries re-read it)")
		need("Right", cfg.Right, "Sink", "for push pipelines")
		if cfg.Left.Source != nil && lacks(cfg.Left.Source, "Source") {
			bad("Left.Source: the typed adapter does not implement TypedSource")
		}
	case Pull:
		need("Left", cfg.Left, "Source", "for pull pipelines")
		need("Right", cfg.Right, "Sink", "for pull pipelines")
		if cfg.Queue != nil {
			need("Left", cfg.Left, "Reader", "when a Queue is set (retries re-read the source record)")
		}
	case Bidirectional:
		for _, side := range []struct {
			name string
			s    Side
		}{{"Left", cfg.Left}, {"Right", cfg.Right}} {
			need(side.name, side.s, "Source", "for bidirectional pipelines")
			need(side.name, side.s, "Sink", "for bidirectional pipelines")
			need(side.name, side.s, "Reader", "for bidirectional pipelines (the other side of a link is read by ID)")
		}
	}
}

// checkOptions reports bad numbers and policies.
func checkOptions(cfg Config, bad func(string, ...any)) {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Interval", cfg.Interval}, {"Lookback", cfg.Lookback}, {"RetryDelay", cfg.RetryDelay}, {"LeaseTTL", cfg.LeaseTTL}} {
		if d.v < 0 {
			bad("%s: %s is negative", d.name, d.v)
		}
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"BatchSize", cfg.BatchSize}, {"RetryAttempts", cfg.RetryAttempts}, {"MaxReportItems", cfg.MaxReportItems}} {
		if n.v < 0 {
			bad("%s: %d is negative", n.name, n.v)
		}
	}
	switch cfg.Deletes.Mode {
	case "", DeleteIgnore, DeletePropagate:
	case DeleteFlag:
		if cfg.Deletes.RightFlag == "" {
			bad("Deletes.RightFlag: required by DeleteFlag (the right field set to true when the left record is deleted)")
		} else if _, err := transform.ParsePath(cfg.Deletes.RightFlag); err != nil {
			bad("Deletes.RightFlag: %v", err)
		}
		if cfg.Strategy == Bidirectional {
			if cfg.Deletes.LeftFlag == "" {
				bad("Deletes.LeftFlag: required by DeleteFlag in a bidirectional pipeline (the left field set to true when the right record is deleted)")
			} else if _, err := transform.ParsePath(cfg.Deletes.LeftFlag); err != nil {
				bad("Deletes.LeftFlag: %v", err)
			}
		}
	default:
		bad("Deletes.Mode: unknown mode %q (want ignore, propagate or flag)", cfg.Deletes.Mode)
	}
	if cfg.SameDatabase {
		if _, ok := cfg.Store.(store.TxCommitter); !ok && cfg.Store != nil {
			bad("SameDatabase: the Store does not implement store.TxCommitter")
		}
		if _, ok := cfg.Queue.(queue.TxEnqueuer); !ok {
			bad("SameDatabase: the Queue is nil or does not implement queue.TxEnqueuer")
		}
	}
}

// checker is implemented by this package's adapters that can be
// misconfigured (the Typed bridge).
type checker interface {
	problem() string
	lacks(role string) bool
}

// lacks reports whether a is a bridge that cannot play role.
func lacks(a any, role string) bool {
	c, ok := a.(checker)
	return ok && c.lacks(role)
}
