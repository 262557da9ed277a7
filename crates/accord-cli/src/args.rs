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

    /// Most connections to a PostgreSQL database this process holds open.
    ///
    /// The server's max_connections must cover the pools of every node sharing the database.
    #[arg(
        long,
        global = true,
        env = "ACCORD_DATABASE_POOL",
        default_value_t = 16,
        value_parser = clap::value_parser!(u16).range(1..=1024),
        value_name = "N"
    )]
    pub database_pool: u16,
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

/// A flag of a hub's data directory given before the command's name, where it was global
/// once (`accord --data DIR serve`): refused with a hint rather than clap's bare "unexpected
/// argument".
pub struct Misplaced {
    flag: &'static str,
    value: String,
    /// The command named after it, if any.
    command: Option<String>,
}

impl Misplaced {
    /// The first data-directory flag before the command's name in `args`, if any.
    pub fn find(args: impl Iterator<Item = std::ffi::OsString>) -> Option<Misplaced> {
        let mut found: Option<Misplaced> = None;
        let mut args = args.map(|a| a.to_string_lossy().into_owned());
        while let Some(arg) = args.next() {
            if !arg.starts_with('-') {
                return found.map(|m| Misplaced {
                    command: Some(arg),
                    ..m
                });
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            let Some(flag) = ["--data", "--database", "--origin"]
                .into_iter()
                .find(|f| *f == name)
            else {
                continue;
            };
            let value = match inline {
                Some(v) => v,
                None => args.next().unwrap_or_default(),
            };
            found.get_or_insert(Misplaced {
                flag,
                value,
                command: None,
            });
        }
        found
    }

    /// Exits with the hint: after the name of a command of `cli` that takes the flag, nowhere
    /// for one that needs no data directory.
    pub fn refuse(&self, mut cli: clap::Command) -> ! {
        let (flag, value) = (self.flag, &self.value);
        let long = flag.trim_start_matches('-');
        let command = self.command.as_deref();
        let hint = match command.and_then(|name| cli.find_subcommand(name)) {
            Some(c) if takes(c, long) => {
                let name = c.get_name();
                format!("{flag} belongs to the command: accord {name} {flag} {value}")
            }
            Some(c) => {
                let name = c.get_name();
                format!("accord {name} takes no {flag}: it needs no data directory")
            }
            None => format!("{flag} belongs to a command: accord COMMAND {flag} {value}"),
        };
        cli.error(clap::error::ErrorKind::UnknownArgument, hint)
            .exit()
    }
}

/// True if `cmd` or a command below it has the flag `--long` of a hub's data directory.
fn takes(cmd: &clap::Command, long: &str) -> bool {
    cmd.get_arguments()
        .any(|a| a.get_id() == long && a.get_long() == Some(long))
        || cmd.get_subcommands().any(|c| takes(c, long))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(args: &[&str]) -> Option<(&'static str, String, Option<String>)> {
        Misplaced::find(args.iter().map(Into::into)).map(|m| (m.flag, m.value, m.command))
    }

    #[test]
    fn data_directory_flags_are_misplaced_only_before_the_command() {
        assert_eq!(
            find(&["--data", "d", "serve", "--listen", "x"]),
            Some(("--data", "d".into(), Some("serve".into())))
        );
        assert_eq!(
            find(&["--database=sqlite:d", "match"]),
            Some(("--database", "sqlite:d".into(), Some("match".into())))
        );
        assert_eq!(
            find(&["--origin", "o"]),
            Some(("--origin", "o".into(), None))
        );
        assert_eq!(find(&["serve", "--data", "d"]), None);
        assert_eq!(find(&["route", "--data", "content"]), None);
        assert_eq!(find(&["--version"]), None);
    }
}
