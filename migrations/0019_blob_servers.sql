-- 0019_blob_servers.sql - storage without a shared filesystem (issue 15).
-- api_servers: each `avp serve` started with a public URL writes it here
-- and refreshes seen_at every few seconds; a worker that lacks a video or
-- model file fetches it from one seen recently.
-- worker_credentials: a worker mints a random token, stores its SHA-256
-- here with a short life, and shows the token to the servers' blob
-- endpoint; whoever can write this table already holds the database.
CREATE TABLE api_servers (
    url     text PRIMARY KEY CHECK (url ~ '^https?://[^/?#[:space:]]+$'),
    seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE worker_credentials (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    worker     text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX worker_credentials_expires ON worker_credentials (expires_at);
-- A blob is asked for by its hash; one row per video or model, so these
-- stay small and are built in the migration's transaction.
CREATE INDEX videos_sha256 ON videos (sha256);
CREATE INDEX models_sha256 ON models (sha256);
