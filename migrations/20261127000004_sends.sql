-- A compose attempt: what an editor asked to send, checked, before the
-- confirmation. Its clientmsgid is fixed when the compose page is opened, so
-- a resubmitted form or a second click finds the same attempt (and, once
-- confirmed, the same send).
CREATE TABLE compose_attempts (
    clientmsgid TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- The form as typed (JSON of sends::ComposeForm), to show it again.
    form        TEXT    NOT NULL,
    -- When the form passed every check: the send it describes (JSON of
    -- sends::store::Plan: the sendall body, audience, summary, titles).
    plan        TEXT
) STRICT;

-- Every send, from the moment it is confirmed: written as 'pending' with its
-- exact body before WeChat is called, in the same transaction that takes the
-- clientmsgid, so a send is never lost and never made twice.
CREATE TABLE sends (
    id            INTEGER PRIMARY KEY,
    clientmsgid   TEXT    NOT NULL UNIQUE,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    msg_type      TEXT    NOT NULL,
    -- NULL: all followers.
    tag_id        INTEGER,
    -- The audience in words as it was at send time (a tag's name may change).
    audience      TEXT    NOT NULL,
    audience_size INTEGER,
    -- Text start, article titles or media ids, for the history.
    summary       TEXT    NOT NULL,
    -- The exact sendall body, sent again byte for byte on a retry.
    request       TEXT    NOT NULL,
    -- Article titles of an mpnews send (JSON array), kept because WeChat
    -- invalidates a draft's media_id once it is sent.
    articles      TEXT,
    state         TEXT    NOT NULL CHECK (state IN (
                      'pending', 'submitted', 'awaiting_confirmation', 'rejected',
                      'unknown', 'finished', 'failed')),
    msg_id        INTEGER,
    msg_data_id   INTEGER,
    errcode       INTEGER,
    errmsg        TEXT,
    -- Calls made for this send, and when the worker may try again.
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    -- How it ended: WeChat's Status as written ("send success", "err(30003)"),
    -- the four counts, where that came from ('callback' or 'mass/get') and
    -- the callback that said it.
    result_status TEXT,
    total_count   INTEGER,
    filter_count  INTEGER,
    sent_count    INTEGER,
    error_count   INTEGER,
    status_source TEXT,
    callback_id   INTEGER REFERENCES callbacks (id),
    finished_at   TEXT,
    -- The last mass/get asked for a send whose callback did not come.
    checked_at    TEXT
) STRICT;

CREATE INDEX sends_newest ON sends (id DESC);
CREATE INDEX sends_by_msg_id ON sends (msg_id) WHERE msg_id IS NOT NULL;
CREATE INDEX sends_to_settle ON sends (state, next_attempt_at)
    WHERE state IN ('pending', 'unknown', 'awaiting_confirmation');
-- Sends still waiting for their end: where callbacks are matched.
CREATE INDEX sends_open ON sends (state)
    WHERE state IN ('pending', 'submitted', 'awaiting_confirmation', 'unknown');
-- The history's filters, each newest first.
CREATE INDEX sends_by_state ON sends (state, id);
CREATE INDEX sends_by_type ON sends (msg_type, id);
CREATE INDEX sends_by_tag ON sends (tag_id, id);
CREATE INDEX sends_by_user ON sends (user_id, id);
CREATE INDEX sends_by_time ON sends (created_at);

-- The timeline of a send: every state it went through, and why.
CREATE TABLE send_events (
    id       INTEGER PRIMARY KEY,
    send_id  INTEGER NOT NULL REFERENCES sends (id),
    at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    state    TEXT    NOT NULL,
    -- What moved it: "send", "worker", "callback", "mass/get", …
    source   TEXT    NOT NULL,
    errcode  INTEGER,
    detail   TEXT
) STRICT;

CREATE INDEX send_events_by_send ON send_events (send_id, id);

-- Who did what when: sends, previews, logins, user changes.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    user_id  INTEGER REFERENCES users (id),
    -- The name as it was then (or as typed, for a failed login).
    username TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT ''
) STRICT;
