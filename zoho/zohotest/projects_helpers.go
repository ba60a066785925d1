package zohotest

import (
	"fmt"
	"strings"
	"time"
)

// Test helpers of the fake's Projects. Portal ids "" mean the default
// portal (the one the server starts with).

// PortalID returns the default portal's id.
func (p *Projects) PortalID() string {
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	return p.p.portalOrder[0].id
}

// AddPortal adds a portal and returns its id.
func (p *Projects) AddPortal(name string) string {
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	return p.p.addPortalLocked(name).id
}

func (p *projState) portalByID(id string) (*projPortal, error) {
	if id == "" {
		return p.portalOrder[0], nil
	}
	pt := p.portals[id]
	if pt == nil {
		return nil, fmt.Errorf("zohotest: no portal %q", id)
	}
	return pt, nil
}

// AddProject adds a project ("name" is required; "status" may name one of
// the portal's project statuses, default Active) and returns it as GET
// shows it.
func (p *Projects) AddProject(portalID string, rec Record) (Record, error) {
	m, err := plain(rec)
	if err != nil {
		return nil, fmt.Errorf("zohotest: AddProject: %w", err)
	}
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	pt, err := p.p.portalByID(portalID)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(finString(m["name"])) == "" {
		return nil, fmt.Errorf("zohotest: AddProject: the name is empty")
	}
	st, err := statusNamed(pt.projectStatuses, m["status"], "Active")
	if err != nil {
		return nil, fmt.Errorf("zohotest: AddProject: %w", err)
	}
	now := p.p.s.clock.Now()
	pr := &projProject{finMeta: finMeta{id: p.p.s.ids.newID(), created: now, modified: now},
		fields: finCopy(m, "id", "status"), status: st, tasks: map[string]*projTask{}}
	pt.projects[pr.id] = pr
	pt.projectOrder = append(pt.projectOrder, pr)
	return pr.render(), nil
}

// AddTask adds a task to a project ("name" is required; "status" may name
// one of the portal's task statuses, default Open) and returns it as GET
// shows it.
func (p *Projects) AddTask(portalID, projectID string, rec Record) (Record, error) {
	m, err := plain(rec)
	if err != nil {
		return nil, fmt.Errorf("zohotest: AddTask: %w", err)
	}
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	pt, err := p.p.portalByID(portalID)
	if err != nil {
		return nil, err
	}
	pr := pt.projects[projectID]
	if pr == nil {
		return nil, fmt.Errorf("zohotest: AddTask: no project %q", projectID)
	}
	if strings.TrimSpace(finString(m["name"])) == "" {
		return nil, fmt.Errorf("zohotest: AddTask: the name is empty")
	}
	st, err := statusNamed(pt.taskStatuses, m["status"], "Open")
	if err != nil {
		return nil, fmt.Errorf("zohotest: AddTask: %w", err)
	}
	now := p.p.s.clock.Now()
	t := &projTask{finMeta: finMeta{id: p.p.s.ids.newID(), created: now, modified: now}, fields: finCopy(m, "id", "status"), status: st}
	pr.tasks[t.id] = t
	pr.taskOrder = append(pr.taskOrder, t)
	return t.render(pr), nil
}

func statusNamed(statuses []projStatus, v any, def string) (projStatus, error) {
	name := finString(v)
	if name == "" {
		name = def
	}
	for _, st := range statuses {
		if strings.EqualFold(st.name, name) {
			return st, nil
		}
	}
	return projStatus{}, fmt.Errorf("no status %q", name)
}

// Task returns a task as GET shows it.
func (p *Projects) Task(portalID, projectID, taskID string) (Record, bool) {
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	pt, err := p.p.portalByID(portalID)
	if err != nil {
		return nil, false
	}
	pr := pt.projects[projectID]
	if pr == nil || pr.tasks[taskID] == nil {
		return nil, false
	}
	return pr.tasks[taskID].render(pr), true
}

// TaskStatusID returns the id of a portal's task status by name ("Open",
// "In Progress", "Closed"), or "".
func (p *Projects) TaskStatusID(portalID, name string) string {
	return p.statusID(portalID, name, func(pt *projPortal) []projStatus { return pt.taskStatuses })
}

// ProjectStatusID returns the id of a portal's project status by name
// ("Active", "On Hold", "Completed"), or "".
func (p *Projects) ProjectStatusID(portalID, name string) string {
	return p.statusID(portalID, name, func(pt *projPortal) []projStatus { return pt.projectStatuses })
}

func (p *Projects) statusID(portalID, name string, list func(*projPortal) []projStatus) string {
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	pt, err := p.p.portalByID(portalID)
	if err != nil {
		return ""
	}
	st, err := statusNamed(list(pt), name, "")
	if err != nil {
		return ""
	}
	return st.id
}

// LockOuts counts the times the throttle locked clients out (100 requests
// in 2 minutes exceeded). A client that respects the limit keeps it 0.
func (p *Projects) LockOuts() int {
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	return p.p.lockOuts
}

// LockedOut reports whether the throttle's lock-out is running, and until
// when.
func (p *Projects) LockedOut() (bool, time.Time) {
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	now := p.p.s.clock.Now()
	return now.Before(p.p.lockedUntil), p.p.lockedUntil
}
