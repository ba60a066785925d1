package zoho

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Edition is a Zoho CRM edition; it sets CRM's concurrency limit.
type Edition string

// CRM editions and their concurrency limits (simultaneous in-flight calls
// per organisation and client app).
const (
	EditionFree         Edition = "free"         // 5
	EditionStandard     Edition = "standard"     // 10
	EditionProfessional Edition = "professional" // 15
	EditionEnterprise   Edition = "enterprise"   // 20 (also Zoho One)
	EditionUltimate     Edition = "ultimate"     // 25 (also CRM Plus)
)

// Concurrency returns the edition's concurrency limit, and 0 for an unknown
// edition.
func (e Edition) Concurrency() int {
	switch e {
	case EditionFree:
		return 5
	case EditionStandard:
		return 10
	case EditionProfessional:
		return 15
	case EditionEnterprise:
		return 20
	case EditionUltimate:
		return 25
	}
	return 0
}

// Limit is one local rate limit. A request first waits for an in-flight
// slot (Concurrency), then for a start slot (Requests per Window); both
// waits end early with the context's error. Retries are requests too and
// pass the limiter again.
type Limit struct {
	// Requests is the most requests that may start in any Window (a sliding
	// window over start times, exact under a fake clock); 0 means no count
	// limit. Requests waiting for a start slot get one in arrival order.
	Requests int
	Window   time.Duration
	// Concurrency is the most requests in flight at once (a request is in
	// flight until its answer's body is read); 0 means no limit.
	Concurrency int
	// MaxWait is the longest wait for a start slot: a longer one fails at
	// once with *LimitError (say, a daily quota that is used up). Zero
	// means as long as the context allows; a wait that would outlast the
	// context's deadline also fails at once.
	MaxWait time.Duration
	// Unlimited turns off this product's limit, defaults included.
	Unlimited bool
}

// RateLimits sets the client's local rate limits per product. Every limit
// applies per organisation key: the Request's OrgID, else the client's
// OrgID. The zero value gives the defaults below, which follow Zoho's
// published limits; the limiters live in the process, so replicas that
// share an organisation should each get their share.
type RateLimits struct {
	// Disabled turns off every local limit.
	Disabled bool
	// CRMEdition sets CRM's default concurrency; zero means EditionFree
	// (5 in flight), the safe choice when the edition is unknown.
	CRMEdition Edition
	// CRM covers CRM, CRMBulk and CRMUpload requests. Zero means
	// Limit{Concurrency: CRMEdition.Concurrency()}.
	CRM Limit
	// Books: zero means 100 requests per minute (Zoho's per-organisation
	// limit).
	Books Limit
	// Inventory: zero means 100 requests per minute.
	Inventory Limit
	// Projects: zero means 90 requests per 2 minutes. Zoho allows 100 and
	// locks the client out for 30 minutes beyond that; the 10% headroom
	// absorbs clock skew and network latency between our window and Zoho's.
	Projects Limit
	// People: zero means no local limit. Zoho's People quota is per day and
	// depends on licences; set it, e.g. Limit{Requests: 2500, Window: 24 *
	// time.Hour, MaxWait: time.Minute}.
	People Limit
}

// limitFor returns the effective limit for a limiter group.
func (r RateLimits) limitFor(group string) Limit {
	if r.Disabled {
		return Limit{Unlimited: true}
	}
	var l, def Limit
	switch group {
	case "crm":
		l = r.CRM
		ed := r.CRMEdition
		if ed == "" {
			ed = EditionFree
		}
		def = Limit{Concurrency: ed.Concurrency()}
	case "books":
		l, def = r.Books, Limit{Requests: 100, Window: time.Minute}
	case "inventory":
		l, def = r.Inventory, Limit{Requests: 100, Window: time.Minute}
	case "projects":
		l, def = r.Projects, Limit{Requests: 90, Window: 2 * time.Minute}
	case "people":
		l = r.People
	default:
		return Limit{Unlimited: true}
	}
	if l == (Limit{}) {
		return def
	}
	return l
}

func (r RateLimits) validate() error {
	if r.CRMEdition != "" && r.CRMEdition.Concurrency() == 0 {
		return fmt.Errorf("zoho: Config.RateLimits.CRMEdition %q is not a known edition", r.CRMEdition)
	}
	for _, f := range []struct {
		name string
		l    Limit
	}{{"CRM", r.CRM}, {"Books", r.Books}, {"Inventory", r.Inventory}, {"Projects", r.Projects}, {"People", r.People}} {
		switch {
		case f.l.Requests < 0:
			return fmt.Errorf("zoho: Config.RateLimits.%s.Requests is negative", f.name)
		case f.l.Concurrency < 0:
			return fmt.Errorf("zoho: Config.RateLimits.%s.Concurrency is negative", f.name)
		case f.l.Window < 0 || f.l.MaxWait < 0:
			return fmt.Errorf("zoho: Config.RateLimits.%s has a negative duration", f.name)
		case f.l.Requests > 0 && f.l.Window == 0:
			return fmt.Errorf("zoho: Config.RateLimits.%s.Window is zero but Requests is set", f.name)
		}
	}
	return nil
}

