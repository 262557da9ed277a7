//! The log's tables: entries, every complete-subtree hash, checkpoints, keys and tokens.

use accord_core::corrections::RecordKind;
use accord_core::mapping::RuleSet;
use accord_core::record::IncidentRecord;
use accord_store::StoreError;
use accord_store::log::{
    AmendedRecord, AmendmentBody, AppendOutcome, Effect, LogWrite, Operator, PartyKey, Receipt,
    SignedCheckpoint, StoredAmendment, StoredEntry, amendment_entry_prefix, kind,
};
use accord_store::tokens::TokenInfo;
use accord_store::witness::Witness;
use accord_tlog::merkle::{self, ConsistencyProof, Hash, HashReader, InclusionProof, NodeId};
use accord_tlog::note::NoteSignature;
use accord_tlog::tiles::{self, Tile};

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use accord_store::codec::{corrupt, parse_tlp, to_json};
use accord_store::tree::{
    CheckpointRepair, NodeCache, TileRead, check_proof_size, proof_err, sign_checkpoint, tile_read,
};

use crate::db::backend;
use crate::state::SqliteState;

/// A stored node was missing: the database is damaged.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(String);

/// Reads node hashes from `log_nodes` on one connection (inside a transaction when writing,
/// where `cache` is `None`: uncommitted nodes must not be cached).
struct NodeReader<'a> {
    conn: &'a Connection,
    cache: Option<&'a NodeCache>,
}

fn uncached(conn: &Connection) -> NodeReader<'_> {
    NodeReader { conn, cache: None }
}

fn cached<'a>(conn: &'a Connection, cache: &'a NodeCache) -> NodeReader<'a> {
    NodeReader {
        conn,
        cache: Some(cache),
    }
}

impl HashReader for NodeReader<'_> {
    type Error = ReadError;
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, ReadError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2")
            .map_err(|e| ReadError(e.to_string()))?;
        let mut out = Vec::with_capacity(nodes.len());
        for n in nodes {
            if let Some(h) = self.cache.and_then(|c| c.get(*n)) {
                out.push(h);
                continue;
            }
            let bytes: Vec<u8> = stmt
                .query_row(params![n.level, n.index as i64], |r| r.get(0))
                .map_err(|e| ReadError(format!("node {}/{}: {e}", n.level, n.index)))?;
            let h = Hash::from_slice(&bytes).map_err(|e| ReadError(e.to_string()))?;
            if let Some(cache) = self.cache {
                cache.insert_many([(*n, h)]);
            }
            out.push(h);
        }
        Ok(out)
    }
}

