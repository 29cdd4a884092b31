-- Portable SQLite, also applied on Cloudflare D1: schema only, connection settings live in Go.
-- Times are Unix milliseconds.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE kiosks (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    room       TEXT NOT NULL,
    interval_s INTEGER NOT NULL,
    lines      TEXT NOT NULL, -- JSON array of wire.Line; the first is the primary line
    created_ms INTEGER NOT NULL
);

-- Every line name a kiosk has had: batches queued before a line change still
-- name the old lines.
CREATE TABLE kiosk_line_names (
    kiosk_id TEXT NOT NULL REFERENCES kiosks (id),
    name     TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, name)
);

-- One pending code per kiosk, kept as a SHA-256 hash.
CREATE TABLE enrolment_codes (
    code_hash  TEXT PRIMARY KEY,
    kiosk_id   TEXT NOT NULL UNIQUE REFERENCES kiosks (id),
    expires_ms INTEGER NOT NULL
);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    kiosk_id     TEXT NOT NULL REFERENCES kiosks (id),
    public_key   BLOB NOT NULL,
    enrolled_ms  INTEGER NOT NULL,
    last_seen_ms INTEGER,
    last_seq     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX devices_kiosk ON devices (kiosk_id);

-- Exactly once: (device_id, seq) is the key, hash tells a resend from a conflict.
CREATE TABLE batches (
    device_id   TEXT NOT NULL REFERENCES devices (id),
    seq         INTEGER NOT NULL,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
);
CREATE INDEX batches_start ON batches (start_ms);

CREATE TABLE batch_lines (
    device_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    line      TEXT NOT NULL,
    n_in      INTEGER NOT NULL,
    n_out     INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq, line),
    FOREIGN KEY (device_id, seq) REFERENCES batches (device_id, seq)
);

-- Sequence numbers a device skipped, from_seq..to_seq inclusive.
CREATE TABLE gaps (
    device_id TEXT NOT NULL REFERENCES devices (id),
    from_seq  INTEGER NOT NULL,
    to_seq    INTEGER NOT NULL,
    PRIMARY KEY (device_id, from_seq)
);
