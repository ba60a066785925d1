package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store/internal/codec"
)

// Review items of the Memory store. Reviews are kept encoded (see
// internal/codec), as the SQL stores keep them, and numbered "1", "2", ...

// RecordReview implements Store and conflict.ReviewRecorder.
func (m *Memory) RecordReview(ctx context.Context, r conflict.Review) (string, error) {
	if r.Key == "" {
		return "", fmt.Errorf("store: record review: Key is empty")
	}
	doc, err := codec.EncodeReview(r)
	if err != nil {
		return "", fmt.Errorf("store: record review %s: %w", r.Conflict, err)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	now := m.clock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if i, ok := m.openKeys[r.Key]; ok {
		return strconv.Itoa(i + 1), nil
	}
	m.reviews = append(m.reviews, memReview{key: r.Key, pipeline: r.Conflict.Pipeline, doc: doc, status: ReviewPending, created: now})
	i := len(m.reviews) - 1
	m.openKeys[r.Key] = i
	return strconv.Itoa(i + 1), nil
}

// reviewLocked returns the review with that ID, or ErrNotFound.
func (m *Memory) reviewLocked(op, id string) (*memReview, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > len(m.reviews) || strconv.Itoa(n) != id {
		return nil, fmt.Errorf("%w: %s: review %q", ErrNotFound, op, id)
	}
	return &m.reviews[n-1], nil
}

// Reviews implements Store.
func (m *Memory) Reviews(ctx context.Context, f ReviewFilter) ([]ReviewItem, error) {
	limit, err := ReviewLimit(f)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ReviewItem
	for i, r := range m.reviews {
		if len(out) == limit {
			break
		}
		if (f.Pipeline != "" && r.pipeline != f.Pipeline) || (len(f.Status) > 0 && !slices.Contains(f.Status, r.status)) {
			continue
		}
		item := ReviewItem{ID: strconv.Itoa(i + 1), Key: r.key, Status: r.status, Created: r.created, Applied: r.applied}
		if item.Review, err = codec.DecodeReview(r.doc); err != nil {
			return nil, fmt.Errorf("store: reviews: review %s: %w", item.ID, err)
		}
		if r.resolution != nil {
			if item.Resolution, err = codec.DecodeResolution(r.resolution); err != nil {
				return nil, fmt.Errorf("store: reviews: review %s: %w", item.ID, err)
			}
		}
		out = append(out, item)
	}
	return out, nil
}

// CountReviews implements Store.
func (m *Memory) CountReviews(ctx context.Context, status ReviewStatus) (map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int)
	for _, r := range m.reviews {
		if r.status == status {
			out[r.pipeline]++
		}
	}
	return out, nil
}

// Resolve implements Store.
func (m *Memory) Resolve(ctx context.Context, res conflict.Resolution) error {
	if err := res.Validate(); err != nil {
		return fmt.Errorf("store: resolve: %w", err)
	}
	if res.DecidedAt.IsZero() {
		res.DecidedAt = m.now()
	}
	res.DecidedAt = Timestamp(res.DecidedAt)
	doc, err := codec.EncodeResolution(res)
	if err != nil {
		return fmt.Errorf("store: resolve %s: %w", res.ReviewID, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.reviewLocked("resolve", res.ReviewID)
	if err != nil {
		return err
	}
	if r.status != ReviewPending {
		return fmt.Errorf("%w: resolve %s: it is %s", ErrReviewNotPending, res.ReviewID, r.status)
	}
	r.status, r.resolution = ReviewResolved, doc
	return nil
}
