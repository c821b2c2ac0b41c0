-- Articles written in qunfa (issue 17): a draft of 1 to 8 articles per
-- account, kept with its source (Markdown or pasted HTML) as the editor
-- wrote it. WeChat's copy (`media_id`) is made from it by "Save to WeChat"
-- and may be gone (a sent draft is deleted by WeChat); this one stays.
CREATE TABLE drafts (
    id             INTEGER PRIMARY KEY,
    -- No foreign key: accounts are disabled, never deleted.
    account_id     INTEGER NOT NULL,
    -- Goes up by one with every save; a save made on an older version is
    -- refused (two editors never silently overwrite each other).
    version        INTEGER NOT NULL DEFAULT 1,
    -- WeChat's draft, once pushed.
    media_id       TEXT,
    created_by     INTEGER NOT NULL REFERENCES users (id),
    updated_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    pushed_at      TEXT,
    pushed_version INTEGER,
    -- How many articles WeChat's draft has: `draft/update` changes one
    -- article in place, so another number needs a new draft.
    pushed_articles INTEGER
) STRICT;

CREATE INDEX drafts_by_account ON drafts (account_id, updated_at);
CREATE INDEX drafts_by_created_by ON drafts (created_by);
CREATE INDEX drafts_by_updated_by ON drafts (updated_by);

CREATE TABLE draft_articles (
    draft_id              INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    -- 0-based, as draft/update's `index`.
    position              INTEGER NOT NULL CHECK (position BETWEEN 0 AND 7),
    title                 TEXT    NOT NULL,
    author                TEXT    NOT NULL,
    digest                TEXT    NOT NULL,
    -- The cover: a permanent image's media_id and its crops "X1_Y1_X2_Y2".
    thumb_media_id        TEXT    NOT NULL,
    pic_crop_235_1        TEXT    NOT NULL,
    pic_crop_1_1          TEXT    NOT NULL,
    content_source_url    TEXT    NOT NULL,
    need_open_comment     INTEGER NOT NULL CHECK (need_open_comment IN (0, 1)),
    only_fans_can_comment INTEGER NOT NULL CHECK (only_fans_can_comment IN (0, 1)),
    source_kind           TEXT    NOT NULL CHECK (source_kind IN ('markdown', 'html')),
    source                TEXT    NOT NULL,
    PRIMARY KEY (draft_id, position)
) STRICT, WITHOUT ROWID;

-- The media library asks which drafts use a material as their cover.
CREATE INDEX draft_articles_by_cover ON draft_articles (thumb_media_id);

-- Who has a draft's editor open: each open editor says so every few
-- seconds; a row not renewed for a while is someone who left.
CREATE TABLE draft_presence (
    draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    since    TEXT    NOT NULL,
    seen_at  TEXT    NOT NULL,
    PRIMARY KEY (draft_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX draft_presence_by_user ON draft_presence (user_id);