/// The size of the log: entries appended, committed or not yet (inside a transaction).
fn entry_count(conn: &Connection) -> Result<u64, StoreError> {
    // MAX over the integer primary key is one b-tree descent; COUNT(*) would scan the log.
    let n: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries")
        .and_then(|mut stmt| stmt.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    Ok(n as u64)
}

/// The size covered by the latest signed checkpoint: what readers may see of the tree.
fn published_size(conn: &Connection) -> Result<u64, StoreError> {
    let n: Option<i64> = conn
        .prepare_cached("SELECT MAX(size) FROM checkpoints")
        .and_then(|mut stmt| stmt.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    Ok(n.unwrap_or(0) as u64)
}

/// Writes one write the refusal rules let through; returns its leaf hash. Any error here is the database's, and
/// aborts the whole batch.
fn apply(conn: &Connection, w: &LogWrite, index: u64) -> Result<Hash, StoreError> {
    let bytes = w
        .entry
        .to_bytes()
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    let leaf = merkle::leaf_hash(&bytes);
    let env = &w.entry.envelope;
    let run = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<(), StoreError> {
        conn.prepare_cached(sql)
            .and_then(|mut stmt| stmt.execute(args))
            .map(|_| ())
            .map_err(backend)
    };
    // An amendment's update must find its row, as PostgreSQL's `one_row` requires: otherwise
    // the entry would be logged with no effect.
    let run_one = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<(), StoreError> {
        let n = conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.execute(args))
            .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::Backend(
                "a write the log allowed changed no row".into(),
            ));
        }
        Ok(())
    };
    run(
        "INSERT INTO log_entries \
         (idx, entry, kind, entry_id, submitter, submitted_at, tlp, body, body_salt) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            index as i64,
            bytes,
            env.kind,
            env.id,
            env.submitter,
            env.submitted_at,
            env.tlp.as_str(),
            w.body,
            w.salt.as_ref().map(|s| s.as_slice())
        ],
    )?;
    match &w.effect {
        Effect::Accord(a) => {
            run(
                "INSERT INTO accord (id, body) VALUES (?1, ?2)",
                params![a.id, to_json(a)?],
            )?;
            run(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('seeded_at', ?1)",
                params![jiff::Timestamp::now().to_string()],
            )?;
            registry_changed(conn, index)?;
        }
        Effect::Rules(r) => {
            run(
                "INSERT INTO rules (id, body) VALUES (1, ?1) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                params![to_json(r)?],
            )?;
            registry_changed(conn, index)?;
        }
        Effect::Party(p) => run(
            "INSERT INTO parties (id, kind, name, body) VALUES (?1, ?2, ?3, ?4)",
            params![p.id, p.kind.as_str(), p.name, to_json(p)?],
        )?,
        Effect::Incident(record) => {
            let record = IncidentRecord {
                log_index: Some(index),
                ..(**record).clone()
            };
            insert_incident_tx(conn, &record)?;
        }
        Effect::KeyAdded(k) => run(
            "INSERT INTO party_keys (party_id, public_key, added_at) VALUES (?1, ?2, ?3)",
            params![k.party, k.public_key, index as i64],
        )?,
        Effect::KeyRevoked(k) => run(
            "UPDATE party_keys SET revoked_at = ?3 \
             WHERE party_id = ?1 AND public_key = ?2 AND revoked_at IS NULL",
            params![k.party, k.public_key, index as i64],
        )?,
        Effect::WitnessAdded(w) => run(
            "INSERT INTO witnesses (verifier_key, name, party_id, added_at) VALUES (?1, ?2, ?3, ?4)",
            params![w.key, w.name, w.party, index as i64],
        )?,
        Effect::WitnessRemoved(w) => run(
            "UPDATE witnesses SET removed_at = ?2 WHERE verifier_key = ?1 AND removed_at IS NULL",
            params![w.key, index as i64],
        )?,
        Effect::PeerAdded(p) => run(
            "INSERT INTO peers (verifier_key, origin, url, party_id, added_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (verifier_key) DO UPDATE SET origin = excluded.origin, \
                 url = excluded.url, party_id = excluded.party_id, \
                 added_at = excluded.added_at, removed_at = NULL",
            params![p.key, p.origin, p.url, p.party, index as i64],
        )?,
        Effect::PeerRemoved(p) => run(
            "UPDATE peers SET removed_at = ?2 WHERE verifier_key = ?1 AND removed_at IS NULL",
            params![p.key, index as i64],
        )?,
        Effect::PeerForked(e) => run(
            "UPDATE peers SET forked_at = ?2, fork_evidence = ?3 WHERE verifier_key = ?1",
            params![e.key, index as i64, to_json(e)?],
        )?,
        Effect::Amendment(a) => match &a.record {
            AmendedRecord::Incident(r) => replace_incident_tx(conn, r)?,
            AmendedRecord::Party(p) => run_one(
                "UPDATE parties SET kind = ?2, name = ?3, body = ?4 WHERE id = ?1",
                params![p.id, p.kind.as_str(), p.name, to_json(p)?],
            )?,
            AmendedRecord::Accord(a) => {
                run_one(
                    "UPDATE accord SET body = ?2 WHERE id = ?1",
                    params![a.id, to_json(a)?],
                )?;
                registry_changed(conn, index)?;
            }
            AmendedRecord::Rules(r) => {
                run(
                    "UPDATE rules SET body = ?1 WHERE id = 1",
                    params![to_json(r)?],
                )?;
                resuggest_tx(conn, r)?;
                registry_changed(conn, index)?;
            }
        },
        Effect::DatasetVersion(v) => run(
            "INSERT INTO meta (key, value) VALUES ('dataset_version', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![v.to_string()],
        )?,
        Effect::Withheld => {}
        other => {
            if !crate::requests::apply(conn, other, index)?
                && !crate::sharing::apply(conn, other, index)?
            {
                return Err(StoreError::Backend(
                    "this store does not know that kind of write".into(),
                ));
            }
        }
    }
    Ok(leaf)
}

