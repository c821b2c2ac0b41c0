-- Which endpoint's figures of an article day are not final: each is
-- written by its own answer. `delayed` stays, meaning either (what the
-- pages read), kept as reads_delayed OR shares_delayed on every write.
ALTER TABLE article_days ADD COLUMN reads_delayed INTEGER NOT NULL DEFAULT 0
    CHECK (reads_delayed IN (0, 1));
ALTER TABLE article_days ADD COLUMN shares_delayed INTEGER NOT NULL DEFAULT 0
    CHECK (shares_delayed IN (0, 1));
UPDATE article_days SET reads_delayed = delayed, shares_delayed = delayed;
