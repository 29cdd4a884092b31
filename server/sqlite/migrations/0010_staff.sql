-- Staff powers and names (issue 11, item 10). Portable SQLite, also applied
-- on Cloudflare D1. Times are Unix milliseconds.

-- Who acted, by the kind of credential and its id (server.ActorKind), not
-- by a name anyone could choose. Entries written before have kind
-- 'unknown': their hashes cover no kind (v1), so they still verify, and
-- the chain refuses a kindless entry after the first one with a kind.
ALTER TABLE access_log ADD COLUMN actor_kind TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE access_log ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';

-- The same for the views a student sees, and for marks, whose author alone
-- (or an admin) may lift them. Older marks have kind 'unknown': only an
-- admin lifts those.
ALTER TABLE views ADD COLUMN who_kind TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE marks ADD COLUMN by_kind TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE marks ADD COLUMN by_id TEXT NOT NULL DEFAULT '';
ALTER TABLE marks ADD COLUMN removed_kind TEXT NOT NULL DEFAULT '';

-- Reviewer tokens expire and can be revoked. Tokens made before expire 90
-- days after this migration.
ALTER TABLE reviewers ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviewers ADD COLUMN expires_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviewers ADD COLUMN revoked_ms INTEGER;
UPDATE reviewers SET created_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000,
    expires_ms = (CAST(strftime('%s', 'now') AS INTEGER) + 90 * 86400) * 1000;

-- Which reviewers may see which exams: a reviewer account (users.id) or a
-- reviewer token (reviewers.id); the id prefixes (u-, r-) keep them apart.
-- Admins see every exam.
CREATE TABLE exam_reviewers (
    exam_id     TEXT NOT NULL REFERENCES exams (id),
    reviewer_id TEXT NOT NULL,
    PRIMARY KEY (exam_id, reviewer_id)
) STRICT;
CREATE INDEX exam_reviewers_reviewer ON exam_reviewers (reviewer_id);
