-- A value sealed with the key that seals this database's secrets
-- (shell::secrets). Only that key opens it: a start with another key, or
-- with none while this row exists, stops before anything is written. The
-- key itself is never in the database. One row, written at the first start
-- with it, in the transaction that seals the secrets kept before in plain
-- text.
CREATE TABLE secret_key_check (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    sealed     TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
