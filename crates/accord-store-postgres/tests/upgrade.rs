//! Upgrading an existing PostgreSQL hub: what a migration does to the data a hub already holds.
//!
//! Needs `ACCORD_TEST_POSTGRES_URL` (skipped when unset).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use accord_core::record::{Facet, IncidentRecord};
use accord_store::log::{Effect, LogWrite, kind};
use accord_store::testkit::{audit_store, bundled, operator};
use accord_store::write::{seed_bundled, sign_entry};
use accord_store::{IncidentFilter, PageRequest, Store, StoreError};
use accord_store_postgres::PostgresStore;
use accord_store_postgres::testkit::{fresh_postgres_database, server_url};
use accord_tlog::entry::Tlp;
use tokio_postgres::NoTls;

/// A hub that recorded incidents marked GREEN, AMBER or RED before incidents were TLP:CLEAR only
/// (migration V6) drops them from every incident read on upgrade, since all of those are
/// public; their log entries stay and the log still audits.
#[tokio::test]
async fn an_incident_marked_other_than_clear_leaves_every_read_on_upgrade() {
    let Some(server) = server_url() else { return };
    let db = fresh_postgres_database(&server).await.unwrap();
    let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&db.url).await.unwrap());
    let op = operator();
    let data = bundled();
    seed_bundled(store.as_ref(), op.clone(), &data)
        .await
        .unwrap();
    let before = store.counts().await.unwrap().incidents;
    // Two incidents as the write path recorded them before the rule: one RED, one CLEAR.
    let write = |id: &str, tlp: Tlp| {
        let mut incident = data.incidents[0].clone();
        incident.id = id.to_owned();
        let (entry, body, salt) = sign_entry(
            kind::INCIDENT,
            id,
            &op.party,
            tlp,
            &incident,
            op.signer.signing_key(),
        )
        .unwrap();
        LogWrite {
            entry,
            body,
            salt: Some(salt),
            effect: Effect::Incident(Box::new(IncidentRecord {
                suggested_principles: data.rules.suggest(&incident),
                incident,
                log_index: None,
            })),
        }
    };
    let (red, clear) = ("upgrade-red-incident", "upgrade-clear-incident");
    let outcome = store
        .append(
            vec![write(red, Tlp::Red), write(clear, Tlp::Clear)],
            op.clone(),
        )
        .await
        .unwrap();
    let red_index = outcome.results[0].as_ref().unwrap().index;
    assert_eq!(store.incident(red).await.unwrap().incident.id, red);
    let facets = store.incident(red).await.unwrap().facets();
    let size = store.checkpoint().await.unwrap().unwrap().size;
    drop(store);

    // The database as a hub from before V6 left it: V6 only deletes, so the rows above are
    // what the old code wrote (migrations after V6 run again, as refinery refuses to find
    // them applied past a missing V6).
    let (admin, conn) = tokio_postgres::connect(&db.url, NoTls).await.unwrap();
    tokio::spawn(conn);
    admin
        .execute(
            "DELETE FROM refinery_schema_history WHERE version >= 6",
            &[],
        )
        .await
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&db.url).await.unwrap());

    // Gone from every incident read the store offers.
    assert!(matches!(
        store.incident(red).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.incident(clear).await.unwrap().incident.id, clear);
    let page = PageRequest {
        limit: 1000,
        after: None,
    };
    let listed = |records: &[IncidentRecord], id: &str| records.iter().any(|r| r.incident.id == id);
    let all = store
        .incidents(&IncidentFilter::default(), &page)
        .await
        .unwrap();
    assert!(!listed(&all.items, red) && listed(&all.items, clear));
    assert!(!facets.is_empty());
    for (facet, value) in &facets {
        let filter = match facet {
            Facet::Party => IncidentFilter {
                party: Some(value.clone()),
                ..Default::default()
            },
            Facet::Principle => IncidentFilter {
                principle: Some(value.parse().unwrap()),
                ..Default::default()
            },
            Facet::Country => IncidentFilter {
                country: Some(value.parse().unwrap()),
                ..Default::default()
            },
            Facet::Sector => IncidentFilter {
                sector: Some(serde_json::from_value(value.as_str().into()).unwrap()),
                ..Default::default()
            },
            Facet::Year => IncidentFilter {
                year: Some(value.parse().unwrap()),
                ..Default::default()
            },
        };
        let hits = store.incidents(&filter, &page).await.unwrap();
        assert!(!listed(&hits.items, red), "{facet:?} {value}");
        assert!(listed(&hits.items, clear), "{facet:?} {value}");
    }
    let export = store.all_incidents().await.unwrap();
    assert!(!listed(&export, red) && listed(&export, clear));
    assert_eq!(store.counts().await.unwrap().incidents, before + 1);
    let left: i64 = admin
        .query_one(
            "SELECT COUNT(*) FROM incident_facets WHERE incident_id = $1",
            &[&red],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);

    // The log keeps the entry and its (withheld) body, and still audits.
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);
    assert_eq!(store.log_entry(red_index).await.unwrap().tlp, Tlp::Red);
    assert_eq!(audit_store(store.as_ref(), &operator()).await.size, size);
}
