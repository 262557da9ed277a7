//! What the HTTP tests share: the store a test hub runs on, and a seeded hub where FR has a
//! registered key and an API token.
//!
//! SQLite in the test's directory by default; with `ACCORD_TEST_BACKEND=postgres` and
//! `ACCORD_TEST_POSTGRES_URL`, a fresh PostgreSQL database (dropped by `scripts/test.sh` when
//! the suite ends, since a test's server may outlive its function).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use accord_core::dataset::Dataset;
use accord_server::AppState;
use accord_store::Store;
use accord_store::kind;
use accord_store::log::Operator;
use accord_store::sequencer::Sequencer;
use accord_store::write::{add_key, seed_bundled, sign_submission, token_digest};
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;
use serde_json::Value;

/// FR's API token in every test hub.
pub const TOKEN: &str = "test-token-fr";

/// The bundled dataset in `data/`.
pub fn bundled() -> Dataset {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data");
    accord_store::dataset_dir::load_dataset_dir(&dir).unwrap()
}

/// A hub seeded with the bundled dataset.
pub struct Hub {
    pub _dir: tempfile::TempDir,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    /// FR's registered signing key.
    pub key: SigningKey,
}

/// A seeded hub on [`store`]; FR has the key `[42; 32]` and the token [`TOKEN`].
pub async fn hub() -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let op = Arc::new(Operator::load_or_create(dir.path(), None).unwrap());
    seed_bundled(store.as_ref(), op.clone(), &bundled())
        .await
        .unwrap();
    let sequencer = Sequencer::start(store.clone(), op);
    let key = SigningKey::from_bytes(&[42; 32]);
    add_key(store.as_ref(), &sequencer, "FR", &key.verifying_key())
        .await
        .unwrap();
    store.add_token(&token_digest(TOKEN), "FR").await.unwrap();
    let state = AppState::new(store.clone(), sequencer);
    Hub {
        _dir: dir,
        store,
        state,
        key,
    }
}

/// A TLP:CLEAR incident submission of `body` by `submitter`, signed with `key`.
pub fn signed_with(key: &SigningKey, submitter: &str, body: &Value) -> Value {
    let id = body["id"].as_str().unwrap_or("no-id");
    serde_json::to_value(
        sign_submission(kind::INCIDENT, id, submitter, Tlp::Clear, body, key).unwrap(),
    )
    .unwrap()
}

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
