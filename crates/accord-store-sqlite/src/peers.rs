//! Peer hubs: the registry the `peer` entries index, and per peer log the last checkpoint this
//! hub accepted.

use accord_store::StoreError;
use accord_store::codec::from_json;
use accord_store::log::{AcceptedCheckpoint, ForkEvidence, Peer, WitnessAdvance};
use accord_store::peers::peer_id;
use accord_tlog::merkle::Hash;
use rusqlite::{Connection, OptionalExtension};

use crate::db::backend;
use crate::latest_checkpoint::{self, Latest, Table};

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

/// Where the last checkpoint accepted of each peer log is kept.
const PEER_CHECKPOINTS: Table = Table {
    name: "peer_checkpoints",
    key: "verifier_key",
    at: "accepted_at",
    what: "accepted checkpoint of peer",
};

/// The last checkpoint accepted of the peer log of `key`.
pub fn peer_checkpoint(
    conn: &Connection,
    key: &str,
) -> Result<Option<AcceptedCheckpoint>, StoreError> {
    Ok(
        latest_checkpoint::read(conn, &PEER_CHECKPOINTS, key)?.map(|l| AcceptedCheckpoint {
            key: key.to_owned(),
            size: l.size,
            root: l.root,
            note: l.note,
            accepted_at: l.at,
        }),
    )
}

/// Stores `new` if the last checkpoint accepted of its peer log is still `expected`
/// ([`latest_checkpoint::advance`]).
pub fn advance(
    conn: &mut Connection,
    expected: Option<(u64, Hash)>,
    new: &AcceptedCheckpoint,
) -> Result<WitnessAdvance, StoreError> {
    let latest = Latest {
        size: new.size,
        root: new.root,
        note: new.note.clone(),
        at: new.accepted_at,
    };
    latest_checkpoint::advance(conn, &PEER_CHECKPOINTS, &new.key, expected, &latest)
}
