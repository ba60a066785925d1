package ops

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
)

//go:embed templates
var templateFS embed.FS

// pageNames are the pages, each templates/<name>.html within layout.html.
var pageNames = []string{"overview", "pipeline", "reviews", "queue", "authority", "error"}

type pageTemplate = template.Template

// pageData is what every page template receives.
type pageData struct {
	App      string // Options.Title
	Title    string
	Nav      string // the active navigation item
	Base     string
	CSRF     string
	User     string
	Now      time.Time
	Flash    string
	Problems []string // sources that failed; the page shows what it could
	Data     any
}

func (d *Dashboard) parsePages() (map[string]*pageTemplate, error) {
	funcs := template.FuncMap{
		"link":     d.link,
		"ts":       d.ts,
		"ago":      ago,
		"seconds":  seconds,
		"schedule": schedule,
		"show":     d.display,
		"bar":      runBar,
		"dots":     runDots,
		"label":    func(s Status) string { return s.Label() },
		"add":      func(a, b int) int { return a + b },
		"lower":    strings.ToLower,
	}
	pages := make(map[string]*pageTemplate, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// renderPage renders a page into a buffer first, so that a template error
// never leaves half a page, then sends it.
func (d *Dashboard) renderPage(w http.ResponseWriter, r *http.Request, status int, page, title string, data any, problems ...string) {
	p := principalOf(r.Context())
	pd := pageData{App: d.opts.Title, Title: title, Nav: page, Base: d.opts.BasePath, User: p.name, Now: d.now(),
		Flash: flash(r.URL.Query()), Data: data}
	if p.name != "" {
		pd.CSRF = d.auth.csrfToken(p)
	}
	for _, pr := range problems {
		pd.Problems = append(pd.Problems, d.red.string(pr))
	}
	var buf bytes.Buffer
	if err := d.pages[page].ExecuteTemplate(&buf, "layout", pd); err != nil {
		d.log.Error("ops: render page", "page", page, "error", d.red.string(err.Error()))
		d.write(w, http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("the page could not be rendered\n"))
		return
	}
	d.write(w, status, "text/html; charset=utf-8", buf.Bytes())
}

// overviewData is the overview page.
type overviewData struct {
	Pipelines []PipelineView
	ByStatus  map[string]int
	Queue     *QueueView
	Pending   int
	Tokens    []TokenView
}

func (d *Dashboard) overviewPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var problems []string
	data := overviewData{ByStatus: make(map[string]int), Tokens: d.tokens(), Pending: -1}
	ps, err := d.pipelines(ctx)
	if err != nil {
		problems = append(problems, err.Error())
	}
	data.Pipelines = ps
	for _, p := range ps {
		data.ByStatus[string(p.Status)]++
	}
	if qv, ok, err := d.queueView(ctx); err != nil {
		problems = append(problems, err.Error())
	} else if ok {
		data.Queue = &qv
	}
	if _, n, err := d.pendingCounts(ctx); err != nil {
		problems = append(problems, err.Error())
	} else {
		data.Pending = n
	}
	d.renderPage(w, r, http.StatusOK, "overview", "Overview", data, problems...)
}

// pipelineData is a pipeline's page.
type pipelineData struct {
	Pipeline PipelineView
	Runs     []RunView // more than the overview's
	Errors   []RunView // runs with an error, newest first
	Pending  int
}

// pipelinePageRuns is how many runs a pipeline's page lists.
const pipelinePageRuns = 25

func (d *Dashboard) pipelinePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	info, ok := d.findPipeline(r.PathValue("name"))
	if !ok {
		d.fail(w, r, http.StatusNotFound, fmt.Sprintf("pipeline %q is not configured", r.PathValue("name")))
		return
	}
	var advice authority.Advice
	if d.opts.Authority != nil {
		advice = d.opts.Authority.Advise([]authority.Flow{{Pipeline: info.Name, DataType: info.DataType,
			Strategy: authority.Strategy(info.Strategy), Source: info.LeftSystem, Target: info.RightSystem}})
	}
	p, err := d.pipeline(ctx, info, advice)
	if err != nil {
		d.sourceFailed(w, r, err)
		return
	}
	data := pipelineData{Pipeline: p}
	var problems []string
	if data.Runs, err = d.runs(ctx, store.RunFilter{Pipeline: info.Name, Limit: max(pipelinePageRuns, d.opts.RunHistory)}); err != nil {
		problems = append(problems, err.Error())
	}
	for _, run := range data.Runs {
		if run.Error != "" {
			data.Errors = append(data.Errors, run)
		}
	}
	if byPipeline, _, err := d.pendingCounts(ctx); err != nil {
		problems = append(problems, err.Error())
	} else {
		data.Pending = byPipeline[info.Name]
	}
	d.renderPage(w, r, http.StatusOK, "pipeline", info.Name, data, problems...)
}

// reviewsData is the reviews page.
type reviewsData struct {
	Pipeline string // the filter, empty for all
	Pending  []ReviewView
	Resolved []ReviewView // decided, waiting for a run to apply them
	More     bool         // more pending reviews than the page shows
}

// reviewsPage lists at most this many reviews of each status.
const reviewsShown = 100

