-- SQLite finds a deleted row's children through their foreign key; without
-- an index on it, every deleted row costs a scan of the child table. The
-- retention's deletion of old callbacks scanned every send for each row and
-- held the write lock for seconds at a time (logins failed meanwhile); a
-- user's rows are looked up the same way.
CREATE INDEX sends_by_callback ON sends (callback_id);
CREATE INDEX compose_attempts_by_user ON compose_attempts (user_id);
CREATE INDEX audit_log_by_user ON audit_log (user_id);
