//! A table holding the latest checkpoint of each log this hub follows, one row per key: the
//! logs it witnesses (`witnessed_logs`, by origin) and its peers' logs (`peer_checkpoints`,
//! by verifier key). Both are read the same way and moved forward only by compare-and-set.

use accord_store::StoreError;
use accord_store::codec::corrupt;
use accord_store::log::WitnessAdvance;
use accord_tlog::merkle::Hash;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::backend;

/// Where one such table keeps its rows. The names are this crate's constants, never input.
pub struct Table {
    /// The table.
    pub name: &'static str,
    /// The column the rows are keyed by.
    pub key: &'static str,
    /// The column of the time the row was written (Unix seconds).
    pub at: &'static str,
    /// How an unreadable row is named in the error (`witnessed checkpoint of`).
    pub what: &'static str,
}

/// One row: the checkpoint's tree size, root and signed note, and when it was stored.
pub struct Latest {
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
    /// The signed note, as received.
    pub note: String,
    /// When the row was written (Unix seconds).
    pub at: u64,
}

/// The row of `key` in `table`, if any.
pub fn read(conn: &Connection, table: &Table, key: &str) -> Result<Option<Latest>, StoreError> {
    let sql = format!(
        "SELECT size, root, note, {} FROM {} WHERE {} = ?1",
        table.at, table.name, table.key
    );
    let row = conn
        .query_row(&sql, [key], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .optional()
        .map_err(backend)?;
    row.map(|(size, root, note, at)| {
        Ok(Latest {
            size: size as u64,
            root: Hash::from_slice(&root)
                .map_err(|e| corrupt(format!("{} {key}", table.what), e))?,
            note,
            at: at as u64,
        })
    })
    .transpose()
}

/// Stores `new` as the row of `key` if the row now holds `expected` (size and root; `None`:
/// no row). Compare-and-set in one IMMEDIATE transaction: the write lock is taken before the
/// row is read, so no other writer can move it between the comparison and the write.
pub fn advance(
    conn: &mut Connection,
    table: &Table,
    key: &str,
    expected: Option<(u64, Hash)>,
    new: &Latest,
) -> Result<WitnessAdvance, StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let current = read(&tx, table, key)?;
    if current.as_ref().map(|c| (c.size, c.root)) != expected {
        return Ok(WitnessAdvance::Moved {
            size: current.map_or(0, |c| c.size),
        });
    }
    let (name, k, at) = (table.name, table.key, table.at);
    tx.execute(
        &format!(
            "INSERT INTO {name} ({k}, size, root, note, {at}) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT ({k}) DO UPDATE SET size = excluded.size, root = excluded.root, \
                 note = excluded.note, {at} = excluded.{at}"
        ),
        params![
            key,
            new.size as i64,
            new.root.as_bytes().as_slice(),
            new.note,
            new.at as i64
        ],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(WitnessAdvance::Stored)
}
