-- Every event and message WeChat posted to /wechat/callback and we accepted,
-- decrypted, exactly once: WeChat retries a callback up to three times, and
-- a retry has the same dedup_key.
CREATE TABLE callbacks (
    id          INTEGER PRIMARY KEY,
    dedup_key   TEXT    NOT NULL UNIQUE,
    received_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- 'plaintext' or 'safe' (AES); compatible mode arrives as 'safe'.
    mode        TEXT    NOT NULL CHECK (mode IN ('plaintext', 'safe')),
    msg_type    TEXT    NOT NULL,
    event       TEXT,
    -- MsgID of a MASSSENDJOBFINISH: how a callback finds its send.
    msg_id      INTEGER,
    -- The decrypted XML as WeChat sent it, kept for audit.
    xml         TEXT    NOT NULL,
    -- The parsed form (JSON of wechat::callback::Callback).
    parsed      TEXT    NOT NULL
) STRICT;

CREATE INDEX callbacks_by_msg_id ON callbacks (msg_id) WHERE msg_id IS NOT NULL;
