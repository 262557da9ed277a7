-- Witnesses the operator configured (issue 16): `witness` and `witness-removal` log entries,
-- indexed here. Only their keys' cosignatures are accepted; one current witness per name.
CREATE TABLE witnesses (
    verifier_key TEXT PRIMARY KEY,      -- C2SP verifier key string name+keyid+base64
    name         TEXT NOT NULL,
    party_id     TEXT NOT NULL REFERENCES parties (id),
    added_at     INTEGER NOT NULL REFERENCES log_entries (idx),
    removed_at   INTEGER REFERENCES log_entries (idx)
) STRICT;

CREATE UNIQUE INDEX witnesses_current_name ON witnesses (name) WHERE removed_at IS NULL;

-- Before witnesses, any party could attach cosignature lines under any name to a checkpoint:
-- the next open rebuilds every stored checkpoint note from what the hub vouches for.
INSERT INTO meta (key, value) VALUES ('repair_checkpoints', 'pending')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
