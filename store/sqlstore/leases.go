package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/store"
)

// acquireLease takes the lease by compare-and-set in one statement: insert
// it, or take it over when its holder is the same owner or it has expired.
// No row comes back when another owner holds it. Concurrent callers are
// serialised by the primary key (PostgreSQL) or the write lock (SQLite), so
// exactly one of them wins a free lease.
const acquireLease = `INSERT INTO zohokit_leases (name, owner, expires_at) VALUES ($1, $2, $3)
	ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
	WHERE zohokit_leases.owner = excluded.owner OR zohokit_leases.expires_at <= $4
	RETURNING owner`

const releaseLease = `DELETE FROM zohokit_leases WHERE name = $1 AND owner = $2`

// AcquireLease implements store.Store. The lease is a row of
// zohokit_leases holding its owner and expiry, on both engines.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if err := store.ValidateLease(name, owner, ttl); err != nil {
		return false, err
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return false, fmt.Errorf("sqlstore: lease %s: %w", name, err)
	}
	defer unlock()
	now := s.clock()
	var got string
	err = s.scanOne(ctx, nil, s.d.rebind(acquireLease), []any{name, owner, s.d.timeArg(now.Add(ttl)), s.d.timeArg(now)}, &got)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("sqlstore: lease %s: %w", name, err)
	}
	return true, nil
}

// ReleaseLease implements store.Store.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if name == "" || owner == "" {
		return errors.New("store: release lease: name and owner must not be empty")
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: release lease %s: %w", name, err)
	}
	defer unlock()
	if _, err := s.exec(ctx, nil, s.d.rebind(releaseLease), name, owner); err != nil {
		return fmt.Errorf("sqlstore: release lease %s: %w", name, err)
	}
	return nil
}
