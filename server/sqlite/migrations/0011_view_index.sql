-- Views are deduplicated against the access log (server/sqlite/review.go
-- LogView): the same actor's view of the same subject within ViewWindow.
CREATE INDEX IF NOT EXISTS access_log_subject ON access_log (subject, at_ms);
