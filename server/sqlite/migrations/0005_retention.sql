-- The retention engine: hourly count roll-ups, the access log's anchor, the
-- deletion records, and who lifted a mark and why. Portable SQLite, also
-- applied on Cloudflare D1: schema only. Times are Unix milliseconds.

-- Count batches past the retention period, summed per kiosk, line and hour
-- (hour_ms is a UTC hour start). The room comes from the kiosk, as it does
-- for batches. batches is how many batches each row absorbed.
CREATE TABLE count_hours (
    kiosk_id TEXT NOT NULL REFERENCES kiosks (id),
    line     TEXT NOT NULL,
    hour_ms  INTEGER NOT NULL CHECK (hour_ms % 3600000 = 0),
    n_in     INTEGER NOT NULL,
    n_out    INTEGER NOT NULL,
    batches  INTEGER NOT NULL,
    PRIMARY KEY (kiosk_id, line, hour_ms)
) STRICT;
CREATE INDEX count_hours_hour ON count_hours (hour_ms);

-- Where the access log starts once old entries are deleted: the seq and hash
-- of the last deleted entry. One row at most; verification starts from it
-- instead of seq 1 and the genesis hash.
CREATE TABLE access_anchor (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL,
    at_ms INTEGER NOT NULL -- the last deleted entry's time
) STRICT;

-- One row per retention run: counts only, never personal data.
CREATE TABLE deletion_records (
    id             INTEGER PRIMARY KEY,
    at_ms          INTEGER NOT NULL,
    trigger_kind   TEXT NOT NULL CHECK (trigger_kind IN ('schedule', 'cron', 'manual')),
    policy         TEXT NOT NULL, -- JSON server.RetentionPolicy in force
    sessions       INTEGER NOT NULL,
    summaries      INTEGER NOT NULL,
    events         INTEGER NOT NULL,
    marks          INTEGER NOT NULL,
    notes          INTEGER NOT NULL,
    students       INTEGER NOT NULL,
    views          INTEGER NOT NULL,
    count_batches  INTEGER NOT NULL, -- batches rolled up and deleted
    hourly_rows    INTEGER NOT NULL, -- count_hours rows written
    access_entries INTEGER NOT NULL
) STRICT;
CREATE INDEX deletion_records_at ON deletion_records (at_ms);

-- Lifting a mark needs a reason, kept with the removal.
ALTER TABLE marks ADD COLUMN removed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE marks ADD COLUMN removed_reason TEXT NOT NULL DEFAULT '';
