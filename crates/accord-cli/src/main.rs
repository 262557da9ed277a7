//! `accord`: run the hub, and read or add to its record from the command line.
//!
//! Every command works on a data directory (`--data`, default `./accord-data`). The first
//! command to open a new directory loads the bundled Paris Call dataset into it, once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use accord_core::incident::Incident;
use accord_store::write::{RecordError, record_incident};
use accord_store::{IncidentFilter, PageRequest, SeedOutcome, Store};
use accord_store_sqlite::SqliteStore;

mod bundled;
mod render;

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
}

#[derive(Debug, Subcommand)]
enum PartiesCommand {
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
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let store = open(&cli.data).await?;
    match cli.command {
        Command::Serve { listen } => serve(store, listen).await,
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
        Command::Incidents { command } => incidents(store, command).await,
    }
}

/// Opens the store in `dir`, loading the bundled dataset if the store is new.
async fn open(dir: &Path) -> Result<Arc<dyn Store>> {
    let store = SqliteStore::open(dir)
        .with_context(|| format!("cannot open the hub's data directory {}", dir.display()))?;
    let dataset = bundled::dataset().context("the bundled dataset is invalid")?;
    match store.seed(&dataset).await? {
        SeedOutcome::Loaded { parties, incidents } => tracing::info!(
            parties,
            incidents,
            "loaded the bundled {} dataset into {}",
            dataset.accord.name,
            store.path().display()
        ),
        SeedOutcome::AlreadySeeded => {}
    }
    Ok(Arc::new(store))
}

async fn serve(store: Arc<dyn Store>, listen: SocketAddr) -> Result<()> {
    let app = accord_server::app(accord_server::AppState::new(store));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "Accord hub listening on http://{addr}/ (API: http://{addr}/api/v1/, OpenAPI: http://{addr}/api/v1/openapi.json)"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
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

async fn incidents(store: Arc<dyn Store>, command: IncidentsCommand) -> Result<()> {
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
            let incident: Incident = parse_incident(&text)
                .with_context(|| format!("{} is not a valid incident", file.display()))?;
            let record = match record_incident(store.as_ref(), incident).await {
                Ok(r) => r,
                Err(RecordError::Invalid { problems }) => {
                    let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
                    bail!(
                        "{} is not a valid incident; nothing was recorded:\n{}",
                        file.display(),
                        list.join("\n")
                    );
                }
                Err(e) => return Err(e.into()),
            };
            if json {
                print_json(&record)
            } else {
                println!("recorded incident {}", record.incident.id);
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

/// Parses an incident file, naming the field and line of the first structural error.
fn parse_incident(text: &str) -> Result<Incident> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        anyhow::anyhow!("at {path}: {}", e.into_inner())
    })
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
