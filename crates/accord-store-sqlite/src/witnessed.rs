//! The logs this hub witnesses: the latest checkpoint it cosigned for each origin.

use accord_store::StoreError;
use accord_store::codec::corrupt;
use accord_store::log::{WitnessAdvance, Witnessed};
use accord_tlog::merkle::Hash;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::backend;

/// The latest checkpoint cosigned for `origin`.
pub fn witnessed(conn: &Connection, origin: &str) -> Result<Option<Witnessed>, StoreError> {
    let row = conn
        .query_row(
            "SELECT size, root, note, updated_at FROM witnessed_logs WHERE origin = ?1",
            [origin],
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
    row.map(|(size, root, note, updated_at)| {
        Ok(Witnessed {
            origin: origin.to_owned(),
            size: size as u64,
            root: Hash::from_slice(&root)
                .map_err(|e| corrupt(format!("witnessed checkpoint of {origin}"), e))?,
            note,
            updated_at: updated_at as u64,
        })
    })
    .transpose()
}

/// Compare-and-set in one IMMEDIATE transaction: the write lock is taken before the row is
/// read, so no other writer can move it between the comparison and the write.
pub fn advance(
    conn: &mut Connection,
    expected: Option<(u64, Hash)>,
    new: &Witnessed,
) -> Result<WitnessAdvance, StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let current = witnessed(&tx, &new.origin)?;
    if current.as_ref().map(|w| (w.size, w.root)) != expected {
        return Ok(WitnessAdvance::Moved {
            size: current.map_or(0, |w| w.size),
        });
    }
    tx.execute(
        "INSERT INTO witnessed_logs (origin, size, root, note, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root,
             note = excluded.note, updated_at = excluded.updated_at",
        params![
            new.origin,
            new.size as i64,
            new.root.as_bytes().as_slice(),
            new.note,
            new.updated_at as i64
        ],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(WitnessAdvance::Stored)
}