/// Appends a batch in one transaction and signs the new checkpoint.
pub fn append(
    conn: &mut Connection,
    batch: Vec<LogWrite>,
    operator: &Operator,
) -> Result<AppendOutcome, StoreError> {
    // IMMEDIATE takes the write lock before the size is read, so that two processes on one
    // file (a running hub and a local admin command) append one after the other, each
    // extending the tree the other committed.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    operator.check_signs(latest_checkpoint(&tx)?.as_ref())?;
    let old_size = entry_count(&tx)?;
    let mut size = old_size;
    let mut leaves = Vec::with_capacity(batch.len());
    let mut results = Vec::with_capacity(batch.len());
    for w in &batch {
        // A refused write is refused before it writes anything (so that refusing one never
        // needs to undo part of it); a failure while writing is the database's and rolls the
        // whole batch back.
        match SqliteState(&tx).refusal(w) {
            Ok(None) => {
                let leaf = apply(&tx, w, size)?;
                leaves.push(leaf);
                results.push(Ok(Receipt {
                    index: size,
                    leaf_hash: leaf,
                }));
                size += 1;
            }
            Ok(Some(e)) | Err(e) => results.push(Err(e)),
        }
    }
    let checkpoint = if leaves.is_empty() {
        latest_checkpoint(&tx)?
    } else {
        let nodes = merkle::append_nodes(&uncached(&tx), old_size, &leaves)
            .map_err(|e| proof_err(e, old_size))?;
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
                .map_err(backend)?;
            for (node, hash) in &nodes {
                stmt.execute(params![node.level, node.index as i64, hash.0.as_slice()])
                    .map_err(backend)?;
            }
        }
        let root = merkle::root(&uncached(&tx), size).map_err(|e| proof_err(e, size))?;
        let signed = sign_checkpoint(operator, size, root)?;
        tx.execute(
            "INSERT INTO checkpoints (size, root, note, signed_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                size as i64,
                root.0.as_slice(),
                signed.note,
                jiff::Timestamp::now().to_string()
            ],
        )
        .map_err(backend)?;
        Some(signed)
    };
    tx.commit().map_err(backend)?;
    Ok(AppendOutcome {
        results,
        checkpoint,
    })
}

fn checkpoint_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Vec<u8>, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn to_checkpoint(
    row: Option<(i64, Vec<u8>, String)>,
) -> Result<Option<SignedCheckpoint>, StoreError> {
    row.map(|(size, root, note)| {
        Ok(SignedCheckpoint {
            size: size as u64,
            root: Hash::from_slice(&root).map_err(|e| corrupt("checkpoint root", e))?,
            note,
        })
    })
    .transpose()
}

/// The latest signed checkpoint.
pub fn latest_checkpoint(conn: &Connection) -> Result<Option<SignedCheckpoint>, StoreError> {
    let row = conn
        .query_row(
            "SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1",
            [],
            checkpoint_row,
        )
        .optional()
        .map_err(backend)?;
    to_checkpoint(row)
}

