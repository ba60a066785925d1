-- zohokit's sync state. Times are Unix microseconds.

-- Where each side of a pipeline resumes reading changes.
CREATE TABLE zohokit_cursors (
	pipeline   TEXT    NOT NULL,
	side       TEXT    NOT NULL CHECK (side IN ('left', 'right')),
	position   TEXT    NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (pipeline, side)
) STRICT;

-- ID links between the two systems' records, with the base snapshot and the
-- hashes of what was last written to each side. One link per left ID and per
-- right ID of a pipeline: the primary key and the unique constraint are the
-- indexes that Links and Commit look up by.
CREATE TABLE zohokit_links (
	pipeline       TEXT    NOT NULL,
	left_id        TEXT    NOT NULL,
	right_id       TEXT    NOT NULL,
	base           BLOB,
	left_hash      TEXT    NOT NULL,
	right_hash     TEXT    NOT NULL,
	left_modified  INTEGER,
	right_modified INTEGER,
	deleted        INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	PRIMARY KEY (pipeline, left_id),
	CONSTRAINT zohokit_links_right UNIQUE (pipeline, right_id)
) STRICT;

-- Run history. AUTOINCREMENT: an ID is never given twice, even after pruning.
CREATE TABLE zohokit_runs (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	pipeline     TEXT    NOT NULL,
	started      INTEGER NOT NULL,
	finished     INTEGER,
	status       TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
	dry_run      INTEGER NOT NULL,
	n_read       INTEGER NOT NULL DEFAULT 0,
	n_created    INTEGER NOT NULL DEFAULT 0,
	n_updated    INTEGER NOT NULL DEFAULT 0,
	n_deleted    INTEGER NOT NULL DEFAULT 0,
	n_unchanged  INTEGER NOT NULL DEFAULT 0,
	n_conflicted INTEGER NOT NULL DEFAULT 0,
	n_failed     INTEGER NOT NULL DEFAULT 0,
	error        TEXT    NOT NULL DEFAULT ''
) STRICT;
-- Runs of a pipeline, newest first; runs of every pipeline, newest first.
CREATE INDEX zohokit_runs_pipeline ON zohokit_runs (pipeline, started, id);
CREATE INDEX zohokit_runs_started ON zohokit_runs (started, id);
-- LastSuccess.
CREATE INDEX zohokit_runs_success ON zohokit_runs (pipeline, finished)
	WHERE status IN ('succeeded', 'partial') AND NOT dry_run;

-- Conflicts held for a person. review and resolution are JSON documents.
CREATE TABLE zohokit_reviews (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	key         TEXT    NOT NULL,
	pipeline    TEXT    NOT NULL,
	status      TEXT    NOT NULL CHECK (status IN ('pending', 'resolved', 'applied')),
	review      TEXT    NOT NULL,
	resolution  TEXT,
	created_at  INTEGER NOT NULL,
	resolved_at INTEGER,
	applied_at  INTEGER
) STRICT;
-- One undecided-or-unapplied review per key: RecordReview's
-- ON CONFLICT (key) WHERE status IN ('pending', 'resolved') relies on it.
CREATE UNIQUE INDEX zohokit_reviews_open_key ON zohokit_reviews (key) WHERE status IN ('pending', 'resolved');
CREATE INDEX zohokit_reviews_pipeline ON zohokit_reviews (pipeline, id);
CREATE INDEX zohokit_reviews_status ON zohokit_reviews (status, id);

-- Leases: who runs a pipeline, until when.
CREATE TABLE zohokit_leases (
	name       TEXT    NOT NULL PRIMARY KEY,
	owner      TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
