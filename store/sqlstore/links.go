package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/zohokit/zohokit/store"
)

const linkColumns = `left_id, right_id, base, left_hash, right_hash, left_modified, right_modified, deleted, updated_at`

const upsertLinkSet = ` ON CONFLICT (pipeline, left_id) DO UPDATE SET right_id = excluded.right_id, base = excluded.base,
	left_hash = excluded.left_hash, right_hash = excluded.right_hash, left_modified = excluded.left_modified,
	right_modified = excluded.right_modified, deleted = excluded.deleted, updated_at = excluded.updated_at`

// linkQueries are the fixed statements of cursors, links and checkpoints.
type linkQueries struct {
	cursorGet, cursorSet             string
	linksByLeft, linksByRight        string
	holders, deleteLinks, upsertLink string
	reviewStatuses, applyReviews     string
}

func newLinkQueries(d *dialect) linkQueries {
	q := linkQueries{
		cursorGet: `SELECT position FROM zohokit_cursors WHERE pipeline = $1 AND side = $2`,
		cursorSet: `INSERT INTO zohokit_cursors (pipeline, side, position, updated_at) VALUES ($1, $2, $3, $4)
	ON CONFLICT (pipeline, side) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
		linksByLeft:  d.lookup(linkColumns, "left_id"),
		linksByRight: d.lookup(linkColumns, "right_id"),
		// The stored links holding right IDs a checkpoint links.
		holders:        d.lookup("left_id, right_id", "right_id"),
		deleteLinks:    `DELETE FROM zohokit_links WHERE pipeline = $1 AND ` + d.in("left_id", 2, "text"),
		reviewStatuses: `SELECT id, status FROM zohokit_reviews WHERE ` + d.in("id", 1, "bigint"),
		applyReviews:   `UPDATE zohokit_reviews SET status = 'applied', applied_at = $1 WHERE status = 'resolved' AND ` + d.in("id", 2, "bigint"),
	}
	if d.postgres {
		// Every link of the checkpoint in one statement.
		q.upsertLink = `INSERT INTO zohokit_links (pipeline, ` + linkColumns + `)
	SELECT $1, u.left_id, u.right_id, u.base, u.left_hash, u.right_hash, u.left_modified, u.right_modified, u.deleted, $2
	FROM unnest($3::text[], $4::text[], $5::bytea[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::boolean[])
		AS u(left_id, right_id, base, left_hash, right_hash, left_modified, right_modified, deleted)` + upsertLinkSet
	} else {
		// One link per execution of a prepared statement: SQLite runs in
		// process, so an execution costs no round trip.
		q.upsertLink = `INSERT INTO zohokit_links (pipeline, ` + linkColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)` + upsertLinkSet
	}
	for _, p := range []*string{&q.cursorGet, &q.cursorSet, &q.linksByLeft, &q.linksByRight, &q.holders,
		&q.deleteLinks, &q.upsertLink, &q.reviewStatuses, &q.applyReviews} {
		*p = d.rebind(*p)
	}
	return q
}

var (
	sqliteLinkQueries   = newLinkQueries(sqliteDialect)
	postgresLinkQueries = newLinkQueries(postgresDialect)
)

func (s *Store) lq() *linkQueries {
	if s.d.postgres {
		return &postgresLinkQueries
	}
	return &sqliteLinkQueries
}

// Cursor implements store.Store.
func (s *Store) Cursor(ctx context.Context, pipeline string, side store.Side) (string, error) {
	if err := store.CheckPipeline("cursor", pipeline); err != nil {
		return "", err
	}
	if !side.Valid() {
		return "", fmt.Errorf("store: cursor %s: side %q (want left or right)", pipeline, string(side))
	}
	var c string
	err := s.scanOne(ctx, nil, s.lq().cursorGet, []any{pipeline, string(side)}, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: cursor %s %s: %w", pipeline, side, err)
	}
	return c, nil
}

// Links implements store.Store with one query.
func (s *Store) Links(ctx context.Context, pipeline string, side store.Side, ids []string) (map[string]store.Link, error) {
	if err := store.CheckPipeline("links", pipeline); err != nil {
		return nil, err
	}
	if !side.Valid() {
		return nil, fmt.Errorf("store: links %s: side %q (want left or right)", pipeline, string(side))
	}
	out := make(map[string]store.Link, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := s.lq().linksByLeft
	if side == store.Right {
		q = s.lq().linksByRight
	}
	list, err := s.d.listArg(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: links %s: %w", pipeline, err)
	}
	rows, err := s.query(ctx, nil, q, pipeline, list)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: links %s: %w", pipeline, err)
	}
	defer rows.Close()
	for rows.Next() {
		l := store.Link{Pipeline: pipeline}
		if err := rows.Scan(&l.LeftID, &l.RightID, &l.Base, &l.LeftHash, &l.RightHash,
			dbTime{&l.LeftModified}, dbTime{&l.RightModified}, &l.Deleted, dbTime{&l.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("sqlstore: links %s: %w", pipeline, err)
		}
		if len(l.Base) == 0 {
			l.Base = nil
		}
		key := l.LeftID
		if side == store.Right {
			key = l.RightID
		}
		out[key] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: links %s: %w", pipeline, err)
	}
	return out, nil
}

// Commit implements store.Store: one transaction. On PostgreSQL a
// checkpoint of links and cursors is usually written in one round trip (see
// the package documentation), and a transaction that lost a deadlock to a
// concurrent one is run again (up to three times in all).
func (s *Store) Commit(ctx context.Context, cp store.Checkpoint) error {
	return s.commit(ctx, cp, nil)
}

// CommitTx implements store.TxCommitter: the checkpoint's writes, then
// within's, in one transaction. within is called once; its error is
// returned wrapped.
func (s *Store) CommitTx(ctx context.Context, cp store.Checkpoint, within func(ctx context.Context, tx *sql.Tx) error) error {
	return s.commit(ctx, cp, within)
}

func (s *Store) commit(ctx context.Context, cp store.Checkpoint, within func(ctx context.Context, tx *sql.Tx) error) error {
	p, err := store.PrepareCheckpoint(cp)
	if err != nil {
		return err
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: commit %s: %w", p.Pipeline, err)
	}
	defer unlock()
	if s.pool != nil && within == nil && len(p.AppliedReviews) == 0 {
		done, err := s.commitBatch(ctx, p)
		if done {
			if err != nil && !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("sqlstore: commit %s: %w", p.Pipeline, err)
			}
			return err
		}
	}
	attempts := 1
	if within == nil {
		attempts = 3
	}
	var withinErr error
	for attempt := 1; ; attempt++ {
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if err := s.applyCheckpoint(ctx, tx, p); err != nil {
				return err
			}
			if within != nil {
				if err := within(ctx, tx); err != nil {
					withinErr = fmt.Errorf("sqlstore: commit %s: within the transaction: %w", p.Pipeline, err)
					return withinErr
				}
			}
			return nil
		})
		if err == nil || attempt == attempts || !retryable(err) {
			break
		}
	}
	switch {
	case err == nil:
		return nil
	case withinErr != nil && err == withinErr,
		errors.Is(err, store.ErrConflictingLink), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrReviewNotResolved):
		return err
	case linkConflict(err):
		// A concurrent commit linked one of the right IDs after this one
		// checked them.
		return fmt.Errorf("%w: commit %s: a right ID was linked by a concurrent commit: %v", store.ErrConflictingLink, p.Pipeline, err)
	case errors.Is(err, ctx.Err()):
		return err
	}
	return fmt.Errorf("sqlstore: commit %s: %w", p.Pipeline, err)
}

