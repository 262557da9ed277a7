//! Threat-indicator sharing: the `sharing_collections`, `sharing_affiliations` and
//! `stix_objects` tables.
//!
//! An object version's row keeps the object exactly as stored (TEXT, not JSONB, so it comes
//! back byte for byte) beside the columns the read rule and TAXII's filters need. Its key,
//! `added_us`, is its date added in microseconds, made strictly increasing across the store
//! (appends hold the sequencer lock, so no two nodes pick the same one).

use std::collections::{HashMap, HashSet};

use accord_store::StoreError;
use accord_store::log::{Effect, LogWrite};
use accord_store::sharing::{
    AffiliationBody, Collection, IndexFilter, ObjectMeta, SharedObject, format_us,
};
use deadpool_postgres::GenericClient;
use tokio_postgres::types::{Json, ToSql};

use accord_store::codec::{from_json, parse_level};

use crate::db::{db, run};

/// The party that owns object id `id` (`stix_owners`, migration V4).
pub(crate) async fn object_owner(
    client: &impl GenericClient,
    id: &str,
) -> Result<Option<String>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT producer FROM stix_owners WHERE id = $1")
        .await
        .map_err(db)?;
    Ok(client
        .query_opt(&stmt, &[&id])
        .await
        .map_err(db)?
        .map(|r| r.get(0)))
}

/// The object stored in `o`'s collection under `o`'s version; for an unversioned object (most
/// SCOs, one entry per collection: `{collection}/{id}/-`), any stored under its id.
pub(crate) async fn stored_version(
    client: &impl GenericClient,
    o: &SharedObject,
) -> Result<Option<String>, StoreError> {
    let row = match o.version_us {
        Some(v) => {
            let stmt = client
                .prepare_cached(
                    "SELECT body FROM stix_objects \
                     WHERE collection = $1 AND id = $2 AND version_us = $3",
                )
                .await
                .map_err(db)?;
            client.query_opt(&stmt, &[&o.collection, &o.id, &v]).await
        }
        None => {
            let stmt = client
                .prepare_cached(
                    "SELECT body FROM stix_objects WHERE collection = $1 AND id = $2 \
                     ORDER BY added_us LIMIT 1",
                )
                .await
                .map_err(db)?;
            client.query_opt(&stmt, &[&o.collection, &o.id]).await
        }
    };
    Ok(row.map_err(db)?.map(|r| r.get(0)))
}

/// Applies a sharing effect the refusal rules let through at log `index`; `Ok(None)` when the
/// effect is not a sharing one. An object version the table's unique key refuses (which the
/// rules' check of the stored versions makes unreachable) is refused.
pub(crate) async fn effect(
    client: &impl GenericClient,
    effect: &Effect,
    index: u64,
) -> Result<Option<Result<(), StoreError>>, StoreError> {
    let at = index as i64;
    match effect {
        Effect::Collection(c) => {
            run(
                client,
                "INSERT INTO sharing_collections (id, body, log_index) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, log_index = excluded.log_index",
                &[&c.id, &Json(&**c), &at],
            )
            .await?;
        }
        Effect::Affiliation(a) => {
            run(
                client,
                "INSERT INTO sharing_affiliations (party, organisation, client_of, log_index) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (party) DO UPDATE SET \
                 organisation = excluded.organisation, client_of = excluded.client_of, \
                 log_index = excluded.log_index",
                &[&a.party, &a.organisation, &a.client_of, &at],
            )
            .await?;
        }
        Effect::StixObject(o) => {
            let body =
                serde_json::to_string(&o.object).map_err(|e| StoreError::Backend(e.to_string()))?;
            // Dates added are unique and increasing, even within one batch or if a node's
            // clock is behind another's, so that a page boundary never splits two objects of
            // equal date.
            // A copy from another store keeps each object's date added.
            let now = o
                .added_us
                .unwrap_or_else(|| jiff::Timestamp::now().as_microsecond());
            let n = run(
                client,
                "WITH k AS (SELECT GREATEST($1::BIGINT, COALESCE(MAX(added_us), 0) + 1) AS a \
                            FROM stix_objects) \
                 INSERT INTO stix_objects (added_us, collection, id, version_us, type, \
                     spec_version, tlp, producer, recipients, body, log_index) \
                 SELECT k.a, $2, $3, COALESCE($4::BIGINT, k.a), $5, $6, $7, $8, $9, $10, $11 \
                 FROM k ON CONFLICT (collection, id, version_us) DO NOTHING",
                &[
                    &now,
                    &o.collection,
                    &o.id,
                    &o.version_us,
                    &o.object_type,
                    &o.spec_version,
                    &o.tlp.as_str(),
                    &o.producer,
                    &o.recipients,
                    &body,
                    &at,
                ],
            )
            .await?;
            if n == 0 {
                return Ok(Some(Err(StoreError::Conflict {
                    what: "object version",
                    id: format!("{} {}", o.id, format_us(o.version_us.unwrap_or_default())),
                })));
            }
            run(
                client,
                "INSERT INTO stix_owners (id, producer, log_index) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO NOTHING",
                &[&o.id, &o.producer, &at],
            )
            .await?;
        }
        Effect::StixDeleted {
            collection,
            added_us,
        } => {
            run(
                client,
                "DELETE FROM stix_objects WHERE collection = $1 AND added_us = $2",
                &[collection, added_us],
            )
            .await?;
        }
        _ => return Ok(None),
    }
    Ok(Some(Ok(())))
}

