//! The backend conformance suite (`accord_store::testkit`) against SQLite: each test gets a
//! store in a fresh temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use accord_store::Store;
use accord_store::testkit::{StoreFactory, TestStore};
use accord_store_sqlite::SqliteStore;

struct Sqlite;

#[async_trait::async_trait]
impl StoreFactory for Sqlite {
    async fn fresh(&self) -> Option<TestStore> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_owned();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
        let reopen = Box::new(move || {
            let path = path.clone();
            Box::pin(async move { Arc::new(SqliteStore::open(&path).unwrap()) as Arc<dyn Store> })
                as accord_store::testkit::BoxFuture<'static, Arc<dyn Store>>
        });
        Some(TestStore::new(store, reopen, dir))
    }
}

accord_store::conformance_suite!(Sqlite);
