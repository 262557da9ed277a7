//! How the backend talks to PostgreSQL: the advisory-lock keys, errors as the store's, the
//! database a configuration names, and statement helpers.

use accord_store::StoreError;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

/// The advisory-lock key every append takes (`pg_advisory_xact_lock`): whoever holds it is the
/// log's one sequencer until its transaction ends. ASCII "accordsq".
pub const SEQUENCER_LOCK: i64 = 0x6163_636f_7264_7371;

/// The advisory-lock key held while migrating (`pg_advisory_lock`), so that nodes starting at
/// once apply each migration once. ASCII "accordmg".
pub const MIGRATION_LOCK: i64 = 0x6163_636f_7264_6d67;

/// A database error as a [`StoreError`]: a lost connection says so; a refused statement keeps
/// the server's message (code, detail), which names the table and constraint.
pub(crate) fn db(e: tokio_postgres::Error) -> StoreError {
    let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    if e.is_closed() || io {
        return StoreError::Unavailable(format!("the connection to the database was lost: {e}"));
    }
    match e.as_db_error() {
        // Class 08 (connection exception) and 57P01–57P03 (the server shutting down,
        // crashed, or not yet accepting connections): the database is away, not the
        // statement wrong.
        Some(d)
            if d.code().code().starts_with("08")
                || matches!(d.code().code(), "57P01" | "57P02" | "57P03") =>
        {
            StoreError::Unavailable(format!("{} ({})", d.message(), d.code().code()))
        }
        Some(d) => {
            let mut text = format!("{} ({})", d.message(), d.code().code());
            if let Some(detail) = d.detail() {
                text.push_str(": ");
                text.push_str(detail);
            }
            StoreError::Backend(text)
        }
        None => StoreError::Backend(e.to_string()),
    }
}

/// The database a configuration points at, for messages: hosts, port and database name,
/// never the user's password.
pub(crate) fn describe(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "{}:{}/{}",
        if hosts.is_empty() {
            "localhost".to_owned()
        } else {
            hosts.join(",")
        },
        if ports.is_empty() {
            "5432".to_owned()
        } else {
            ports.join(",")
        },
        config.get_dbname().unwrap_or("(default)")
    )
}

/// Parses a `postgres://` URL (or a key=value connection string). The error never repeats the
/// text, which may hold a password.
pub(crate) fn parse_config(url: &str) -> Result<tokio_postgres::Config, StoreError> {
    url.parse::<tokio_postgres::Config>().map_err(|e| {
        StoreError::Backend(format!(
            "the database URL is not valid ({e}); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        ))
    })
}

pub(crate) fn unreachable(target: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("cannot reach the database at {target}: {e}"))
}

/// Runs a statement; returns the rows it touched.
pub(crate) async fn run(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(db)?;
    client.execute(&stmt, params).await.map_err(db)
}

/// Whether `sql` returns a row.
pub(crate) async fn exists(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<bool, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(db)?;
    Ok(client.query_opt(&stmt, params).await.map_err(db)?.is_some())
}
