//! Argument groups that several commands share, each flattened only into the commands that
//! use it: a client-side command such as `accord match` takes no `--data`.

use std::path::PathBuf;

use anyhow::Result;

use crate::backend::Database;

/// A hub's data directory and its database: what `migrate` and an offline `log verify` read.
/// The commands that open a store take [`PoolArgs`] too.
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

/// How many connections a command that opens a store holds to a PostgreSQL database. Not
/// taken by `accord migrate`, which migrates over a single connection: given there, it is
/// refused (see [`Misplaced`]) rather than ignored.
#[derive(Debug, clap::Args)]
pub struct PoolArgs {
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

impl PoolArgs {
    /// The pool size, for [`Database::open_pooled`].
    pub fn size(&self) -> usize {
        usize::from(self.database_pool)
    }
}

/// What a command that opens a hub needs: its data directory, its database, the size of its
/// pool of connections, and the log's origin for a hub it creates.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,

    #[command(flatten)]
    pub pool: PoolArgs,

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

/// A flag of a hub's data directory given where the command named so far does not take it:
/// before the command's name, where it was global once (`accord --data DIR serve`), or between
/// a command and its subcommand (`accord incidents --data DIR list`). Refused with a hint
/// naming the right form rather than clap's bare "unexpected argument".
pub struct Misplaced {
    flag: &'static str,
    value: String,
    /// The commands named on the line (`["incidents", "list"]`).
    path: Vec<String>,
}

/// The flags of a hub's data directory.
const STORE_FLAGS: [&str; 4] = ["--data", "--database", "--database-pool", "--origin"];

impl Misplaced {
    /// The first data-directory flag in `args` given where the command of `cli` named so far
    /// does not take it, if any.
    pub fn find(
        cli: &clap::Command,
        args: impl Iterator<Item = std::ffi::OsString>,
    ) -> Option<Misplaced> {
        let mut found: Option<Misplaced> = None;
        let mut at = cli;
        let mut path = Vec::new();
        // A global flag of a command named so far also belongs to its subcommands
        // (`accord parties list --data DIR`): clap propagates it only when the tree is built.
        let mut inherited: Vec<&str> = Vec::new();
        let mut args = args.map(|a| a.to_string_lossy().into_owned());
        while let Some(arg) = args.next() {
            if !arg.starts_with('-') {
                // A command's name goes down the tree; anything else (a value) ends the
                // commands' names.
                match at.find_subcommand(&arg) {
                    Some(c) => {
                        inherited.extend(
                            at.get_arguments()
                                .filter(|a| a.is_global_set())
                                .filter_map(|a| a.get_long()),
                        );
                        at = c;
                        path.push(c.get_name().to_owned());
                        continue;
                    }
                    None => break,
                }
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            let Some(flag) = STORE_FLAGS.into_iter().find(|f| *f == name) else {
                continue;
            };
            let value = match inline {
                Some(v) => v,
                None => args.next().unwrap_or_default(),
            };
            if !has_flag(at, flag) && !inherited.contains(&flag.trim_start_matches('-')) {
                found.get_or_insert(Misplaced {
                    flag,
                    value,
                    path: Vec::new(),
                });
            }
        }
        found.map(|m| Misplaced { path, ..m })
    }

    /// The hint: the flag after the command that takes it, or that the command needs no data
    /// directory.
    fn hint(&self, cli: &clap::Command) -> String {
        let (flag, value) = (self.flag, &self.value);
        let mut at = cli;
        for name in &self.path {
            match at.find_subcommand(name) {
                Some(c) => at = c,
                None => break,
            }
        }
        let named = self.path.join(" ");
        if self.path.is_empty() {
            format!("{flag} belongs to a command: accord COMMAND {flag} {value}")
        } else if has_flag(at, flag) {
            format!("{flag} belongs after the command: accord {named} {flag} {value}")
        } else if takes(at, flag.trim_start_matches('-')) {
            let subs: Vec<&str> = at
                .get_subcommands()
                .filter(|c| takes(c, flag.trim_start_matches('-')))
                .map(|c| c.get_name())
                .collect();
            format!(
                "{flag} belongs after the subcommand: accord {named} SUBCOMMAND {flag} {value} \
                 (SUBCOMMAND: {})",
                subs.join(", ")
            )
        } else if takes(at, "data") {
            // `accord migrate`: a data directory, but no pool to size.
            format!("accord {named} takes no {flag}: it opens no pool of connections")
        } else {
            format!("accord {named} takes no {flag}: it needs no data directory")
        }
    }

    /// Exits with the [hint](Self::hint).
    pub fn refuse(&self, mut cli: clap::Command) -> ! {
        let hint = self.hint(&cli);
        cli.error(clap::error::ErrorKind::UnknownArgument, hint)
            .exit()
    }
}

/// Whether `cmd` itself has the flag `flag` (`--data`).
fn has_flag(cmd: &clap::Command, flag: &str) -> bool {
    let long = flag.trim_start_matches('-');
    cmd.get_arguments().any(|a| a.get_long() == Some(long))
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
    use clap::{Arg, Command};

    /// A tree shaped like accord's: `serve` and `incidents list` take the data directory,
    /// `route` has a `--data` of its own, `keygen` none, `migrate` no pool.
    fn cli() -> Command {
        let data = || Arg::new("data").long("data");
        Command::new("accord")
            .subcommand(
                Command::new("serve")
                    .arg(data())
                    .arg(Arg::new("listen").long("listen")),
            )
            .subcommand(Command::new("incidents").subcommand(Command::new("list").arg(data())))
            .subcommand(Command::new("route").arg(Arg::new("content").long("data")))
            .subcommand(Command::new("keygen"))
            .subcommand(Command::new("migrate").arg(data()))
            .subcommand(
                Command::new("parties")
                    .arg(data().global(true))
                    .subcommand(Command::new("list")),
            )
    }

    fn hint(args: &[&str]) -> Option<String> {
        let cli = cli();
        Misplaced::find(&cli, args.iter().map(Into::into)).map(|m| m.hint(&cli))
    }

    #[test]
    fn data_directory_flags_are_misplaced_only_where_the_command_does_not_take_them() {
        assert_eq!(
            hint(&["--data", "d", "serve", "--listen", "x"]).as_deref(),
            Some("--data belongs after the command: accord serve --data d")
        );
        assert_eq!(
            hint(&["--origin", "o"]).as_deref(),
            Some("--origin belongs to a command: accord COMMAND --origin o")
        );
        assert_eq!(hint(&["serve", "--data", "d"]), None);
        assert_eq!(hint(&["route", "--data", "content"]), None);
        assert_eq!(hint(&["incidents", "list", "--data", "d"]), None);
        // A global flag of the parent belongs to its subcommands (`accord parties list --data`).
        assert_eq!(hint(&["parties", "list", "--data", "d"]), None);
        assert_eq!(hint(&["parties", "--data", "d", "list"]), None);
        assert_eq!(hint(&["--version"]), None);
        assert_eq!(
            hint(&["keygen", "--data", "d"]).as_deref(),
            Some("accord keygen takes no --data: it needs no data directory")
        );
    }

    /// `accord migrate --database-pool N` ran and ignored N: it migrates over one connection.
    #[test]
    fn a_database_pool_where_no_pool_is_opened_is_refused() {
        assert_eq!(
            hint(&["migrate", "--data", "d", "--database-pool", "4"]).as_deref(),
            Some("accord migrate takes no --database-pool: it opens no pool of connections")
        );
        assert_eq!(
            hint(&["keygen", "--database-pool=4"]).as_deref(),
            Some("accord keygen takes no --database-pool: it needs no data directory")
        );
    }

    /// The bug: `accord incidents --data DIR list` (and `accord --data DIR incidents list`)
    /// were told `accord incidents --data DIR`, which fails the same way.
    #[test]
    fn a_flag_before_a_subcommand_is_shown_after_it() {
        for args in [
            &["incidents", "--data", "d", "list"][..],
            &["--data", "d", "incidents", "list"][..],
            &["incidents", "--data=d", "list"][..],
        ] {
            assert_eq!(
                hint(args).as_deref(),
                Some("--data belongs after the command: accord incidents list --data d"),
                "{args:?}"
            );
        }
        assert_eq!(
            hint(&["incidents", "--data", "d"]).as_deref(),
            Some(
                "--data belongs after the subcommand: accord incidents SUBCOMMAND --data d \
                 (SUBCOMMAND: list)"
            )
        );
    }
}
