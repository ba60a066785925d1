package ops

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// healthz answers 200 while the process serves requests.
func (d *Dashboard) healthz(w http.ResponseWriter, r *http.Request) {
	d.write(w, http.StatusOK, "text/plain; charset=utf-8", []byte("ok\n"))
}

// readyz answers 200 when the database answers Ping and no pipeline is
// failing (unless Options.ReadyIgnoresPipelines), else 503 with one reason
// per line. It is unauthenticated, so reasons name what failed but carry no
// error text: the log has it.
func (d *Dashboard) readyz(w http.ResponseWriter, r *http.Request) {
	reasons := d.notReady(r.Context())
	if len(reasons) > 0 {
		d.write(w, http.StatusServiceUnavailable, "text/plain; charset=utf-8",
			[]byte("not ready\n- "+strings.Join(reasons, "\n- ")+"\n"))
		return
	}
	d.write(w, http.StatusOK, "text/plain; charset=utf-8", []byte("ready\n"))
}

func (d *Dashboard) notReady(ctx context.Context) []string {
	var reasons []string
	if d.opts.Ping != nil {
		pctx, cancel := context.WithTimeout(ctx, d.opts.PingTimeout)
		err := d.opts.Ping(pctx)
		cancel()
		if err != nil {
			d.log.Warn("ops: readyz: database ping failed", "error", d.red.string(err.Error()))
			reasons = append(reasons, "database: ping failed")
		}
	}
	if d.opts.ReadyIgnoresPipelines {
		return reasons
	}
	ps, err := d.pipelines(ctx)
	if err != nil {
		d.log.Warn("ops: readyz: reading pipeline state failed", "error", d.red.string(err.Error()))
		return append(reasons, "store: reading pipeline state failed")
	}
	for _, p := range ps {
		if p.Status == StatusFailing {
			reasons = append(reasons, fmt.Sprintf("pipeline %s: failing: %s", p.Name, p.StatusReason))
		}
	}
	return reasons
}