/// A batch's new STIX object versions, checked against the table and each other in memory and
/// inserted in one statement, instead of one round trip each (an envelope of 100 objects
/// spent most of its append waiting on those). Used only for batches with no deletion in
/// them, whose object rows therefore depend on nothing else the batch does; the append holds
/// the sequencer lock, so nothing changes the table meanwhile.
pub(crate) struct StixBatch {
    /// Versions already stored of the ids the batch adds, and those it has added so far.
    taken: HashSet<(String, String, i64)>,
    /// The owners of the ids the batch adds, stored or made by the batch so far.
    owners: HashMap<String, String>,
    /// The ids the batch makes its producer's owner of, with the log index.
    new_owners: Vec<(String, String, i64)>,
    /// The latest date added so far.
    last_added: i64,
    rows: Vec<StixRow>,
}

struct StixRow {
    added_us: i64,
    collection: String,
    id: String,
    version_us: i64,
    object_type: String,
    spec_version: String,
    tlp: &'static str,
    producer: String,
    recipients: String,
    body: String,
    log_index: i64,
}

impl StixBatch {
    /// The batch's state for `batch`, or `None` when its objects must be applied one by one
    /// (it has none, or it also deletes one).
    pub(crate) async fn load(
        client: &impl GenericClient,
        batch: &[LogWrite],
    ) -> Result<Option<Self>, StoreError> {
        let mut collections = Vec::new();
        let mut ids = Vec::new();
        for w in batch {
            match &w.effect {
                Effect::StixObject(o) => {
                    collections.push(o.collection.as_str());
                    ids.push(o.id.as_str());
                }
                Effect::StixDeleted { .. } => return Ok(None),
                _ => {}
            }
        }
        if ids.is_empty() {
            return Ok(None);
        }
        let stmt = client
            .prepare_cached(
                "SELECT s.collection, s.id, s.version_us FROM stix_objects s \
                 JOIN (SELECT DISTINCT * FROM UNNEST($1::TEXT[], $2::TEXT[])) AS w(c, i) \
                   ON s.collection = w.c AND s.id = w.i",
            )
            .await
            .map_err(db)?;
        let taken = client
            .query(&stmt, &[&collections, &ids])
            .await
            .map_err(db)?
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let last_added = client
            .query_one("SELECT COALESCE(MAX(added_us), 0) FROM stix_objects", &[])
            .await
            .map_err(db)?
            .get(0);
        let stmt = client
            .prepare_cached("SELECT id, producer FROM stix_owners WHERE id = ANY($1)")
            .await
            .map_err(db)?;
        let owners = client
            .query(&stmt, &[&ids])
            .await
            .map_err(db)?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(Some(StixBatch {
            taken,
            owners,
            new_owners: Vec::new(),
            last_added,
            rows: Vec::new(),
        }))
    }

