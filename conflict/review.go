package conflict

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Review is a conflict waiting for a person to decide.
type Review struct {
	// Key identifies the conflict regardless of which side is left and of
	// the values (ReviewKey): the same field of the same linked records in
	// the same pipeline has the same key.
	Key string
	// Conflict is the conflict as first recorded; a Resolution's TakeLeft
	// and TakeRight refer to its sides.
	Conflict Conflict
	// Reason says why it is held, for the dashboard.
	Reason string
}

// ReviewKey returns the identity of c's review: pipeline, data type, field
// and the two (system, record ID) pairs in a canonical order, so that a
// conflict and its Swap have the same key.
func ReviewKey(c Conflict) string {
	a := [2]string{c.LeftSystem, c.LeftID}
	b := [2]string{c.RightSystem, c.RightID}
	if cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) > 0 {
		a, b = b, a
	}
	parts := []string{c.Pipeline, c.DataType, c.Field, a[0], a[1], b[0], b[1]}
	for i, p := range parts {
		parts[i] = strconv.Quote(p)
	}
	return strings.Join(parts, " ")
}

// ReviewRecorder stores conflicts for a person to decide. The store package
// implements it durably; MemoryReviews is an in-memory implementation.
type ReviewRecorder interface {
	// RecordReview stores r and returns the review's ID. It must be
	// idempotent by r.Key: while a review with that key is undecided,
	// recording it again changes nothing and returns the same ID (a held
	// field conflicts again on every sync run until a person decides).
	RecordReview(ctx context.Context, r Review) (id string, err error)
}

// ManualReview holds every conflict for a person: it records the conflict
// through a ReviewRecorder and returns Hold with the review's ID. The sync
// engine leaves the field as it is on both sides until the person's
// Resolution comes back.
//
// It decides Hold for every conflict, so it belongs last in a Chain, or on
// the fields a Policy reserves for people.
type ManualReview struct {
	rec ReviewRecorder
}

var _ Resolver = (*ManualReview)(nil)

// NewManualReview returns a ManualReview recording through rec.
func NewManualReview(rec ReviewRecorder) (*ManualReview, error) {
	if rec == nil {
		return nil, errors.New("conflict: NewManualReview: recorder is nil")
	}
	return &ManualReview{rec: rec}, nil
}

// Resolve records c for review and holds the field.
func (m *ManualReview) Resolve(ctx context.Context, c Conflict) (Decision, error) {
	id, err := m.rec.RecordReview(ctx, Review{Key: ReviewKey(c), Conflict: c, Reason: "held for a person to decide"})
	if err != nil {
		return Decision{}, fmt.Errorf("conflict: %s: record review: %w", c, err)
	}
	if id == "" {
		return Decision{}, fmt.Errorf("conflict: %s: record review: the recorder returned an empty review ID", c)
	}
	return Decision{Action: Hold, ReviewID: id, Reason: "held for review " + id}, nil
}

// Resolution is a person's decision on a held review, which the sync engine
// applies on its next run.
type Resolution struct {
	// ReviewID names the review decided.
	ReviewID string
	// Action is TakeLeft, TakeRight (the sides of the Review's Conflict) or
	// UseValue.
	Action Action
	// Value is the value to write, for UseValue.
	Value any
	// DecidedBy and DecidedAt record who decided and when, for the audit
	// trail. Optional.
	DecidedBy string
	DecidedAt time.Time
	// Note is the person's comment. Optional.
	Note string
}

// ErrInvalidResolution is returned (wrapped) for a Resolution that cannot be
// applied.
var ErrInvalidResolution = errors.New("invalid resolution")

// Validate reports whether r can be applied: it names a review and its
// Action is TakeLeft, TakeRight or UseValue.
func (r Resolution) Validate() error {
	if r.ReviewID == "" {
		return fmt.Errorf("conflict: %w: ReviewID is empty", ErrInvalidResolution)
	}
	switch r.Action {
	case TakeLeft, TakeRight, UseValue:
		return nil
	default:
		return fmt.Errorf("conflict: %w: Action is %s (want take-left, take-right or use-value)", ErrInvalidResolution, r.Action)
	}
}

// Decision returns the resolution as a Decision to apply to the review's
// Conflict, with a reason naming the review and who decided.
func (r Resolution) Decision() Decision {
	reason := "review " + r.ReviewID + " decided"
	if r.DecidedBy != "" {
		reason += " by " + r.DecidedBy
	}
	if r.Note != "" {
		reason += ": " + r.Note
	}
	d := Decision{Action: r.Action, Reason: reason}
	if r.Action == UseValue {
		d.Value = r.Value
	}
	return d
}

// ErrReviewNotFound is returned (wrapped) by MemoryReviews.Decide for a
// review that does not exist or is already decided.
var ErrReviewNotFound = errors.New("review not found")

// RecordedReview is a review as a recorder holds it.
type RecordedReview struct {
	ID string
	Review
	// Resolution is the person's decision; nil while pending.
	Resolution *Resolution
}

// MemoryReviews is an in-memory ReviewRecorder for tests and single-process
// tools: reviews are numbered "review-1", "review-2", ... in the order
// recorded. It is safe for concurrent use, and its zero value is ready to
// use.
type MemoryReviews struct {
	mu      sync.Mutex
	reviews []RecordedReview // index i holds "review-(i+1)"
	open    map[string]int   // key → index of the undecided review
}

var _ ReviewRecorder = (*MemoryReviews)(nil)

// NewMemoryReviews returns an empty MemoryReviews.
func NewMemoryReviews() *MemoryReviews {
	return &MemoryReviews{open: make(map[string]int)}
}

// RecordReview stores r, or returns the ID of the undecided review with the
// same key.
func (m *MemoryReviews) RecordReview(ctx context.Context, r Review) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if r.Key == "" {
		return "", errors.New("conflict: record review: Key is empty")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if i, ok := m.open[r.Key]; ok {
		return m.reviews[i].ID, nil
	}
	if m.open == nil {
		m.open = make(map[string]int)
	}
	i := len(m.reviews)
	m.reviews = append(m.reviews, RecordedReview{ID: "review-" + strconv.Itoa(i+1), Review: r})
	m.open[r.Key] = i
	return m.reviews[i].ID, nil
}

// Pending returns the undecided reviews in the order recorded.
func (m *MemoryReviews) Pending() []RecordedReview {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []RecordedReview
	for _, r := range m.reviews {
		if r.Resolution == nil {
			out = append(out, r)
		}
	}
	return out
}

// Get returns the review with that ID, pending or decided.
func (m *MemoryReviews) Get(id string) (RecordedReview, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.reviews {
		if r.ID == id {
			if r.Resolution != nil {
				res := *r.Resolution
				r.Resolution = &res
			}
			return r, true
		}
	}
	return RecordedReview{}, false
}

// Decide records a person's resolution of a pending review. Once decided,
// the review no longer dedups: the same conflict arising again is a new
// review.
func (m *MemoryReviews) Decide(ctx context.Context, res Resolution) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := res.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.reviews {
		r := &m.reviews[i]
		if r.ID != res.ReviewID {
			continue
		}
		if r.Resolution != nil {
			return fmt.Errorf("conflict: decide %s: %w (already decided)", res.ReviewID, ErrReviewNotFound)
		}
		r.Resolution = &res
		delete(m.open, r.Key)
		return nil
	}
	return fmt.Errorf("conflict: decide %s: %w", res.ReviewID, ErrReviewNotFound)
}
