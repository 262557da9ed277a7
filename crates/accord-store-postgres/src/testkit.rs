//! Test support (feature `testkit`): a fresh, uniquely named database per test, dropped when
//! the test ends, so that tests run in parallel against one PostgreSQL server.
//!
//! Tests read the server's URL from [`SERVER_URL_VAR`] and skip, saying so, when it is unset:
//!
//! ```no_run
//! # async fn demo() {
//! use accord_store_postgres::testkit::{fresh_postgres_database, server_url};
//! let Some(server) = server_url() else { return };
//! let db = fresh_postgres_database(&server).await.unwrap();
//! let store = accord_store_postgres::PostgresStore::open(&db.url).await.unwrap();
//! // … the database is dropped with `db`.
//! # drop(store); }
//! ```

use std::sync::atomic::{AtomicU32, Ordering};

use accord_store::StoreError;
use tokio_postgres::NoTls;

use crate::db::{db, describe, parse_config};

/// The environment variable naming the PostgreSQL server tests use, as a URL to a database
/// on it that the role may connect to (`postgres://accord:accord@127.0.0.1:5432/accord`);
/// the role needs `CREATEDB`.
pub const SERVER_URL_VAR: &str = "ACCORD_TEST_POSTGRES_URL";

/// The server URL from [`SERVER_URL_VAR`], or `None` after printing that PostgreSQL tests
/// are skipped.
pub fn server_url() -> Option<String> {
    match std::env::var(SERVER_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!(
                "PostgreSQL tests not requested (set {SERVER_URL_VAR}=postgres://USER:PASSWORD@HOST:PORT/DB \
                 with a CREATEDB role to run them); skipping"
            );
            None
        }
    }
}

/// A database created for one test; dropped (`DROP DATABASE … WITH (FORCE)`) on drop.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL of the new database (the server URL with the database name replaced).
    pub url: String,
    /// Its name (`accord_t_<pid>_<n>_<clock>`).
    pub name: String,
    server_url: String,
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Creates an empty database with a unique name on the server at `server_url` and returns it;
/// the [`TestDatabase`] drops it when dropped. Pass [`TestDatabase::url`] to
/// [`crate::PostgresStore::open`] (which applies the migrations).
pub async fn fresh_postgres_database(server_url: &str) -> Result<TestDatabase, StoreError> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let config = parse_config(server_url)?;
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "accord_t_{}_{}_{clock}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let (client, connection) = config.connect(NoTls).await.map_err(|e| {
        StoreError::Backend(format!(
            "cannot reach the test server at {}: {e}",
            describe(&config)
        ))
    })?;
    let task = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
        .map_err(db)?;
    drop(client);
    let _ = task.await;
    Ok(TestDatabase {
        url: with_database(server_url, &name),
        name,
        server_url: server_url.to_owned(),
    })
}

async fn drop_database(server_url: &str, name: &str) -> Result<(), StoreError> {
    let config = parse_config(server_url)?;
    let (client, connection) = config.connect(NoTls).await.map_err(db)?;
    let task = tokio::spawn(connection);
    // FORCE (PostgreSQL 13+) ends the sessions a test's pools still hold.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .map_err(db)?;
    drop(client);
    let _ = task.await;
    Ok(())
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop may run inside a runtime that must not block, or outside any: use a thread
        // with a runtime of its own and wait for it.
        let (server, name) = (self.server_url.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match rt {
                Ok(rt) => rt.block_on(drop_database(&server, &name)),
                Err(e) => Err(StoreError::Backend(e.to_string())),
            }
        })
        .join();
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("could not drop test database {}", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        assert_eq!(
            with_database("postgres://a:b@h:5432/accord", "x"),
            "postgres://a:b@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://a:b@h/accord?sslmode=disable", "x"),
            "postgres://a:b@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
