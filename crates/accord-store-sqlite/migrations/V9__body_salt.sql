-- The salt of a log entry's body commitment (issue 16): new entries commit with
-- body_salted_sha256 = SHA-256(salt || body), and the salt is released only with the body.
-- Entries written before have none (NULL) and keep verifying by their plain body_sha256.
ALTER TABLE log_entries ADD COLUMN body_salt BLOB;
