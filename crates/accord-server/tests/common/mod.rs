//! What the HTTP tests share: the store a test hub runs on.
//!
//! SQLite in the test's directory by default; with `ACCORD_TEST_BACKEND=postgres` and
//! `ACCORD_TEST_POSTGRES_URL`, a fresh PostgreSQL database (dropped by `scripts/test.sh` when
//! the suite ends, since a test's server may outlive its function).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use accord_store::Store;

/// A new, empty store for one test.
pub async fn store(dir: &Path) -> Arc<dyn Store> {
    if std::env::var("ACCORD_TEST_BACKEND").as_deref() == Ok("postgres") {
        let server = std::env::var("ACCORD_TEST_POSTGRES_URL")
            .expect("ACCORD_TEST_BACKEND=postgres needs ACCORD_TEST_POSTGRES_URL");
        let db = accord_store_postgres::testkit::fresh_postgres_database(&server)
            .await
            .unwrap();
        let store = accord_store_postgres::PostgresStore::open(&db.url)
            .await
            .unwrap();
        std::mem::forget(db);
        Arc::new(store)
    } else {
        Arc::new(accord_store_sqlite::SqliteStore::open(dir).unwrap())
    }
}
