//! The backend conformance suite (`accord_store::testkit`) against PostgreSQL: each test gets
//! a fresh database on the server named by `ACCORD_TEST_POSTGRES_URL` (skipped when unset).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use accord_store::Store;
use accord_store::testkit::{StoreFactory, TestStore};
use accord_store_postgres::PostgresStore;
use accord_store_postgres::testkit::{fresh_postgres_database, server_url};

struct Postgres;

#[async_trait::async_trait]
impl StoreFactory for Postgres {
    async fn fresh(&self) -> Option<TestStore> {
        let server = server_url()?;
        let db = fresh_postgres_database(&server).await.unwrap();
        let url = db.url.clone();
        let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).await.unwrap());
        let reopen = Box::new(move || {
            let url = url.clone();
            Box::pin(
                async move { Arc::new(PostgresStore::open(&url).await.unwrap()) as Arc<dyn Store> },
            ) as accord_store::testkit::BoxFuture<'static, Arc<dyn Store>>
        });
        Some(TestStore::new(store, reopen, db))
    }
}

accord_store::conformance_suite!(Postgres);
