//! Upgrading an existing PostgreSQL hub: what a migration does to the data a hub already holds.
//!
//! Needs `ACCORD_TEST_POSTGRES_URL` (skipped when unset).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use accord_store::Store;
use accord_store::testkit::upgrade::{marked_incident_left_every_read, record_marked_incidents};
use accord_store_postgres::PostgresStore;
use accord_store_postgres::testkit::{fresh_postgres_database, server_url};
use tokio_postgres::NoTls;

/// A hub that recorded incidents marked GREEN, AMBER or RED before incidents were TLP:CLEAR only
/// (migration V6) drops them from every incident read on upgrade, since all of those are
/// public; their log entries stay and the log still audits.
#[tokio::test]
async fn an_incident_marked_other_than_clear_leaves_every_read_on_upgrade() {
    let Some(server) = server_url() else { return };
    let db = fresh_postgres_database(&server).await.unwrap();
    let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&db.url).await.unwrap());
    let marked = record_marked_incidents(store.as_ref()).await;
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

    marked_incident_left_every_read(store.as_ref(), &marked).await;
    let left: i64 = admin
        .query_one(
            "SELECT COUNT(*) FROM incident_facets WHERE incident_id = $1",
            &[&marked.red],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}