// commitBatch is Commit's path on PostgreSQL for a checkpoint of links and
// cursors: its statements go in one pgx batch, which the server runs as one
// implicit transaction (all or nothing) in one round trip. It reports
// done=false, having changed nothing, when the careful path must run: the
// upsert hit the unique index on right IDs (a conflicting link, or links
// that trade right IDs, which the careful path orders), or lost a deadlock.
func (s *Store) commitBatch(ctx context.Context, p store.PreparedCheckpoint) (done bool, err error) {
	now := s.clock()
	b := &pgx.Batch{}
	if len(p.Links) > 0 {
		b.Queue(s.lq().upsertLink, upsertLinksArgs(p, now)...)
	}
	for _, c := range p.Cursors {
		b.Queue(s.lq().cursorSet, p.Pipeline, string(c.Side), c.Cursor, now)
	}
	if b.Len() == 0 {
		return true, nil
	}
	err = s.pool.SendBatch(ctx, b).Close()
	if err != nil && (linkConflict(err) || retryable(err)) {
		return false, nil
	}
	return true, err
}

// applyCheckpoint writes p in tx.
func (s *Store) applyCheckpoint(ctx context.Context, tx *sql.Tx, p store.PreparedCheckpoint) error {
	now := s.clock()
	if err := s.writeLinks(ctx, tx, p, now); err != nil {
		return err
	}
	for _, c := range p.Cursors {
		if _, err := s.exec(ctx, tx, s.lq().cursorSet, p.Pipeline, string(c.Side), c.Cursor, s.d.timeArg(now)); err != nil {
			return err
		}
	}
	return s.applyReviews(ctx, tx, p, now)
}