// limiters holds one limiter per product group and organisation key,
// created on first use.
type limiters struct {
	cfg   RateLimits
	clock Clock
	mu    sync.Mutex
	byKey map[string]*limiter
}

func newLimiters(cfg RateLimits, clk Clock) *limiters {
	return &limiters{cfg: cfg, clock: clk, byKey: map[string]*limiter{}}
}

// limiter enforces one Limit for one key.
type limiter struct {
	key     string
	sem     chan struct{} // nil when no concurrency limit
	limit   int
	window  time.Duration
	maxWait time.Duration

	mu     sync.Mutex
	starts []time.Time // start times inside the window and reserved ones, oldest first
}

// acquire waits for p's limiter for org and returns the release function
// to call when the request is no longer in flight.
func (ls *limiters) acquire(ctx context.Context, p Product, org string) (func(), error) {
	group := p.limitGroup()
	lim := ls.cfg.limitFor(group)
	if lim.Unlimited || (lim.Requests == 0 && lim.Concurrency == 0) {
		return func() {}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err // an ended caller takes no slot
	}
	key := group + ":" + org
	ls.mu.Lock()
	l, ok := ls.byKey[key]
	if !ok {
		l = &limiter{key: key, limit: lim.Requests, window: lim.Window, maxWait: lim.MaxWait}
		if lim.Concurrency > 0 {
			l.sem = make(chan struct{}, lim.Concurrency)
		}
		ls.byKey[key] = l
	}
	ls.mu.Unlock()

	if l.sem != nil {
		select {
		case l.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	release := func() {
		if l.sem != nil {
			<-l.sem
		}
	}
	if l.limit > 0 {
		if err := l.waitStart(ctx, ls.clock, p); err != nil {
			release()
			return nil, err
		}
	}
	var once sync.Once
	return func() { once.Do(release) }, nil
}

// waitStart reserves the caller's start slot in the sliding window and
// waits for it. Slots are handed out in arrival order: a caller reserves
// the earliest slot that keeps the window's limit, behind the callers
// already waiting, so nobody is overtaken and the wait is known at once
// (MaxWait and the deadline are checked against it). A caller that gives
// up releases its reservation, so it takes no slot.
func (l *limiter) waitStart(ctx context.Context, clk Clock, p Product) error {
	var wait time.Duration
	at, ok := l.reserve(clk.Now(), func(d time.Duration) bool {
		wait = d
		return (l.maxWait > 0 && d > l.maxWait) || deadlineBefore(ctx, d)
	})
	if !ok {
		return &LimitError{Product: p, Key: l.key, Wait: wait}
	}
	err := Sleep(ctx, clk, wait)
	if err == nil {
		err = ctx.Err() // the slot came as the caller left: it is not used
	}
	if err != nil {
		l.unreserve(at)
		return err
	}
	return nil
}

// reserve takes the earliest start at or after now that keeps at most
// limit starts in any half-open interval of length window (a start at s
// occupies [s, s+window)), and returns it. When refuse rejects the wait
// until it, nothing is reserved and ok is false.
//
// starts holds past starts and future reservations, oldest first. Any
// interval that contains the new start t = starts[n-limit]+window begins
// after starts[n-limit], so it holds at most the limit-1 later entries
// besides t.
func (l *limiter) reserve(now time.Time, refuse func(wait time.Duration) bool) (at time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := now.Add(-l.window)
	i := 0
	for i < len(l.starts) && !l.starts[i].After(cut) {
		i++
	}
	l.starts = l.starts[i:]
	at = now
	if n := len(l.starts); n >= l.limit {
		if t := l.starts[n-l.limit].Add(l.window); t.After(at) {
			at = t
		}
	}
	if d := at.Sub(now); d > 0 && refuse(d) {
		return time.Time{}, false
	}
	pos, _ := slices.BinarySearchFunc(l.starts, at, time.Time.Compare)
	l.starts = slices.Insert(l.starts, pos, at)
	return at, true
}

// unreserve gives back a reservation made by reserve.
func (l *limiter) unreserve(at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i, found := slices.BinarySearchFunc(l.starts, at, time.Time.Compare); found {
		l.starts = slices.Delete(l.starts, i, i+1)
	}
}
