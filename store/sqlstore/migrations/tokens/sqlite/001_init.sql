-- Zoho token state shared by processes. state holds an access token (JSON of
-- zoho.TokenState): protect this table like a secret.
CREATE TABLE zohokit_tokens (
	key        TEXT    NOT NULL PRIMARY KEY,
	state      TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

-- The refresh lock of each key: taken by compare-and-set, renewed while held,
-- and free once expires_at (Unix microseconds) has passed, so that a crashed
-- holder cannot block the others for ever.
CREATE TABLE zohokit_token_locks (
	key        TEXT    NOT NULL PRIMARY KEY,
	owner      TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