// writeLinks checks p's links against the stored ones and upserts them.
func (s *Store) writeLinks(ctx context.Context, tx *sql.Tx, p store.PreparedCheckpoint, now time.Time) error {
	if len(p.Links) == 0 {
		return nil
	}
	rights, err := s.d.listArg(p.RightIDs())
	if err != nil {
		return err
	}
	rows, err := s.query(ctx, tx, s.lq().holders, p.Pipeline, rights)
	if err != nil {
		return err
	}
	var moved []string
	for rows.Next() {
		var left, right string
		if err := rows.Scan(&left, &right); err != nil {
			rows.Close()
			return err
		}
		mv, err := p.CheckHolder(left, right)
		if err != nil {
			rows.Close()
			return err
		}
		if mv {
			moved = append(moved, left)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(moved) > 0 {
		// Links that give their right ID to another link of the checkpoint
		// go first: the upsert below writes them again, and the unique
		// index on right IDs is checked row by row.
		list, err := s.d.listArg(moved)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, s.lq().deleteLinks, p.Pipeline, list); err != nil {
			return err
		}
	}
	if s.d.postgres {
		return s.upsertLinksPostgres(ctx, tx, p, now)
	}
	return s.upsertLinksSQLite(ctx, tx, p, now)
}

func (s *Store) upsertLinksPostgres(ctx context.Context, tx *sql.Tx, p store.PreparedCheckpoint, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.lq().upsertLink, upsertLinksArgs(p, now)...)
	return err
}

// upsertLinksArgs returns the arguments of PostgreSQL's upsertLink: the
// pipeline, the time, and one array per column.
func upsertLinksArgs(p store.PreparedCheckpoint, now time.Time) []any {
	n := len(p.Links)
	lefts, rights := make([]string, n), make([]string, n)
	bases := make([][]byte, n)
	lhash, rhash := make([]string, n), make([]string, n)
	lmod, rmod := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	deleted := make([]bool, n)
	for i, l := range p.Links {
		lefts[i], rights[i], bases[i] = l.LeftID, l.RightID, l.Base
		lhash[i], rhash[i], deleted[i] = l.LeftHash, l.RightHash, l.Deleted
		lmod[i] = pgTime(l.LeftModified)
		rmod[i] = pgTime(l.RightModified)
	}
	return []any{p.Pipeline, now, lefts, rights, bases, lhash, rhash, lmod, rmod, deleted}
}

func pgTime(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: store.Timestamp(t), Valid: true}
}

func (s *Store) upsertLinksSQLite(ctx context.Context, tx *sql.Tx, p store.PreparedCheckpoint, now time.Time) error {
	st, err := s.stmt(ctx, tx, s.lq().upsertLink)
	if err != nil {
		return err
	}
	nowArg := s.d.timeArg(now)
	for _, l := range p.Links {
		var base any
		if len(l.Base) > 0 {
			base = l.Base
		}
		if _, err := st.ExecContext(ctx, p.Pipeline, l.LeftID, l.RightID, base, l.LeftHash, l.RightHash,
			s.d.timeArg(l.LeftModified), s.d.timeArg(l.RightModified), l.Deleted, nowArg); err != nil {
			return err
		}
	}
	return nil
}

// applyReviews marks p's applied reviews applied, after checking that each
// exists and was resolved.
func (s *Store) applyReviews(ctx context.Context, tx *sql.Tx, p store.PreparedCheckpoint, now time.Time) error {
	if len(p.AppliedReviews) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(p.AppliedReviews))
	for _, id := range p.AppliedReviews {
		n, ok := reviewID(id)
		if !ok {
			return fmt.Errorf("%w: commit %s: review %q", store.ErrNotFound, p.Pipeline, id)
		}
		ids = append(ids, n)
	}
	list, err := s.d.listArg(ids)
	if err != nil {
		return err
	}
	rows, err := s.query(ctx, tx, s.lq().reviewStatuses, list)
	if err != nil {
		return err
	}
	status := make(map[int64]store.ReviewStatus, len(ids))
	for rows.Next() {
		var id int64
		var st string
		if err := rows.Scan(&id, &st); err != nil {
			rows.Close()
			return err
		}
		status[id] = store.ReviewStatus(st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, id := range ids {
		switch st, ok := status[id]; {
		case !ok:
			return fmt.Errorf("%w: commit %s: review %s", store.ErrNotFound, p.Pipeline, p.AppliedReviews[i])
		case st == store.ReviewPending:
			return fmt.Errorf("%w: commit %s: review %s is pending: only a resolved review can be applied",
				store.ErrReviewNotResolved, p.Pipeline, p.AppliedReviews[i])
		}
	}
	_, err = s.exec(ctx, tx, s.lq().applyReviews, s.d.timeArg(now), list)
	return err
}