/// The checkpoint published at `size`.
pub fn checkpoint_at(conn: &Connection, size: u64) -> Result<Option<SignedCheckpoint>, StoreError> {
    let row = conn
        .query_row(
            "SELECT size, root, note FROM checkpoints WHERE size = ?1",
            [size as i64],
            checkpoint_row,
        )
        .optional()
        .map_err(backend)?;
    to_checkpoint(row)
}

/// Adds (or replaces, for the same witness) a cosignature line on the checkpoint of `size`.
pub fn add_cosignature(conn: &mut Connection, size: u64, line: &str) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let current = checkpoint_at(&tx, size)?.ok_or_else(|| StoreError::NotFound {
        what: "checkpoint",
        id: size.to_string(),
    })?;
    let sig = NoteSignature::parse_line(line.trim_end(), 1)
        .map_err(|e| StoreError::Backend(format!("bad cosignature line: {e}")))?;
    let note = accord_store::witness::merge_cosignature(&current.note, sig)?;
    tx.execute(
        "UPDATE checkpoints SET note = ?2 WHERE size = ?1",
        params![size as i64, note],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)
}

/// Every witness ever configured, oldest first.
pub fn witnesses(conn: &Connection) -> Result<Vec<Witness>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT name, verifier_key, party_id, added_at, removed_at FROM witnesses ORDER BY added_at",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Witness {
                name: r.get(0)?,
                key: r.get(1)?,
                party: r.get(2)?,
                added_at: r.get::<_, i64>(3)? as u64,
                removed_at: r.get::<_, Option<i64>>(4)?.map(|i| i as u64),
            })
        })
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

/// The checkpoint repair's questions, answered on the writer connection, locked for each
/// answer only (a lock guard must not be held across the walk's awaits).
pub struct Repair<'a>(pub &'a Mutex<Connection>);

impl Repair<'_> {
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl CheckpointRepair for Repair<'_> {
    async fn repair_requested(&mut self) -> Result<bool, StoreError> {
        let found = self
            .conn()
            .query_row(
                "SELECT 1 FROM meta WHERE key = 'repair_checkpoints'",
                [],
                |_| Ok(()),
            )
            .optional()
            .map_err(backend)?;
        Ok(found.is_some())
    }

    async fn latest_checkpoint(&mut self) -> Result<Option<SignedCheckpoint>, StoreError> {
        latest_checkpoint(&self.conn())
    }

    async fn checkpoints_from(
        &mut self,
        from: u64,
        limit: u64,
    ) -> Result<Vec<SignedCheckpoint>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT size, root, note FROM checkpoints WHERE size >= ?1 ORDER BY size LIMIT ?2",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![from as i64, limit as i64], checkpoint_row)
            .map_err(backend)?;
        let mut found = Vec::new();
        for row in rows {
            found.extend(to_checkpoint(Some(row.map_err(backend)?))?);
        }
        Ok(found)
    }

    async fn replace_notes(
        &mut self,
        edits: Vec<(SignedCheckpoint, String)>,
    ) -> Result<u64, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        let mut replaced = 0;
        for (cp, note) in &edits {
            replaced += tx
                .execute(
                    "UPDATE checkpoints SET note = ?3 WHERE size = ?1 AND note = ?2",
                    params![cp.size as i64, cp.note, note],
                )
                .map_err(backend)? as u64;
        }
        tx.commit().map_err(backend)?;
        Ok(replaced)
    }

    async fn repair_finished(&mut self) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM meta WHERE key = 'repair_checkpoints'", [])
            .map_err(backend)?;
        Ok(())
    }
}

