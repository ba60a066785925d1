package zohotest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Projects is the fake's Zoho Projects API v3 ({Projects host}/api/v3):
// portals, projects and tasks, with their custom statuses, and Zoho's
// throttle. Get it with Server.Projects; its helpers seed and read without
// HTTP (no call is counted, no fault applies).
//
// What it serves:
//
//   - GET /api/v3/portals and GET /api/v3/portal/{portal}/projects answer a
//     bare JSON array (as Zoho has been observed to); the task list answers
//     {"tasks":[...],"page_info":{"page","per_page","has_next_page"}}; one
//     project or task comes as a bare object. Lists page with page and
//     per_page (default 100, at most 200).
//   - PATCH on a project or a task changes the members sent; "status"
//     takes {"id": ...} (or {"name": ...}) of one of the portal's statuses
//     (projects: Active, On Hold, Completed; tasks: Open, In Progress,
//     Closed). An unknown status answers 400.
//   - Errors are {"error":{"status_code":N,"title":"...","details":{"message":"..."}}}.
//   - The throttle: at most 100 requests in any 2 minutes of the server's
//     clock, over every Projects call (Zoho counts per user and API; the
//     fake is stricter); the 101st starts a 30-minute lock-out during which
//     every call answers 429 URL_ROLLING_THROTTLES_LIMIT_EXCEEDED with
//     Retry-After. LockOuts counts them, so a test can assert that a client
//     never tripped it.
type Projects struct{ p *projState }

// Projects returns the fake's Zoho Projects.
func (s *Server) Projects() *Projects { return &Projects{p: s.proj} }

const (
	projLimit   = 100
	projWindow  = 2 * time.Minute
	projLockout = 30 * time.Minute
	projMaxPage = 200
)

type projState struct {
	s  *Server
	mu sync.Mutex

	portals     map[string]*projPortal
	portalOrder []*projPortal

	starts      []time.Time // accepted requests inside the window
	lockedUntil time.Time
	lockOuts    int
}

type projPortal struct {
	id, name        string
	projects        map[string]*projProject
	projectOrder    []*projProject
	projectStatuses []projStatus
	taskStatuses    []projStatus
}

type projStatus struct {
	id, name, color string
	closed          bool
}

func (st projStatus) render() map[string]any {
	return map[string]any{"id": st.id, "name": st.name, "color_code": st.color, "is_closed_type": st.closed}
}

type projProject struct {
	finMeta
	fields    map[string]any
	status    projStatus
	tasks     map[string]*projTask
	taskOrder []*projTask
}

type projTask struct {
	finMeta
	fields map[string]any
	status projStatus
}

func newProjState(s *Server) *projState {
	p := &projState{s: s, portals: map[string]*projPortal{}}
	p.addPortalLocked("zylker")
	return p
}

func (p *projState) addPortalLocked(name string) *projPortal {
	ids := p.s.ids
	pt := &projPortal{id: "7" + ids.newID()[11:], name: name, projects: map[string]*projProject{}}
	pt.projectStatuses = []projStatus{
		{id: ids.newID(), name: "Active", color: "#2cc8ba"},
		{id: ids.newID(), name: "On Hold", color: "#f5a623"},
		{id: ids.newID(), name: "Completed", color: "#7ed321", closed: true},
	}
	pt.taskStatuses = []projStatus{
		{id: ids.newID(), name: "Open", color: "#74cb80"},
		{id: ids.newID(), name: "In Progress", color: "#08aeea"},
		{id: ids.newID(), name: "Closed", color: "#fa6161", closed: true},
	}
	p.portals[pt.id] = pt
	p.portalOrder = append(p.portalOrder, pt)
	return pt
}

func (s *Server) projectsRoutes() []route {
	p := s.proj
	return []route{
		p.route("GET /api/v3/portals", p.listPortals),
		p.route("GET /api/v3/portal/{portal}/projects", p.listProjects),
		p.route("GET /api/v3/portal/{portal}/projects/{project}", p.getProject),
		p.route("PATCH /api/v3/portal/{portal}/projects/{project}", p.updateProject),
		p.route("GET /api/v3/portal/{portal}/projects/{project}/tasks", p.listTasks),
		p.route("GET /api/v3/portal/{portal}/projects/{project}/tasks/{task}", p.getTask),
		p.route("PATCH /api/v3/portal/{portal}/projects/{project}/tasks/{task}", p.updateTask),
	}
}

// projAnswer is a Projects handler's answer.
type projAnswer struct {
	status int
	body   any
}

