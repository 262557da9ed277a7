//! The peers' logs this hub mirrors: how far it verified each, the checkpoints it accepted
//! and the records it mirrored (`accord_store::mirror`).

use accord_store::StoreError;
use accord_store::codec::{corrupt, parse_tlp, to_json};
use accord_store::mirror::{
    MirrorAdvance, MirrorState, MirroredEntry, MirroredObject, MirroredQuery, MirroredRequestEntry,
    PeerKey, PeerRecorder,
};
use accord_tlog::merkle::Hash;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::backend;

const STATE_COLUMNS: &str = "origin, verifier_key, size, root, note, frontier, keys, updated_at, recorders FROM mirror_logs";

type RawState = (
    String,
    String,
    i64,
    Vec<u8>,
    String,
    Vec<u8>,
    String,
    i64,
    String,
);

fn raw_state(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawState> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn to_state(raw: RawState) -> Result<MirrorState, StoreError> {
    let (origin, verifier_key, size, root, note, frontier, keys, updated_at, recorders) = raw;
    let what = || format!("mirror state of {origin}");
    Ok(MirrorState {
        verifier_key,
        size: size as u64,
        root: Hash::from_slice(&root).map_err(|e| corrupt(what(), e))?,
        note,
        frontier: frontier
            .chunks(32)
            .map(Hash::from_slice)
            .collect::<Result<_, _>>()
            .map_err(|e| corrupt(what(), e))?,
        keys: serde_json::from_str::<Vec<PeerKey>>(&keys).map_err(|e| corrupt(what(), e))?,
        recorders: serde_json::from_str::<Vec<PeerRecorder>>(&recorders)
            .map_err(|e| corrupt(what(), e))?,
        updated_at: updated_at as u64,
        origin,
    })
}

/// How far the log of `origin` was verified.
pub fn mirror(conn: &Connection, origin: &str) -> Result<Option<MirrorState>, StoreError> {
    conn.query_row(
        &format!("SELECT {STATE_COLUMNS} WHERE origin = ?1"),
        [origin],
        raw_state,
    )
    .optional()
    .map_err(backend)?
    .map(to_state)
    .transpose()
}

/// Every mirrored log, by origin.
pub fn mirrors(conn: &Connection) -> Result<Vec<MirrorState>, StoreError> {
    let mut stmt = conn
        .prepare(&format!("SELECT {STATE_COLUMNS} ORDER BY origin"))
        .map_err(backend)?;
    let rows = stmt
        .query_map([], raw_state)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter().map(to_state).collect()
}

/// Compare-and-set in one IMMEDIATE transaction, with the checkpoint and the entries.
pub fn advance(
    conn: &mut Connection,
    expected: Option<(u64, Hash)>,
    new: &MirrorState,
    entries: &[MirroredEntry],
) -> Result<MirrorAdvance, StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let current = mirror(&tx, &new.origin)?;
    if current.as_ref().map(|m| (m.size, m.root)) != expected {
        return Ok(MirrorAdvance::Moved {
            size: current.map_or(0, |m| m.size),
        });
    }
    accord_store::mirror::check_same_key(current.as_ref(), new)?;
    let frontier: Vec<u8> = new.frontier.iter().flat_map(|h| h.0).collect();
    let keys = serde_json::to_string(&new.keys).map_err(|e| corrupt("peer keys", e))?;
    let recorders =
        serde_json::to_string(&new.recorders).map_err(|e| corrupt("peer recorders", e))?;
    tx.execute(
        "INSERT INTO mirror_logs
             (origin, verifier_key, size, root, note, frontier, keys, updated_at, recorders)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note,
             frontier = excluded.frontier, keys = excluded.keys, updated_at = excluded.updated_at,
             recorders = excluded.recorders",
        params![
            new.origin,
            new.verifier_key,
            new.size as i64,
            new.root.as_bytes().as_slice(),
            new.note,
            frontier,
            keys,
            new.updated_at as i64,
            recorders
        ],
    )
    .map_err(backend)?;
    tx.execute(
        "INSERT INTO mirror_checkpoints (origin, size, note) VALUES (?1, ?2, ?3)
         ON CONFLICT (origin, size) DO NOTHING",
        params![new.origin, new.size as i64, new.note],
    )
    .map_err(backend)?;
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO mirrored_entries (origin, idx, kind, entry_id, submitter,
                     submitted_at, entry, body, salt, checkpoint_size)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (origin, idx) DO NOTHING",
            )
            .map_err(backend)?;
        for e in entries {
            stmt.execute(params![
                e.origin,
                e.index as i64,
                e.kind,
                e.entry_id,
                e.submitter,
                e.submitted_at,
                e.entry,
                e.body,
                e.salt,
                e.checkpoint_size as i64
            ])
            .map_err(backend)?;
        }
    }
    tx.commit().map_err(backend)?;
    Ok(MirrorAdvance::Stored)
}

