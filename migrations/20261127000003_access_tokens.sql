-- The WeChat access token, kept across restarts so a restart costs no token
-- call. Keyed by where it came from (source and AppID, never a secret), so a
-- restart with another account never reuses this one's token.
CREATE TABLE access_tokens (
    cache_key  TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
