-- The queue's jobs. An identity column never reuses IDs, which claim fencing
-- and Dead paging rely on.
CREATE TABLE zohokit_jobs (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind         text        NOT NULL,
	payload      bytea,
	key          text,
	state        text        NOT NULL CHECK (state IN ('available', 'running', 'completed', 'dead')),
	run_at       timestamptz NOT NULL,
	attempt      integer     NOT NULL DEFAULT 0,
	max_attempts integer     NOT NULL,
	last_error   text        NOT NULL DEFAULT '',
	lease_until  timestamptz,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL
);

-- Idempotency keys: one job per key, whatever its state; Enqueue's
-- ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING relies on it.
CREATE UNIQUE INDEX zohokit_jobs_key ON zohokit_jobs (key) WHERE key IS NOT NULL;
-- Claims: due jobs in claim order, of any kind and of one kind. Partial, so
-- they hold only the jobs waiting to run, however many completed ones the
-- table keeps.
CREATE INDEX zohokit_jobs_ready ON zohokit_jobs (run_at, id) WHERE state = 'available';
CREATE INDEX zohokit_jobs_ready_kind ON zohokit_jobs (kind, run_at, id) WHERE state = 'available';
-- Claims of jobs whose lease ended.
CREATE INDEX zohokit_jobs_leased ON zohokit_jobs (lease_until) WHERE state = 'running';
-- Retention cleanup.
CREATE INDEX zohokit_jobs_completed ON zohokit_jobs (updated_at) WHERE state = 'completed';
-- Dead-letter listing.
CREATE INDEX zohokit_jobs_dead ON zohokit_jobs (id) WHERE state = 'dead';
