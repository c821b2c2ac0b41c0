-- Account-wide datacube failures in a row (no token, WeChat unreachable,
-- HTTP 5xx, an errcode not about the day asked): each pauses the account
-- (`paused_until`) a little longer; reset by the next answer.
ALTER TABLE stats_accounts ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
