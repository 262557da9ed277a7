-- Every API token expires (issue 16): unix seconds. Tokens issued before get 90 days from the
-- upgrade, so an upgrade locks nobody out and no token lives for ever.
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
UPDATE tokens SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 90 * 86400
    WHERE expires_at IS NULL;
CREATE INDEX tokens_party ON tokens (party_id);
