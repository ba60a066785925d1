-- zohokit's sync state.

-- Where each side of a pipeline resumes reading changes.
CREATE TABLE zohokit_cursors (
	pipeline   text        NOT NULL,
	side       text        NOT NULL CHECK (side IN ('left', 'right')),
	position   text        NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (pipeline, side)
);

-- ID links between the two systems' records, with the base snapshot and the
-- hashes of what was last written to each side. One link per left ID and per
-- right ID of a pipeline: the primary key and the unique constraint are the
-- indexes that Links and Commit look up by.
CREATE TABLE zohokit_links (
	pipeline       text        NOT NULL,
	left_id        text        NOT NULL,
	right_id       text        NOT NULL,
	base           bytea,
	left_hash      text        NOT NULL,
	right_hash     text        NOT NULL,
	left_modified  timestamptz,
	right_modified timestamptz,
	deleted        boolean     NOT NULL,
	updated_at     timestamptz NOT NULL,
	PRIMARY KEY (pipeline, left_id),
	CONSTRAINT zohokit_links_right UNIQUE (pipeline, right_id)
);

-- Run history. An identity column never gives an ID twice.
CREATE TABLE zohokit_runs (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	pipeline     text        NOT NULL,
	started      timestamptz NOT NULL,
	finished     timestamptz,
	status       text        NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
	dry_run      boolean     NOT NULL,
	n_read       bigint      NOT NULL DEFAULT 0,
	n_created    bigint      NOT NULL DEFAULT 0,
	n_updated    bigint      NOT NULL DEFAULT 0,
	n_deleted    bigint      NOT NULL DEFAULT 0,
	n_unchanged  bigint      NOT NULL DEFAULT 0,
	n_conflicted bigint      NOT NULL DEFAULT 0,
	n_failed     bigint      NOT NULL DEFAULT 0,
	error        text        NOT NULL DEFAULT ''
);
-- Runs of a pipeline, newest first; runs of every pipeline, newest first.
CREATE INDEX zohokit_runs_pipeline ON zohokit_runs (pipeline, started, id);
CREATE INDEX zohokit_runs_started ON zohokit_runs (started, id);
-- LastSuccess.
CREATE INDEX zohokit_runs_success ON zohokit_runs (pipeline, finished)
	WHERE status IN ('succeeded', 'partial') AND NOT dry_run;

-- Conflicts held for a person. review and resolution are JSON documents.
CREATE TABLE zohokit_reviews (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key         text        NOT NULL,
	pipeline    text        NOT NULL,
	status      text        NOT NULL CHECK (status IN ('pending', 'resolved', 'applied')),
	review      text        NOT NULL,
	resolution  text,
	created_at  timestamptz NOT NULL,
	resolved_at timestamptz,
	applied_at  timestamptz
);
-- One undecided-or-unapplied review per key: RecordReview's
-- ON CONFLICT (key) WHERE status IN ('pending', 'resolved') relies on it.
CREATE UNIQUE INDEX zohokit_reviews_open_key ON zohokit_reviews (key) WHERE status IN ('pending', 'resolved');
CREATE INDEX zohokit_reviews_pipeline ON zohokit_reviews (pipeline, id);
CREATE INDEX zohokit_reviews_status ON zohokit_reviews (status, id);

-- Leases: who runs a pipeline, until when.
CREATE TABLE zohokit_leases (
	name       text        NOT NULL PRIMARY KEY,
	owner      text        NOT NULL,
	expires_at timestamptz NOT NULL
);
