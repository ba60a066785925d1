package projects_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/projects"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

var testStart = time.Date(2026, 6, 9, 13, 0, 0, 0, time.UTC)

type bundle struct {
	t      *testing.T
	srv    *zohotest.Server
	fake   *zohotest.Projects
	clock  *fakeclock.Clock
	c      *projects.Client
	portal string
}

func setup(t *testing.T, configure ...func(*zoho.Config)) *bundle {
	t.Helper()
	clock := fakeclock.NewAuto(testStart)
	srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock, DisableOAS: true})
	zc := zohotest.NewClient(t, srv, append([]func(*zoho.Config){func(c *zoho.Config) { c.Clock = clock }}, configure...)...)
	c, err := projects.New(zc)
	require.NoError(t, err)
	return &bundle{t: t, srv: srv, fake: srv.Projects(), clock: clock, c: c, portal: srv.Projects().PortalID()}
}

// seed adds a project with n tasks and returns their ids.
func (b *bundle) seed(n int) (string, []string) {
	b.t.Helper()
	pr, err := b.fake.AddProject("", zohotest.Record{"name": "Website relaunch"})
	require.NoError(b.t, err)
	var tasks []string
	for i := range n {
		tk, err := b.fake.AddTask("", pr["id"].(string), zohotest.Record{"name": "Task " + string(rune('A'+i)), "priority": "high"})
		require.NoError(b.t, err)
		tasks = append(tasks, tk["id"].(string))
	}
	return pr["id"].(string), tasks
}

func TestTaskStatusUpdate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	project, tasks := b.seed(5)

	portals, _, err := b.c.Portals.List(ctx)
	require.NoError(t, err)
	require.Len(t, portals, 1)
	require.Equal(t, b.portal, portals[0].ID)

	var listed []projects.Task
	for tk, err := range b.c.Tasks.List(ctx, b.portal, project, &projects.ListOptions{PerPage: 2}) {
		require.NoError(t, err)
		listed = append(listed, tk)
	}
	require.Len(t, listed, 5)
	require.Equal(t, "Open", listed[0].Status.Name)
	require.False(t, listed[0].Status.IsClosedType)
	require.Equal(t, project, listed[0].Project.ID)
	require.Equal(t, 3, b.srv.Calls("GET /api/v3/portal/{portal}/projects/{project}/tasks"), "5 tasks, 2 a page")

	closed := b.fake.TaskStatusID("", "Closed")
	b.clock.Advance(time.Minute)
	tk, resp, err := b.c.Tasks.UpdateStatus(ctx, b.portal, project, tasks[3], closed)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "Closed", tk.Status.Name)
	require.True(t, tk.Status.IsClosedType)
	require.True(t, tk.LastModifiedTime.After(tk.CreatedTime.Time))

	got, _, err := b.c.Tasks.Get(ctx, b.portal, project, tasks[3])
	require.NoError(t, err)
	require.Equal(t, closed, got.Status.ID)
	require.Equal(t, "high", got.Priority)
	rec, ok := b.fake.Task("", project, tasks[3])
	require.True(t, ok)
	require.Equal(t, "Closed", rec["status"].(map[string]any)["name"])

	_, _, err = b.c.Tasks.UpdateStatus(ctx, b.portal, project, tasks[3], "404404")
	require.ErrorIs(t, err, zoho.ErrInvalidData, "an unknown status")
	_, _, err = b.c.Tasks.Update(ctx, b.portal, project, tasks[0], map[string]any{"completion_percentage": 50})
	require.NoError(t, err)
	got, _, err = b.c.Tasks.Get(ctx, b.portal, project, tasks[0])
	require.NoError(t, err)
	require.Equal(t, 50, got.CompletionPercentage)
}

func TestProjectStatusUpdate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	project, _ := b.seed(0)
	var all []projects.Project
	for p, err := range b.c.Projects.List(ctx, b.portal, nil) {
		require.NoError(t, err)
		all = append(all, p)
	}
	require.Len(t, all, 1)
	require.Equal(t, "Active", all[0].Status.Name)

	p, _, err := b.c.Projects.UpdateStatus(ctx, b.portal, project, b.fake.ProjectStatusID("", "On Hold"))
	require.NoError(t, err)
	require.Equal(t, "On Hold", p.Status.Name)
	p, _, err = b.c.Projects.Get(ctx, b.portal, project)
	require.NoError(t, err)
	require.Equal(t, "On Hold", p.Status.Name)
	require.Equal(t, "Website relaunch", p.Name)

	_, _, err = b.c.Projects.Get(ctx, b.portal, "123")
	require.ErrorIs(t, err, zoho.ErrNotFound)
	_, _, err = b.c.Projects.Get(ctx, "a/b", project)
	require.Error(t, err)
}

