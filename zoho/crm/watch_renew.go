package crm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// RenewerOptions configures a Renewer. The zero value works.
type RenewerOptions struct {
	// Lifetime is how far ahead each renewal sets a channel's expiry;
	// zero means MaxChannelExpiry less an hour (room for clock skew:
	// Zoho falls back to a one-hour expiry when asked for more than a
	// week). At most MaxChannelExpiry.
	Lifetime time.Duration
	// Margin is how long before a channel's expiry it is renewed; zero
	// means an hour. It must be below Lifetime.
	Margin time.Duration
	// RetryInterval is the wait before retrying a failed renewal; zero
	// means a minute.
	RetryInterval time.Duration
	// Logger receives a line per renewal and per failure (channel ids and
	// expiries, never tokens); nil means the zoho.Client's logger.
	Logger *slog.Logger
	// OnRenew, when set, is called after each renewal attempt of a channel
	// with its new expiry, or the error.
	OnRenew func(channelID int64, expiry time.Time, err error)
}

// Renewer keeps notification channels alive: it subscribes them with an
// expiry Lifetime ahead, and renews each one Margin before it expires, on
// the zoho.Client's clock, until its context ends. A renewal extends the
// channel (PATCH channel_expiry), or enables it again when Zoho no longer
// knows it (it expired, or was removed).
type Renewer struct {
	s       *WatchService
	opts    RenewerOptions
	log     *slog.Logger
	watches []Watch
}

// NewRenewer returns a Renewer for the channels; Run starts it. The
// ChannelExpiry of the watches is ignored: the renewer sets it.
func (s *WatchService) NewRenewer(watches []Watch, opts *RenewerOptions) (*Renewer, error) {
	var o RenewerOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case len(watches) == 0:
		return nil, errors.New("crm: NewRenewer: no channels given")
	case o.Lifetime < 0 || o.Lifetime > MaxChannelExpiry:
		return nil, fmt.Errorf("crm: RenewerOptions.Lifetime %s is outside 0..%s", o.Lifetime, MaxChannelExpiry)
	case o.Margin < 0:
		return nil, errors.New("crm: RenewerOptions.Margin is negative")
	case o.RetryInterval < 0:
		return nil, errors.New("crm: RenewerOptions.RetryInterval is negative")
	}
	if o.Lifetime == 0 {
		o.Lifetime = MaxChannelExpiry - time.Hour
	}
	if o.Margin == 0 {
		o.Margin = time.Hour
	}
	if o.Margin >= o.Lifetime {
		return nil, fmt.Errorf("crm: RenewerOptions.Margin %s is not below Lifetime %s", o.Margin, o.Lifetime)
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = time.Minute
	}
	now := s.c.zc.Clock().Now()
	ws := make([]Watch, len(watches))
	seen := map[int64]bool{}
	for i, w := range watches {
		w.ChannelExpiry = time.Time{}
		if err := w.validate(now, true); err != nil {
			return nil, fmt.Errorf("crm: NewRenewer: channel %d: %w", w.ChannelID, err)
		}
		if seen[w.ChannelID] {
			return nil, fmt.Errorf("crm: NewRenewer: channel %d given twice", w.ChannelID)
		}
		seen[w.ChannelID] = true
		w.Events = slices.Clone(w.Events)
		ws[i] = w
	}
	log := o.Logger
	if log == nil {
		log = s.c.zc.Logger()
	}
	return &Renewer{s: s, opts: o, log: log, watches: ws}, nil
}

// Run subscribes the channels at once, then renews each before it expires,
// until ctx ends; it returns ctx's error. Failed renewals are logged,
// reported to OnRenew and retried after RetryInterval (or sooner, when the
// channel would expire first).
func (r *Renewer) Run(ctx context.Context) error {
	clk := r.s.c.zc.Clock()
	next := make([]time.Time, len(r.watches)) // when each channel is due; zero: now
	expiry := make([]time.Time, len(r.watches))
	for {
		now := clk.Now()
		for i := range r.watches {
			if next[i].After(now) {
				continue
			}
			exp, err := r.renew(ctx, r.watches[i], now)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				retry := now.Add(r.opts.RetryInterval)
				if !expiry[i].IsZero() {
					// Retry sooner when the channel would lapse first.
					retry = minTime(retry, now.Add(max(expiry[i].Sub(now)/2, time.Second)))
				}
				next[i] = retry
				continue
			}
			expiry[i] = exp
			next[i] = exp.Add(-r.opts.Margin)
			if !next[i].After(now) {
				// Zoho granted less than Margin (its one-hour default, say):
				// renew halfway to that expiry, not at once over and over.
				wait := exp.Sub(now) / 2
				if wait < time.Second {
					wait = r.opts.RetryInterval
				}
				next[i] = now.Add(wait)
			}
		}
		wake := next[0]
		for _, t := range next[1:] {
			wake = minTime(wake, t)
		}
		if err := zoho.Sleep(ctx, clk, wake.Sub(clk.Now())); err != nil {
			return err
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// renew extends one channel, or enables it when Zoho does not know it. It
// returns the expiry Zoho reported.
func (r *Renewer) renew(ctx context.Context, w Watch, now time.Time) (time.Time, error) {
	want := now.Add(r.opts.Lifetime).Truncate(time.Second)
	w.ChannelExpiry = want
	res, _, err := r.s.Patch(ctx, Watch{ChannelID: w.ChannelID, ChannelExpiry: want})
	action := "extended"
	if errors.Is(err, zoho.ErrNotFound) {
		action = "enabled"
		res, _, err = r.s.Enable(ctx, w)
	}
	exp := want
	if err == nil && len(res) == 1 {
		if got, ok := res[0].Expiry(); ok {
			exp = got
		}
	}
	if err != nil {
		r.log.Warn("crm: watch channel renewal failed", "channel_id", w.ChannelID, "error", err)
	} else {
		r.log.Info("crm: watch channel "+action, "channel_id", w.ChannelID, "channel_expiry", exp)
		if exp.Before(want.Add(-time.Minute)) {
			r.log.Warn("crm: Zoho set an earlier expiry than asked", "channel_id", w.ChannelID, "asked", want, "got", exp)
		}
	}
	if r.opts.OnRenew != nil {
		r.opts.OnRenew(w.ChannelID, exp, err)
	}
	return exp, err
}
