package ops

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/store"
)

// flash turns the ?done= code of a redirect after an action into a
// message; only fixed texts are shown, so a crafted link cannot put words
// on the page.
func flash(q url.Values) string {
	n, _ := strconv.Atoi(q.Get("n"))
	switch q.Get("done") {
	case "resolved":
		return "Review " + cleanID(q.Get("id")) + " resolved. The next sync run applies the decision."
	case "requeued":
		return plural(n, "dead job") + " requeued."
	case "purged":
		return plural(n, "dead job") + " purged."
	}
	return ""
}

// cleanID keeps an ID shown in a flash message short and plain.
func cleanID(s string) string {
	if len(s) > 40 || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ""
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// link builds a dashboard URL from path segments, each escaped.
func (d *Dashboard) link(segments ...string) string {
	var b strings.Builder
	b.WriteString(d.opts.BasePath)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	if len(segments) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// ts formats a time for a page, in Options.Location.
func (d *Dashboard) ts(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(d.opts.Location).Format("2006-01-02 15:04:05 MST")
}

// ago says how long before now t was: "3m ago", "in 5m".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		return "in " + human(-d)
	}
	if d < time.Second {
		return "just now"
	}
	return human(d) + " ago"
}

// human writes a duration in at most two units: "45s", "3m 10s", "2h 5m",
// "3d 4h".
func human(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return trim(fmt.Sprintf("%dm %ds", s/60, s%60))
	case s < 86400:
		return trim(fmt.Sprintf("%dh %dm", s/3600, (s%3600)/60))
	default:
		return trim(fmt.Sprintf("%dd %dh", s/86400, (s%86400)/3600))
	}
}

func trim(s string) string {
	for _, zero := range []string{" 0s", " 0m", " 0h"} {
		s = strings.TrimSuffix(s, zero)
	}
	return s
}

// seconds writes a number of seconds as a duration.
func seconds(f float64) string {
	if f < 1 {
		return fmt.Sprintf("%.0fms", f*1000)
	}
	return human(time.Duration(f * float64(time.Second)))
}

// schedule describes a pipeline's schedule.
func schedule(p PipelineView) string {
	if p.interval <= 0 {
		return "on events"
	}
	return "every " + human(p.interval)
}

// segment is one part of a run's bar.
type segment struct {
	Class string
	X, W  float64
	Title string
}

// runBar splits a 100-wide bar between what a run did with its records.
func runBar(c store.Counts) []segment {
	parts := []struct {
		class string
		n     int
	}{{"created", c.Created}, {"updated", c.Updated}, {"deleted", c.Deleted}, {"unchanged", c.Unchanged},
		{"conflicted", c.Conflicted}, {"failed", c.Failed}}
	total := 0
	for _, p := range parts {
		total += p.n
	}
	if total == 0 {
		return nil
	}
	var out []segment
	x := 0.0
	for _, p := range parts {
		if p.n == 0 {
			continue
		}
		w := float64(p.n) * 100 / float64(total)
		out = append(out, segment{Class: p.class, X: x, W: w, Title: fmt.Sprintf("%d %s", p.n, p.class)})
		x += w
	}
	return out
}

// dot is one run in the overview's row of recent runs.
type dot struct {
	Class string
	X     int
	Title string
}

// runDots draws the recent runs, oldest left, as squares coloured by status.
func runDots(runs []RunView) []dot {
	out := make([]dot, 0, len(runs))
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		c := r.Counts
		title := fmt.Sprintf("run %d: %s; read %d, created %d, updated %d, deleted %d, unchanged %d, conflicted %d, failed %d",
			r.ID, r.Status, c.Read, c.Created, c.Updated, c.Deleted, c.Unchanged, c.Conflicted, c.Failed)
		if r.DryRun {
			title += " (dry run)"
		}
		out = append(out, dot{Class: "run-" + r.Status, X: len(out) * 12, Title: title})
	}
	return out
}
