-- The registry server's access tokens, for servers that keep them in the database
-- (`serve --database postgres://…`, `token create --database …`): several servers over
-- one database see one set, so a revocation holds on all of them at once. Only the
-- SHA-256 of a token is kept (as in a tokens file); `id` is its first 8 hex digits.
-- Unlike events, a token row is changed once: `revoked_at` is set when it is revoked.

CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    scope      TEXT,
    scope_code TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE INDEX tokens_id ON tokens (id);