/// One entry and its body.
pub fn entry(conn: &Connection, index: u64) -> Result<StoredEntry, StoreError> {
    let size = published_size(conn)?;
    if index >= size {
        return Err(StoreError::NoSuchEntry { index, size });
    }
    let (entry, body, tlp, salt): (Vec<u8>, Vec<u8>, String, Option<Vec<u8>>) = conn
        .query_row(
            "SELECT entry, body, tlp, body_salt FROM log_entries WHERE idx = ?1",
            [index as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(backend)?;
    Ok(StoredEntry {
        index,
        entry,
        body,
        salt,
        tlp: parse_tlp(&tlp)?,
    })
}

/// Consecutive published entries with their bodies.
pub fn entries(conn: &Connection, start: u64, count: u64) -> Result<Vec<StoredEntry>, StoreError> {
    let size = published_size(conn)?;
    let end = start.saturating_add(count).min(size);
    let mut stmt = conn
        .prepare_cached(
            "SELECT idx, entry, body, tlp, body_salt FROM log_entries \
             WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![start as i64, end as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<Vec<u8>>>(4)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (index, entry, body, tlp, salt) = row.map_err(backend)?;
        out.push(StoredEntry {
            index: index as u64,
            entry,
            body,
            salt,
            tlp: parse_tlp(&tlp)?,
        });
    }
    Ok(out)
}

/// The data of a hash tile or entry bundle within the published tree.
pub fn tile(conn: &Connection, tile: Tile) -> Result<Vec<u8>, StoreError> {
    match tile_read(&tile, published_size(conn)?)? {
        TileRead::Hashes {
            level,
            first,
            count: wanted,
        } => {
            // A hash tile is consecutive nodes of one tree level: one range scan, not one
            // lookup per hash.
            let mut stmt = conn
                .prepare_cached(
                    "SELECT hash FROM log_nodes WHERE level = ?1 AND idx >= ?2 AND idx <= ?3 \
                     ORDER BY idx",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(
                    params![level, first as i64, (first + wanted - 1) as i64],
                    |r| r.get::<_, Vec<u8>>(0),
                )
                .map_err(backend)?;
            let mut data = Vec::with_capacity(wanted as usize * 32);
            let mut count = 0;
            for row in rows {
                let hash = row.map_err(backend)?;
                if hash.len() != 32 {
                    return Err(corrupt(
                        format!("tree node {level}/{}", first + count),
                        format!("{} bytes, not 32", hash.len()),
                    ));
                }
                data.extend_from_slice(&hash);
                count += 1;
            }
            if count != wanted {
                return Err(corrupt(
                    format!("tile {}", tile.path()),
                    format!("{count} of its {wanted} tree nodes are stored"),
                ));
            }
            Ok(data)
        }
        TileRead::Entries { start, end } => {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT entry FROM log_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![start as i64, end as i64], |r| {
                    r.get::<_, Vec<u8>>(0)
                })
                .map_err(backend)?;
            let entries: Vec<Vec<u8>> = rows.collect::<Result<_, _>>().map_err(backend)?;
            tiles::encode_bundle(&entries).map_err(|e| corrupt("entry bundle", e))
        }
    }
}

/// The inclusion proof of `index` in the tree of `size`.
pub fn inclusion_proof(
    conn: &Connection,
    cache: &NodeCache,
    index: u64,
    size: u64,
) -> Result<InclusionProof, StoreError> {
    let published = published_size(conn)?;
    check_proof_size(size, published)?;
    merkle::inclusion_proof(&cached(conn, cache), index, size).map_err(|e| proof_err(e, published))
}

/// The consistency proof from `old` to `new`.
pub fn consistency_proof(
    conn: &Connection,
    cache: &NodeCache,
    old: u64,
    new: u64,
) -> Result<ConsistencyProof, StoreError> {
    let published = published_size(conn)?;
    check_proof_size(new, published)?;
    merkle::consistency_proof(&cached(conn, cache), old, new).map_err(|e| proof_err(e, published))
}

/// Every key of a party.
pub fn party_keys(conn: &Connection, party: &str) -> Result<Vec<PartyKey>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT public_key, added_at, revoked_at FROM party_keys WHERE party_id = ?1 ORDER BY added_at",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([party], |r| {
            Ok(PartyKey {
                party: party.to_owned(),
                public_key: r.get(0)?,
                added_at: r.get::<_, i64>(1)? as u64,
                revoked_at: r.get::<_, Option<i64>>(2)?.map(|i| i as u64),
            })
        })
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

