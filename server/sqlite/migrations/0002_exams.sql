-- Exams, the students given access to them, their proctored sessions and the
-- signed summaries those sent. Portable SQLite, also applied on Cloudflare D1.
-- Times are Unix milliseconds; hashes, including those of tokens, are lowercase hex.
-- The server's receipt key lives in settings under 'receipt_ed25519_seed'.

CREATE TABLE exams (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    course           TEXT NOT NULL,
    start_ms         INTEGER NOT NULL,
    end_ms           INTEGER NOT NULL,
    announced_ms     INTEGER NOT NULL,
    legal_basis      TEXT NOT NULL,
    alternatives     TEXT NOT NULL, -- the less intrusive measures considered
    alternative_exam TEXT NOT NULL,
    url              TEXT NOT NULL,
    detectors        TEXT NOT NULL, -- JSON array of wire.DetectorSetting
    interval_s       INTEGER NOT NULL,
    crisis           TEXT NOT NULL, -- reason for less than 10 days' notice, or ''
    created_ms       INTEGER NOT NULL
);

-- Only the SHA-256 of a student's access token is kept, so a copy of the
-- database opens no exam.
CREATE TABLE students (
    id             TEXT PRIMARY KEY,
    exam_id        TEXT NOT NULL REFERENCES exams (id),
    external_id    TEXT NOT NULL, -- the university's student number
    email          TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    accommodations TEXT NOT NULL DEFAULT '[]', -- JSON array of the wire.Kind switched off
    choice         TEXT NOT NULL DEFAULT '' CHECK (choice IN ('', 'proctored', 'alternative')),
    choice_ms      INTEGER,
    UNIQUE (exam_id, external_id)
);

-- One browser key and one hash chain. last_seq and head describe the stored
-- chain's end: 0 and 64 zeros until the first summary.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    student_id  TEXT NOT NULL REFERENCES students (id),
    public_key  BLOB NOT NULL,
    build       TEXT NOT NULL,
    precheck    TEXT NOT NULL, -- JSON wire.Precheck
    policy      TEXT NOT NULL, -- JSON wire.Policy as sent at start
    last_seq    INTEGER NOT NULL DEFAULT 0,
    head        TEXT NOT NULL,
    started_ms  INTEGER NOT NULL,
    finished_ms INTEGER,
    receipt     TEXT -- JSON wire.SignedReceipt once finished
);
CREATE INDEX sessions_student ON sessions (student_id);

-- Exactly once: (session_id, seq) is the key, hash tells a resend from a conflict.
CREATE TABLE summaries (
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    hash        TEXT NOT NULL,
    prev        TEXT NOT NULL,
    body        TEXT NOT NULL, -- JSON wire.Summary, the signed bytes without their domain line
    sig         TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
);

-- The summaries' events, one row per wire.Event, for counting and querying.
CREATE TABLE events (
    session_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    idx        INTEGER NOT NULL, -- position in the summary's events
    kind       TEXT NOT NULL CHECK (kind <> ''),
    start_ms   INTEGER NOT NULL,
    end_ms     INTEGER NOT NULL CHECK (end_ms >= start_ms),
    peak       REAL NOT NULL CHECK (peak >= 0),
    PRIMARY KEY (session_id, seq, idx),
    FOREIGN KEY (session_id, seq) REFERENCES summaries (session_id, seq)
);

-- Marks are lifted, never deleted: removed_ms records when.
CREATE TABLE marks (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    kind       TEXT NOT NULL CHECK (kind IN ('suspected_fraud', 'appeal')),
    reason     TEXT NOT NULL,
    who        TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    removed_ms INTEGER
);
CREATE INDEX marks_session ON marks (session_id);

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    text       TEXT NOT NULL,
    who        TEXT NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX notes_session ON notes (session_id);

-- Every staff read of a student's data, which the student can see.
CREATE TABLE views (
    id         INTEGER PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES students (id),
    who        TEXT NOT NULL,
    what       TEXT NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX views_student ON views (student_id, at_ms);

CREATE TABLE reviewers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE
);
