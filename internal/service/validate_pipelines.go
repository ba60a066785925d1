package service

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
	"github.com/zohokit/zohokit/webhook"
)

// PipelineSpec is a validated pipeline, everything resolved but its
// adapters (which need I/O to build).
type PipelineSpec struct {
	Config      PipelineConfig
	Strategy    sync.Strategy
	Mapping     *transform.Mapping
	Interval    time.Duration
	Lookback    time.Duration
	Deletes     sync.DeletePolicy
	Filter      func(sync.Record) bool
	FilterPaths []string
	NewResolver func(conflict.ReviewRecorder) (conflict.Resolver, error)
	Left, Right AdapterConfig
}

// Pipelines returns the validated pipelines in file order.
func (l *Loaded) Pipelines() []*PipelineSpec { return l.pipelines }

func (v *validator) pipelines(adapters map[string]AdapterConfig) map[string]*PipelineSpec {
	out := map[string]*PipelineSpec{}
	for i, pc := range v.loaded.Config.Pipelines {
		p := fmt.Sprintf("pipelines[%d]", i)
		spec := &PipelineSpec{Config: pc}
		switch _, dup := out[pc.Name]; {
		case pc.Name == "":
			v.addf(p+".name", "is required")
		case dup:
			v.addf(p+".name", "duplicate pipeline name %q", pc.Name)
		}
		if pc.DataType == "" {
			v.addf(p+".data_type", "is required (the canonical data type, as the authority table names it)")
		}
		spec.Strategy = sync.Strategy(pc.Strategy)
		if !oneOf(pc.Strategy, "push", "pull", "bidirectional") {
			v.addf(p+".strategy", "unknown strategy %q (want push, pull or bidirectional)", pc.Strategy)
		}
		spec.Left = v.side(p+".left", pc.Left, adapters)
		spec.Right = v.side(p+".right", pc.Right, adapters)
		v.takesCreates(p+".right", pc.Right, spec.Right)
		if spec.Strategy == sync.Bidirectional {
			v.takesCreates(p+".left", pc.Left, spec.Left)
		}
		if m, ok := v.loaded.Mappings[pc.Mapping]; ok {
			spec.Mapping = m
			if spec.Strategy == sync.Bidirectional {
				if _, err := m.Invert(); err != nil {
					v.addf(p+".mapping", "mapping %q is not invertible, which a bidirectional pipeline needs: %s", pc.Mapping, oneLine(err))
				}
			}
		} else if pc.Mapping == "" {
			v.addf(p+".mapping", "is required")
		} else if _, exists := v.loaded.Config.Mappings[pc.Mapping]; !exists {
			have := slices.Sorted(func(yield func(string) bool) {
				for k := range v.loaded.Config.Mappings {
					if !yield(k) {
						return
					}
				}
			})
			v.addf(p+".mapping", "no mapping named %q (have: %s)", pc.Mapping, orDefault(strings.Join(have, ", "), "none"))
		}
		spec.Interval = v.duration(p+".schedule", pc.Schedule, spec.Strategy == sync.Pull || spec.Strategy == sync.Bidirectional)
		spec.Lookback = v.duration(p+".lookback", pc.Lookback, false)
		if pc.BatchSize < 0 {
			v.addf(p+".batch_size", "must not be negative")
		}
		if pc.RetryAttempts < 0 {
			v.addf(p+".retry_attempts", "must not be negative")
		}
		spec.Deletes = v.deletes(p+".deletes", pc.Deletes)
		spec.Filter, spec.FilterPaths = v.filter(p+".filter", pc.Filter)
		switch {
		case pc.Resolver != nil:
			if spec.Strategy != sync.Bidirectional {
				v.addf(p+".resolver", "only bidirectional pipelines resolve conflicts (strategy is %s)", pc.Strategy)
			}
			spec.NewResolver = v.resolver(p+".resolver", pc.Resolver)
		case spec.Strategy == sync.Bidirectional:
			v.addf(p+".resolver", "is required for a bidirectional pipeline (latest, authority, review, chain or policy)")
		}
		if pc.Name != "" {
			out[pc.Name] = spec
		}
		v.loaded.pipelines = append(v.loaded.pipelines, spec)
	}
	return out
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

func (v *validator) side(p string, sc SideConfig, adapters map[string]AdapterConfig) AdapterConfig {
	a, ok := adapters[sc.Adapter]
	switch {
	case sc.Adapter == "":
		v.addf(p+".adapter", "is required")
	case !ok:
		v.addf(p+".adapter", "no adapter named %q (have: %s)", sc.Adapter,
			names(v.loaded.Config.Adapters, func(a AdapterConfig) string { return a.Name }))
	}
	if sc.Type == "" {
		v.addf(p+".type", "is required (the CRM module, Books entity or table data type)")
	} else if _, configured := a.Entities[sc.Type]; ok && a.Kind == "zoho-books" && !configured && !slices.Contains(booksEntities, sc.Type) {
		v.addf(p+".type", "unknown Books entity %q (want %s, or a data type under entities)", sc.Type, strings.Join(booksEntities, ", "))
	} else if _, configured := a.Tables[sc.Type]; ok && a.Kind == "sql" && !configured {
		v.addf(p+".type", "adapter %q has no table for data type %q (add it under tables)", a.Name, sc.Type)
	} else if _, configured := a.Folders[sc.Type]; ok && a.Kind == "csv" && !configured {
		v.addf(p+".type", "adapter %q has no folder for data type %q (add it under folders)", a.Name, sc.Type)
	}
	return a
}

// takesCreates checks that a side a pipeline creates records on can make
// its creates idempotent, which the adapters require.
func (v *validator) takesCreates(p string, sc SideConfig, a AdapterConfig) {
	idx := slices.IndexFunc(v.loaded.Config.Adapters, func(x AdapterConfig) bool { return x.Name == a.Name })
	switch a.Kind {
	case "zoho-crm":
		if mc := a.Modules[sc.Type]; mc.KeyField == "" && len(mc.MatchFields) == 0 {
			v.addf(p+".type", "the pipeline creates %s records in CRM: set adapters[%d].modules.%s.key_field (a unique custom field) or match_fields, so that a create is never made twice", sc.Type, idx, sc.Type)
		}
	case "sql":
		if tc, ok := a.Tables[sc.Type]; ok && tc.KeyColumn == "" {
			v.addf(p+".type", "the pipeline creates rows in table %s: set adapters[%d].tables.%s.key_column (a unique column), so that a create is never made twice", orDefault(tc.Table, sc.Type), idx, sc.Type)
		}
	}
}

func (v *validator) deletes(p string, dc DeletesConfig) sync.DeletePolicy {
	pol := sync.DeletePolicy{Mode: sync.DeleteMode(dc.Mode), LeftFlag: dc.LeftFlag, RightFlag: dc.RightFlag}
	switch dc.Mode {
	case "", "ignore":
		pol.Mode = sync.DeleteIgnore
	case "propagate":
	case "flag":
		if dc.RightFlag == "" && dc.LeftFlag == "" {
			v.addf(p+".right_flag", "mode flag needs right_flag (and left_flag for bidirectional pipelines)")
		}
	default:
		v.addf(p+".mode", "unknown delete mode %q (want ignore, propagate or flag)", dc.Mode)
	}
	return pol
}

func (v *validator) filter(p string, conds []FilterConfig) (func(sync.Record) bool, []string) {
	if len(conds) == 0 {
		return nil, nil
	}
	type cond struct {
		path   transform.Path
		values []any
	}
	var cs []cond
	var paths []string
	for i, fc := range conds {
		cp := fmt.Sprintf("%s[%d]", p, i)
		path, err := transform.ParsePath(fc.Field)
		if err != nil {
			v.addf(cp+".field", "%v", err)
			continue
		}
		switch {
		case fc.Equals != nil && fc.In != nil:
			v.addf(cp, "set equals or in, not both")
		case fc.Equals != nil:
			cs = append(cs, cond{path, []any{fc.Equals}})
		case len(fc.In) > 0:
			cs = append(cs, cond{path, fc.In})
		default:
			v.addf(cp, "needs equals or in")
		}
		paths = append(paths, fc.Field)
	}
	return func(r sync.Record) bool {
		for _, c := range cs {
			got, ok := c.path.Get(r.Fields)
			if !ok || !slices.ContainsFunc(c.values, func(want any) bool { return transform.Equal(got, want) }) {
				return false
			}
		}
		return true
	}, paths
}

// resolver validates a resolver configuration and returns the function
// that builds it around the engine's review recorder.
func (v *validator) resolver(p string, rc *ResolverConfig) func(conflict.ReviewRecorder) (conflict.Resolver, error) {
	set := 0
	for _, b := range []bool{rc.Latest != nil, rc.Authority, rc.Review, rc.Chain != nil, rc.Policy != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		v.addf(p, "set exactly one of latest, authority, review, chain or policy (%d set)", set)
		return nil
	}
	table := v.loaded.Authority
	switch {
	case rc.Latest != nil:
		skew := v.duration(p+".latest.skew", rc.Latest.Skew, false)
		if rc.Latest.TieSystem != "" && table != nil {
			if _, ok := table.System(rc.Latest.TieSystem); !ok {
				v.addf(p+".latest.tie_system", "no system named %q in the authority table (have: %s)", rc.Latest.TieSystem,
					names(table.Systems(), func(s authority.System) string { return s.Name }))
			}
		}
		opts := &conflict.LatestOptions{Skew: skew, TieSystem: rc.Latest.TieSystem}
		return func(conflict.ReviewRecorder) (conflict.Resolver, error) { return conflict.NewLatest(opts) }
	case rc.Authority:
		return func(conflict.ReviewRecorder) (conflict.Resolver, error) { return conflict.NewAuthority(table) }
	case rc.Review:
		return func(rec conflict.ReviewRecorder) (conflict.Resolver, error) { return conflict.NewManualReview(rec) }
	case rc.Chain != nil:
		if len(rc.Chain) == 0 {
			v.addf(p+".chain", "lists no resolvers")
			return nil
		}
		parts := make([]func(conflict.ReviewRecorder) (conflict.Resolver, error), len(rc.Chain))
		for i := range rc.Chain {
			parts[i] = v.resolver(fmt.Sprintf("%s.chain[%d]", p, i), &rc.Chain[i])
		}
		return func(rec conflict.ReviewRecorder) (conflict.Resolver, error) {
			rs := make([]conflict.Resolver, len(parts))
			for i, f := range parts {
				r, err := f(rec)
				if err != nil {
					return nil, err
				}
				rs[i] = r
			}
			return conflict.NewChain(rs...)
		}
	default:
		return v.policy(p+".policy", rc.Policy)
	}
}

func (v *validator) policy(p string, pc *PolicyConfig) func(conflict.ReviewRecorder) (conflict.Resolver, error) {
	type rule struct {
		dataType, field string
		build           func(conflict.ReviewRecorder) (conflict.Resolver, error)
	}
	var rules []rule
	for i, rc := range pc.Rules {
		rp := fmt.Sprintf("%s.rules[%d]", p, i)
		if rc.Resolver == nil {
			v.addf(rp+".resolver", "is required")
			continue
		}
		build := v.resolver(rp+".resolver", rc.Resolver)
		if len(rc.Fields) == 0 && rc.DataType == "" {
			v.addf(rp, "needs fields or data_type")
		}
		if len(rc.Fields) == 0 {
			rules = append(rules, rule{rc.DataType, "", build})
		}
		for _, f := range rc.Fields {
			rules = append(rules, rule{rc.DataType, f, build})
		}
	}
	var def func(conflict.ReviewRecorder) (conflict.Resolver, error)
	if pc.Default != nil {
		def = v.resolver(p+".default", pc.Default)
	}
	return func(rec conflict.ReviewRecorder) (conflict.Resolver, error) {
		opts := &conflict.PolicyOptions{}
		for _, r := range rules {
			if r.build == nil {
				return nil, fmt.Errorf("policy rule for %q is invalid", r.field)
			}
			res, err := r.build(rec)
			if err != nil {
				return nil, err
			}
			opts.Rules = append(opts.Rules, conflict.PolicyRule{DataType: r.dataType, Field: r.field, Resolver: res})
		}
		if def != nil {
			res, err := def(rec)
			if err != nil {
				return nil, err
			}
			opts.Default = res
		}
		return conflict.NewPolicy(opts)
	}
}

func (v *validator) webhooks(pipes map[string]*PipelineSpec) {
	c := &v.loaded.Config.Webhooks
	paths := map[string]string{}
	webhookNames := map[string]string{}
	mount := func(p, name, path string) {
		// The name keys the receiver's jobs, routes and counts: two
		// receivers of one name would deduplicate each other's events.
		if prev, dup := webhookNames[name]; dup && name != "" {
			v.addf(p+".name", "duplicate webhook name %q (also %s)", name, prev)
		}
		webhookNames[name] = p
		if path == "" {
			path = "/webhooks/" + name
		}
		switch {
		case !strings.HasPrefix(path, "/"):
			v.addf(p+".path", "%q must start with /", path)
		case !plainPath(path):
			v.addf(p+".path", "%q is not a plain path: it must not be \"/\" nor hold empty or dot segments, '{', '}', '?', '#', '%%' or spaces", path)
		}
		if prev, dup := paths[path]; dup {
			v.addf(p+".path", "%q is already the path of %s", path, prev)
		}
		paths[path] = p
	}
	checkSide := func(p, pipeline, side string) {
		spec, ok := pipes[pipeline]
		switch {
		case pipeline == "":
			v.addf(p+".pipeline", "is required")
		case !ok:
			v.addf(p+".pipeline", "no pipeline named %q (have: %s)", pipeline,
				names(v.loaded.Config.Pipelines, func(pc PipelineConfig) string { return pc.Name }))
		}
		switch side {
		case "", string(store.Left):
		case string(store.Right):
			if ok && spec.Strategy != sync.Bidirectional {
				v.addf(p+".side", "a %s pipeline takes events of its left (source) side only", spec.Strategy)
			}
		default:
			v.addf(p+".side", "unknown side %q (want left or right)", side)
		}
	}
	for i, w := range c.CRM {
		p := fmt.Sprintf("webhooks.crm[%d]", i)
		if w.Name == "" {
			v.addf(p+".name", "is required")
		}
		mount(p, w.Name, w.Path)
		v.crmToken(p+".token_env", w.TokenEnv, v.secret(p+".token_env", w.TokenEnv, false))
		for ch, env := range w.ChannelTokensEnv {
			v.crmToken(p+".channel_tokens_env."+ch, env, v.secret(p+".channel_tokens_env."+ch, env, true))
		}
		if (w.SecretParam == "") != (w.SecretEnv == "") {
			v.addf(p+".secret_param", "set secret_param and secret_env together")
		}
		v.secret(p+".secret_env", w.SecretEnv, false)
		if w.TokenEnv == "" && len(w.ChannelTokensEnv) == 0 && w.SecretEnv == "" {
			v.addf(p, "needs token_env, channel_tokens_env or secret_param with secret_env: a receiver anyone could feed is refused")
		}
		if len(w.Routes) == 0 {
			v.addf(p+".routes", "lists no routes: notifications would reach no pipeline")
		}
		if ch := w.Channel; ch != nil {
			cp := p + ".channel"
			if !slices.ContainsFunc(v.loaded.Config.Zoho, func(c ConnectionConfig) bool { return c.Name == ch.Connection }) {
				v.addf(cp+".connection", "no Zoho connection named %q (have: %s)", ch.Connection,
					names(v.loaded.Config.Zoho, func(c ConnectionConfig) string { return c.Name }))
			}
			if ch.ID <= 0 {
				v.addf(cp+".id", "is required (a positive channel id)")
			}
			if len(ch.Events) == 0 {
				v.addf(cp+".events", "lists no events (\"Deals.all\", \"Accounts.edit\")")
			}
			if w.TokenEnv == "" {
				v.addf(cp, "needs token_env: the token the channel echoes")
			}
			if ch.NotifyURL != "" && !strings.HasPrefix(ch.NotifyURL, "https://") && !strings.HasPrefix(ch.NotifyURL, "http://") {
				v.addf(cp+".notify_url", "%q is not an http(s) URL", ch.NotifyURL)
			}
		}
		for j, r := range w.Routes {
			rp := fmt.Sprintf("%s.routes[%d]", p, j)
			if r.Module == "" {
				v.addf(rp+".module", "is required")
			}
			checkSide(rp, r.Pipeline, r.Side)
		}
	}
	for i, w := range c.Signed {
		p := fmt.Sprintf("webhooks.signed[%d]", i)
		if w.Name == "" {
			v.addf(p+".name", "is required")
		}
		mount(p, w.Name, w.Path)
		secret := v.secret(p+".secret_env", w.SecretEnv, true)
		switch w.Scheme {
		case "standard":
			if _, err := webhook.NewStandardVerifier(secret, nil); secret != "" && err != nil {
				v.addf(p+".secret_env", "the secret in %s is not a Standard Webhooks secret (whsec_ and base64)", w.SecretEnv)
			}
		case "github", "xero":
		case "hmac":
			if w.Header == "" {
				v.addf(p+".header", "is required for scheme hmac")
			}
			if !oneOf(w.Encoding, "", "hex", "base64") {
				v.addf(p+".encoding", "unknown encoding %q (want hex or base64)", w.Encoding)
			}
		default:
			v.addf(p+".scheme", "unknown scheme %q (want standard, hmac, github or xero)", w.Scheme)
		}
		if w.RecordIDField == "" {
			v.addf(p+".record_id_field", "is required: the path of the changed record's id in the body")
		}
		checkSide(p, w.Pipeline, w.Side)
	}
}

// maxCRMToken is the longest channel token Zoho takes.
const maxCRMToken = 50

// crmToken checks the length of a CRM channel token read from envName.
func (v *validator) crmToken(path, envName, token string) {
	if len(token) > maxCRMToken {
		v.addf(path, "the token in %s is %d characters; Zoho takes at most %d", envName, len(token), maxCRMToken)
	}
}

// plainPath reports whether p is a path the service's mux takes as it is:
// absolute, clean (a trailing slash aside), not the root (which would take
// every POST), and without pattern syntax ({}), '?', '#', '%', spaces or
// control characters.
func plainPath(p string) bool {
	if p == "/" || !strings.HasPrefix(p, "/") ||
		strings.ContainsAny(p, "{}?#%") || strings.ContainsFunc(p, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	trimmed := strings.TrimSuffix(p, "/")
	return path.Clean(trimmed) == trimmed
}
