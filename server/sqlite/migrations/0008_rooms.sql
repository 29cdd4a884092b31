-- Occupancy from every line (issue 15). Each line says which side its room
-- is on ("left" or "right" of A→B) or that it counts passers-by ("none").
-- Until now a room's occupancy was its kiosks' first lines' in minus out and
-- every other line counted nothing: the lines stored are rewritten to say
-- exactly that, so existing kiosks keep their meaning.
UPDATE kiosks SET lines = (
    SELECT json_group_array(json(line)) FROM (
        SELECT json_set(value, '$.inside', CASE WHEN key = 0 THEN 'left' ELSE 'none' END) AS line
        FROM json_each(kiosks.lines) ORDER BY key));

-- Every line name a kiosk had keeps the side it last had, so the batches
-- of a line since removed keep theirs. Those of a removed line were never
-- primary, so they get "none".
ALTER TABLE kiosk_line_names ADD COLUMN inside TEXT NOT NULL DEFAULT 'none';
UPDATE kiosk_line_names SET inside = 'left'
    WHERE name = (SELECT json_extract(k.lines, '$[0].name') FROM kiosks k WHERE k.id = kiosk_line_names.kiosk_id);

-- A room's capacity (0: not set) and the minute after local midnight when
-- its occupancy starts again from zero. A room with kiosks but no row here
-- has the defaults.
CREATE TABLE rooms (
    name      TEXT PRIMARY KEY,
    capacity  INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    reset_min INTEGER NOT NULL DEFAULT 240 CHECK (reset_min >= 0 AND reset_min < 1440)
) STRICT;

-- A room's occupancy reads each of its devices' batches by time.
CREATE INDEX batches_device_start ON batches (device_id, start_ms);
