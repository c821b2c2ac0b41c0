-- Team workflow: schedules, approval, the account's quota, sends to a list
-- of followers, campaigns over several accounts.
--
-- `users.role` gains 'reviewer' (an editor who may also approve others'
-- sends) and `sends.state` the states a send has before it is released to
-- WeChat: 'scheduled' (waits for scheduled_at), 'awaiting_approval' (waits
-- for a reviewer), 'declined' (a reviewer said no), 'cancelled' and
-- 'missed' (qunfa was down at its time, beyond the grace). Only a 'pending'
-- send is ever handed to WeChat. SQLite cannot alter a CHECK constraint,
-- and a rebuild of these tables inside the migration's transaction would
-- run their children's ON DELETE CASCADE (sent_articles), so the stored
-- definition is widened in place at the end of this file, as SQLite
-- documents for loosening a constraint ("Making Other Kinds Of Table Schema
-- Changes"): every row already meets the wider CHECK.

-- Several sends made as one: the calls of a send to a list of followers
-- (`openid_list`, one account) or one message to several accounts
-- (`campaign`).
CREATE TABLE send_groups (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('openid_list', 'campaign')),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- What the group sends, in words, for its page.
    summary    TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX send_groups_by_user ON send_groups (user_id);

-- When a scheduled send is due (UTC); NULL: at once.
ALTER TABLE sends ADD COLUMN scheduled_at TEXT;
-- When it became 'pending' (its confirmation, its time, or its approval):
-- WeChat's 24 hours for a clientmsgid count from here.
ALTER TABLE sends ADD COLUMN released_at TEXT;
-- When WeChat first took it (errcode 0): what the quota counts.
ALTER TABLE sends ADD COLUMN submitted_at TEXT;
-- 'sendall' (message/mass/sendall: all followers or a tag) or 'send'
-- (message/mass/send: the OpenIDs in `request`).
ALTER TABLE sends ADD COLUMN endpoint TEXT NOT NULL DEFAULT 'sendall'
    CHECK (endpoint IN ('sendall', 'send'));
-- The reviewer's decision on a send that needed approval.
ALTER TABLE sends ADD COLUMN reviewed_by INTEGER REFERENCES users (id);
ALTER TABLE sends ADD COLUMN reviewed_at TEXT;
ALTER TABLE sends ADD COLUMN review_comment TEXT;
-- The group this send is a part of, and its place in it (1-based).
ALTER TABLE sends ADD COLUMN group_id INTEGER REFERENCES send_groups (id);
ALTER TABLE sends ADD COLUMN group_part INTEGER;

UPDATE sends SET released_at = created_at,
                 submitted_at = CASE WHEN msg_id IS NOT NULL THEN created_at END;

-- The worker's due schedules, in time order.
CREATE INDEX sends_due ON sends (scheduled_at) WHERE state = 'scheduled';
-- The quota: an account's sends WeChat took, by time.
CREATE INDEX sends_by_submission ON sends (account_id, submitted_at) WHERE submitted_at IS NOT NULL;
CREATE INDEX sends_by_reviewer ON sends (reviewed_by) WHERE reviewed_by IS NOT NULL;
CREATE INDEX sends_by_group ON sends (group_id, group_part) WHERE group_id IS NOT NULL;

-- The account's own settings for the workflow: the time zone schedules are
-- shown and entered in (an IANA name), and whether sends need approval.
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai';
ALTER TABLE accounts ADD COLUMN needs_approval INTEGER NOT NULL DEFAULT 0
    CHECK (needs_approval IN (0, 1));

-- Lists of followers saved under a name, per account, for `mass/send`.
CREATE TABLE openid_lists (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    -- The OpenIDs, one a line, checked and without duplicates.
    openids    TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (account_id, name)
) STRICT;
CREATE INDEX openid_lists_by_user ON openid_lists (user_id);

-- The widened CHECKs (see the top). Last, because ALTER TABLE ADD COLUMN
-- edits the stored text at an offset it parsed before. The other
-- connections read the new text since the ALTERs above changed the schema
-- version; this one reads it again when a column is renamed, which reparses
-- the whole schema.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (role IN (''admin'', ''editor''))',
                          'CHECK (role IN (''admin'', ''reviewer'', ''editor''))')
 WHERE type = 'table' AND name = 'users';
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (state IN (',
                          'CHECK (state IN (''scheduled'', ''awaiting_approval'', ''declined'', ''cancelled'', ''missed'', ')
 WHERE type = 'table' AND name = 'sends';
PRAGMA writable_schema = OFF;
CREATE TABLE schema_reload (x INTEGER);
ALTER TABLE schema_reload RENAME COLUMN x TO y;
DROP TABLE schema_reload;
