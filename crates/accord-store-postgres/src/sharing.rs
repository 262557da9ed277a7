//! Threat-indicator sharing: the `sharing_collections`, `sharing_affiliations` and
//! `stix_objects` tables.
//!
//! An object version's row keeps the object exactly as stored (TEXT, not JSONB, so it comes
//! back byte for byte) beside the columns the read rule and TAXII's filters need. Its key,
//! `added_us`, is its date added in microseconds, made strictly increasing across the store
//! (appends hold the sequencer lock, so no two nodes pick the same one).

use accord_stix::tlp::Level;
use accord_store::StoreError;
use accord_store::log::Effect;
use accord_store::sharing::{
    AffiliationBody, Collection, IndexFilter, ObjectMeta, SharingStore, format_us,
};
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::{Json, ToSql};

use crate::log::run;
use crate::{PostgresStore, db, from_json};

fn parse_level(text: &str) -> Result<Level, StoreError> {
    Level::parse(text).ok_or_else(|| StoreError::Corrupt {
        what: "stix object tlp".into(),
        detail: format!("{text:?} is not a TLP level"),
    })
}

/// Applies a sharing effect at log `index`, or refuses it; `Ok(None)` when the effect is not
/// a sharing one.
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
        }
        Effect::StixDeleted {
            collection,
            added_us,
        } => {
            let n = run(
                client,
                "DELETE FROM stix_objects WHERE collection = $1 AND added_us = $2",
                &[collection, added_us],
            )
            .await?;
            if n == 0 {
                return Ok(Some(Err(StoreError::NotFound {
                    what: "object version",
                    id: format!("{collection}/{added_us}"),
                })));
            }
        }
        _ => return Ok(None),
    }
    Ok(Some(Ok(())))
}

#[async_trait]
impl SharingStore for PostgresStore {
    async fn collections(&self) -> Result<Vec<Collection>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT id, body::TEXT FROM sharing_collections ORDER BY id")
            .await
            .map_err(db)?;
        let rows = client.query(&stmt, &[]).await.map_err(db)?;
        rows.iter()
            .map(|r| from_json(&format!("collection {}", r.get::<_, &str>(0)), r.get(1)))
            .collect()
    }

    async fn affiliations(&self) -> Result<Vec<AffiliationBody>, StoreError> {
        let client = self.client().await?;
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

    async fn object_index(&self, filter: &IndexFilter) -> Result<Vec<ObjectMeta>, StoreError> {
        let client = self.client().await?;
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

    async fn object_bodies(&self, keys: Vec<i64>) -> Result<Vec<(i64, String)>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT added_us, body FROM stix_objects WHERE added_us = ANY($1)")
            .await
            .map_err(db)?;
        let rows = client.query(&stmt, &[&keys]).await.map_err(db)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
