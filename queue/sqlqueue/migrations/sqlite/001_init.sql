-- The queue's jobs. Times are Unix microseconds. AUTOINCREMENT keeps IDs from
-- ever being reused, which claim fencing and Dead paging rely on.
CREATE TABLE zohokit_jobs (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	kind         TEXT    NOT NULL,
	payload      BLOB,
	key          TEXT,
	state        TEXT    NOT NULL CHECK (state IN ('available', 'running', 'completed', 'dead')),
	run_at       INTEGER NOT NULL,
	attempt      INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL,
	last_error   TEXT    NOT NULL DEFAULT '',
	lease_until  INTEGER,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
) STRICT;

-- Idempotency keys: one job per key, whatever its state.
CREATE UNIQUE INDEX zohokit_jobs_key ON zohokit_jobs (key) WHERE key IS NOT NULL;
-- Claims: due jobs in claim order, of any kind and of one kind.
CREATE INDEX zohokit_jobs_ready ON zohokit_jobs (run_at, id) WHERE state = 'available';
CREATE INDEX zohokit_jobs_ready_kind ON zohokit_jobs (kind, run_at, id) WHERE state = 'available';
-- Claims of jobs whose lease ended.
CREATE INDEX zohokit_jobs_leased ON zohokit_jobs (lease_until) WHERE state = 'running';
-- Retention cleanup.
CREATE INDEX zohokit_jobs_completed ON zohokit_jobs (updated_at) WHERE state = 'completed';
-- Dead-letter listing.
CREATE INDEX zohokit_jobs_dead ON zohokit_jobs (id) WHERE state = 'dead';