    /// The owner of object id `id`, stored or made by the batch so far.
    pub(crate) fn owner(&self, id: &str) -> Option<&str> {
        self.owners.get(id).map(String::as_str)
    }

    /// The object recorded under `o`'s version ([`stored_version`]), in the table or added by
    /// the batch so far; reads the database only when a version of the id is stored in the
    /// collection already.
    pub(crate) async fn same_version(
        &self,
        client: &impl GenericClient,
        o: &SharedObject,
    ) -> Result<Option<String>, StoreError> {
        let same_version = |collection: &str, id: &str, version_us: i64| {
            collection == o.collection && id == o.id && o.version_us.is_none_or(|v| v == version_us)
        };
        let added = self
            .rows
            .iter()
            .find(|r| same_version(&r.collection, &r.id, r.version_us))
            .map(|r| r.body.clone());
        Ok(match added {
            Some(body) => Some(body),
            None if self.taken.iter().any(|(c, i, v)| same_version(c, i, *v)) => {
                stored_version(client, o).await?
            }
            None => None,
        })
    }

    /// Adds object version `o` at log `index`, or refuses it as the one-by-one insert would.
    pub(crate) fn add(
        &mut self,
        o: &SharedObject,
        index: u64,
    ) -> Result<Result<(), StoreError>, StoreError> {
        // The same rule as `effect`: dates added unique and increasing; a copy keeps its own.
        let now = o
            .added_us
            .unwrap_or_else(|| jiff::Timestamp::now().as_microsecond());
        let added_us = now.max(self.last_added + 1);
        let version_us = o.version_us.unwrap_or(added_us);
        let key = (o.collection.clone(), o.id.clone(), version_us);
        if self.taken.contains(&key) {
            return Ok(Err(StoreError::Conflict {
                what: "object version",
                id: format!("{} {}", o.id, format_us(version_us)),
            }));
        }
        let body =
            serde_json::to_string(&o.object).map_err(|e| StoreError::Backend(e.to_string()))?;
        let recipients =
            serde_json::to_string(&o.recipients).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.taken.insert(key);
        if !self.owners.contains_key(&o.id) {
            self.owners.insert(o.id.clone(), o.producer.clone());
            self.new_owners
                .push((o.id.clone(), o.producer.clone(), index as i64));
        }
        self.last_added = added_us;
        self.rows.push(StixRow {
            added_us,
            collection: o.collection.clone(),
            id: o.id.clone(),
            version_us,
            object_type: o.object_type.clone(),
            spec_version: o.spec_version.clone(),
            tlp: o.tlp.as_str(),
            producer: o.producer.clone(),
            recipients,
            body,
            log_index: index as i64,
        });
        Ok(Ok(()))
    }

    /// Inserts the accepted rows and the owners they made.
    pub(crate) async fn insert(self, client: &impl GenericClient) -> Result<(), StoreError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let owner_ids: Vec<&str> = self.new_owners.iter().map(|x| x.0.as_str()).collect();
        let producers: Vec<&str> = self.new_owners.iter().map(|x| x.1.as_str()).collect();
        let at: Vec<i64> = self.new_owners.iter().map(|x| x.2).collect();
        run(
            client,
            "INSERT INTO stix_owners (id, producer, log_index) \
             SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[]) \
             ON CONFLICT (id) DO NOTHING",
            &[&owner_ids, &producers, &at],
        )
        .await?;
        let r = &self.rows;
        let added: Vec<i64> = r.iter().map(|x| x.added_us).collect();
        let collection: Vec<&str> = r.iter().map(|x| x.collection.as_str()).collect();
        let id: Vec<&str> = r.iter().map(|x| x.id.as_str()).collect();
        let version: Vec<i64> = r.iter().map(|x| x.version_us).collect();
        let object_type: Vec<&str> = r.iter().map(|x| x.object_type.as_str()).collect();
        let spec: Vec<&str> = r.iter().map(|x| x.spec_version.as_str()).collect();
        let tlp: Vec<&str> = r.iter().map(|x| x.tlp).collect();
        let producer: Vec<&str> = r.iter().map(|x| x.producer.as_str()).collect();
        let recipients: Vec<&str> = r.iter().map(|x| x.recipients.as_str()).collect();
        let body: Vec<&str> = r.iter().map(|x| x.body.as_str()).collect();
        let log_index: Vec<i64> = r.iter().map(|x| x.log_index).collect();
        // Recipients travel as JSON arrays: UNNEST would flatten a TEXT[][].
        let n = run(
            client,
            "INSERT INTO stix_objects (added_us, collection, id, version_us, type, \
                 spec_version, tlp, producer, recipients, body, log_index) \
             SELECT a, c, i, v, t, s, l, p, \
                    ARRAY(SELECT jsonb_array_elements_text(rc::JSONB)), b, x \
             FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::TEXT[], \
                         $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], \
                         $11::BIGINT[]) AS u(a, c, i, v, t, s, l, p, rc, b, x)",
            &[
                &added,
                &collection,
                &id,
                &version,
                &object_type,
                &spec,
                &tlp,
                &producer,
                &recipients,
                &body,
                &log_index,
            ],
        )
        .await?;
        if n != r.len() as u64 {
            return Err(StoreError::Backend(format!(
                "stored {n} of a batch's {} object versions",
                r.len()
            )));
        }
        Ok(())
    }
}

