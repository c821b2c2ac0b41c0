-- The audit log says its lines in either language: `facts` holds what a line
-- is about as JSON (`audit::Facts`), worded when the page is shown; `detail`
-- keeps the English words, and is all that lines written before have.
-- `address` is where a login (or a failed one) came from.
ALTER TABLE audit_log ADD COLUMN facts TEXT;
ALTER TABLE audit_log ADD COLUMN address TEXT;
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_username ON audit_log (username COLLATE NOCASE, id);

-- The articles of a send that `mass/delete` removed: a JSON array of
-- 1-based article numbers, with 0 for every article at once.
ALTER TABLE sends ADD COLUMN deleted_articles TEXT NOT NULL DEFAULT '[]';
