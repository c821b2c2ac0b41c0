-- Read statistics: what WeChat's datacube says of each article qunfa sent.
--
-- WeChat keys an article's figures by `<msg_data_id>_<index>` (the sendall
-- answer's msg_data_id, the article's 1-based place in the message) and
-- gives them one China-time day per call, from 08:00 the next day. qunfa
-- asks once a day per account and endpoint (`stats::fetch`), stores every
-- day it is told, and the pages read only what is stored.

-- One article of one send on one China-time day, as WeChat gave it. A
-- figure WeChat's answer did not carry is NULL (shown as "—").
CREATE TABLE article_days (
    send_id      INTEGER NOT NULL REFERENCES sends (id),
    -- 1-based, as in WeChat's msgid.
    article_idx  INTEGER NOT NULL CHECK (article_idx BETWEEN 1 AND 8),
    -- YYYY-MM-DD, China time (WeChat's ref_date).
    ref_date     TEXT    NOT NULL,
    -- getarticleread: people who read it that day, and reads.
    readers      INTEGER,
    reads        INTEGER,
    -- Where that day's readers came from (read_user_source), in four:
    -- the message itself (会话), the account's history (历史消息页),
    -- shares (好友转发, 朋友圈) and everything else.
    from_message INTEGER,
    from_history INTEGER,
    from_shares  INTEGER,
    from_other   INTEGER,
    favourites   INTEGER,
    -- getarticleshare: people who shared it that day.
    sharers      INTEGER,
    -- WeChat said the day's data was not final (is_delay); asked again.
    delayed      INTEGER NOT NULL DEFAULT 0 CHECK (delayed IN (0, 1)),
    fetched_at   TEXT    NOT NULL,
    PRIMARY KEY (send_id, article_idx, ref_date)
) STRICT, WITHOUT ROWID;

-- The latest totals of an article send over its articles and days (each
-- day's readers added up: WeChat counts a person once a day, so one who
-- reads on two days counts twice), kept on the send so that the history
-- sorts by them and the overview reads no daily rows. NULL until the first
-- figures come. `headline_read_users` is the first article's alone: a
-- send's read rate is it over SentCount, which the others' readers would
-- push past 100 %.
ALTER TABLE sends ADD COLUMN read_users INTEGER;
ALTER TABLE sends ADD COLUMN headline_read_users INTEGER;
ALTER TABLE sends ADD COLUMN read_count INTEGER;
ALTER TABLE sends ADD COLUMN share_users INTEGER;
ALTER TABLE sends ADD COLUMN fav_users INTEGER;
ALTER TABLE sends ADD COLUMN stats_updated_at TEXT;

-- The history sorted by reads, newest first among equals.
CREATE INDEX sends_by_reads ON sends (account_id, read_users, id) WHERE read_users IS NOT NULL;
-- A datacube row's msgid leads to its send by msg_data_id.
CREATE INDEX sends_by_msg_data_id ON sends (account_id, msg_data_id) WHERE msg_data_id IS NOT NULL;

-- Each (account, endpoint, day) qunfa asked WeChat for: asked once when
-- `done`; a `delayed` day is asked again at `next_attempt_at`.
CREATE TABLE stats_fetches (
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    endpoint        TEXT    NOT NULL CHECK (endpoint IN ('getarticleread', 'getarticleshare')),
    ref_date        TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('delayed', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    errcode         INTEGER,
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (account_id, endpoint, ref_date)
) STRICT, WITHOUT ROWID;

-- Per account: the datacube calls made on a China-time day (the budget
-- `QUNFA_STATS_DAILY_CALLS`), a pause after 45009, and why the account
-- cannot have figures at all (48001: not verified; 61007: a third-party
-- token without permission set 7), said once and asked again rarely.
CREATE TABLE stats_accounts (
    account_id      INTEGER PRIMARY KEY REFERENCES accounts (id),
    calls_day       TEXT,
    calls           INTEGER NOT NULL DEFAULT 0,
    paused_until    TEXT,
    denied_errcode  INTEGER,
    denied_at       TEXT,
    denied_retry_at TEXT
) STRICT;
