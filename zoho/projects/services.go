package projects

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// MaxPerPage is the most records a Projects list returns per page.
const MaxPerPage = 200

// ListOptions are the options of a list. The zero value lists everything,
// 100 records a page (Zoho's default).
type ListOptions struct {
	// PerPage is the page size, 1..200; zero means 100.
	PerPage int
	// Query holds filters sent as they are (Zoho's v3 list parameters).
	Query url.Values
}

func (o *ListOptions) perPage() (int, error) {
	if o == nil || o.PerPage == 0 {
		return 100, nil
	}
	if o.PerPage < 0 || o.PerPage > MaxPerPage {
		return 0, fmt.Errorf("ListOptions.PerPage %d is outside 0..%d", o.PerPage, MaxPerPage)
	}
	return o.PerPage, nil
}

// list pages through a list endpoint with page/per_page, lazily, through
// zoho.Paginate. A page is the last when page_info says so, or, without
// page_info, when it is short.
func list[T any](ctx context.Context, c *Client, path, key string, opts *ListOptions) iter.Seq2[T, error] {
	per, err := opts.perPage()
	return func(yield func(T, error) bool) {
		if err != nil {
			var zero T
			yield(zero, fmt.Errorf("projects: list %s: %w", key, err))
			return
		}
		base := url.Values{}
		if opts != nil {
			for k, vs := range opts.Query {
				base[k] = append([]string(nil), vs...)
			}
		}
		fetch := func(ctx context.Context, cursor string) ([]T, string, error) {
			page := 1
			if cursor != "" {
				page, _ = strconv.Atoi(cursor)
			}
			q := url.Values{}
			for k, vs := range base {
				q[k] = vs
			}
			q.Set("page", strconv.Itoa(page))
			q.Set("per_page", strconv.Itoa(per))
			ans := &listAnswer[T]{key: key}
			if _, err := c.send(ctx, "GET", path, q, nil, ans); err != nil {
				return nil, "", fmt.Errorf("projects: list %s: %w", key, err)
			}
			more := len(ans.items) == per
			if ans.info != nil {
				more = ans.info.HasNextPage
			}
			if !more || len(ans.items) == 0 {
				return ans.items, "", nil
			}
			return ans.items, strconv.Itoa(page + 1), nil
		}
		for v, err := range zoho.Paginate(ctx, fetch) {
			if !yield(v, err) {
				return
			}
		}
	}
}

type pageInfo struct {
	Page        int  `json:"page"`
	PerPage     int  `json:"per_page"`
	HasNextPage bool `json:"has_next_page"`
}

// listAnswer decodes a bare array, or {"<key>":[...],"page_info":{...}}.
type listAnswer[T any] struct {
	key   string
	items []T
	info  *pageInfo
}

func (l *listAnswer[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &l.items)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if raw, ok := m["page_info"]; ok && string(raw) != "null" {
		l.info = &pageInfo{}
		if err := json.Unmarshal(raw, l.info); err != nil {
			return fmt.Errorf("page_info: %w", err)
		}
	}
	if raw, ok := m[l.key]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &l.items); err != nil {
			return fmt.Errorf("%s: %w", l.key, err)
		}
	}
	return nil
}

// oneAnswer decodes a record given bare, as {"<singular>":{...}}, or as
// {"<plural>":[{...}]}.
type oneAnswer[T any] struct {
	singular, plural string
	value            T
	found            bool
}

func (o *oneAnswer[T]) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if raw, ok := m[o.singular]; ok && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '{' {
		o.found = true
		return json.Unmarshal(raw, &o.value)
	}
	if raw, ok := m[o.plural]; ok {
		var list []T
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("%s: %w", o.plural, err)
		}
		if len(list) > 0 {
			o.value, o.found = list[0], true
		}
		return nil
	}
	if _, ok := m["id"]; ok {
		o.found = true
		return json.Unmarshal(b, &o.value)
	}
	return nil
}

// one sends a call answering one record.
func one[T any](ctx context.Context, c *Client, method, path, singular, plural string, body any) (T, *zoho.Response, error) {
	ans := &oneAnswer[T]{singular: singular, plural: plural}
	resp, err := c.send(ctx, method, path, nil, body, ans)
	if err != nil {
		return ans.value, resp, err
	}
	if !ans.found {
		return ans.value, resp, fmt.Errorf("the answer holds no %s", singular)
	}
	return ans.value, resp, nil
}

// PortalsService lists portals.
type PortalsService struct{ c *Client }

// List returns the user's portals.
func (s *PortalsService) List(ctx context.Context) ([]Portal, *zoho.Response, error) {
	ans := &listAnswer[Portal]{key: "portals"}
	resp, err := s.c.send(ctx, "GET", "/portals", nil, nil, ans)
	if err != nil {
		return nil, resp, fmt.Errorf("projects: list portals: %w", err)
	}
	return ans.items, resp, nil
}

