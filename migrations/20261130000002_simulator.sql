-- The built-in simulator's callback Token: made at random at the first start
-- without a configured Token, then kept, so it stays the same across
-- restarts and no two consoles share one. One row.
CREATE TABLE simulator_token (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    token      TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
