//! A table holding the latest checkpoint of each log this hub follows, one row per key: the
//! logs it witnesses (`witnessed_logs`, by origin) and its peers' logs (`peer_checkpoints`,
//! by verifier key). Both are read the same way and moved forward only by compare-and-set.

use accord_store::StoreError;
use accord_store::codec::corrupt;
use accord_store::log::WitnessAdvance;
use accord_tlog::merkle::Hash;
use deadpool_postgres::GenericClient;

use crate::db::db;

/// Where one such table keeps its rows. The names are this crate's constants, never input.
pub(crate) struct Table {
    /// The table.
    pub(crate) name: &'static str,
    /// The column the rows are keyed by.
    pub(crate) key: &'static str,
    /// The column of the time the row was written (Unix seconds).
    pub(crate) at: &'static str,
    /// How an unreadable row is named in the error (`witnessed checkpoint of`).
    pub(crate) what: &'static str,
}

/// One row: the checkpoint's tree size, root and signed note, and when it was stored.
pub(crate) struct Latest {
    /// The tree size.
    pub(crate) size: u64,
    /// The root hash.
    pub(crate) root: Hash,
    /// The signed note, as received.
    pub(crate) note: String,
    /// When the row was written (Unix seconds).
    pub(crate) at: u64,
}

fn row_to_latest(
    table: &Table,
    key: &str,
    row: &tokio_postgres::Row,
) -> Result<Latest, StoreError> {
    Ok(Latest {
        size: row.get::<_, i64>(0) as u64,
        root: Hash::from_slice(row.get::<_, &[u8]>(1))
            .map_err(|e| corrupt(format!("{} {key}", table.what), e))?,
        note: row.get(2),
        at: row.get::<_, i64>(3) as u64,
    })
}

/// `SELECT` of the row of `$1`, with `suffix` (`FOR UPDATE`) after it.
fn select(table: &Table, suffix: &str) -> String {
    format!(
        "SELECT size, root, note, {} FROM {} WHERE {} = $1{suffix}",
        table.at, table.name, table.key
    )
}

/// The row of `key` in `table`, if any.
pub(crate) async fn read(
    client: &impl GenericClient,
    table: &Table,
    key: &str,
) -> Result<Option<Latest>, StoreError> {
    client
        .query_opt(&select(table, ""), &[&key])
        .await
        .map_err(db)?
        .map(|row| row_to_latest(table, key, &row))
        .transpose()
}

/// Stores `new` as the row of `key` if the row now holds `expected` (size and root; `None`:
/// no row). Compare-and-set in one transaction: the row is locked (`FOR UPDATE`) while it is
/// compared, and a first row is inserted with `ON CONFLICT DO NOTHING`, so of two concurrent
/// writers exactly one writes; the other finds the row moved.
pub(crate) async fn advance(
    client: &mut deadpool_postgres::Object,
    table: &Table,
    key: &str,
    expected: Option<(u64, Hash)>,
    new: &Latest,
) -> Result<WitnessAdvance, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    let current = tx
        .query_opt(&select(table, " FOR UPDATE"), &[&key])
        .await
        .map_err(db)?
        .map(|row| row_to_latest(table, key, &row))
        .transpose()?;
    if current.as_ref().map(|c| (c.size, c.root)) != expected {
        return Ok(WitnessAdvance::Moved {
            size: current.map_or(0, |c| c.size),
        });
    }
    let root = new.root.as_bytes().as_slice();
    let args: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
        [&key, &(new.size as i64), &root, &new.note, &(new.at as i64)];
    let (name, k, at) = (table.name, table.key, table.at);
    let sql = if current.is_some() {
        format!("UPDATE {name} SET size = $2, root = $3, note = $4, {at} = $5 WHERE {k} = $1")
    } else {
        format!(
            "INSERT INTO {name} ({k}, size, root, note, {at}) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT ({k}) DO NOTHING"
        )
    };
    let written = tx.execute(&sql, &args).await.map_err(db)?;
    if written == 0 {
        // Another writer inserted the first row after our read: it won.
        drop(tx);
        let size = read(&*client, table, key).await?.map_or(0, |c| c.size);
        return Ok(WitnessAdvance::Moved { size });
    }
    tx.commit().await.map_err(db)?;
    Ok(WitnessAdvance::Stored)
}
