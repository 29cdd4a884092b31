-- The clocks of server/d1's optimistic transactions (d1.Schema): one row
-- per key, moved by every write, whose CHECK fails a batch that lost a
-- race. Created here so that D1 gets it from the same migrations as
-- everything else; native SQLite never uses it, and it stays empty there.
CREATE TABLE IF NOT EXISTS tx_clock (
    k  TEXT PRIMARY KEY,
    v  INTEGER NOT NULL,
    ok INTEGER NOT NULL DEFAULT 1 CONSTRAINT tx_conflict CHECK (ok = 1)
);
