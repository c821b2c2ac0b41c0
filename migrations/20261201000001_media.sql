-- The media library: qunfa's own record of each material an editor
-- uploaded through it (WeChat's image URLs refuse other sites, and WeChat
-- keeps no size, hash or length), so the library shows sizes and dates,
-- finds the same file uploaded again (by its SHA-256), and says what a
-- deletion breaks.
CREATE TABLE media_assets (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL,
    media_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('image', 'voice', 'video', 'thumb')),
    name        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    -- The format by content: 'png', 'jpeg', 'mp3', …
    format      TEXT    NOT NULL,
    width       INTEGER,
    height      INTEGER,
    duration_ms INTEGER,
    -- An image's URL as WeChat gave it (shown only through qunfa).
    url         TEXT,
    user_id     INTEGER,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (account_id, media_id)
) STRICT;

CREATE INDEX media_assets_by_hash ON media_assets (account_id, sha256, kind);

-- A small JPEG of each image or thumb material the library has shown: made
-- at upload, or from get_material once for a material made elsewhere.
CREATE TABLE media_thumbnails (
    account_id INTEGER NOT NULL,
    media_id   TEXT    NOT NULL,
    jpeg       BLOB    NOT NULL,
    PRIMARY KEY (account_id, media_id)
) STRICT;

-- The images uploaded for articles' bodies (media/uploadimg): WeChat's URL
-- and qunfa's own copy (under 1 MB), which the editor's preview shows.
CREATE TABLE media_body_images (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL,
    url          TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    bytes        BLOB    NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (account_id, url)
) STRICT;

CREATE INDEX media_body_images_by_hash ON media_body_images (account_id, sha256);
