package ops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
)

// actionError is a refused or failed action with the HTTP status to answer.
type actionError struct {
	status int
	msg    string
}

func (e *actionError) Error() string { return e.msg }

// maxNote bounds the note a person leaves with a decision.
const maxNote = 2000

// resolve records a person's decision on a review.
func (d *Dashboard) resolve(ctx context.Context, id string, action conflict.Action, value any, note string) error {
	p := principalOf(ctx)
	if len(note) > maxNote {
		return &actionError{http.StatusBadRequest, fmt.Sprintf("the note is longer than %d bytes", maxNote)}
	}
	if action != conflict.UseValue {
		value = nil
	}
	res := conflict.Resolution{ReviewID: id, Action: action, Value: value, DecidedBy: p.name, DecidedAt: d.now(), Note: note}
	err := d.st.Resolve(ctx, res)
	switch {
	case err == nil:
		d.log.Info("ops: review resolved", "review", id, "action", action.String(), "by", p.name)
		return nil
	case errors.Is(err, store.ErrNotFound):
		return &actionError{http.StatusNotFound, fmt.Sprintf("review %s does not exist", id)}
	case errors.Is(err, store.ErrReviewNotPending):
		return &actionError{http.StatusConflict, fmt.Sprintf("review %s is no longer pending: someone decided it already", id)}
	case errors.Is(err, conflict.ErrInvalidResolution):
		return &actionError{http.StatusBadRequest, d.red.string(err.Error())}
	default:
		d.log.Error("ops: resolve review failed", "review", id, "error", d.red.string(err.Error()))
		return &actionError{http.StatusInternalServerError, "the store failed to record the decision: " + d.red.string(err.Error())}
	}
}

// parseAction reads an action name: take-left, take-right or use-value.
func parseAction(s string) (conflict.Action, error) {
	var a conflict.Action
	if err := a.UnmarshalText([]byte(s)); err != nil || (a != conflict.TakeLeft && a != conflict.TakeRight && a != conflict.UseValue) {
		return 0, &actionError{http.StatusBadRequest, fmt.Sprintf("action %q is not take-left, take-right or use-value", s)}
	}
	return a, nil
}

// deadAction is what can be done to dead jobs.
type deadAction string

const (
	requeueJobs deadAction = "requeue"
	purgeJobs   deadAction = "purge"
)

// onDead requeues or purges dead jobs: the given IDs, or, for purge with
// all set and no IDs, every dead job. It returns how many it moved. A
// single ID that is not a dead job is a 404.
func (d *Dashboard) onDead(ctx context.Context, act deadAction, ids []int64, all bool) (int, error) {
	if d.q == nil {
		return 0, &actionError{http.StatusNotFound, errNoQueue.Error()}
	}
	switch {
	case all && len(ids) > 0:
		return 0, &actionError{http.StatusBadRequest, "give job IDs or all, not both"}
	case all && act != purgeJobs:
		return 0, &actionError{http.StatusBadRequest, "only purge takes all"}
	case !all && len(ids) == 0:
		return 0, &actionError{http.StatusBadRequest, "no job selected"}
	}
	var n int
	var err error
	if act == requeueJobs {
		n, err = d.q.Requeue(ctx, ids...)
	} else {
		n, err = d.q.PurgeDead(ctx, ids...)
	}
	by := principalOf(ctx).name
	if err != nil {
		d.log.Error("ops: dead jobs "+string(act)+" failed", "ids", ids, "by", by, "error", d.red.string(err.Error()))
		return 0, &actionError{http.StatusInternalServerError, "the queue failed to " + string(act) + " the jobs: " + d.red.string(err.Error())}
	}
	d.log.Info("ops: dead jobs "+string(act)+"d", "ids", ids, "all", all, "count", n, "by", by)
	if n == 0 && len(ids) == 1 {
		return 0, &actionError{http.StatusNotFound, fmt.Sprintf("job %d is not a dead job", ids[0])}
	}
	return n, nil
}

// parseIDs reads job IDs: positive integers.
func parseIDs(raw []string) ([]int64, error) {
	ids := make([]int64, 0, len(raw))
	for _, s := range raw {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			return nil, &actionError{http.StatusBadRequest, fmt.Sprintf("job ID %q is not a positive integer", s)}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// statusOf returns the HTTP status of an action's error.
func statusOf(err error) (int, string) {
	var ae *actionError
	if errors.As(err, &ae) {
		return ae.status, ae.msg
	}
	return http.StatusInternalServerError, err.Error()
}
