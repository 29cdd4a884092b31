-- The append-only, hash-chained access log: every staff read of personal
-- data, every export, mark, note and policy change. hash is the lowercase
-- hex SHA-256 of the entry's canonical encoding (server.AccessEntry), prev
-- the previous entry's hash, 64 zeros for seq 1. Nothing updates or
-- deletes a row; `lokaal audit verify` finds any change made behind the
-- API's back.
CREATE TABLE access_log (
    seq     INTEGER PRIMARY KEY,
    at_ms   INTEGER NOT NULL,
    who     TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    reason  TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