/// Mirrored records, by origin then index.
pub fn entries(conn: &Connection, q: &MirroredQuery) -> Result<Vec<MirroredEntry>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT origin, idx, kind, entry_id, submitter, submitted_at, entry, body, salt,
                    checkpoint_size
             FROM mirrored_entries
             WHERE (?1 IS NULL OR origin = ?1) AND (?2 IS NULL OR kind = ?2)
               AND (?3 IS NULL OR entry_id = ?3) AND (?6 IS NULL OR idx = ?6)
             ORDER BY origin, idx LIMIT ?4 OFFSET ?5",
        )
        .map_err(backend)?;
    stmt.query_map(
        params![
            q.origin,
            q.kind,
            q.entry_id,
            q.limit.min(i64::MAX as u64) as i64,
            q.offset.min(i64::MAX as u64) as i64,
            q.index.map(|i| i.min(i64::MAX as u64) as i64)
        ],
        |r| {
            Ok(MirroredEntry {
                origin: r.get(0)?,
                index: r.get::<_, i64>(1)? as u64,
                kind: r.get(2)?,
                entry_id: r.get(3)?,
                submitter: r.get(4)?,
                submitted_at: r.get(5)?,
                entry: r.get(6)?,
                body: r.get(7)?,
                salt: r.get(8)?,
                checkpoint_size: r.get::<_, i64>(9)? as u64,
            })
        },
    )
    .map_err(backend)?
    .collect::<Result<Vec<_>, _>>()
    .map_err(backend)
}

/// The accepted checkpoint of the log of `origin` at `size`.
pub fn checkpoint(
    conn: &Connection,
    origin: &str,
    size: u64,
) -> Result<Option<String>, StoreError> {
    conn.query_row(
        "SELECT note FROM mirror_checkpoints WHERE origin = ?1 AND size = ?2",
        params![origin, size as i64],
        |r| r.get(0),
    )
    .optional()
    .map_err(backend)
}

/// Inserts mirrored object versions, keeping any already stored; returns how many were new.
pub fn add_objects(conn: &mut Connection, objects: &[MirroredObject]) -> Result<u64, StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut added = 0;
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO mirrored_objects (collection, origin, idx, object_id, type,
                     version_us, tlp, producer, recipients, body, salt, entry, checkpoint_size)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (collection, origin, idx) DO NOTHING",
            )
            .map_err(backend)?;
        for o in objects {
            let recipients = to_json(&o.recipients)?;
            added += stmt
                .execute(params![
                    o.collection,
                    o.origin,
                    o.index as i64,
                    o.object_id,
                    o.object_type,
                    o.version_us,
                    o.tlp.as_str(),
                    o.producer,
                    recipients,
                    o.body,
                    o.salt,
                    o.entry,
                    o.checkpoint_size as i64
                ])
                .map_err(backend)? as u64;
        }
    }
    tx.commit().map_err(backend)?;
    Ok(added)
}

type RawObject = (
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
    String,
    String,
    String,
    Vec<u8>,
    Option<Vec<u8>>,
    Vec<u8>,
    i64,
);

/// The object versions mirrored into `collection`, by origin then index.
pub fn objects(conn: &Connection, collection: &str) -> Result<Vec<MirroredObject>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT collection, origin, idx, object_id, type, version_us, tlp, producer,
                    recipients, body, salt, entry, checkpoint_size
             FROM mirrored_objects WHERE collection = ?1 ORDER BY origin, idx",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![collection], |r| -> rusqlite::Result<RawObject> {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
            ))
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|raw| {
            let (collection, origin, idx, object_id, object_type, version_us, tlp, producer) =
                (raw.0, raw.1, raw.2, raw.3, raw.4, raw.5, raw.6, raw.7);
            let what = || format!("mirrored object {origin} entry {idx}");
            Ok(MirroredObject {
                tlp: parse_tlp(&tlp)?,
                recipients: serde_json::from_str(&raw.8).map_err(|e| corrupt(what(), e))?,
                collection,
                index: idx as u64,
                origin,
                object_id,
                object_type,
                version_us,
                producer,
                body: raw.9,
                salt: raw.10,
                entry: raw.11,
                checkpoint_size: raw.12 as u64,
            })
        })
        .collect()
}

/// Inserts mirrored request entries, keeping any already stored; returns how many were new.
pub fn add_requests(
    conn: &mut Connection,
    entries: &[MirroredRequestEntry],
) -> Result<u64, StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut added = 0;
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO mirrored_requests (origin, idx, kind, request_id, submitter, tlp,
                     body, salt, entry, checkpoint_size)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (origin, idx) DO NOTHING",
            )
            .map_err(backend)?;
        for e in entries {
            added += stmt
                .execute(params![
                    e.origin,
                    e.index as i64,
                    e.kind,
                    e.request_id,
                    e.submitter,
                    e.tlp.as_str(),
                    e.body,
                    e.salt,
                    e.entry,
                    e.checkpoint_size as i64
                ])
                .map_err(backend)? as u64;
        }
    }
    tx.commit().map_err(backend)?;
    Ok(added)
}

type RawRequestEntry = (
    String,
    i64,
    String,
    String,
    String,
    String,
    Vec<u8>,
    Option<Vec<u8>>,
    Vec<u8>,
    i64,
);

/// The request entries mirrored from `origin` (every origin: `None`), by origin then index.
pub fn requests(
    conn: &Connection,
    origin: Option<&str>,
) -> Result<Vec<MirroredRequestEntry>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT origin, idx, kind, request_id, submitter, tlp, body, salt, entry,
                    checkpoint_size
             FROM mirrored_requests WHERE ?1 IS NULL OR origin = ?1 ORDER BY origin, idx",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![origin], |r| -> rusqlite::Result<RawRequestEntry> {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|raw| {
            Ok(MirroredRequestEntry {
                tlp: parse_tlp(&raw.5)?,
                origin: raw.0,
                index: raw.1 as u64,
                kind: raw.2,
                request_id: raw.3,
                submitter: raw.4,
                body: raw.6,
                salt: raw.7,
                entry: raw.8,
                checkpoint_size: raw.9 as u64,
            })
        })
        .collect()
}