// ProjectsService lists, reads and updates projects.
type ProjectsService struct{ c *Client }

// List yields the portal's projects, lazily; opts may be nil.
func (s *ProjectsService) List(ctx context.Context, portalID string, opts *ListOptions) iter.Seq2[Project, error] {
	path, err := portalPath(portalID, "projects", "")
	if err != nil {
		return finance.ErrSeq[Project](fmt.Errorf("projects: list projects: %w", err))
	}
	return list[Project](ctx, s.c, path, "projects", opts)
}

// Get returns a project.
func (s *ProjectsService) Get(ctx context.Context, portalID, projectID string) (Project, *zoho.Response, error) {
	path, err := portalPath(portalID, "projects", projectID)
	if err != nil {
		return Project{}, nil, fmt.Errorf("projects: get project: %w", err)
	}
	p, resp, err := one[Project](ctx, s.c, "GET", path, "project", "projects", nil)
	if err != nil {
		return p, resp, fmt.Errorf("projects: get project %s: %w", projectID, err)
	}
	return p, resp, nil
}

// Update changes a project's members (PATCH; e.g. {"name": "..."}) and
// returns the project.
func (s *ProjectsService) Update(ctx context.Context, portalID, projectID string, changes map[string]any) (Project, *zoho.Response, error) {
	path, err := portalPath(portalID, "projects", projectID)
	if err != nil {
		return Project{}, nil, fmt.Errorf("projects: update project: %w", err)
	}
	if len(changes) == 0 {
		return Project{}, nil, fmt.Errorf("projects: update project %s: no changes", projectID)
	}
	p, resp, err := one[Project](ctx, s.c, "PATCH", path, "project", "projects", changes)
	if err != nil {
		return p, resp, fmt.Errorf("projects: update project %s: %w", projectID, err)
	}
	return p, resp, nil
}

// UpdateStatus sets a project's status by the status's id (a project's
// Status.ID names the ones in use).
func (s *ProjectsService) UpdateStatus(ctx context.Context, portalID, projectID, statusID string) (Project, *zoho.Response, error) {
	if err := checkID("status id", statusID); err != nil {
		return Project{}, nil, fmt.Errorf("projects: update project %s status: %w", projectID, err)
	}
	return s.Update(ctx, portalID, projectID, map[string]any{"status": map[string]any{"id": statusID}})
}

// TasksService lists, reads and updates tasks.
type TasksService struct{ c *Client }

// List yields a project's tasks, lazily; opts may be nil.
func (s *TasksService) List(ctx context.Context, portalID, projectID string, opts *ListOptions) iter.Seq2[Task, error] {
	path, err := portalPath(portalID, "projects", projectID, "tasks", "")
	if err != nil {
		return finance.ErrSeq[Task](fmt.Errorf("projects: list tasks: %w", err))
	}
	return list[Task](ctx, s.c, path, "tasks", opts)
}

// Get returns a task.
func (s *TasksService) Get(ctx context.Context, portalID, projectID, taskID string) (Task, *zoho.Response, error) {
	path, err := portalPath(portalID, "projects", projectID, "tasks", taskID)
	if err != nil {
		return Task{}, nil, fmt.Errorf("projects: get task: %w", err)
	}
	t, resp, err := one[Task](ctx, s.c, "GET", path, "task", "tasks", nil)
	if err != nil {
		return t, resp, fmt.Errorf("projects: get task %s: %w", taskID, err)
	}
	return t, resp, nil
}

// Update changes a task's members (PATCH; e.g. {"completion_percentage":
// 100}) and returns the task.
func (s *TasksService) Update(ctx context.Context, portalID, projectID, taskID string, changes map[string]any) (Task, *zoho.Response, error) {
	path, err := portalPath(portalID, "projects", projectID, "tasks", taskID)
	if err != nil {
		return Task{}, nil, fmt.Errorf("projects: update task: %w", err)
	}
	if len(changes) == 0 {
		return Task{}, nil, fmt.Errorf("projects: update task %s: no changes", taskID)
	}
	t, resp, err := one[Task](ctx, s.c, "PATCH", path, "task", "tasks", changes)
	if err != nil {
		return t, resp, fmt.Errorf("projects: update task %s: %w", taskID, err)
	}
	return t, resp, nil
}

// UpdateStatus sets a task's status by the status's id (statuses are
// custom per portal; a task's Status.ID names the one it has).
func (s *TasksService) UpdateStatus(ctx context.Context, portalID, projectID, taskID, statusID string) (Task, *zoho.Response, error) {
	if err := checkID("status id", statusID); err != nil {
		return Task{}, nil, fmt.Errorf("projects: update task %s status: %w", taskID, err)
	}
	return s.Update(ctx, portalID, projectID, taskID, map[string]any{"status": map[string]any{"id": statusID}})
}
