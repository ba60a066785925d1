-- Zoho token state shared by processes. state holds an access token (JSON of
-- zoho.TokenState): protect this table like a secret. The refresh lock is a
-- PostgreSQL advisory lock and needs no table.
CREATE TABLE zohokit_tokens (
	key        text        NOT NULL PRIMARY KEY,
	state      text        NOT NULL,
	updated_at timestamptz NOT NULL
);