func projError(status int, title, message string) projAnswer {
	return projAnswer{status: status, body: map[string]any{"error": map[string]any{
		"status_code": status, "title": title, "details": map[string]any{"message": message}}}}
}

func (p *projState) route(spec string, h func(ex *exchange, now time.Time) projAnswer) route {
	return newRoute(spec, false, "", func(ex *exchange) { p.serve(ex, h) })
}

func (p *projState) serve(ex *exchange, h func(ex *exchange, now time.Time) projAnswer) {
	tok, ok := strings.CutPrefix(ex.r.Header.Get("Authorization"), "Zoho-oauthtoken ")
	if !ok || !p.s.oauth.validAccessToken(tok) {
		ex.note("access token missing, unknown or expired")
		a := projError(http.StatusUnauthorized, "INVALID_OAUTHTOKEN", "Invalid OAuth access token.")
		ex.json(a.status, a.body)
		return
	}
	p.mu.Lock()
	now := p.s.clock.Now()
	if a, ok := p.admitLocked(ex, now); !ok {
		p.mu.Unlock()
		ex.json(a.status, a.body)
		return
	}
	a := h(ex, now)
	p.mu.Unlock()
	if a.status == 0 {
		a.status = http.StatusOK
	}
	ex.json(a.status, a.body)
}

// admitLocked applies the throttle: 100 requests per 2 minutes, then a
// 30-minute lock-out answering 429 to everything.
func (p *projState) admitLocked(ex *exchange, now time.Time) (projAnswer, bool) {
	if now.Before(p.lockedUntil) {
		return p.lockedAnswer(ex, now), false
	}
	cut := now.Add(-projWindow)
	i := 0
	for i < len(p.starts) && !p.starts[i].After(cut) {
		i++
	}
	p.starts = p.starts[i:]
	if len(p.starts) >= projLimit {
		p.lockedUntil = now.Add(projLockout)
		p.lockOuts++
		p.starts = nil
		p.s.logger.Info("zohotest: Projects throttle tripped; locked out", "until", p.lockedUntil)
		return p.lockedAnswer(ex, now), false
	}
	p.starts = append(p.starts, now)
	return projAnswer{}, true
}

func (p *projState) lockedAnswer(ex *exchange, now time.Time) projAnswer {
	left := p.lockedUntil.Sub(now)
	mins := int((left + time.Minute - 1) / time.Minute)
	ex.w.Header().Set("Retry-After", strconv.Itoa(int((left+time.Second-1)/time.Second)))
	ex.note("Projects lock-out: %s left", left)
	a := projError(http.StatusTooManyRequests, "URL_ROLLING_THROTTLES_LIMIT_EXCEEDED",
		fmt.Sprintf("Cannot execute more than %d requests per API in 2 minutes. Try again after %d minutes.", projLimit, mins))
	a.body.(map[string]any)["error"].(map[string]any)["error_type"] = "OPERATIONAL_VALIDATION_ERROR"
	return a
}

func (p *projState) portal(ex *exchange) (*projPortal, *projAnswer) {
	pt := p.portals[ex.param("portal")]
	if pt == nil {
		a := projError(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The portal does not exist.")
		return nil, &a
	}
	return pt, nil
}

func (p *projState) project(ex *exchange) (*projPortal, *projProject, *projAnswer) {
	pt, bad := p.portal(ex)
	if bad != nil {
		return nil, nil, bad
	}
	pr := pt.projects[ex.param("project")]
	if pr == nil {
		a := projError(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The project does not exist.")
		return nil, nil, &a
	}
	return pt, pr, nil
}

// page reads page/per_page and slices n records.
func projPage(ex *exchange, n int) (start, end, page, per int, bad *projAnswer) {
	q := ex.r.URL.Query()
	page, per = 1, 100
	for _, f := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"per_page", &per}} {
		if v := q.Get(f.name); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil || x < 1 {
				a := projError(http.StatusBadRequest, "INVALID_INPUT", "Invalid value for "+f.name)
				return 0, 0, 0, 0, &a
			}
			*f.dst = x
		}
	}
	per = min(per, projMaxPage)
	start = min((page-1)*per, n)
	end = min(start+per, n)
	return start, end, page, per, nil
}

func projTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (pr *projProject) render() map[string]any {
	out := finCopy(pr.fields)
	out["id"] = pr.id
	out["status"] = pr.status.render()
	out["created_time"] = projTime(pr.created)
	out["last_modified_time"] = projTime(pr.modified)
	return out
}

