//! The peers' logs this hub mirrors: how far it verified each, the checkpoints it accepted
//! and the records it mirrored (`accord_store::mirror`).

use accord_store::StoreError;
use accord_store::codec::{corrupt, parse_tlp};
use accord_store::mirror::{
    MirrorAdvance, MirrorState, MirroredEntry, MirroredObject, MirroredQuery, MirroredRequestEntry,
    PeerKey, PeerRecorder,
};
use accord_tlog::merkle::Hash;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::Json;

use crate::db::db;

const STATE_COLUMNS: &str = "origin, verifier_key, size, root, note, frontier, keys, updated_at, recorders FROM mirror_logs";

fn to_state(row: &tokio_postgres::Row) -> Result<MirrorState, StoreError> {
    let origin: String = row.get(0);
    let what = || format!("mirror state of {origin}");
    let frontier: &[u8] = row.get(5);
    let Json(keys): Json<Vec<PeerKey>> = row.try_get(6).map_err(|e| corrupt(what(), e))?;
    let Json(recorders): Json<Vec<PeerRecorder>> =
        row.try_get(8).map_err(|e| corrupt(what(), e))?;
    Ok(MirrorState {
        verifier_key: row.get(1),
        size: row.get::<_, i64>(2) as u64,
        root: Hash::from_slice(row.get::<_, &[u8]>(3)).map_err(|e| corrupt(what(), e))?,
        note: row.get(4),
        frontier: frontier
            .chunks(32)
            .map(Hash::from_slice)
            .collect::<Result<_, _>>()
            .map_err(|e| corrupt(what(), e))?,
        keys,
        recorders,
        updated_at: row.get::<_, i64>(7) as u64,
        origin,
    })
}

/// How far the log of `origin` was verified.
pub(crate) async fn mirror(
    client: &impl GenericClient,
    origin: &str,
) -> Result<Option<MirrorState>, StoreError> {
    client
        .query_opt(
            &format!("SELECT {STATE_COLUMNS} WHERE origin = $1"),
            &[&origin],
        )
        .await
        .map_err(db)?
        .map(|row| to_state(&row))
        .transpose()
}

/// Every mirrored log, by origin.
pub(crate) async fn mirrors(client: &impl GenericClient) -> Result<Vec<MirrorState>, StoreError> {
    client
        .query(&format!("SELECT {STATE_COLUMNS} ORDER BY origin"), &[])
        .await
        .map_err(db)?
        .iter()
        .map(to_state)
        .collect()
}

/// Compare-and-set in one transaction with the checkpoint and the entries: the row is locked
/// (`FOR UPDATE`) while it is compared, and a first row is inserted with `ON CONFLICT DO
/// NOTHING`, so of two concurrent syncs of one peer exactly one writes.
pub(crate) async fn advance(
    client: &mut deadpool_postgres::Object,
    expected: Option<(u64, Hash)>,
    new: &MirrorState,
    entries: &[MirroredEntry],
) -> Result<MirrorAdvance, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    let current = tx
        .query_opt(
            &format!("SELECT {STATE_COLUMNS} WHERE origin = $1 FOR UPDATE"),
            &[&new.origin],
        )
        .await
        .map_err(db)?
        .map(|row| to_state(&row))
        .transpose()?;
    if current.as_ref().map(|m| (m.size, m.root)) != expected {
        return Ok(MirrorAdvance::Moved {
            size: current.map_or(0, |m| m.size),
        });
    }
    accord_store::mirror::check_same_key(current.as_ref(), new)?;
    let root = new.root.as_bytes().as_slice();
    let frontier: Vec<u8> = new.frontier.iter().flat_map(|h| h.0).collect();
    let keys = Json(&new.keys);
    let recorders = Json(&new.recorders);
    let args: [&(dyn tokio_postgres::types::ToSql + Sync); 9] = [
        &new.origin,
        &new.verifier_key,
        &(new.size as i64),
        &root,
        &new.note,
        &frontier,
        &keys,
        &(new.updated_at as i64),
        &recorders,
    ];
    let written = if current.is_some() {
        tx.execute(
            "UPDATE mirror_logs SET size = $3, root = $4, note = $5,
                 frontier = $6, keys = $7, updated_at = $8, recorders = $9
             WHERE origin = $1 AND verifier_key = $2",
            &args,
        )
        .await
        .map_err(db)?
    } else {
        tx.execute(
            "INSERT INTO mirror_logs (origin, verifier_key, size, root, note, frontier, keys,
                 updated_at, recorders)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (origin) DO NOTHING",
            &args,
        )
        .await
        .map_err(db)?
    };
    if written == 0 {
        // Another sync inserted the first row after our read: it won.
        drop(tx);
        let size = mirror(&*client, &new.origin).await?.map_or(0, |m| m.size);
        return Ok(MirrorAdvance::Moved { size });
    }
    tx.execute(
        "INSERT INTO mirror_checkpoints (origin, size, note) VALUES ($1, $2, $3)
         ON CONFLICT (origin, size) DO NOTHING",
        &[&new.origin, &(new.size as i64), &new.note],
    )
    .await
    .map_err(db)?;
    if !entries.is_empty() {
        let stmt = tx
            .prepare(
                "INSERT INTO mirrored_entries (origin, idx, kind, entry_id, submitter,
                     submitted_at, entry, body, salt, checkpoint_size)
                 SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[],
                     $5::TEXT[], $6::TEXT[], $7::BYTEA[], $8::BYTEA[], $9::BYTEA[], $10::BIGINT[])
                 ON CONFLICT (origin, idx) DO NOTHING",
            )
            .await
            .map_err(db)?;
        let origins: Vec<&str> = entries.iter().map(|e| e.origin.as_str()).collect();
        let idx: Vec<i64> = entries.iter().map(|e| e.index as i64).collect();
        let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
        let ids: Vec<&str> = entries.iter().map(|e| e.entry_id.as_str()).collect();
        let submitters: Vec<&str> = entries.iter().map(|e| e.submitter.as_str()).collect();
        let times: Vec<&str> = entries.iter().map(|e| e.submitted_at.as_str()).collect();
        let bytes: Vec<&[u8]> = entries.iter().map(|e| e.entry.as_slice()).collect();
        let bodies: Vec<&[u8]> = entries.iter().map(|e| e.body.as_slice()).collect();
        let salts: Vec<Option<&[u8]>> = entries.iter().map(|e| e.salt.as_deref()).collect();
        let sizes: Vec<i64> = entries.iter().map(|e| e.checkpoint_size as i64).collect();
        tx.execute(
            &stmt,
            &[
                &origins,
                &idx,
                &kinds,
                &ids,
                &submitters,
                &times,
                &bytes,
                &bodies,
                &salts,
                &sizes,
            ],
        )
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(MirrorAdvance::Stored)
}

