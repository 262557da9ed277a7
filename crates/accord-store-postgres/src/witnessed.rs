//! The logs this hub witnesses: the latest checkpoint it cosigned for each origin.

use accord_store::StoreError;
use accord_store::codec::corrupt;
use accord_store::log::{WitnessAdvance, Witnessed};
use accord_tlog::merkle::Hash;
use deadpool_postgres::GenericClient;

use crate::db::db;

fn row_to_witnessed(origin: &str, row: &tokio_postgres::Row) -> Result<Witnessed, StoreError> {
    Ok(Witnessed {
        origin: origin.to_owned(),
        size: row.get::<_, i64>(0) as u64,
        root: Hash::from_slice(row.get::<_, &[u8]>(1))
            .map_err(|e| corrupt(format!("witnessed checkpoint of {origin}"), e))?,
        note: row.get(2),
        updated_at: row.get::<_, i64>(3) as u64,
    })
}

/// The latest checkpoint cosigned for `origin`.
pub(crate) async fn witnessed(
    client: &impl GenericClient,
    origin: &str,
) -> Result<Option<Witnessed>, StoreError> {
    client
        .query_opt(
            "SELECT size, root, note, updated_at FROM witnessed_logs WHERE origin = $1",
            &[&origin],
        )
        .await
        .map_err(db)?
        .map(|row| row_to_witnessed(origin, &row))
        .transpose()
}

/// Compare-and-set in one transaction: the row is locked (`FOR UPDATE`) while it is compared,
/// and a first row is inserted with `ON CONFLICT DO NOTHING`, so of two concurrent requests
/// from the same state exactly one writes; the other finds the row moved.
pub(crate) async fn advance(
    client: &mut deadpool_postgres::Object,
    expected: Option<(u64, Hash)>,
    new: &Witnessed,
) -> Result<WitnessAdvance, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    let current = tx
        .query_opt(
            "SELECT size, root, note, updated_at FROM witnessed_logs WHERE origin = $1 FOR UPDATE",
            &[&new.origin],
        )
        .await
        .map_err(db)?
        .map(|row| row_to_witnessed(&new.origin, &row))
        .transpose()?;
    if current.as_ref().map(|w| (w.size, w.root)) != expected {
        return Ok(WitnessAdvance::Moved {
            size: current.map_or(0, |w| w.size),
        });
    }
    let root = new.root.as_bytes().as_slice();
    let args: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
        &new.origin,
        &(new.size as i64),
        &root,
        &new.note,
        &(new.updated_at as i64),
    ];
    let written = if current.is_some() {
        tx.execute(
            "UPDATE witnessed_logs SET size = $2, root = $3, note = $4, updated_at = $5
             WHERE origin = $1",
            &args,
        )
        .await
        .map_err(db)?
    } else {
        tx.execute(
            "INSERT INTO witnessed_logs (origin, size, root, note, updated_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (origin) DO NOTHING",
            &args,
        )
        .await
        .map_err(db)?
    };
    if written == 0 {
        // Another request inserted the first row after our read: it won.
        drop(tx);
        let size = witnessed(&*client, &new.origin)
            .await?
            .map_or(0, |w| w.size);
        return Ok(WitnessAdvance::Moved { size });
    }
    tx.commit().await.map_err(db)?;
    Ok(WitnessAdvance::Stored)
}
