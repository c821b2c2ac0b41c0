-- Every article of an mpnews send as it went out (JSON array of
-- sends::SentArticle), read with draft/get just before the send: WeChat
-- deletes a draft once it is sent, so this is the only copy qunfa has.
-- Its own table keeps the article HTML out of the rows the history reads.
CREATE TABLE sent_articles (
    send_id INTEGER PRIMARY KEY REFERENCES sends (id) ON DELETE CASCADE,
    articles TEXT NOT NULL
);
