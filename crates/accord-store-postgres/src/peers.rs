//! Peer hubs: the registry the `peer` entries index, and per peer log the last checkpoint this
//! hub accepted.

use accord_store::StoreError;
use accord_store::codec::corrupt;
use accord_store::log::{AcceptedCheckpoint, ForkEvidence, Peer, WitnessAdvance};
use accord_store::peers::peer_id;
use accord_tlog::merkle::Hash;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::Json;

use crate::db::db;
use crate::latest_checkpoint::{self, Latest, Table};

/// Every peer ever registered, oldest registration first.
pub(crate) async fn peers(client: &impl GenericClient) -> Result<Vec<Peer>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT verifier_key, origin, url, party_id, added_at, removed_at, forked_at \
             FROM peers ORDER BY added_at",
        )
        .await
        .map_err(db)?;
    Ok(client
        .query(&stmt, &[])
        .await
        .map_err(db)?
        .into_iter()
        .map(|r| {
            let key: String = r.get(0);
            Peer {
                id: peer_id(&key),
                key,
                origin: r.get(1),
                url: r.get(2),
                party: r.get(3),
                added_at: r.get::<_, i64>(4) as u64,
                removed_at: r.get::<_, Option<i64>>(5).map(|i| i as u64),
                forked_at: r.get::<_, Option<i64>>(6).map(|i| i as u64),
            }
        })
        .collect())
}

/// The fork evidence recorded for the peer log of `key`, with its entry's index.
pub(crate) async fn peer_fork(
    client: &impl GenericClient,
    key: &str,
) -> Result<Option<(u64, ForkEvidence)>, StoreError> {
    let Some(row) = client
        .query_opt(
            "SELECT forked_at, fork_evidence FROM peers \
             WHERE verifier_key = $1 AND forked_at IS NOT NULL",
            &[&key],
        )
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    let evidence: Option<Json<serde_json::Value>> = row.get(1);
    let evidence = evidence.ok_or_else(|| StoreError::Corrupt {
        what: format!("peer {key}"),
        detail: "marked forked without evidence".into(),
    })?;
    let evidence: ForkEvidence = serde_json::from_value(evidence.0)
        .map_err(|e| corrupt(format!("fork evidence of peer {key}"), e))?;
    Ok(Some((row.get::<_, i64>(0) as u64, evidence)))
}

/// Where the last checkpoint accepted of each peer log is kept.
const PEER_CHECKPOINTS: Table = Table {
    name: "peer_checkpoints",
    key: "verifier_key",
    at: "accepted_at",
    what: "accepted checkpoint of peer",
};

/// The last checkpoint accepted of the peer log of `key`.
pub(crate) async fn peer_checkpoint(
    client: &impl GenericClient,
    key: &str,
) -> Result<Option<AcceptedCheckpoint>, StoreError> {
    Ok(latest_checkpoint::read(client, &PEER_CHECKPOINTS, key)
        .await?
        .map(|l| AcceptedCheckpoint {
            key: key.to_owned(),
            size: l.size,
            root: l.root,
            note: l.note,
            accepted_at: l.at,
        }))
}

/// Stores `new` if the last checkpoint accepted of its peer log is still `expected`
/// ([`latest_checkpoint::advance`]: of two concurrent checks exactly one writes).
pub(crate) async fn advance(
    client: &mut deadpool_postgres::Object,
    expected: Option<(u64, Hash)>,
    new: &AcceptedCheckpoint,
) -> Result<WitnessAdvance, StoreError> {
    let latest = Latest {
        size: new.size,
        root: new.root,
        note: new.note.clone(),
        at: new.accepted_at,
    };
    latest_checkpoint::advance(client, &PEER_CHECKPOINTS, &new.key, expected, &latest).await
}
