-- Approval before a send: what the navigation's "needs your attention"
-- count reads.
--
-- When the author last saw the reviewer's decision on their send (they
-- opened its page after it was decided): a decision not yet seen is news
-- to them.
ALTER TABLE sends ADD COLUMN review_seen_at TEXT;

-- A reviewer's queue and count: the account's sends awaiting approval.
CREATE INDEX sends_awaiting_approval ON sends (account_id, id) WHERE state = 'awaiting_approval';
-- An author's count: their decided sends not yet seen.
CREATE INDEX sends_review_unseen ON sends (user_id, account_id)
    WHERE reviewed_at IS NOT NULL AND review_seen_at IS NULL;
