//! Which database a hub keeps its record in: the embedded SQLite file in the data directory
//! (the default) or a PostgreSQL database shared by several `accord serve` nodes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use accord_store::Store;
use accord_store_postgres::PostgresStore;
use accord_store_sqlite::SqliteStore;
use anyhow::{Context, Result, bail};

/// A hub's database, as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// `accord.db` in this data directory.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Database {
    /// Parses `sqlite:DIR` (a data directory) or `postgres://…` / `postgresql://…`.
    pub fn parse(spec: &str) -> Result<Database> {
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            Ok(Database::Postgres(spec.to_owned()))
        } else if let Some(dir) = spec.strip_prefix("sqlite:") {
            if dir.is_empty() {
                bail!(
                    "{spec:?} names no directory: write sqlite:PATH with the hub's data directory"
                );
            }
            Ok(Database::Sqlite(PathBuf::from(dir)))
        } else {
            bail!(
                "{spec:?} is not a database: write postgres://USER:PASSWORD@HOST/DB or sqlite:PATH (a data directory)"
            )
        }
    }

    /// The database the command line names: `--database` if given, else the data directory's
    /// SQLite file.
    pub fn from_cli(database: Option<&str>, data: &Path) -> Result<Database> {
        match database {
            Some(spec) => Database::parse(spec),
            None => Ok(Database::Sqlite(data.to_owned())),
        }
    }

    /// Opens the store, applying pending migrations (a newer schema is refused), holding at
    /// most `pool` connections to a PostgreSQL database (`--database-pool`, [`PoolArgs`]:
    /// every command that opens a store takes it).
    ///
    /// [`PoolArgs`]: crate::args::PoolArgs
    pub async fn open_pooled(&self, pool: usize) -> Result<Arc<dyn Store>> {
        Ok(match self {
            Database::Sqlite(dir) => Arc::new(SqliteStore::open(dir).with_context(|| {
                format!("cannot open the hub's data directory {}", dir.display())
            })?),
            Database::Postgres(url) => Arc::new(
                PostgresStore::open_with(
                    url,
                    &accord_store_postgres::Options {
                        pool_size: pool,
                        ..Default::default()
                    },
                )
                .await
                .with_context(|| format!("cannot open the database {}", self))?,
            ),
        })
    }

    /// Applies pending migrations; returns the names of those applied.
    pub async fn migrate(&self) -> Result<Vec<String>> {
        match self {
            Database::Sqlite(dir) => accord_store_sqlite::migrate(dir)
                .with_context(|| format!("cannot migrate {}", self)),
            Database::Postgres(url) => accord_store_postgres::migrate(url)
                .await
                .with_context(|| format!("cannot migrate {}", self)),
        }
    }
}

impl std::fmt::Display for Database {
    /// Names the database for messages, never showing a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(dir) => write!(f, "sqlite:{}", dir.display()),
            Database::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// A connection URL with its password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_backends_and_refuses_others() {
        assert_eq!(
            Database::parse("sqlite:/var/lib/accord").ok(),
            Some(Database::Sqlite("/var/lib/accord".into()))
        );
        assert!(matches!(
            Database::parse("postgresql://a@h/db"),
            Ok(Database::Postgres(_))
        ));
        let e = Database::parse("mysql://h/db").err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("postgres://")));
        assert!(Database::parse("sqlite:").is_err());
    }

    #[test]
    fn messages_never_show_the_password() {
        let db = Database::Postgres("postgres://accord:s3cret@db.example:5432/hub".into());
        assert_eq!(db.to_string(), "postgres://accord:***@db.example:5432/hub");
        let plain = Database::Postgres("postgres://accord@h/hub".into());
        assert_eq!(plain.to_string(), "postgres://accord@h/hub");
    }
}
