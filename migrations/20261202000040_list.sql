-- Sends to a list of followers: the SHA-256 of a list's sorted OpenIDs on
-- its group, so the repeat check knows the same list again whatever its
-- order (`sends::store::recent_list_repeat`).
ALTER TABLE send_groups ADD COLUMN audience_digest TEXT;
CREATE INDEX send_groups_by_digest ON send_groups (audience_digest) WHERE audience_digest IS NOT NULL;
