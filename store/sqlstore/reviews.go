package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/internal/codec"
)

// reviewQueries are the fixed statements of review items.
type reviewQueries struct {
	insert, openByKey, resolve, status string
}

func newReviewQueries(d *dialect) reviewQueries {
	q := reviewQueries{
		insert: `INSERT INTO zohokit_reviews (key, pipeline, status, review, created_at) VALUES ($1, $2, 'pending', $3, $4)
	ON CONFLICT (key) WHERE status IN ('pending', 'resolved') DO NOTHING RETURNING id`,
		openByKey: `SELECT id FROM zohokit_reviews WHERE key = $1 AND status IN ('pending', 'resolved')`,
		resolve: `UPDATE zohokit_reviews SET status = 'resolved', resolution = $1, resolved_at = $2
	WHERE id = $3 AND status = 'pending'`,
		status: `SELECT status FROM zohokit_reviews WHERE id = $1`,
	}
	for _, p := range []*string{&q.insert, &q.openByKey, &q.resolve, &q.status} {
		*p = d.rebind(*p)
	}
	return q
}

var (
	sqliteReviewQueries   = newReviewQueries(sqliteDialect)
	postgresReviewQueries = newReviewQueries(postgresDialect)
)

func (s *Store) vq() *reviewQueries {
	if s.d.postgres {
		return &postgresReviewQueries
	}
	return &sqliteReviewQueries
}

// RecordReview implements store.Store and conflict.ReviewRecorder. Review
// IDs are the decimal row IDs.
func (s *Store) RecordReview(ctx context.Context, r conflict.Review) (string, error) {
	if r.Key == "" {
		return "", errors.New("store: record review: Key is empty")
	}
	doc, err := codec.EncodeReview(r)
	if err != nil {
		return "", fmt.Errorf("store: record review %s: %w", r.Conflict, err)
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return "", fmt.Errorf("sqlstore: record review %s: %w", r.Conflict, err)
	}
	defer unlock()
	// The insert does nothing when an open review holds the key; that
	// review may then be applied before it is read, which is the only case
	// the loop runs again.
	for range 3 {
		var id int64
		err := s.scanOne(ctx, nil, s.vq().insert, []any{r.Key, r.Conflict.Pipeline, string(doc), s.d.timeArg(s.clock())}, &id)
		if errors.Is(err, sql.ErrNoRows) {
			err = s.scanOne(ctx, nil, s.vq().openByKey, []any{r.Key}, &id)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
		}
		if err != nil {
			return "", fmt.Errorf("sqlstore: record review %s: %w", r.Conflict, err)
		}
		return strconv.FormatInt(id, 10), nil
	}
	return "", fmt.Errorf("sqlstore: record review %s: the review holding its key kept changing", r.Conflict)
}

// CountReviews implements store.Store with one grouped count over the
// (status, id) index.
func (s *Store) CountReviews(ctx context.Context, status store.ReviewStatus) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT pipeline, count(*) FROM zohokit_reviews WHERE status = $1 GROUP BY pipeline`), string(status))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: count reviews: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int)
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			return nil, fmt.Errorf("sqlstore: count reviews: %w", err)
		}
		out[p] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: count reviews: %w", err)
	}
	return out, nil
}

// Reviews implements store.Store.
func (s *Store) Reviews(ctx context.Context, f store.ReviewFilter) ([]store.ReviewItem, error) {
	limit, err := store.ReviewLimit(f)
	if err != nil {
		return nil, err
	}
	var where []string
	args := []any{limit}
	if f.Pipeline != "" {
		args = append(args, f.Pipeline)
		where = append(where, fmt.Sprintf("pipeline = $%d", len(args)))
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			args = append(args, string(st))
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "status IN ("+strings.Join(ph, ", ")+")")
	}
	q := `SELECT id, key, status, review, resolution, created_at, applied_at FROM zohokit_reviews`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q = s.d.rebind(q + ` ORDER BY id LIMIT $1`)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reviews: %w", err)
	}
	defer rows.Close()
	var out []store.ReviewItem
	for rows.Next() {
		var it store.ReviewItem
		var id int64
		var status, doc string
		var resolution sql.NullString
		if err := rows.Scan(&id, &it.Key, &status, &doc, &resolution, dbTime{&it.Created}, dbTime{&it.Applied}); err != nil {
			return nil, fmt.Errorf("sqlstore: reviews: %w", err)
		}
		it.ID, it.Status = strconv.FormatInt(id, 10), store.ReviewStatus(status)
		if it.Review, err = codec.DecodeReview([]byte(doc)); err != nil {
			return nil, fmt.Errorf("sqlstore: reviews: review %s: %w", it.ID, err)
		}
		if resolution.Valid {
			if it.Resolution, err = codec.DecodeResolution([]byte(resolution.String)); err != nil {
				return nil, fmt.Errorf("sqlstore: reviews: review %s: %w", it.ID, err)
			}
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: reviews: %w", err)
	}
	return out, nil
}

// Resolve implements store.Store.
func (s *Store) Resolve(ctx context.Context, res conflict.Resolution) error {
	if err := res.Validate(); err != nil {
		return fmt.Errorf("store: resolve: %w", err)
	}
	if res.DecidedAt.IsZero() {
		res.DecidedAt = s.now()
	}
	res.DecidedAt = store.Timestamp(res.DecidedAt)
	doc, err := codec.EncodeResolution(res)
	if err != nil {
		return fmt.Errorf("store: resolve %s: %w", res.ReviewID, err)
	}
	id, ok := reviewID(res.ReviewID)
	if !ok {
		return fmt.Errorf("%w: resolve: review %q", store.ErrNotFound, res.ReviewID)
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: resolve %s: %w", res.ReviewID, err)
	}
	defer unlock()
	r, err := s.exec(ctx, nil, s.vq().resolve, string(doc), s.d.timeArg(s.clock()), id)
	if err != nil {
		return fmt.Errorf("sqlstore: resolve %s: %w", res.ReviewID, err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: resolve %s: %w", res.ReviewID, err)
	} else if n == 1 {
		return nil
	}
	var status string
	err = s.scanOne(ctx, nil, s.vq().status, []any{id}, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: resolve: review %q", store.ErrNotFound, res.ReviewID)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: resolve %s: %w", res.ReviewID, err)
	}
	return fmt.Errorf("%w: resolve %s: it is %s", store.ErrReviewNotPending, res.ReviewID, status)
}
