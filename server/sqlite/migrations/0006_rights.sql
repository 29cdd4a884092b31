-- What students ask for under the GDPR through their access link. Portable
-- SQLite, also applied on Cloudflare D1. Times are Unix milliseconds. A
-- student's email lives in students.email (0002); rectification updates it
-- there.

-- Objections (GDPR art. 21), shown to reviewers on the review pages. They go
-- with the student, whoever deletes the student row (a request or retention).
CREATE TABLE objections (
    id         INTEGER PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    at_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX objections_student ON objections (student_id, at_ms);

-- Deletion requests (GDPR art. 17). A granted request is the deletion
-- record: the student's reason is emptied and only the counts of rows
-- deleted remain, so it holds no personal data. student_id has no foreign
-- key because the record outlives the student; it is lokaal's random id,
-- which then names nobody, and matches the access-log entry of the deletion.
CREATE TABLE deletion_requests (
    id           INTEGER PRIMARY KEY,
    student_id   TEXT NOT NULL,
    exam_id      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    requested_ms INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'granted', 'refused')),
    decided_ms   INTEGER,
    decided_by   TEXT NOT NULL DEFAULT '',
    decision     TEXT NOT NULL DEFAULT '', -- the reason for the decision
    deleted      TEXT NOT NULL DEFAULT '{}' -- JSON: rows deleted per table, once granted
) STRICT;
CREATE INDEX deletion_requests_student ON deletion_requests (student_id);
CREATE INDEX deletion_requests_status ON deletion_requests (status, requested_ms);