func (d *Dashboard) reviewsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	data := reviewsData{Pipeline: r.URL.Query().Get("pipeline")}
	var problems []string
	var err error
	if data.Pending, err = d.reviews(ctx, store.ReviewFilter{Pipeline: data.Pipeline, Status: []store.ReviewStatus{store.ReviewPending},
		Limit: reviewsShown + 1}); err != nil {
		problems = append(problems, err.Error())
	}
	if len(data.Pending) > reviewsShown {
		data.Pending, data.More = data.Pending[:reviewsShown], true
	}
	if data.Resolved, err = d.reviews(ctx, store.ReviewFilter{Pipeline: data.Pipeline, Status: []store.ReviewStatus{store.ReviewResolved},
		Limit: reviewsShown}); err != nil {
		problems = append(problems, err.Error())
	}
	d.renderPage(w, r, http.StatusOK, "reviews", "Reviews", data, problems...)
}

// resolveForm is the review form's POST: action take-left, take-right or
// use-value (with value and value_format text or json), and a note.
func (d *Dashboard) resolveForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	action, err := parseAction(r.PostForm.Get("action"))
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	var value any
	if action == conflict.UseValue {
		if value, err = parseValue(r.PostForm.Get("value"), r.PostForm.Get("value_format")); err != nil {
			d.fail(w, r, http.StatusBadRequest, err.Error())
			return
		}
	}
	if err := d.resolve(r.Context(), id, action, value, strings.TrimSpace(r.PostForm.Get("note"))); err != nil {
		d.failErr(w, r, err)
		return
	}
	back := url.Values{"done": {"resolved"}, "id": {id}}
	if p := r.PostForm.Get("pipeline"); p != "" {
		back.Set("pipeline", p)
	}
	http.Redirect(w, r, d.link("reviews")+"?"+back.Encode(), http.StatusSeeOther)
}

// queueData is the queue page.
type queueData struct {
	HasQueue bool
	Queue    QueueView
	Kind     string // the dead-letter filter
	Dead     []DeadJob
	Next     int64 // the after= of the next page; 0 when none
}

// deadPage is how many dead jobs the queue page lists at once.
const deadPage = 100

func (d *Dashboard) queuePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := deadFilter(r)
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	f.Limit = deadPage
	data := queueData{Kind: f.Kind}
	var problems []string
	qv, ok, err := d.queueView(ctx)
	data.HasQueue, data.Queue = ok, qv
	if err != nil {
		problems = append(problems, err.Error())
	}
	if ok {
		if data.Dead, err = d.dead(ctx, f); err != nil {
			problems = append(problems, err.Error())
		} else if len(data.Dead) == deadPage {
			data.Next = data.Dead[len(data.Dead)-1].ID
		}
	}
	d.renderPage(w, r, http.StatusOK, "queue", "Queue", data, problems...)
}

// deadForm is the dead-letter forms' POST: /dead/{id}/{action} for one job,
// /dead/{action} for the checked ones (id=…, repeated) or, for purge,
// every dead job (all=yes with confirm=yes).
func (d *Dashboard) deadForm(w http.ResponseWriter, r *http.Request) {
	act, err := parseDeadAction(r.PathValue("action"))
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	raw := r.PostForm["id"]
	if one := r.PathValue("id"); one != "" {
		raw = []string{one}
	}
	ids, err := parseIDs(raw)
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	all := r.PathValue("id") == "" && r.PostForm.Get("all") == "yes"
	if all {
		if r.PostForm.Get("confirm") != "yes" {
			d.fail(w, r, http.StatusBadRequest, "tick the confirmation box to purge every dead job")
			return
		}
		ids = nil
	}
	n, err := d.onDead(r.Context(), act, ids, all)
	if err != nil {
		d.failErr(w, r, err)
		return
	}
	back := url.Values{"done": {string(act) + "d"}, "n": {strconv.Itoa(n)}}
	if k := r.PostForm.Get("kind"); k != "" {
		back.Set("kind", k)
	}
	http.Redirect(w, r, d.link("queue")+"?"+back.Encode(), http.StatusSeeOther)
}

// authorityData is the authority page.
type authorityData struct {
	Table  *authority.Table
	Rules  []authority.Rule
	Advice authority.Advice
}

func (d *Dashboard) authorityPage(w http.ResponseWriter, r *http.Request) {
	data := authorityData{Table: d.opts.Authority}
	if t := d.opts.Authority; t != nil {
		data.Rules = t.Rules()
		var flows []authority.Flow
		for _, p := range d.opts.Pipelines() {
			flows = append(flows, authority.Flow{Pipeline: p.Name, DataType: p.DataType,
				Strategy: authority.Strategy(p.Strategy), Source: p.LeftSystem, Target: p.RightSystem})
		}
		if len(flows) > 0 {
			data.Advice = t.Advise(flows)
		}
	}
	d.renderPage(w, r, http.StatusOK, "authority", "Authority", data)
}

func (d *Dashboard) authorityMarkdown(w http.ResponseWriter, r *http.Request) {
	if d.opts.Authority == nil {
		d.fail(w, r, http.StatusNotFound, "no authority table is configured")
		return
	}
	d.write(w, http.StatusOK, "text/markdown; charset=utf-8", []byte(d.opts.Authority.Markdown()))
}

func (d *Dashboard) stylesheet(w http.ResponseWriter, r *http.Request) {
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		d.fail(w, r, http.StatusInternalServerError, "the stylesheet is missing")
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(css)
}
