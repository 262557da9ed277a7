//! The SQLite backend: seeding once, surviving a reopen, all-or-nothing writes, schema checks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use std::sync::Arc;

use accord_core::dataset::Dataset;
use accord_store::dataset_dir::load_dataset_dir;
use accord_store::log::Operator;
use accord_store::sequencer::Sequencer;
use accord_store::write::{record_incident_as_operator, seed_bundled};
use accord_store::{IncidentFilter, PageRequest, SeedOutcome, Store, StoreError};
use accord_store_sqlite::SqliteStore;

fn bundled() -> Dataset {
    load_dataset_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")).unwrap()
}

fn operator(dir: &std::path::Path) -> Arc<Operator> {
    Arc::new(Operator::load_or_create(dir, None).unwrap())
}

/// A seeded store in `dir` and a sequencer writing to it.
async fn seeded(dir: &std::path::Path) -> (Arc<dyn Store>, Sequencer) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir).unwrap());
    let op = operator(dir);
    seed_bundled(store.as_ref(), op.clone(), &bundled())
        .await
        .unwrap();
    let seq = Sequencer::start(store.clone(), op);
    (store, seq)
}

fn first_page() -> PageRequest {
    PageRequest {
        limit: 500,
        after: None,
    }
}

#[tokio::test]
async fn seeds_once_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let data = bundled();
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let op = operator(dir.path());
        let outcome = seed_bundled(store.as_ref(), op.clone(), &data)
            .await
            .unwrap();
        assert_eq!(
            outcome,
            SeedOutcome::Loaded {
                parties: data.parties.len(),
                incidents: data.incidents.len()
            }
        );
        let seq = Sequencer::start(store.clone(), op);
        let mut extra = store.incident("notpetya-2017").await.unwrap().incident;
        extra.id = "added-after-seed".into();
        record_incident_as_operator(store.as_ref(), &seq, extra)
            .await
            .unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let outcome = seed_bundled(store.as_ref(), operator(dir.path()), &data)
        .await
        .unwrap();
    assert_eq!(outcome, SeedOutcome::AlreadySeeded);
    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts.incidents,
        data.incidents.len() + 1,
        "bundled data loaded twice or lost"
    );
    // The operator registers itself as a party beside the dataset's parties.
    assert_eq!(counts.parties, data.parties.len() + 1);
    assert!(store.incident("added-after-seed").await.is_ok());
}

#[tokio::test]
async fn conflicting_insert_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, seq) = seeded(dir.path()).await;
    let before = store.all_incidents().await.unwrap();
    let size = store.checkpoint().await.unwrap().unwrap().size;
    let mut dup = store.incident("wannacry-2017").await.unwrap().incident;
    dup.title = "changed".into();
    let err = record_incident_as_operator(store.as_ref(), &seq, dup)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(store.all_incidents().await.unwrap(), before);
    assert_eq!(
        store.checkpoint().await.unwrap().unwrap().size,
        size,
        "log grew"
    );
}

#[tokio::test]
async fn filters_combine_and_every_match_satisfies_them() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = seeded(dir.path()).await;
    let filter = IncidentFilter {
        party: Some("RU".into()),
        principle: accord_core::accord::PrincipleId::parse("P1"),
        ..Default::default()
    };
    let page = store.incidents(&filter, &first_page()).await.unwrap();
    assert!(!page.items.is_empty());
    for r in &page.items {
        let facets = r.facets();
        assert!(
            facets
                .iter()
                .any(|(f, v)| f.as_str() == "party" && v == "RU")
        );
        assert!(r.principles().iter().any(|p| p.to_string() == "P1"));
    }
    let none = IncidentFilter {
        year: Some(1999),
        ..Default::default()
    };
    assert!(
        store
            .incidents(&none, &first_page())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn unseeded_store_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    assert!(matches!(store.accord().await, Err(StoreError::NotSeeded)));
}

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
