//! What only the SQLite backend has: its file, WAL mode, and the schema check read from the
//! file. Everything else every backend shares runs in `conformance.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use accord_store::StoreError;
use accord_store_sqlite::SqliteStore;

#[tokio::test]
async fn refuses_a_schema_newer_than_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(dir.path()).unwrap());
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(accord_store_sqlite::DB_FILE)).unwrap();
        conn.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
             VALUES (999, 'from_the_future', '2030-01-01T00:00:00Z', '0')",
            [],
        )
        .unwrap();
    }
    match SqliteStore::open(dir.path()) {
        Err(StoreError::SchemaTooNew { found: 999, .. }) => {}
        Err(other) => panic!("expected SchemaTooNew, got {other}"),
        Ok(_) => panic!("opened a database with a newer schema"),
    }
}

#[tokio::test]
async fn database_file_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

/// A hub written before object owners were kept (migration V8) learns them from its log on
/// upgrade: each id's first producer, deleted objects included, and nothing else changes.
#[tokio::test]
async fn an_existing_hub_learns_its_object_owners_from_the_log_on_upgrade() {
    use accord_stix::tlp::Reader;
    use accord_store::Store;
    use accord_store::sharing::{
        Collection, Member, VersionMatch, add_objects, collection_for, define_collection,
        delete_object,
    };
    use accord_store::testkit::{bundled, operator};
    use accord_tlp::Tlp;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let op = operator();
    accord_store::write::seed_bundled(store.as_ref(), op.clone(), &bundled())
        .await
        .unwrap();
    let seq = accord_store::sequencer::Sequencer::start(store.clone(), op.clone());
    let writer = |p: &str| Member {
        party: p.into(),
        can_read: true,
        can_write: true,
    };
    define_collection(
        &seq,
        Collection {
            id: "c1".into(),
            title: "Upgrade".into(),
            description: None,
            members: vec![writer("FR"), writer("DE")],
            default_tlp: Tlp::Green,
            anonymous_read: false,
            mirror: None,
        },
    )
    .await
    .unwrap();
    let object = |n: u32, modified: &str| {
        serde_json::json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
            "created": "2026-01-01T00:00:00.000Z", "modified": modified,
            "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z"
        })
    };
    let id = |n: u32| format!("indicator--00000000-0000-4000-8000-{n:012}");
    let v1 = "2026-01-02T00:00:00.000Z";
    let fr = vec![
        object(1, v1),
        object(1, "2026-01-03T00:00:00.000Z"),
        object(2, v1),
    ];
    add_objects(store.as_ref(), &seq, "FR", "c1", fr)
        .await
        .unwrap();
    add_objects(store.as_ref(), &seq, "DE", "c1", vec![object(3, v1)])
        .await
        .unwrap();
    let c1 = collection_for(store.as_ref(), "c1", Reader::Party("FR"))
        .await
        .unwrap();
    delete_object(
        store.as_ref(),
        &seq,
        "FR",
        &c1,
        &id(2),
        &[VersionMatch::All],
        &[],
    )
    .await
    .unwrap();
    let size = store.checkpoint().await.unwrap().unwrap().size;
    drop(seq);
    drop(store);

    // The database as a hub from before V8 left it, then V8 itself run over it. (Deleting V8's
    // history row so that refinery re-runs it no longer works: refinery refuses a missing
    // migration once a later one is applied, and the later ones cannot be undone without
    // losing what this test wrote.)
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(accord_store_sqlite::DB_FILE)).unwrap();
        conn.execute_batch("DROP TABLE stix_owners;").unwrap();
        conn.execute_batch(include_str!("../migrations/V8__stix_owners.sql"))
            .unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);
    let sharing = store.sharing().unwrap();
    for (n, owner) in [(1, Some("FR")), (2, Some("FR")), (3, Some("DE")), (4, None)] {
        assert_eq!(
            sharing.object_owner(&id(n)).await.unwrap().as_deref(),
            owner,
            "{}",
            id(n)
        );
    }
    // And the rule holds on the upgraded hub: DE cannot take FR's deleted id.
    let seq = accord_store::sequencer::Sequencer::start(store.clone(), op);
    let out = add_objects(
        store.as_ref(),
        &seq,
        "DE",
        "c1",
        vec![object(2, "2026-01-05T00:00:00.000Z")],
    )
    .await
    .unwrap();
    assert!(out.successes.is_empty(), "{out:?}");
    // The log still verifies, every entry kept.
    let report = accord_store::testkit::audit_store(store.as_ref(), &operator()).await;
    assert_eq!(report.size, size);
}

/// A hub that recorded incidents marked GREEN, AMBER or RED before incidents were TLP:CLEAR only
/// (migration V10) drops them from every incident read on upgrade, since all of those are
/// public; their log entries stay, the log still audits, and a copy of the upgraded hub carries
/// the entries without publishing the records.
#[tokio::test]
async fn an_incident_marked_other_than_clear_leaves_every_read_on_upgrade() {
    use accord_store::Store;
    use accord_store::replay::Replayer;
    use accord_store::testkit::operator;
    use accord_store::testkit::upgrade::{
        marked_incident_left_every_read, record_marked_incidents,
    };
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let marked = record_marked_incidents(store.as_ref()).await;
    let (red, clear, size) = (marked.red, marked.clear, marked.size);
    drop(store);

    // The database as a hub from before V10 left it: V10 only deletes, so the rows above are
    // what the old code wrote (migrations after V10 run again, as refinery refuses to find
    // them applied past a missing V10).
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(accord_store_sqlite::DB_FILE)).unwrap();
        conn.execute_batch("DELETE FROM refinery_schema_history WHERE version >= 10;")
            .unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());

    marked_incident_left_every_read(store.as_ref(), &marked).await;
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(accord_store_sqlite::DB_FILE)).unwrap();
        let facets: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM incident_facets WHERE incident_id = ?1",
                [red],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(facets, 0);
    }

    // A copy of the upgraded hub carries the RED entry but publishes no record of it.
    let to = tempfile::tempdir().unwrap();
    let target: Arc<dyn Store> = Arc::new(SqliteStore::open(to.path()).unwrap());
    let entries = store.log_entries(0, size).await.unwrap();
    let mut replayer = Replayer::new(store.as_ref(), target.as_ref())
        .await
        .unwrap();
    let mut writes = Vec::new();
    for e in &entries {
        writes.push(replayer.write(e).await.unwrap());
    }
    let copied = target.append(writes, operator()).await.unwrap();
    assert!(copied.results.iter().all(Result::is_ok));
    assert_eq!(
        target.checkpoint().await.unwrap().unwrap().root,
        store.checkpoint().await.unwrap().unwrap().root
    );
    assert!(matches!(
        target.incident(red).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(target.incident(clear).await.unwrap().incident.id, clear);
    assert_eq!(target.counts().await.unwrap().incidents, marked.before + 1);
    let report = accord_store::testkit::audit_store(target.as_ref(), &operator()).await;
    assert_eq!(report.size, size);
}