/// Mirrored records, by origin then index.
pub(crate) async fn entries(
    client: &impl GenericClient,
    q: &MirroredQuery,
) -> Result<Vec<MirroredEntry>, StoreError> {
    let limit = q.limit.min(i64::MAX as u64) as i64;
    let offset = q.offset.min(i64::MAX as u64) as i64;
    let index = q.index.map(|i| i.min(i64::MAX as u64) as i64);
    let rows = client
        .query(
            "SELECT origin, idx, kind, entry_id, submitter, submitted_at, entry, body, salt,
                    checkpoint_size
             FROM mirrored_entries
             WHERE ($1::TEXT IS NULL OR origin = $1) AND ($2::TEXT IS NULL OR kind = $2)
               AND ($3::TEXT IS NULL OR entry_id = $3) AND ($6::BIGINT IS NULL OR idx = $6)
             ORDER BY origin, idx LIMIT $4 OFFSET $5",
            &[&q.origin, &q.kind, &q.entry_id, &limit, &offset, &index],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| MirroredEntry {
            origin: r.get(0),
            index: r.get::<_, i64>(1) as u64,
            kind: r.get(2),
            entry_id: r.get(3),
            submitter: r.get(4),
            submitted_at: r.get(5),
            entry: r.get(6),
            body: r.get(7),
            salt: r.get(8),
            checkpoint_size: r.get::<_, i64>(9) as u64,
        })
        .collect())
}

/// The accepted checkpoint of the log of `origin` at `size`.
pub(crate) async fn checkpoint(
    client: &impl GenericClient,
    origin: &str,
    size: u64,
) -> Result<Option<String>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT note FROM mirror_checkpoints WHERE origin = $1 AND size = $2",
            &[&origin, &(size as i64)],
        )
        .await
        .map_err(db)?
        .map(|r| r.get(0)))
}

/// Inserts mirrored object versions in one statement, keeping any already stored; returns
/// how many were new.
pub(crate) async fn add_objects(
    client: &impl GenericClient,
    objects: &[MirroredObject],
) -> Result<u64, StoreError> {
    if objects.is_empty() {
        return Ok(0);
    }
    let collections: Vec<&str> = objects.iter().map(|o| o.collection.as_str()).collect();
    let origins: Vec<&str> = objects.iter().map(|o| o.origin.as_str()).collect();
    let idx: Vec<i64> = objects.iter().map(|o| o.index as i64).collect();
    let ids: Vec<&str> = objects.iter().map(|o| o.object_id.as_str()).collect();
    let types: Vec<&str> = objects.iter().map(|o| o.object_type.as_str()).collect();
    let versions: Vec<Option<i64>> = objects.iter().map(|o| o.version_us).collect();
    let tlps: Vec<&str> = objects.iter().map(|o| o.tlp.as_str()).collect();
    let producers: Vec<&str> = objects.iter().map(|o| o.producer.as_str()).collect();
    let recipients: Vec<Json<&Vec<String>>> = objects.iter().map(|o| Json(&o.recipients)).collect();
    let bodies: Vec<&[u8]> = objects.iter().map(|o| o.body.as_slice()).collect();
    let salts: Vec<Option<&[u8]>> = objects.iter().map(|o| o.salt.as_deref()).collect();
    let entries: Vec<&[u8]> = objects.iter().map(|o| o.entry.as_slice()).collect();
    let sizes: Vec<i64> = objects.iter().map(|o| o.checkpoint_size as i64).collect();
    client
        .execute(
            "INSERT INTO mirrored_objects (collection, origin, idx, object_id, type, version_us,
                 tlp, producer, recipients, body, salt, entry, checkpoint_size)
             SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[],
                 $6::BIGINT[], $7::TEXT[], $8::TEXT[], $9::JSONB[], $10::BYTEA[], $11::BYTEA[],
                 $12::BYTEA[], $13::BIGINT[])
             ON CONFLICT (collection, origin, idx) DO NOTHING",
            &[
                &collections,
                &origins,
                &idx,
                &ids,
                &types,
                &versions,
                &tlps,
                &producers,
                &recipients,
                &bodies,
                &salts,
                &entries,
                &sizes,
            ],
        )
        .await
        .map_err(db)
}

