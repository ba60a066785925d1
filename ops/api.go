package ops

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
)

// The JSON API. Lists are wrapped in an object ({"pipelines": [...]}) so
// that fields can be added later; errors are {"error": "..."}.

func (d *Dashboard) apiPipelines(w http.ResponseWriter, r *http.Request) {
	ps, err := d.pipelines(r.Context())
	if err != nil {
		d.sourceFailed(w, r, err)
		return
	}
	d.json(w, http.StatusOK, map[string]any{"pipelines": ps})
}

func (d *Dashboard) apiPipeline(w http.ResponseWriter, r *http.Request) {
	p, ok := d.findPipeline(r.PathValue("name"))
	if !ok {
		d.fail(w, r, http.StatusNotFound, fmt.Sprintf("pipeline %q is not configured", r.PathValue("name")))
		return
	}
	var advice authority.Advice
	if d.opts.Authority != nil {
		advice = d.opts.Authority.Advise([]authority.Flow{{Pipeline: p.Name, DataType: p.DataType,
			Strategy: authority.Strategy(p.Strategy), Source: p.LeftSystem, Target: p.RightSystem}})
	}
	v, err := d.pipeline(r.Context(), p, advice)
	if err != nil {
		d.sourceFailed(w, r, err)
		return
	}
	d.json(w, http.StatusOK, map[string]any{"pipeline": v})
}

// maxListLimit bounds the limit query parameter.
const maxListLimit = 1000

// limitParam reads ?limit=, 0 when absent.
func limitParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxListLimit {
		return 0, &actionError{http.StatusBadRequest, fmt.Sprintf("limit %q is not a number from 1 to %d", s, maxListLimit)}
	}
	return n, nil
}

func (d *Dashboard) apiRuns(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	runs, err := d.runs(r.Context(), store.RunFilter{Pipeline: r.URL.Query().Get("pipeline"), Limit: limit})
	if err != nil {
		d.sourceFailed(w, r, err)
		return
	}
	d.json(w, http.StatusOK, map[string]any{"runs": runs})
}

func (d *Dashboard) apiQueue(w http.ResponseWriter, r *http.Request) {
	qv, ok, err := d.queueView(r.Context())
	switch {
	case !ok:
		d.fail(w, r, http.StatusNotFound, errNoQueue.Error())
	case err != nil:
		d.sourceFailed(w, r, err)
	default:
		d.json(w, http.StatusOK, qv)
	}
}

// deadFilter reads ?kind=, ?after= and ?limit=.
func deadFilter(r *http.Request) (queue.DeadFilter, error) {
	f := queue.DeadFilter{Kind: r.URL.Query().Get("kind")}
	var err error
	if f.Limit, err = limitParam(r); err != nil {
		return f, err
	}
	if s := r.URL.Query().Get("after"); s != "" {
		if f.AfterID, err = strconv.ParseInt(s, 10, 64); err != nil || f.AfterID < 0 {
			return f, &actionError{http.StatusBadRequest, fmt.Sprintf("after %q is not a job ID", s)}
		}
	}
	return f, nil
}

func (d *Dashboard) apiDead(w http.ResponseWriter, r *http.Request) {
	f, err := deadFilter(r)
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	jobs, err := d.dead(r.Context(), f)
	switch {
	case errors.Is(err, errNoQueue):
		d.fail(w, r, http.StatusNotFound, err.Error())
	case err != nil:
		d.sourceFailed(w, r, err)
	default:
		d.json(w, http.StatusOK, map[string]any{"dead": jobs})
	}
}

// apiDeadOne is POST /api/dead/{id}/requeue and /api/dead/{id}/purge; the
// body is an empty JSON object.
func (d *Dashboard) apiDeadOne(w http.ResponseWriter, r *http.Request) {
	act, err := parseDeadAction(r.PathValue("action"))
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	ids, err := parseIDs([]string{r.PathValue("id")})
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	var body struct{}
	if err := decodeBody(w, r, &body, true); err != nil {
		d.failErr(w, r, err)
		return
	}
	d.answerDead(w, r, act, ids, false)
}

// apiDeadMany is POST /api/dead/requeue and /api/dead/purge with
// {"ids": [1, 2]} or, for purge, {"all": true}.
func (d *Dashboard) apiDeadMany(w http.ResponseWriter, r *http.Request) {
	act, err := parseDeadAction(r.PathValue("action"))
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	var body struct {
		IDs []int64 `json:"ids"`
		All bool    `json:"all"`
	}
	if err := decodeBody(w, r, &body, false); err != nil {
		d.failErr(w, r, err)
		return
	}
	for _, id := range body.IDs {
		if id <= 0 {
			d.fail(w, r, http.StatusBadRequest, fmt.Sprintf("job ID %d is not positive", id))
			return
		}
	}
	d.answerDead(w, r, act, body.IDs, body.All)
}

