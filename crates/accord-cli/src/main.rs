//! `accord`: run the hub, and read or add to its record from the command line.
//!
//! Every command works on a data directory (`--data`, default `./accord-data`): it holds the
//! operator key and, unless `--database` names a PostgreSQL database, the SQLite store. The
//! first command to open a new store loads the bundled Paris Call dataset into it, once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use accord_core::incident::Incident;
use accord_store::log::Operator;
use accord_store::sequencer::Sequencer;
use accord_store::write::{RecordError, record_incident_as_operator, seed_bundled};
use accord_store::{IncidentFilter, PageRequest, SeedOutcome, Store};

// The hub and the matcher allocate many small, short-lived objects (JSON values, records,
// observations) across threads; mimalloc handles that pattern markedly better than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod backend;
mod bundled;
mod client;
mod copy;
mod export;
mod hammer;
mod keys;
mod logcmd;
mod matching;
mod misp;
mod progress;
mod render;
mod requests;
mod route;
mod sharing;
mod witnesses;

/// Accord: a hub that turns a cyber accord's principles into working machinery.
///
/// It keeps the registry of the accord (the Paris Call for Trust and Security in Cyberspace is
/// bundled) and its parties, records incidents with the principles they break and why, and
/// computes each party's scorecard from the record.
#[derive(Debug, Parser)]
#[command(name = "accord", version, about, long_about = None)]
struct Cli {
    /// The hub's data directory (created and loaded with the bundled dataset on first use).
    #[arg(
        long,
        global = true,
        env = "ACCORD_DATA",
        default_value = "accord-data"
    )]
    data: PathBuf,

    /// The database: `postgres://USER:PASSWORD@HOST/DB` for a PostgreSQL database that several
    /// `accord serve` nodes share, or `sqlite:DIR`; default: SQLite in the data directory.
    /// The operator key stays in the data directory: every node needs the same one.
    #[arg(
        long,
        global = true,
        env = "ACCORD_DATABASE_URL",
        hide_env_values = true
    )]
    database: Option<String>,

    /// The log's origin, fixed when the data directory is created (default
    /// `accord.localhost/log`); it names the log in every checkpoint.
    #[arg(long, global = true, env = "ACCORD_ORIGIN")]
    origin: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the hub: REST API under /api/v1, dashboard at /.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ACCORD_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Longest wait for a request's headers (also on an idle keep-alive connection) before
        /// the connection is closed, e.g. `10s`.
        #[arg(long, env = "ACCORD_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_timeout)]
        header_read_timeout: std::time::Duration,
        /// Longest time from a request's headers to the end of its body; a body still
        /// arriving then is answered 408 and the connection closed, e.g. `30s`.
        #[arg(long, env = "ACCORD_BODY_READ_TIMEOUT", default_value = "30s", value_parser = parse_timeout)]
        body_read_timeout: std::time::Duration,
        /// Most connections served at once; further ones wait until one ends.
        #[arg(long, env = "ACCORD_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
    },
    /// Apply pending schema migrations to the database and list them (`serve` does the same
    /// at start; run this to migrate before rolling out new nodes).
    Migrate {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Move a whole hub (log, bodies, keys, tokens, indexes) to another database, then verify
    /// the copy; resumes an interrupted copy, refuses a target holding anything else. The
    /// operator key is read from the source's data directory (sqlite:DIR) or from --data.
    Copy {
        /// The hub to copy: sqlite:DIR or postgres://…
        #[arg(long)]
        from: String,
        /// The empty database to copy it into: postgres://… or sqlite:DIR.
        #[arg(long)]
        to: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the accord's principles.
    Principles {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The parties: states, companies, organisations.
    Parties {
        #[command(subcommand)]
        command: PartiesCommand,
    },
    /// The incident record.
    Incidents {
        #[command(subcommand)]
        command: IncidentsCommand,
    },
    /// Generate an Ed25519 key pair for a party (client side; no data directory needed).
    Keygen {
        /// The party id the key is for (e.g. FR, or a witness's id); names the key.
        #[arg(long)]
        party: String,
        /// Where to write the private key (mode 0600); the public key goes to FILE.pub.
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a record client-side and submit it to a hub.
    Submit {
        /// What to submit: `incident`, `request` or `request-transition`.
        kind: String,
        /// The record as JSON.
        file: PathBuf,
        /// The party's private key (from `accord keygen`); the key's name is the submitter.
        #[arg(long)]
        key: PathBuf,
        /// The hub's base URL.
        #[arg(long, env = "ACCORD_HUB", default_value = "http://127.0.0.1:8080")]
        hub: String,
        /// The party's API token (from `accord tokens issue`).
        #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Print the hub's answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Register or revoke parties' public keys (local admin on the hub's data directory).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Issue, list and revoke API tokens (local admin on the hub's data directory).
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Configure the witnesses whose cosignatures the hub accepts (local admin on the hub's
    /// data directory).
    Witnesses {
        #[command(subcommand)]
        command: witnesses::WitnessesCommand,
    },
    /// Verify the transparency log, or prove one entry is in it.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Load-test a hub's write path: many clients submitting signed incidents.
    Hammer {
        /// The hub's base URL.
        #[arg(long, env = "ACCORD_HUB", default_value = "http://127.0.0.1:8080")]
        hub: String,
        /// The submitting party's private key.
        #[arg(long)]
        key: PathBuf,
        /// The party's API token.
        #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
        token: String,
        /// How many writes.
        #[arg(long, default_value_t = 10_000)]
        writes: u64,
        /// How many concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: u64,
        /// A tag making this run's incident ids unique (default: the current time).
        #[arg(long)]
        run: Option<String>,
        /// Append each acknowledged id to this file as it arrives.
        #[arg(long)]
        acked: Option<PathBuf>,
        /// Sign every write before starting the clock (measure the hub, not the client).
        #[arg(long)]
        presign: bool,
        /// Send N writes per request to the bulk endpoint (`POST /api/v1/incidents/batch`);
        /// 1 sends each to `POST /api/v1/incidents`.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=4096))]
        batch: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Load-test a hub's reads: many clients GETting the given paths, spread over one or more
    /// nodes, for a fixed time.
    HammerReads {
        /// A node's base URL (repeat for several nodes of one hub).
        #[arg(long = "hub", required = true)]
        hubs: Vec<String>,
        /// A path to GET, e.g. /api/v1/incidents (repeat; clients take them in turn).
        #[arg(long = "path", required = true)]
        paths: Vec<String>,
        /// An API token to send, if the paths need one.
        #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// How many concurrent clients.
        #[arg(long, default_value_t = 32)]
        clients: u64,
        /// How long to run, in seconds.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Which instruments let a state obtain data held in another, fastest first, and why the
    /// others do not apply (the legal dataset is built in; no data directory needed).
    Route(route::RouteArgs),
    /// Evidence requests the party is a side of: list, show, overdue (read from a hub with the
    /// party's token; TLP:RED requests are visible only to their two states).
    Requests {
        #[command(subcommand)]
        command: requests::RequestsCommand,
    },
    /// Sharing collections (TAXII 2.1 communities) and affiliations: the operator's commands
    /// on the hub's data directory.
    Collections {
        #[command(subcommand)]
        command: sharing::CollectionsCommand,
    },
    /// Match STIX indicators against observations (STIX, Suricata eve.json, Zeek JSON logs) and
    /// report sightings (client side; no data directory needed).
    Match(matching::MatchArgs),
    /// Export STIX indicators to what sensors load: Suricata rules or datasets, a Zeek Intel
    /// file, or a blocklist (client side; no data directory needed).
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Import threat data: MISP events to STIX indicators (client side; posts to a hub with
    /// --hub/--token/--collection).
    Import {
        #[command(subcommand)]
        command: misp::ImportCommand,
    },
    /// Act as a witness: check the hub's checkpoint extends the last one seen, then cosign it.
    Witness {
        /// The hub's base URL.
        #[arg(long, env = "ACCORD_HUB", default_value = "http://127.0.0.1:8080")]
        hub: String,
        /// The witness party's private key (from `accord keygen`).
        #[arg(long)]
        key: PathBuf,
        /// Where the witness keeps the last checkpoint it cosigned.
        #[arg(long)]
        state: PathBuf,
        /// The log's verifier key (string or file); required on the first run, then pinned.
        #[arg(long)]
        log_key: Option<String>,
        /// The witness party's API token.
        #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Fetch the checkpoint, every tile, bundle and visible body, recompute the tree and check
    /// every signature against the key history in the log. Without --hub, verifies the local
    /// data directory offline. Exits non-zero naming the first discrepancy.
    Verify {
        /// The hub's base URL (omit to verify --data offline).
        #[arg(long)]
        hub: Option<String>,
        /// The operator's verifier key (string or file) to trust; default: the hub's /log/key
        /// (or the data directory's operator key).
        #[arg(long)]
        key: Option<String>,
        /// Witness verifier keys whose cosignatures to report (repeatable).
        #[arg(long = "witness-key")]
        witness_keys: Vec<String>,
        /// A checkpoint saved earlier: prove the log still extends it.
        #[arg(long)]
        since: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Prove that entry N is in the hub's latest checkpoint.
    Prove {
        /// The entry's index.
        #[arg(long)]
        index: u64,
        /// The hub's base URL.
        #[arg(long, env = "ACCORD_HUB", default_value = "http://127.0.0.1:8080")]
        hub: String,
        /// The operator's verifier key to trust (default: the hub's /log/key).
        #[arg(long)]
        key: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Register a public key for a party; a signed log entry by the operator.
    Add {
        /// The party id.
        #[arg(long)]
        party: String,
        /// The public key file (FILE.pub from `accord keygen`, or base64 of the raw key).
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Revoke a party's public key; later writes signed with it are refused.
    Revoke {
        /// The party id.
        #[arg(long)]
        party: String,
        /// The public key file.
        #[arg(long)]
        public_key: PathBuf,
    },
    /// List a party's keys with the log entries that added and revoked them.
    List {
        /// The party id.
        #[arg(long)]
        party: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TokensCommand {
    /// Issue a new API token bound to a party; it is printed once (on stdout; its id and
    /// expiry on stderr) and stored only hashed. Tokens expire: after 90 days unless
    /// --expires-in or --expires says otherwise, at most 366 days.
    Issue {
        /// The party id.
        #[arg(long)]
        party: String,
        /// How long it lives: e.g. 90d, 12h, 2w, 1y.
        #[arg(long, conflicts_with = "expires")]
        expires_in: Option<String>,
        /// When it stops working: a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens (never their secrets): id, party, issued, expires, revoked.
    List {
        /// Only this party's tokens.
        #[arg(long)]
        party: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke tokens at once, on every node: one by its id (from `tokens issue` or `tokens
    /// list`; at least 8 hex digits), or every current token of a party.
    Revoke {
        /// The token's id (or a unique prefix of it).
        #[arg(long, required_unless_present = "party", conflicts_with = "party")]
        id: Option<String>,
        /// Revoke every current token of this party.
        #[arg(long)]
        party: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PartiesCommand {
    /// Register a party from a JSON file (local admin); a signed log entry by the operator.
    Add {
        /// The party as JSON (id, name, kind, country, support…).
        file: PathBuf,
    },
    /// List every party with its support status.
    List {
        /// Only parties of this kind: state, company, organisation, public_authority.
        #[arg(long)]
        kind: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum IncidentsCommand {
    /// List incidents, newest first.
    List {
        /// Only incidents bearing on this principle (P1…P9).
        #[arg(long)]
        principle: Option<String>,
        /// Only incidents linking this party (a state's code or a party id).
        #[arg(long)]
        party: Option<String>,
        /// Only incidents naming this country (ISO 3166-1 alpha-2).
        #[arg(long)]
        country: Option<String>,
        /// Only incidents with a victim in this sector.
        #[arg(long)]
        sector: Option<String>,
        /// Only incidents filed under this year.
        #[arg(long)]
        year: Option<i16>,
        /// Print JSON (an array of records) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one incident: facts, sources and verification levels, principles and reasons.
    Show {
        /// The incident's id, e.g. notpetya-2017.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Record an incident from a JSON file (the same schema as POST /api/v1/incidents).
    Add {
        /// The incident file.
        file: PathBuf,
        /// Print the stored record as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
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
    // Client-side commands need no data directory.
    let command = match cli.command {
        Command::Keygen { party, out } => {
            let (public, verifier) = keys::generate(&party, &out)?;
            println!("private key: {} (keep it secret)", out.display());
            println!("public key:  {}", public.display());
            println!("{}", verifier.to_key_string());
            return Ok(());
        }
        Command::Submit {
            kind,
            file,
            key,
            hub,
            token,
            json,
        } => return submit(&kind, &file, &key, &hub, token, json).await,
        Command::Log {
            command:
                LogCommand::Verify {
                    hub,
                    key,
                    witness_keys,
                    since,
                    json,
                },
        } => {
            let db = backend::Database::from_cli(cli.database.as_deref(), &cli.data)?;
            return logcmd::verify(
                &cli.data,
                &db,
                hub.as_deref(),
                key.as_deref(),
                &witness_keys,
                since.as_deref(),
                json,
            )
            .await;
        }
        Command::Log {
            command:
                LogCommand::Prove {
                    index,
                    hub,
                    key,
                    json,
                },
        } => return logcmd::prove(&hub, key.as_deref(), index, json).await,
        Command::Witness {
            hub,
            key,
            state,
            log_key,
            token,
            json,
        } => return logcmd::witness(&hub, &key, &state, log_key.as_deref(), token, json).await,
        Command::Hammer {
            hub,
            key,
            token,
            writes,
            clients,
            run,
            acked,
            presign,
            batch,
            json,
        } => {
            let run = run.unwrap_or_else(|| jiff::Timestamp::now().as_millisecond().to_string());
            let report = hammer::run(
                &hub,
                &key,
                &token,
                writes,
                clients,
                &run,
                acked.as_deref(),
                presign,
                batch,
            )
            .await?;
            return print_hammer(&report, json, "acknowledged", "writes");
        }
        Command::HammerReads {
            hubs,
            paths,
            token,
            clients,
            seconds,
            json,
        } => {
            let report = hammer::reads(&hubs, &paths, token.as_deref(), clients, seconds).await?;
            return print_hammer(&report, json, "served", "requests");
        }
        Command::Route(args) => return route::run(&args),
        Command::Requests { command } => return requests::run(command).await,
        Command::Match(args) => return matching::run(&args).await,
        Command::Export { command } => return export::run(&command),
        Command::Import {
            command: misp::ImportCommand::Misp(args),
        } => return misp::run(&args).await,
        Command::Migrate { json } => {
            let db = backend::Database::from_cli(cli.database.as_deref(), &cli.data)?;
            let applied = db.migrate().await?;
            if json {
                return print_json(
                    &serde_json::json!({"database": db.to_string(), "applied": applied}),
                );
            }
            if applied.is_empty() {
                println!("{db}: the schema is current; nothing to apply");
            }
            for m in applied {
                println!("{db}: applied {m}");
            }
            return Ok(());
        }
        Command::Copy { from, to, json } => {
            let from = backend::Database::parse(&from).context("--from")?;
            let to = backend::Database::parse(&to).context("--to")?;
            let key_dir = match &from {
                backend::Database::Sqlite(dir) => dir.clone(),
                backend::Database::Postgres(_) => cli.data.clone(),
            };
            let report = copy::run(&from, &to, &key_dir, json).await?;
            if json {
                return print_json(&report);
            }
            println!(
                "copied {} entries ({} already there) from {} to {}: {} entries, root {}",
                report.copied, report.resumed_at, report.from, report.to, report.size, report.root
            );
            println!(
                "verified: every signature, {} bodies, and consistency with the source's checkpoint; {} tokens, {} witness cosignatures carried over",
                report.bodies_checked, report.tokens, report.cosignatures
            );
            return Ok(());
        }
        other => other,
    };
    let db = backend::Database::from_cli(cli.database.as_deref(), &cli.data)?;
    let hub = open(&db, &cli.data, cli.origin.as_deref()).await?;
    let store = hub.store.clone();
    match command {
        Command::Keygen { .. }
        | Command::Submit { .. }
        | Command::Log { .. }
        | Command::Hammer { .. }
        | Command::HammerReads { .. }
        | Command::Route(_)
        | Command::Requests { .. }
        | Command::Match(_)
        | Command::Export { .. }
        | Command::Import { .. }
        | Command::Migrate { .. }
        | Command::Copy { .. }
        | Command::Witness { .. } => Ok(()),
        Command::Keys { command } => keys_admin(&hub, command).await,
        Command::Witnesses { command } => witnesses::run(&hub, command).await,
        Command::Collections { command } => {
            sharing::run(store.as_ref(), &hub.sequencer, command).await
        }
        Command::Tokens { command } => tokens_admin(store.as_ref(), command).await,
        Command::Parties {
            command: PartiesCommand::Add { file },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let party: accord_core::party::Party = parse_json(&text)
                .with_context(|| format!("{} is not a valid party", file.display()))?;
            let id = party.id.clone();
            let receipt = accord_store::write::register_party(&hub.sequencer, party)
                .await
                .map_err(explain)?;
            println!("registered party {id} as log entry {}", receipt.index);
            Ok(())
        }
        Command::Serve {
            listen,
            header_read_timeout,
            body_read_timeout,
            max_connections,
        } => {
            let limits = accord_server::serve::Limits {
                header_read_timeout,
                body_read_timeout,
                max_connections: max_connections as usize,
            };
            serve(hub, listen, limits).await
        }
        Command::Principles { json } => {
            let accord = store.accord().await?;
            if json {
                print_json(&accord.principles)
            } else {
                print!("{}", render::principles(&accord));
                Ok(())
            }
        }
        Command::Parties {
            command: PartiesCommand::List { kind, json },
        } => {
            let parties: Vec<_> = store
                .parties()
                .await?
                .into_iter()
                .filter(|p| kind.as_deref().is_none_or(|k| p.kind.as_str() == k))
                .collect();
            if json {
                print_json(&parties)
            } else {
                print!("{}", render::parties(&parties, accord_server::today()));
                Ok(())
            }
        }
        Command::Incidents { command } => incidents(&hub, command).await,
    }
}

/// An open hub: its store, the operator's identity and the one writer.
struct Hub {
    store: Arc<dyn Store>,
    operator: Arc<Operator>,
    sequencer: Sequencer,
}

/// Opens the store, creating the operator key in `dir` and loading the bundled dataset (as
/// operator-signed log entries) if the store is new. Refuses an operator key that did not sign
/// the store's log: two keys would publish two logs under one origin.
async fn open(db: &backend::Database, dir: &Path, origin: Option<&str>) -> Result<Hub> {
    let store = db.open().await?;
    let operator = Arc::new(Operator::load_or_create(dir, origin)?);
    let dataset = bundled::dataset().context("the bundled dataset is invalid")?;
    match seed_bundled(store.as_ref(), operator.clone(), &dataset).await? {
        SeedOutcome::Loaded { parties, incidents } => tracing::info!(
            parties,
            incidents,
            "loaded the bundled {} dataset into {db}",
            dataset.accord.name,
        ),
        SeedOutcome::AlreadySeeded => {}
    }
    // A hub from before witnesses may hold checkpoints with any party's cosignature lines.
    accord_store::witness::recover_checkpoints(store.as_ref(), &operator)
        .await
        .with_context(|| format!("cannot repair the stored checkpoints of {db}"))?;
    if let Some(head) = store.checkpoint().await? {
        operator.check_signs(Some(&head)).with_context(|| {
            format!(
                "{db} belongs to another operator key than {}",
                dir.join(accord_store::log::OPERATOR_KEY_FILE).display()
            )
        })?;
    }
    let sequencer = Sequencer::start(store.clone(), operator.clone());
    Ok(Hub {
        store,
        operator,
        sequencer,
    })
}

/// A positive duration such as `10s`, `1m 30s` or `PT10S`.
fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let d: jiff::SignedDuration = text
        .parse()
        .map_err(|e| format!("{text:?} is not a duration such as `10s`: {e}"))?;
    std::time::Duration::try_from(d)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?}: the timeout must be positive"))
}

async fn serve(hub: Hub, listen: SocketAddr, limits: accord_server::serve::Limits) -> Result<()> {
    eprintln!("log origin: {}", hub.operator.origin());
    eprintln!("log verifier key: {}", hub.operator.verifier_key());
    let law = bundled::law_dataset().context("the bundled legal dataset is invalid")?;
    let app = accord_server::app(
        accord_server::AppState::new(hub.store, hub.sequencer).with_law(Arc::new(law)),
    );
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "Accord hub listening on http://{addr}/ (API: http://{addr}/api/v1/, OpenAPI: http://{addr}/api/v1/openapi.json)"
    );
    accord_server::serve::serve(listener, app, limits, shutdown())
        .await
        .context("the server stopped with an error")
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("shutting down");
}

async fn incidents(hub: &Hub, command: IncidentsCommand) -> Result<()> {
    let store = &hub.store;
    match command {
        IncidentsCommand::List {
            principle,
            party,
            country,
            sector,
            year,
            json,
        } => {
            let mut q = std::collections::HashMap::new();
            for (k, v) in [
                ("principle", principle),
                ("party", party),
                ("country", country),
                ("sector", sector),
                ("year", year.map(|y| y.to_string())),
            ] {
                if let Some(v) = v {
                    q.insert(k.to_owned(), v);
                }
            }
            let filter: IncidentFilter = accord_server::api::parse_filter(&q)
                .map_err(|e| anyhow::anyhow!("{}", e.body().detail))?;
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let page = store
                    .incidents(&filter, &PageRequest { limit: 500, after })
                    .await?;
                all.extend(page.items);
                match page.next {
                    Some(c) => after = Some(c),
                    None => break,
                }
            }
            if json {
                print_json(&all)
            } else {
                print!("{}", render::incident_table(&all));
                Ok(())
            }
        }
        IncidentsCommand::Show { id, json } => {
            let record = store.incident(&id).await?;
            if json {
                print_json(&record)
            } else {
                let accord = store.accord().await?;
                print!("{}", render::incident(&record, &accord));
                Ok(())
            }
        }
        IncidentsCommand::Add { file, json } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let incident: Incident = parse_json(&text)
                .with_context(|| format!("{} is not a valid incident", file.display()))?;
            let record = record_incident_as_operator(store.as_ref(), &hub.sequencer, incident)
                .await
                .map_err(explain)
                .with_context(|| format!("{} was not recorded", file.display()))?;
            if json {
                print_json(&record)
            } else {
                println!(
                    "recorded incident {} as log entry {}",
                    record.incident.id,
                    record.log_index.map(|i| i.to_string()).unwrap_or_default()
                );
                for s in &record.suggested_principles {
                    println!(
                        "  suggested {}: {} [rule {}]",
                        s.principle, s.reason, s.rule
                    );
                }
                Ok(())
            }
        }
    }
}

/// Turns a write-path error into a message listing every problem.
fn explain(e: RecordError) -> anyhow::Error {
    match e {
        RecordError::Invalid { problems } => {
            let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
            anyhow::anyhow!("invalid; nothing was recorded:\n{}", list.join("\n"))
        }
        other => other.into(),
    }
}

async fn keys_admin(hub: &Hub, command: KeysCommand) -> Result<()> {
    use accord_store::write::{add_key, revoke_key};
    match command {
        KeysCommand::Add { party, public_key } => {
            let key = keys::read_public(&public_key)?;
            let r = add_key(hub.store.as_ref(), &hub.sequencer, &party, &key)
                .await
                .map_err(explain)
                .with_context(|| format!("cannot add the key for {party:?}"))?;
            println!("registered key for {party} as log entry {}", r.index);
        }
        KeysCommand::Revoke { party, public_key } => {
            let key = keys::read_public(&public_key)?;
            let r = revoke_key(hub.store.as_ref(), &hub.sequencer, &party, &key)
                .await
                .map_err(explain)
                .with_context(|| format!("cannot revoke the key of {party:?}"))?;
            println!("revoked key of {party} as log entry {}", r.index);
        }
        KeysCommand::List { party, json } => {
            let keys = hub.store.party_keys(&party).await?;
            if json {
                print_json(&keys)?;
            } else {
                for k in keys {
                    let revoked = k
                        .revoked_at
                        .map(|r| format!(", revoked at entry {r}"))
                        .unwrap_or_default();
                    println!("{} (added at entry {}{revoked})", k.public_key, k.added_at);
                }
            }
        }
    }
    Ok(())
}

async fn tokens_admin(store: &dyn Store, command: TokensCommand) -> Result<()> {
    use accord_store::tokens;
    match command {
        TokensCommand::Issue {
            party,
            expires_in,
            expires,
        } => {
            let now = jiff::Timestamp::now();
            let expires_at = match (expires_in, expires) {
                (Some(span), _) => {
                    let lifetime = tokens::parse_lifetime(&span).with_context(|| {
                        format!(
                            "--expires-in {span:?} is not a lifetime such as 90d, 12h, 2w or 1y"
                        )
                    })?;
                    now.checked_add(lifetime)?
                }
                (None, Some(at)) => parse_time(&at).with_context(|| {
                    format!("--expires {at:?} is not a date (YYYY-MM-DD) or an RFC 3339 time")
                })?,
                (None, None) => now.checked_add(tokens::DEFAULT_LIFETIME)?,
            };
            let (token, info) = tokens::issue(store, &party, expires_at)
                .await
                .map_err(explain)
                .with_context(|| format!("cannot issue a token for {party:?}"))?;
            eprintln!(
                "token {} for {party}, expires {} (shown once; the hub keeps only its hash; revoke with `accord tokens revoke --id {}`):",
                info.id,
                info.expires_at.map(|t| t.to_string()).unwrap_or_default(),
                info.id
            );
            println!("{token}");
        }
        TokensCommand::List { party, json } => {
            let now = jiff::Timestamp::now();
            let list: Vec<_> = store
                .token_list()
                .await?
                .into_iter()
                .filter(|t| party.as_deref().is_none_or(|p| t.party == p))
                .collect();
            if json {
                return print_json(&list);
            }
            for t in list {
                let state = match (t.revoked_at, t.is_current(now)) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, true) => "current".to_owned(),
                    (None, false) => "expired".to_owned(),
                };
                println!(
                    "{}  {:<20} issued {}  expires {}  {state}",
                    t.id,
                    t.party,
                    t.created_at,
                    t.expires_at
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "never".into()),
                );
            }
        }
        TokensCommand::Revoke { id, party } => {
            let which = match (id, party) {
                (Some(id), _) => tokens::Selector::Id(id),
                (None, Some(party)) => tokens::Selector::Party(party),
                (None, None) => bail!("give --id ID or --party PARTY"),
            };
            let revoked = tokens::revoke(store, &which)
                .await
                .map_err(explain)
                .context("nothing was revoked")?;
            if revoked.is_empty() {
                println!("no current token to revoke");
            }
            for t in revoked {
                println!("revoked token {} of {}", t.id, t.party);
            }
        }
    }
    Ok(())
}

/// A date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time.
fn parse_time(text: &str) -> Option<jiff::Timestamp> {
    text.parse::<jiff::Timestamp>().ok().or_else(|| {
        let date = text.parse::<jiff::civil::Date>().ok()?;
        format!("{date}T00:00:00Z").parse().ok()
    })
}

/// Signs a record with the party's key and posts it to the hub.
async fn submit(
    kind: &str,
    file: &Path,
    key: &Path,
    hub: &str,
    token: Option<String>,
    json: bool,
) -> Result<()> {
    use accord_store::log::kind as entry_kind;
    if requests::is_request_kind(kind) {
        return requests::submit(kind, file, key, hub, token, json).await;
    }
    let path = match kind {
        entry_kind::INCIDENT => "/api/v1/incidents",
        other => bail!(
            "cannot submit {other:?}: the hub takes `incident`, `request` or `request-transition` here"
        ),
    };
    let signer = keys::read_signer(key)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let body: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let id = body["id"]
        .as_str()
        .with_context(|| format!("{} has no string `id`", file.display()))?
        .to_owned();
    let submission = accord_store::write::sign_submission(
        kind,
        &id,
        signer.name(),
        accord_tlog::entry::Tlp::Clear,
        &body,
        signer.signing_key(),
    )
    .map_err(explain)?;
    let client = client::HubClient::new(hub, token)?;
    let answer = client
        .post_json(path, &serde_json::to_value(&submission)?)
        .await?;
    if json {
        print_json(&answer)
    } else {
        println!(
            "recorded {kind} {id} as log entry {}",
            answer["log_index"]
                .as_u64()
                .map(|i| i.to_string())
                .unwrap_or_default()
        );
        Ok(())
    }
}

/// Parses a JSON file's text, naming the field of the first structural error.
fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        anyhow::anyhow!("at {path}: {}", e.into_inner())
    })
}

/// A load run's report as JSON, or as a line for a person (see [`hammer::HammerReport::summary`]).
fn print_hammer(report: &hammer::HammerReport, json: bool, done: &str, unit: &str) -> Result<()> {
    if json {
        return print_json(report);
    }
    println!("{}", report.summary(done, unit));
    if let Some(e) = &report.first_error {
        eprintln!("first error: {e}");
    }
    Ok(())
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