/// The object versions mirrored into `collection`, by origin then index.
pub(crate) async fn objects(
    client: &impl GenericClient,
    collection: &str,
) -> Result<Vec<MirroredObject>, StoreError> {
    let rows = client
        .query(
            "SELECT collection, origin, idx, object_id, type, version_us, tlp, producer,
                    recipients, body, salt, entry, checkpoint_size
             FROM mirrored_objects WHERE collection = $1 ORDER BY origin, idx",
            &[&collection],
        )
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| {
            let origin: String = r.get(1);
            let idx: i64 = r.get(2);
            let what = || format!("mirrored object {origin} entry {idx}");
            let Json(recipients): Json<Vec<String>> =
                r.try_get(8).map_err(|e| corrupt(what(), e))?;
            Ok(MirroredObject {
                collection: r.get(0),
                index: idx as u64,
                object_id: r.get(3),
                object_type: r.get(4),
                version_us: r.get(5),
                tlp: parse_tlp(r.get(6))?,
                producer: r.get(7),
                recipients,
                body: r.get(9),
                salt: r.get(10),
                entry: r.get(11),
                checkpoint_size: r.get::<_, i64>(12) as u64,
                origin,
            })
        })
        .collect()
}

/// Inserts mirrored request entries in one statement, keeping any already stored; returns
/// how many were new.
pub(crate) async fn add_requests(
    client: &impl GenericClient,
    entries: &[MirroredRequestEntry],
) -> Result<u64, StoreError> {
    if entries.is_empty() {
        return Ok(0);
    }
    let origins: Vec<&str> = entries.iter().map(|e| e.origin.as_str()).collect();
    let idx: Vec<i64> = entries.iter().map(|e| e.index as i64).collect();
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    let ids: Vec<&str> = entries.iter().map(|e| e.request_id.as_str()).collect();
    let submitters: Vec<&str> = entries.iter().map(|e| e.submitter.as_str()).collect();
    let tlps: Vec<&str> = entries.iter().map(|e| e.tlp.as_str()).collect();
    let bodies: Vec<&[u8]> = entries.iter().map(|e| e.body.as_slice()).collect();
    let salts: Vec<Option<&[u8]>> = entries.iter().map(|e| e.salt.as_deref()).collect();
    let signed: Vec<&[u8]> = entries.iter().map(|e| e.entry.as_slice()).collect();
    let sizes: Vec<i64> = entries.iter().map(|e| e.checkpoint_size as i64).collect();
    client
        .execute(
            "INSERT INTO mirrored_requests (origin, idx, kind, request_id, submitter, tlp, body,
                 salt, entry, checkpoint_size)
             SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
                 $6::TEXT[], $7::BYTEA[], $8::BYTEA[], $9::BYTEA[], $10::BIGINT[])
             ON CONFLICT (origin, idx) DO NOTHING",
            &[
                &origins,
                &idx,
                &kinds,
                &ids,
                &submitters,
                &tlps,
                &bodies,
                &salts,
                &signed,
                &sizes,
            ],
        )
        .await
        .map_err(db)
}

/// The request entries mirrored from `origin` (every origin: `None`), by origin then index.
pub(crate) async fn requests(
    client: &impl GenericClient,
    origin: Option<&str>,
) -> Result<Vec<MirroredRequestEntry>, StoreError> {
    let rows = client
        .query(
            "SELECT origin, idx, kind, request_id, submitter, tlp, body, salt, entry,
                    checkpoint_size
             FROM mirrored_requests WHERE $1::TEXT IS NULL OR origin = $1 ORDER BY origin, idx",
            &[&origin],
        )
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(MirroredRequestEntry {
                origin: r.get(0),
                index: r.get::<_, i64>(1) as u64,
                kind: r.get(2),
                request_id: r.get(3),
                submitter: r.get(4),
                tlp: parse_tlp(r.get(5))?,
                body: r.get(6),
                salt: r.get(7),
                entry: r.get(8),
                checkpoint_size: r.get::<_, i64>(9) as u64,
            })
        })
        .collect()
}
