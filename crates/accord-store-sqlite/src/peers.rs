//! Peer hubs: the registry the `peer` entries index, and per peer log the last checkpoint this
//! hub accepted.

use accord_store::StoreError;
use accord_store::codec::{corrupt, from_json};
use accord_store::log::{AcceptedCheckpoint, ForkEvidence, Peer, WitnessAdvance};
use accord_store::peers::peer_id;
use accord_tlog::merkle::Hash;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::backend;

/// Every peer ever registered, oldest registration first.
pub fn peers(conn: &Connection) -> Result<Vec<Peer>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT verifier_key, origin, url, party_id, added_at, removed_at, forked_at \
             FROM peers ORDER BY added_at",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            let key: String = r.get(0)?;
            Ok(Peer {
                id: peer_id(&key),
                key,
                origin: r.get(1)?,
                url: r.get(2)?,
                party: r.get(3)?,
                added_at: r.get::<_, i64>(4)? as u64,
                removed_at: r.get::<_, Option<i64>>(5)?.map(|i| i as u64),
                forked_at: r.get::<_, Option<i64>>(6)?.map(|i| i as u64),
            })
        })
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

/// The fork evidence recorded for the peer log of `key`, with its entry's index.
pub fn peer_fork(conn: &Connection, key: &str) -> Result<Option<(u64, ForkEvidence)>, StoreError> {
    let row = conn
        .query_row(
            "SELECT forked_at, fork_evidence FROM peers \
             WHERE verifier_key = ?1 AND forked_at IS NOT NULL",
            [key],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)),
        )
        .optional()
        .map_err(backend)?;
    row.map(|(index, evidence)| {
        let evidence = evidence.ok_or_else(|| StoreError::Corrupt {
            what: format!("peer {key}"),
            detail: "marked forked without evidence".into(),
        })?;
        Ok((
            index as u64,
            from_json(&format!("fork evidence of peer {key}"), &evidence)?,
        ))
    })
    .transpose()
}

/// The last checkpoint accepted of the peer log of `key`.
pub fn peer_checkpoint(
    conn: &Connection,
    key: &str,
) -> Result<Option<AcceptedCheckpoint>, StoreError> {
    let row = conn
        .query_row(
            "SELECT size, root, note, accepted_at FROM peer_checkpoints WHERE verifier_key = ?1",
            [key],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .optional()
        .map_err(backend)?;
    row.map(|(size, root, note, accepted_at)| {
        Ok(AcceptedCheckpoint {
            key: key.to_owned(),
            size: size as u64,
            root: Hash::from_slice(&root)
                .map_err(|e| corrupt(format!("accepted checkpoint of peer {key}"), e))?,
            note,
            accepted_at: accepted_at as u64,
        })
    })
    .transpose()
}

/// Compare-and-set in one IMMEDIATE transaction: the write lock is taken before the row is
/// read, so no other writer can move it between the comparison and the write.
pub fn advance(
    conn: &mut Connection,
    expected: Option<(u64, Hash)>,
    new: &AcceptedCheckpoint,
) -> Result<WitnessAdvance, StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let current = peer_checkpoint(&tx, &new.key)?;
    if current.as_ref().map(|c| (c.size, c.root)) != expected {
        return Ok(WitnessAdvance::Moved {
            size: current.map_or(0, |c| c.size),
        });
    }
    tx.execute(
        "INSERT INTO peer_checkpoints (verifier_key, size, root, note, accepted_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (verifier_key) DO UPDATE SET size = excluded.size, root = excluded.root, \
             note = excluded.note, accepted_at = excluded.accepted_at",
        params![
            new.key,
            new.size as i64,
            new.root.as_bytes().as_slice(),
            new.note,
            new.accepted_at as i64
        ],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(WitnessAdvance::Stored)
}
