-- One message to several accounts (a campaign): the group's accounts, one
-- row each, written at Confirm before anything is made in any account, so
-- a crash in the middle leaves the rest to be completed (at the next
-- Confirm or the next start) from these rows.
CREATE TABLE campaign_accounts (
    group_id    INTEGER NOT NULL REFERENCES send_groups (id),
    account_id  INTEGER NOT NULL,
    -- 1 for the account the message was composed on, then in the order
    -- ticked (the sends' `group_part`).
    position    INTEGER NOT NULL,
    -- The account's compose attempt and send: the campaign's clientmsgid
    -- for the first account, `<it>-a<account id>` for the others.
    clientmsgid TEXT    NOT NULL UNIQUE,
    -- The tag chosen for this account; NULL: all followers.
    tag_id      INTEGER,
    -- What was made in this account for the send (a draft's media_id, the
    -- pictures' or the voice's media_ids as a JSON list), kept as soon as
    -- WeChat answered, so a completion does not make it again.
    made        TEXT,
    send_id     INTEGER REFERENCES sends (id),
    -- Why this account's send could not be made, in both languages
    -- (JSON `{"zh": …, "en": …}`); its send, when there is one, says the rest.
    problem     TEXT,
    PRIMARY KEY (group_id, account_id)
) STRICT;
CREATE INDEX campaign_accounts_open ON campaign_accounts (group_id)
    WHERE send_id IS NULL AND problem IS NULL;
-- A send's campaign row (its History mark, a send's deletion).
CREATE INDEX campaign_accounts_by_send ON campaign_accounts (send_id) WHERE send_id IS NOT NULL;
