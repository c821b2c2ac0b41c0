-- Several Official Accounts in one console. Row 1 is the account the
-- configuration defines (QUNFA_WECHAT_*, or the built-in simulator's first
-- account): `server::prepare` writes it from the settings at every start,
-- so everything an earlier release kept belongs to it.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    -- In the console's URLs (/a/<slug>/…) and the callback URL
    -- (/wechat/callback/<slug>); never changes, since WeChat keeps the URL.
    slug          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    appid         TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL DEFAULT 'subscription' CHECK (kind IN ('subscription', 'service')),
    overseas      INTEGER NOT NULL DEFAULT 0 CHECK (overseas IN (0, 1)),
    -- 'environment': QUNFA_WECHAT_*, read again at each start, its secrets
    -- never kept here; 'console': added by an admin; 'simulator': an
    -- account of the built-in simulator.
    origin        TEXT    NOT NULL CHECK (origin IN ('environment', 'console', 'simulator')),
    token_source  TEXT    NOT NULL DEFAULT 'stable' CHECK (token_source IN ('stable', 'classic', 'url', 'fixed')),
    -- Sealed (shell::secrets) for their row; NULL where the source needs none.
    secret        TEXT,
    token_url     TEXT,
    fixed_token   TEXT,
    callback_token TEXT,
    aes_key       TEXT,
    message_mode  TEXT    NOT NULL DEFAULT 'plaintext' CHECK (message_mode IN ('plaintext', 'compatible', 'safe')),
    forward_url   TEXT,
    forward_timeout_ms INTEGER,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    disabled_at   TEXT
) STRICT;

-- Which accounts an editor may use; admins may use all.
CREATE TABLE user_accounts (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (user_id, account_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX user_accounts_by_account ON user_accounts (account_id);

-- Row 1 now, so the editors of an earlier release keep the account they
-- used; the start fills in its AppID and the rest from the settings.
INSERT INTO accounts (id, slug, name, appid, origin) VALUES (1, 'main', '', '', 'environment');
INSERT INTO user_accounts (user_id, account_id) SELECT id, 1 FROM users WHERE role = 'editor';

-- An added column may not reference another table unless its default is
-- NULL; accounts are disabled, never deleted, so the app keeps these right.
ALTER TABLE sends ADD COLUMN account_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE compose_attempts ADD COLUMN account_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE callbacks ADD COLUMN account_id INTEGER NOT NULL DEFAULT 1;
-- NULL: a line about no account (a login, a user).
ALTER TABLE audit_log ADD COLUMN account_id INTEGER;
UPDATE audit_log SET account_id = 1 WHERE action IN ('send', 'preview', 'delete');

-- The history and the worker read one account's sends. (`sends_by_user`
-- stays: it is the index of the foreign key to users.)
DROP INDEX sends_newest;
DROP INDEX sends_by_msg_id;
DROP INDEX sends_by_state;
DROP INDEX sends_by_type;
DROP INDEX sends_by_tag;
CREATE INDEX sends_newest ON sends (account_id, id DESC);
CREATE INDEX sends_by_msg_id ON sends (account_id, msg_id) WHERE msg_id IS NOT NULL;
CREATE INDEX sends_by_state ON sends (account_id, state, id);
CREATE INDEX sends_by_type ON sends (account_id, msg_type, id);
CREATE INDEX sends_by_tag ON sends (account_id, tag_id, id);
DROP INDEX callbacks_by_msg_id;
CREATE INDEX callbacks_by_msg_id ON callbacks (account_id, msg_id) WHERE msg_id IS NOT NULL;
-- Each account's worker reads its own callbacks newer than its mark.
CREATE INDEX callbacks_by_account ON callbacks (account_id, id);
CREATE INDEX audit_log_by_account ON audit_log (account_id, id);