/// Every collection.
pub(crate) async fn collections(
    client: &impl GenericClient,
) -> Result<Vec<Collection>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT id, body::TEXT FROM sharing_collections ORDER BY id")
        .await
        .map_err(db)?;
    let rows = client.query(&stmt, &[]).await.map_err(db)?;
    rows.iter()
        .map(|r| from_json(&format!("collection {}", r.get::<_, &str>(0)), r.get(1)))
        .collect()
}

/// Every recorded affiliation.
pub(crate) async fn affiliations(
    client: &impl GenericClient,
) -> Result<Vec<AffiliationBody>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT party, organisation, client_of FROM sharing_affiliations")
        .await
        .map_err(db)?;
    let rows = client.query(&stmt, &[]).await.map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| AffiliationBody {
            party: r.get(0),
            organisation: r.get(1),
            client_of: r.get(2),
        })
        .collect())
}

/// The index rows matching `filter`, in the order they were added.
pub(crate) async fn object_index(
    client: &impl GenericClient,
    filter: &IndexFilter,
) -> Result<Vec<ObjectMeta>, StoreError> {
    // An empty list means "any": each list is passed as an array and tested only when
    // it has members.
    let any = |v: &[String]| !v.is_empty();
    let mut sql = String::from(
        "SELECT added_us, id, version_us, type, spec_version, tlp, producer, recipients, \
         log_index FROM stix_objects WHERE collection = $1",
    );
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&filter.collection];
    for (column, values) in [
        ("id", &filter.ids),
        ("type", &filter.types),
        ("spec_version", &filter.spec_versions),
    ] {
        if any(values) {
            params.push(values);
            sql.push_str(&format!(" AND {column} = ANY(${})", params.len()));
        }
    }
    if let Some(after) = &filter.added_after_us {
        params.push(after);
        sql.push_str(&format!(" AND added_us > ${}", params.len()));
    }
    sql.push_str(" ORDER BY added_us");
    // The hint bounds a page's read to its chunk instead of the rest of the collection.
    let limit = filter.limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    if let Some(n) = &limit {
        params.push(n);
        sql.push_str(&format!(" LIMIT ${}", params.len()));
    }
    let stmt = client.prepare_cached(&sql).await.map_err(db)?;
    let rows = client.query(&stmt, &params).await.map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(ObjectMeta {
                added_us: r.get(0),
                id: r.get(1),
                version_us: r.get(2),
                object_type: r.get(3),
                spec_version: r.get(4),
                tlp: parse_level(r.get(5))?,
                producer: r.get(6),
                recipients: r.get(7),
                log_index: r.get::<_, i64>(8) as u64,
            })
        })
        .collect()
}

/// The objects (as JSON text) stored under these `added_us` keys.
pub(crate) async fn object_bodies(
    client: &impl GenericClient,
    keys: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT added_us, body FROM stix_objects WHERE added_us = ANY($1)")
        .await
        .map_err(db)?;
    let rows = client.query(&stmt, &[&keys]).await.map_err(db)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