// A burst of 300 calls goes through the core client's Projects limiter (90
// per 2 minutes by default): it takes its time and never trips Zoho's
// throttle, whose lock-out would stop every call for 30 minutes.
func TestBurstNeverTripsTheLockout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	project, tasks := b.seed(1)
	start := b.clock.Now()
	for i := range 300 {
		_, _, err := b.c.Tasks.Get(ctx, b.portal, project, tasks[0])
		require.NoError(t, err, "call %d", i)
	}
	require.Zero(t, b.fake.LockOuts(), "the fake never locked the client out")
	require.Zero(t, b.srv.CallsWithStatus("", http.StatusTooManyRequests))
	var times []time.Time
	for _, c := range b.srv.CallLog() {
		if strings.HasPrefix(c.Path, "/api/v3/") {
			times = append(times, c.Time)
		}
	}
	require.Len(t, times, 300)
	for i, s := range times {
		n := 0
		for _, x := range times[i:] {
			if x.Before(s.Add(2 * time.Minute)) {
				n++
			}
		}
		require.LessOrEqual(t, n, 90, "calls in the 2 minutes from call %d", i)
	}
	require.GreaterOrEqual(t, b.clock.Now().Sub(start), 6*time.Minute)
}

// Without the limiter the fake's throttle trips: the answer is a rate-limit
// error carrying the lock-out's wait, returned at once, and every call is
// refused until the lock-out ends.
func TestLockoutIsARateLimitWithTheWait(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *zoho.Config) { c.RateLimits.Projects = zoho.Limit{Unlimited: true} })
	ctx := t.Context()
	project, tasks := b.seed(1)
	for range 100 {
		_, _, err := b.c.Tasks.Get(ctx, b.portal, project, tasks[0])
		require.NoError(t, err)
	}
	_, resp, err := b.c.Tasks.Get(ctx, b.portal, project, tasks[0])
	require.ErrorIs(t, err, zoho.ErrRateLimited)
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "URL_ROLLING_THROTTLES_LIMIT_EXCEEDED", ze.Code)
	wait, ok := zoho.RetryAfter(err)
	require.True(t, ok)
	require.Equal(t, 30*time.Minute, wait)
	require.Equal(t, 1, resp.Attempts, "a 30-minute wait is not waited out inside Do")
	require.Equal(t, 1, b.fake.LockOuts())

	b.clock.Advance(10 * time.Minute)
	_, _, err = b.c.Portals.List(ctx)
	require.ErrorIs(t, err, zoho.ErrRateLimited, "every call is refused during the lock-out")
	wait, _ = zoho.RetryAfter(err)
	require.Equal(t, 20*time.Minute, wait)

	b.clock.Advance(20 * time.Minute)
	_, _, err = b.c.Portals.List(ctx)
	require.NoError(t, err)
}

func TestCheckResponse(t *testing.T) {
	t.Parallel()
	answer := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		body       string
		is         error
		code       string
		wait       time.Duration
	}{
		{"throttle in a 400", 400, "", `{"error":{"status_code":400,"title":"URL_ROLLING_THROTTLES_LIMIT_EXCEEDED","details":{"message":"Cannot execute more than 100 requests per API in 2 minutes. Try again after 22 minutes."}}}`, zoho.ErrRateLimited, "URL_ROLLING_THROTTLES_LIMIT_EXCEEDED", 22 * time.Minute},
		{"throttle in a 200", 200, "", `{"error":{"status_code":"400","title":"URL_ROLLING_THROTTLES_LIMIT_EXCEEDED"}}`, zoho.ErrRateLimited, "URL_ROLLING_THROTTLES_LIMIT_EXCEEDED", 0},
		{"429 with retry-after", 429, "90", `{"error":{"title":"TOO_MANY"}}`, zoho.ErrRateLimited, "TOO_MANY", 90 * time.Second},
		{"old error shape", 404, "", `{"error":{"code":6404,"message":"Resource not found"}}`, zoho.ErrNotFound, "6404", 0},
		{"token", 401, "", `{"error":{"status_code":401,"title":"INVALID_OAUTHTOKEN"}}`, zoho.ErrInvalidToken, "INVALID_OAUTHTOKEN", 0},
		{"html", 503, "", `<html/>`, zoho.ErrServer, "", 0},
	} {
		err := projects.CheckResponse(answer(tc.status, tc.retryAfter), []byte(tc.body))
		require.ErrorIs(t, err, tc.is, tc.name)
		var ze *zoho.Error
		require.ErrorAs(t, err, &ze, tc.name)
		require.Equal(t, tc.code, ze.Code, tc.name)
		require.Equal(t, tc.wait, ze.Wait, tc.name)
	}
	require.NoError(t, projects.CheckResponse(answer(200, ""), []byte(`{"tasks":[]}`)))
	require.NoError(t, projects.CheckResponse(answer(200, ""), []byte(`[{"id":"1"}]`)))
	require.NoError(t, projects.CheckResponse(answer(204, ""), nil))
}

// Zoho's shapes vary: a status as a name, ids as numbers, epoch times.
func TestTolerantDecoding(t *testing.T) {
	t.Parallel()
	var tk projects.Task
	require.NoError(t, json.Unmarshal([]byte(`{"id":1752587000000097269,"name":"x","status":"open","completion_percentage":"40",
		"created_time":"1717950154000","last_modified_time":"2026-06-09T16:22:34-0400","owners_and_work":{"owners":[]}}`), &tk))
	require.Equal(t, "1752587000000097269", tk.ID)
	require.Equal(t, "open", tk.Status.Name)
	require.Equal(t, 40, tk.CompletionPercentage)
	require.Equal(t, time.UnixMilli(1717950154000).UTC(), tk.CreatedTime.Time)
	require.Contains(t, tk.Extra, "owners_and_work")
	out, err := json.Marshal(tk)
	require.NoError(t, err)
	require.Contains(t, string(out), `"owners_and_work":{"owners":[]}`)
}