/// Stores a token digest for a party, valid until `expires_at`.
pub fn add_token(
    conn: &Connection,
    token: &str,
    party: &str,
    expires_at: jiff::Timestamp,
) -> Result<(), StoreError> {
    let known: bool = conn
        .query_row("SELECT 1 FROM parties WHERE id = ?1", [party], |_| Ok(()))
        .optional()
        .map_err(backend)?
        .is_some();
    if !known {
        return Err(StoreError::NotFound {
            what: "party",
            id: party.to_owned(),
        });
    }
    conn.execute(
        "INSERT INTO tokens (token_sha256, party_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            token,
            party,
            jiff::Timestamp::now().to_string(),
            expires_at.as_second()
        ],
    )
    .map_err(backend)?;
    Ok(())
}

/// The party a token digest belongs to, unless revoked or expired.
pub fn token_party(conn: &Connection, token: &str) -> Result<Option<String>, StoreError> {
    conn.prepare_cached(
        "SELECT party_id FROM tokens WHERE token_sha256 = ?1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > ?2)",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![token, jiff::Timestamp::now().as_second()], |r| {
            r.get(0)
        })
        .optional()
    })
    .map_err(backend)
}

const TOKEN_COLUMNS: &str = "token_sha256, party_id, created_at, expires_at, revoked_at";

/// A token row: digest, party, created (RFC 3339), expires (unix seconds), revoked (RFC 3339).
type TokenRow = (String, String, String, Option<i64>, Option<String>);

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_token((sha, party, created, expires, revoked): TokenRow) -> Result<TokenInfo, StoreError> {
    let time = |t: &str| {
        t.parse::<jiff::Timestamp>()
            .map_err(|e| corrupt("token time", e))
    };
    Ok(TokenInfo::new(
        sha,
        party,
        time(&created)?,
        expires
            .map(|s| jiff::Timestamp::from_second(s).map_err(|e| corrupt("token expiry", e)))
            .transpose()?,
        revoked.as_deref().map(time).transpose()?,
    ))
}

/// One token by its digest.
pub fn token(conn: &Connection, token: &str) -> Result<Option<TokenInfo>, StoreError> {
    conn.query_row(
        &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_sha256 = ?1"),
        [token],
        token_row,
    )
    .optional()
    .map_err(backend)?
    .map(to_token)
    .transpose()
}

/// Every token, oldest first.
pub fn token_list(conn: &Connection) -> Result<Vec<TokenInfo>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, token_sha256"
        ))
        .map_err(backend)?;
    let rows = stmt.query_map([], token_row).map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(to_token(row.map_err(backend)?)?);
    }
    Ok(out)
}

/// Revokes a token now; whether it was current.
pub fn revoke_token(conn: &Connection, token: &str) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE token_sha256 = ?1 AND revoked_at IS NULL",
            params![token, jiff::Timestamp::now().to_string()],
        )
        .map_err(backend)?;
    Ok(n > 0)
}

/// Entry counts by kind.
pub fn entry_counts(conn: &Connection) -> Result<Vec<(String, u64)>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT kind, COUNT(*) FROM log_entries GROUP BY kind ORDER BY kind")
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

/// Inserts an incident and its facets; the caller has checked that its id is free.
/// Replaces an incident's row and facets with its amended version, keeping the index of the
/// entry that recorded it.
/// The `meta` key holding the log index of the last write that changed the accord or the
/// rules: a store keeps them parsed and reads this key to know when another connection (a
/// local admin command beside a running hub) changed them.
pub(crate) const REGISTRY_CHANGED: &str = "registry_changed_at";

