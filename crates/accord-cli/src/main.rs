//! `accord`: run the hub, and read or add to its record from the command line.
//!
//! Each subcommand lives in its own module under [`commands`], with its flags; the argument
//! groups several share ([`args::StoreArgs`]) are flattened only into those that use them.
//! The commands that work on a hub's data directory (`--data`, default `./accord-data`) find
//! there the operator key and, unless `--database` names a PostgreSQL database, the SQLite
//! store. The first command to open a new store loads the bundled Paris Call dataset into it,
//! once.

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use commands::{bloc, votes};
use commands::{
    collections, copy, data, export, import, incidents, keygen, keys, log, r#match, migrate,
    parties, peers, principles, requests, route, serve, submit, tokens, witness, witnesses,
};

// The hub and the matcher allocate many small, short-lived objects (JSON values, records,
// observations) across threads; mimalloc handles that pattern markedly better than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod args;
mod backend;
mod bundled;
mod client;
mod commands;
mod cosigning;
mod follow;
mod hub;
mod keyfiles;
mod log_http;
mod matching;
mod mirroring;
mod misp;
mod output;
mod peering;
mod progress;
mod render;
mod sharing;

/// Accord: a hub that turns a cyber accord's principles into working machinery.
///
/// It keeps the registry of the accord (the Paris Call for Trust and Security in Cyberspace is
/// bundled) and its parties, records incidents with the principles they break and why, and
/// computes each party's scorecard from the record.
#[derive(Debug, Parser)]
#[command(name = "accord", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the hub: REST API under /api/v1, dashboard at /.
    Serve(serve::ServeArgs),
    /// Apply pending schema migrations to the database and list them.
    ///
    /// `serve` does the same at start; run this to migrate before rolling out new nodes.
    Migrate(migrate::MigrateArgs),
    /// Move a whole hub to another database, then verify the copy.
    ///
    /// The log, bodies, keys, tokens and indexes move. An interrupted copy resumes; a target
    /// holding anything else is refused. The operator key is read from the source's data
    /// directory (sqlite:DIR) or from --data.
    Copy(copy::CopyArgs),
    /// List the accord's principles.
    Principles(principles::PrinciplesArgs),
    /// The parties: states, companies, organisations.
    Parties(parties::PartiesArgs),
    /// The incident record.
    Incidents(incidents::IncidentsArgs),
    /// Generate an Ed25519 key pair for a party (client side).
    Keygen(keygen::KeygenArgs),
    /// Sign a record client-side and submit it to a hub.
    Submit(submit::SubmitArgs),
    /// Register, revoke and list parties' public keys (local admin).
    Keys(keys::KeysArgs),
    /// Issue, list and revoke API tokens (local admin).
    Tokens(tokens::TokensArgs),
    /// Bring the bundled records up to this release (local admin).
    ///
    /// Corrections reach the hub as operator-signed amendment entries; --dry-run shows them.
    Data(data::DataArgs),
    /// Configure the witnesses whose cosignatures the hub accepts.
    ///
    /// Local admin on the hub's data directory; each change is a signed log entry.
    Witnesses(witnesses::WitnessesArgs),
    /// The peer hubs whose logs this hub follows; split views caught.
    ///
    /// Local admin on the hub's data directory; each change is a signed log entry.
    Peers(peers::PeersArgs),
    /// Verify the transparency log, or prove one entry is in it.
    Log {
        #[command(subcommand)]
        command: log::LogCommand,
    },
    /// Which instruments let a state obtain data held in another.
    ///
    /// Fastest first, and why the others do not apply. The legal dataset is built in; no data
    /// directory needed.
    Route(route::RouteArgs),
    /// Evidence requests the party is a side of: list, show, overdue.
    ///
    /// Read from a hub with the party's token; TLP:RED requests are visible only to their two
    /// states.
    Requests {
        #[command(subcommand)]
        command: requests::RequestsCommand,
    },
    /// Sharing collections (TAXII 2.1 communities) and affiliations.
    ///
    /// The operator's commands on the hub's data directory.
    Collections(collections::CollectionsArgs),
    /// Match STIX indicators against observations; report sightings.
    ///
    /// Observations are STIX, Suricata eve.json or Zeek JSON logs. Client side; no data
    /// directory needed.
    Match(r#match::MatchArgs),
    /// Export STIX indicators to Suricata, Zeek or a blocklist.
    ///
    /// What sensors load: Suricata rules or datasets, a Zeek Intel file, or a blocklist. Client
    /// side; no data directory needed.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Import threat data: MISP events to STIX indicators.
    ///
    /// Client side; posts them to a hub with --hub, --token and --collection.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Cosign the hub's checkpoint, as a witness, if it extends the last.
    ///
    /// Checks, with a consistency proof, that the hub's checkpoint extends the last one this
    /// witness cosigned, and only then cosigns it.
    Witness(witness::WitnessArgs),
    /// The recorded UN votes on ICT-security texts: list, show.
    ///
    /// The votes and the registry are built in; no data directory needed.
    Votes {
        #[command(subcommand)]
        command: votes::VotesCommand,
    },
    /// How cohesive two groups of states were on every recorded UN vote.
    ///
    /// Groups: supporters, uncertain, non-supporters, absent-at-launch, or codes (FR,DE,IT),
    /// each resolved on each vote's date. Built in; no data directory needed.
    Bloc(bloc::BlocArgs),
}

#[tokio::main]
async fn main() -> Result<()> {
    let command = Cli::command();
    if let Some(m) = args::Misplaced::find(&command, std::env::args_os().skip(1)) {
        m.refuse(command);
    }
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(
                    "info,tower_http=warn,refinery_core=warn,tokio_postgres=warn",
                )
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Copy(args) => copy::run(args).await,
        Command::Principles(args) => principles::run(args).await,
        Command::Parties(args) => parties::run(args).await,
        Command::Incidents(args) => incidents::run(args).await,
        Command::Keygen(args) => keygen::run(&args),
        Command::Submit(args) => submit::run(args).await,
        Command::Keys(args) => keys::run(args).await,
        Command::Tokens(args) => tokens::run(args).await,
        Command::Data(args) => data::run(args).await,
        Command::Witnesses(args) => witnesses::run(args).await,
        Command::Peers(args) => peers::run(args).await,
        Command::Log { command } => log::run(command).await,
        Command::Route(args) => route::run(&args),
        Command::Requests { command } => requests::run(command).await,
        Command::Collections(args) => collections::run(args).await,
        Command::Match(args) => r#match::run(&args).await,
        Command::Export { command } => export::run(&command),
        Command::Import {
            command: import::ImportCommand::Misp(args),
        } => import::run(&args).await,
        Command::Witness(args) => witness::run(args).await,
        Command::Votes { command } => votes::run(&command),
        Command::Bloc(args) => bloc::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