func (t *projTask) render(pr *projProject) map[string]any {
	out := finCopy(t.fields)
	out["id"] = t.id
	out["status"] = t.status.render()
	out["project"] = map[string]any{"id": pr.id, "name": pr.fields["name"]}
	out["created_time"] = projTime(t.created)
	out["last_modified_time"] = projTime(t.modified)
	return out
}

func (p *projState) listPortals(_ *exchange, _ time.Time) projAnswer {
	list := make([]any, 0, len(p.portalOrder))
	for _, pt := range p.portalOrder {
		list = append(list, map[string]any{"id": pt.id, "name": pt.name, "org_name": pt.name})
	}
	return projAnswer{body: list}
}

func (p *projState) listProjects(ex *exchange, _ time.Time) projAnswer {
	pt, bad := p.portal(ex)
	if bad != nil {
		return *bad
	}
	start, end, _, _, bad := projPage(ex, len(pt.projectOrder))
	if bad != nil {
		return *bad
	}
	list := make([]any, 0, end-start)
	for _, pr := range pt.projectOrder[start:end] {
		list = append(list, pr.render())
	}
	return projAnswer{body: list}
}

func (p *projState) getProject(ex *exchange, _ time.Time) projAnswer {
	_, pr, bad := p.project(ex)
	if bad != nil {
		return *bad
	}
	return projAnswer{body: pr.render()}
}

// projChanges parses a PATCH body and resolves its "status".
func projChanges(ex *exchange, statuses []projStatus) (map[string]any, *projStatus, *projAnswer) {
	var m map[string]any
	if err := decodeJSON(ex.body, &m); err != nil || len(m) == 0 {
		a := projError(http.StatusBadRequest, "INVALID_INPUT", "The request body is not a JSON object with changes.")
		return nil, nil, &a
	}
	v, ok := m["status"]
	if !ok {
		return m, nil, nil
	}
	delete(m, "status")
	sm, _ := v.(map[string]any)
	id, name := finString(sm["id"]), finString(sm["name"])
	for i := range statuses {
		if (id != "" && statuses[i].id == id) || (id == "" && name != "" && strings.EqualFold(statuses[i].name, name)) {
			return m, &statuses[i], nil
		}
	}
	a := projError(http.StatusBadRequest, "INVALID_INPUT", "Invalid status.")
	return nil, nil, &a
}

func (p *projState) updateProject(ex *exchange, now time.Time) projAnswer {
	pt, pr, bad := p.project(ex)
	if bad != nil {
		return *bad
	}
	m, st, bad := projChanges(ex, pt.projectStatuses)
	if bad != nil {
		return *bad
	}
	for k, v := range finCopy(m, "id", "created_time", "last_modified_time") {
		pr.fields[k] = v
	}
	if st != nil {
		pr.status = *st
	}
	pr.modified = now
	return projAnswer{body: pr.render()}
}

func (p *projState) listTasks(ex *exchange, _ time.Time) projAnswer {
	_, pr, bad := p.project(ex)
	if bad != nil {
		return *bad
	}
	start, end, page, per, bad := projPage(ex, len(pr.taskOrder))
	if bad != nil {
		return *bad
	}
	list := make([]any, 0, end-start)
	for _, t := range pr.taskOrder[start:end] {
		list = append(list, t.render(pr))
	}
	return projAnswer{body: map[string]any{"tasks": list,
		"page_info": map[string]any{"page": page, "per_page": per, "has_next_page": end < len(pr.taskOrder)}}}
}

func (p *projState) getTask(ex *exchange, _ time.Time) projAnswer {
	_, pr, bad := p.project(ex)
	if bad != nil {
		return *bad
	}
	t := pr.tasks[ex.param("task")]
	if t == nil {
		return projError(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The task does not exist.")
	}
	return projAnswer{body: t.render(pr)}
}

func (p *projState) updateTask(ex *exchange, now time.Time) projAnswer {
	pt, pr, bad := p.project(ex)
	if bad != nil {
		return *bad
	}
	t := pr.tasks[ex.param("task")]
	if t == nil {
		return projError(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The task does not exist.")
	}
	m, st, bad := projChanges(ex, pt.taskStatuses)
	if bad != nil {
		return *bad
	}
	for k, v := range finCopy(m, "id", "project", "created_time", "last_modified_time") {
		t.fields[k] = v
	}
	if st != nil {
		t.status = *st
	}
	t.modified = now
	return projAnswer{body: t.render(pr)}
}
