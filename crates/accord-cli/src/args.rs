//! Argument groups that several commands share, flattened only into the commands that use
//! them.

use std::path::PathBuf;

use anyhow::Result;

use crate::backend::Database;

/// Where a hub keeps its state: the data directory, the database and the log's origin.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// The hub's data directory (created and loaded with the bundled dataset on first use).
    #[arg(
        long,
        global = true,
        env = "ACCORD_DATA",
        default_value = "accord-data"
    )]
    pub data: PathBuf,

    /// The database: `postgres://USER:PASSWORD@HOST/DB` for a PostgreSQL database that several
    /// `accord serve` nodes share, or `sqlite:DIR`; default: SQLite in the data directory.
    /// The operator key stays in the data directory: every node needs the same one.
    #[arg(
        long,
        global = true,
        env = "ACCORD_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,

    /// The log's origin, fixed when the data directory is created (default
    /// `accord.localhost/log`); it names the log in every checkpoint.
    #[arg(long, global = true, env = "ACCORD_ORIGIN")]
    pub origin: Option<String>,
}

impl StoreArgs {
    /// The database these flags name.
    pub fn database(&self) -> Result<Database> {
        Database::from_cli(self.database.as_deref(), &self.data)
    }
}
