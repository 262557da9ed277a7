-- Every API token expires (issue 16). Tokens issued before get 90 days from the upgrade, so
-- an upgrade locks nobody out and no token lives for ever.
ALTER TABLE tokens ADD COLUMN expires_at TIMESTAMPTZ;
UPDATE tokens SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
CREATE INDEX tokens_party ON tokens (party_id);