fn registry_changed(tx: &Connection, index: u64) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .and_then(|mut stmt| stmt.execute(params![REGISTRY_CHANGED, index.to_string()]))
    .map(|_| ())
    .map_err(backend)
}

/// Re-suggests every recorded incident's principles with `rules` (an amendment of the rules):
/// the suggestions are kept with each incident and indexed as its principle facets.
fn resuggest_tx(tx: &Connection, rules: &RuleSet) -> Result<(), StoreError> {
    let bodies: Vec<String> = tx
        .prepare_cached("SELECT body FROM incidents ORDER BY id")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .map_err(backend)?;
    for body in bodies {
        let mut record: IncidentRecord =
            serde_json::from_str(&body).map_err(|e| corrupt("incident", e))?;
        let suggested = rules.suggest(&record.incident);
        if suggested != record.suggested_principles {
            record.suggested_principles = suggested;
            replace_incident_tx(tx, &record)?;
        }
    }
    Ok(())
}

fn replace_incident_tx(tx: &Connection, record: &IncidentRecord) -> Result<(), StoreError> {
    let id = &record.incident.id;
    let first: Option<i64> = tx
        .query_row("SELECT log_index FROM incidents WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .map_err(backend)?;
    let record = IncidentRecord {
        log_index: first.map(|i| i as u64),
        ..record.clone()
    };
    tx.execute("DELETE FROM incident_facets WHERE incident_id = ?1", [id])
        .map_err(backend)?;
    tx.execute(
        "UPDATE incidents SET sort_key = ?2, body = ?3 WHERE id = ?1",
        params![id, record.sort_key(), to_json(&record)?],
    )
    .map_err(backend)?;
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO incident_facets (incident_id, facet, value) VALUES (?1, ?2, ?3)",
        )
        .map_err(backend)?;
    for (facet, value) in record.facets() {
        stmt.execute(params![id, facet.as_str(), value])
            .map_err(backend)?;
    }
    Ok(())
}

/// Every amendment of record `id` of `kind`, oldest first.
pub(crate) fn amendments(
    conn: &Connection,
    record: RecordKind,
    id: &str,
) -> Result<Vec<StoredAmendment>, StoreError> {
    let prefix = amendment_entry_prefix(record, id);
    let mut stmt = conn
        .prepare_cached(
            "SELECT idx, submitter, submitted_at, body FROM log_entries \
             WHERE kind = ?1 AND substr(entry_id, 1, length(?2)) = ?2 ORDER BY idx",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![kind::AMENDMENT, prefix], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (index, submitter, submitted_at, body) = row.map_err(backend)?;
        let body: AmendmentBody = serde_json::from_slice(&body)
            .map_err(|e| corrupt(format!("amendment at log index {index}"), e))?;
        out.push(StoredAmendment {
            index: index as u64,
            submitter,
            submitted_at,
            body,
        });
    }
    Ok(out)
}

/// The bundled dataset version the store's records were brought up to; 0 when never.
pub(crate) fn dataset_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'dataset_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    v.map_or(Ok(0), |v| {
        v.parse().map_err(|e| corrupt("dataset version", e))
    })
}

fn insert_incident_tx(tx: &Connection, record: &IncidentRecord) -> Result<(), StoreError> {
    let id = &record.incident.id;
    let now = jiff::Timestamp::now().to_string();
    let body = to_json(record)?;
    tx.prepare_cached(
        "INSERT INTO incidents (id, sort_key, recorded_at, body, log_index) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            id,
            record.sort_key(),
            now,
            body,
            record.log_index.map(|i| i as i64)
        ])
    })
    .map_err(backend)?;
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO incident_facets (incident_id, facet, value) VALUES (?1, ?2, ?3)",
        )
        .map_err(backend)?;
    for (facet, value) in record.facets() {
        stmt.execute(params![id, facet.as_str(), value])
            .map_err(backend)?;
    }
    Ok(())
}
