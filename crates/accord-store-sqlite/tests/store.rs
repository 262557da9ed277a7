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
