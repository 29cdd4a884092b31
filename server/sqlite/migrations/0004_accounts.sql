-- Staff accounts. password_hash is an argon2id PHC string, NULL for a user
-- who logs in through the institution's single sign-on. A disabled user
-- keeps its row, so the access log's names stay explained.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'reviewer')),
    password_hash TEXT,
    created_ms    INTEGER NOT NULL,
    disabled_ms   INTEGER
) STRICT;

-- Staff login sessions. Only the SHA-256 of the session id (the cookie) is
-- stored, so a copy of the database logs nobody in. A session ends at
-- expires_ms (absolute) or when unused for the idle time after last_seen_ms.
CREATE TABLE staff_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    csrf         TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL
) STRICT;
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_ms);
