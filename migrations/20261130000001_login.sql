-- The failed-login throttle (`auth::throttle`), so that a restart lifts no
-- lockout. One row per key: `user <address> <username>` (one username tried
-- from one address) or `address <address>`. Times are Unix milliseconds.
CREATE TABLE login_throttle (
    key          TEXT    PRIMARY KEY,
    -- JSON array of the times of the failures within the last minute.
    failures     TEXT    NOT NULL,
    locked_until INTEGER,
    updated_at   INTEGER NOT NULL
) STRICT;