func (d *Dashboard) answerDead(w http.ResponseWriter, r *http.Request, act deadAction, ids []int64, all bool) {
	n, err := d.onDead(r.Context(), act, ids, all)
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	key := "requeued"
	if act == purgeJobs {
		key = "purged"
	}
	d.json(w, http.StatusOK, map[string]int{key: n})
}

func parseDeadAction(s string) (deadAction, error) {
	switch a := deadAction(s); a {
	case requeueJobs, purgeJobs:
		return a, nil
	}
	return "", &actionError{http.StatusNotFound, fmt.Sprintf("%q is not an action on dead jobs (requeue or purge)", s)}
}

// reviewFilter reads ?pipeline=, ?status= (pending by default, "all" for
// every status) and ?limit=.
func reviewFilter(r *http.Request) (store.ReviewFilter, error) {
	f := store.ReviewFilter{Pipeline: r.URL.Query().Get("pipeline")}
	var err error
	if f.Limit, err = limitParam(r); err != nil {
		return f, err
	}
	switch s := r.URL.Query().Get("status"); s {
	case "", string(store.ReviewPending):
		f.Status = []store.ReviewStatus{store.ReviewPending}
	case string(store.ReviewResolved), string(store.ReviewApplied):
		f.Status = []store.ReviewStatus{store.ReviewStatus(s)}
	case "all":
	default:
		return f, &actionError{http.StatusBadRequest, fmt.Sprintf("status %q is not pending, resolved, applied or all", s)}
	}
	return f, nil
}

func (d *Dashboard) apiReviews(w http.ResponseWriter, r *http.Request) {
	f, err := reviewFilter(r)
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	rs, err := d.reviews(r.Context(), f)
	if err != nil {
		d.sourceFailed(w, r, err)
		return
	}
	d.json(w, http.StatusOK, map[string]any{"reviews": rs})
}

// resolveRequest is the body of POST /api/reviews/{id}/resolve.
type resolveRequest struct {
	// Action is take-left, take-right or use-value.
	Action string `json:"action"`
	// Value is the value to write, for use-value (null is a value).
	Value json.RawMessage `json:"value"`
	Note  string          `json:"note"`
}

func (d *Dashboard) apiResolve(w http.ResponseWriter, r *http.Request) {
	var req resolveRequest
	if err := decodeBody(w, r, &req, false); err != nil {
		d.failErr(w, r, err)
		return
	}
	action, err := parseAction(req.Action)
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	var value any
	switch {
	case action == conflict.UseValue && req.Value == nil:
		d.fail(w, r, http.StatusBadRequest, `use-value needs a "value" (null is one)`)
		return
	case action != conflict.UseValue && req.Value != nil:
		d.fail(w, r, http.StatusBadRequest, `"value" is only for use-value`)
		return
	case req.Value != nil:
		if value, err = parseValue(string(req.Value), "json"); err != nil {
			d.fail(w, r, http.StatusBadRequest, err.Error())
			return
		}
	}
	id := r.PathValue("id")
	if err := d.resolve(r.Context(), id, action, value, req.Note); err != nil {
		d.failErr(w, r, err)
		return
	}
	d.json(w, http.StatusOK, map[string]string{"id": id, "status": string(store.ReviewResolved), "action": action.String(),
		"decided_by": principalOf(r.Context()).name})
}

func (d *Dashboard) apiAuthority(w http.ResponseWriter, r *http.Request) {
	if d.opts.Authority == nil {
		d.fail(w, r, http.StatusNotFound, "no authority table is configured")
		return
	}
	cfg := d.opts.Authority.Config()
	d.json(w, http.StatusOK, map[string]any{"systems": cfg.Systems, "rules": cfg.Rules, "markdown": d.opts.Authority.Markdown()})
}

func (d *Dashboard) apiTokens(w http.ResponseWriter, r *http.Request) {
	d.json(w, http.StatusOK, map[string]any{"tokens": d.tokens()})
}

// decodeBody reads a JSON body of at most maxBody bytes into v, refusing
// unknown fields; an empty body is allowed when emptyOK.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	err := dec.Decode(v)
	switch {
	case err == io.EOF && emptyOK:
		return nil
	case err == io.EOF:
		return &actionError{http.StatusBadRequest, "the request body is empty"}
	case err != nil:
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &actionError{http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", maxBody)}
		}
		return &actionError{http.StatusBadRequest, "the request body is not valid: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &actionError{http.StatusBadRequest, "the request body has data after its JSON object"}
	}
	return nil
}

func (d *Dashboard) failErr(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusOf(err)
	d.fail(w, r, status, msg)
}

// sourceFailed answers a failure of the store or the queue.
func (d *Dashboard) sourceFailed(w http.ResponseWriter, r *http.Request, err error) {
	d.log.Error("ops: reading state failed", "path", d.red.string(r.URL.Path), "error", d.red.string(err.Error()))
	d.fail(w, r, http.StatusServiceUnavailable, err.Error())
}
