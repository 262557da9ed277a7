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

fn row_to_accepted(key: &str, row: &tokio_postgres::Row) -> Result<AcceptedCheckpoint, StoreError> {
    Ok(AcceptedCheckpoint {
        key: key.to_owned(),
        size: row.get::<_, i64>(0) as u64,
        root: Hash::from_slice(row.get::<_, &[u8]>(1))
            .map_err(|e| corrupt(format!("accepted checkpoint of peer {key}"), e))?,
        note: row.get(2),
        accepted_at: row.get::<_, i64>(3) as u64,
    })
}

/// The last checkpoint accepted of the peer log of `key`.
pub(crate) async fn peer_checkpoint(
    client: &impl GenericClient,
    key: &str,
) -> Result<Option<AcceptedCheckpoint>, StoreError> {
    client
        .query_opt(
            "SELECT size, root, note, accepted_at FROM peer_checkpoints WHERE verifier_key = $1",
            &[&key],
        )
        .await
        .map_err(db)?
        .map(|row| row_to_accepted(key, &row))
        .transpose()
}

/// Compare-and-set in one transaction: the row is locked (`FOR UPDATE`) while it is compared,
/// and a first row is inserted with `ON CONFLICT DO NOTHING`, so of two concurrent checks
/// exactly one writes; the other finds the row moved.
pub(crate) async fn advance(
    client: &mut deadpool_postgres::Object,
    expected: Option<(u64, Hash)>,
    new: &AcceptedCheckpoint,
) -> Result<WitnessAdvance, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    let current = tx
        .query_opt(
            "SELECT size, root, note, accepted_at FROM peer_checkpoints \
             WHERE verifier_key = $1 FOR UPDATE",
            &[&new.key],
        )
        .await
        .map_err(db)?
        .map(|row| row_to_accepted(&new.key, &row))
        .transpose()?;
    if current.as_ref().map(|c| (c.size, c.root)) != expected {
        return Ok(WitnessAdvance::Moved {
            size: current.map_or(0, |c| c.size),
        });
    }
    let root = new.root.as_bytes().as_slice();
    let args: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
        &new.key,
        &(new.size as i64),
        &root,
        &new.note,
        &(new.accepted_at as i64),
    ];
    let written = if current.is_some() {
        tx.execute(
            "UPDATE peer_checkpoints SET size = $2, root = $3, note = $4, accepted_at = $5 \
             WHERE verifier_key = $1",
            &args,
        )
        .await
        .map_err(db)?
    } else {
        tx.execute(
            "INSERT INTO peer_checkpoints (verifier_key, size, root, note, accepted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (verifier_key) DO NOTHING",
            &args,
        )
        .await
        .map_err(db)?
    };
    if written == 0 {
        // Another check inserted the first row after our read: it won.
        drop(tx);
        let size = peer_checkpoint(&*client, &new.key)
            .await?
            .map_or(0, |c| c.size);
        return Ok(WitnessAdvance::Moved { size });
    }
    tx.commit().await.map_err(db)?;
    Ok(WitnessAdvance::Stored)
}
