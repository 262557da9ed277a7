//! The SQLite backend: seeding once, surviving a reopen, all-or-nothing writes, schema checks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use accord_core::dataset::Dataset;
use accord_store::dataset_dir::load_dataset_dir;
use accord_store::{IncidentFilter, PageRequest, SeedOutcome, Store, StoreError};
use accord_store_sqlite::SqliteStore;

fn bundled() -> Dataset {
    load_dataset_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")).unwrap()
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
        let store = SqliteStore::open(dir.path()).unwrap();
        let outcome = store.seed(&data).await.unwrap();
        assert_eq!(
            outcome,
            SeedOutcome::Loaded {
                parties: data.parties.len(),
                incidents: data.incidents.len()
            }
        );
        let mut extra = store.incident("notpetya-2017").await.unwrap();
        extra.incident.id = "added-after-seed".into();
        store.insert_incident(&extra).await.unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.seed(&data).await.unwrap(), SeedOutcome::AlreadySeeded);
    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts.incidents,
        data.incidents.len() + 1,
        "bundled data loaded twice or lost"
    );
    assert_eq!(counts.parties, data.parties.len());
    assert!(store.incident("added-after-seed").await.is_ok());
}

#[tokio::test]
async fn conflicting_insert_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    store.seed(&bundled()).await.unwrap();
    let before = store.all_incidents().await.unwrap();
    let mut dup = store.incident("wannacry-2017").await.unwrap();
    dup.incident.title = "changed".into();
    let err = store.insert_incident(&dup).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(store.all_incidents().await.unwrap(), before);
}

#[tokio::test]
async fn filters_combine_and_every_match_satisfies_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    store.seed(&bundled()).await.unwrap();
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
    store.seed(&bundled()).await.unwrap();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}
