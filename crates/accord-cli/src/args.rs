//! Argument groups that several commands share, each flattened only into the commands that
//! use it: a client-side command such as `accord match` takes no `--data`.

use std::path::PathBuf;

use anyhow::Result;

use crate::backend::Database;

/// A hub's data directory and its database: what `migrate` and an offline `log verify` read.
///
/// Its flags are global below the command they are flattened into, so that `accord parties
/// list --data DIR` and `accord parties --data DIR list` both work.
#[derive(Debug, clap::Args)]
pub struct DatabaseArgs {
    /// The hub's data directory.
    ///
    /// Created, and loaded with the bundled dataset, on first use. It holds the operator key
    /// and, unless --database says otherwise, the SQLite store.
    #[arg(
        long,
        global = true,
        env = "ACCORD_DATA",
        default_value = "accord-data",
        value_name = "DIR"
    )]
    pub data: PathBuf,

    /// The database: postgres://USER:PASSWORD@HOST/DB or sqlite:DIR.
    ///
    /// A PostgreSQL database can be shared by several `accord serve` nodes. Default: SQLite in
    /// the data directory. The operator key stays in the data directory: every node needs the
    /// same one.
    #[arg(
        long,
        global = true,
        env = "ACCORD_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database: Option<String>,
}

impl DatabaseArgs {
    /// The database these flags name.
    pub fn database(&self) -> Result<Database> {
        Database::from_cli(self.database.as_deref(), &self.data)
    }
}

/// What a command that opens a hub needs: its data directory, its database, and the log's
/// origin for a hub it creates.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,

    /// The log's origin, fixed when the data directory is created.
    ///
    /// Default `accord.localhost/log`; it names the log in every checkpoint.
    #[arg(long, global = true, env = "ACCORD_ORIGIN")]
    pub origin: Option<String>,
}

/// The hub a client-side command talks to, and the API token of the party it acts for.
#[derive(Debug, clap::Args)]
pub struct HubArgs {
    /// The hub's base URL.
    ///
    /// Its REST API is under /api/v1, its log under /log.
    #[arg(long, env = "ACCORD_HUB", default_value = "http://127.0.0.1:8080")]
    pub hub: String,

    /// The party's API token (from `accord tokens issue`).
    ///
    /// Sent as a bearer token: the hub acts for the party it was issued to.
    #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}
