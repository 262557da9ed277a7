//! `accord incidents`: list and show the incident record, record an incident (local admin), or
//! amend one the party recorded, on a hub (`amend`, client side).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;

use accord_core::incident::Incident;
use accord_server::{IncidentItem, MirroredFrom, Origin};
use accord_store::mirrored::{filter_mirrored, mirrored_incidents};
use accord_store::write::record_incident_as_operator;
use accord_store::{IncidentFilter, PageRequest};

use crate::args::StoreArgs;
use crate::commands::amend;
use crate::hub::{Hub, parse_json};
use crate::output::{explain, print_json};
use crate::render;

/// The flags of `accord incidents`: what to do.
#[derive(Debug, clap::Args)]
pub struct IncidentsArgs {
    #[command(subcommand)]
    command: IncidentsCommand,
}

/// What `accord incidents` does. Each local command takes the hub's store flags; `amend`
/// talks to a hub over HTTP and takes none.
#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// List incidents, newest first.
    List {
        #[command(flatten)]
        store: StoreArgs,
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
        /// Only incidents with a victim of this target class.
        ///
        /// civilian, military, dual-use, government-non-military, mixed, disputed or
        /// unknown.
        #[arg(long)]
        target_class: Option<String>,
        /// Only incidents during an armed conflict (yes), or not (no).
        ///
        /// Also disputed, or unknown where the sources are silent.
        #[arg(long)]
        armed_conflict: Option<String>,
        /// Whose incidents: local (default), mirrored or a peer (id or origin).
        ///
        /// local is this hub's own record; mirrored, every incident mirrored from the peers'
        /// logs.
        ///
        /// The API's `origin` parameter (`--origin` names this hub's own log). A mirrored
        /// incident is listed with the hub and entry it comes from.
        #[arg(long = "from", value_name = "ORIGIN", default_value = "local")]
        from: String,
        /// Print JSON (an array of records) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one incident: facts, sources, principles and reasons.
    Show {
        #[command(flatten)]
        store: StoreArgs,
        /// The incident's id, e.g. notpetya-2017.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Record an incident from a JSON file (local admin).
    ///
    /// The same schema as POST /api/v1/incidents; a signed log entry by the operator.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        /// The incident file.
        file: PathBuf,
        /// Print the stored record as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Amend an incident your party recorded, on a hub (client side).
    ///
    /// Signed with the party's key as `accord submit` signs; the hub keeps the original
    /// entry, shows the correction and refuses it from any other party.
    Amend(amend::AmendArgs),
}

/// Runs `accord incidents …`.
pub async fn run(args: IncidentsArgs) -> Result<()> {
    match args.command {
        IncidentsCommand::List {
            store,
            principle,
            party,
            country,
            sector,
            year,
            target_class,
            armed_conflict,
            from,
            json,
        } => {
            let hub = Hub::open(&store).await?;
            let store = &hub.store;
            let mut q = std::collections::HashMap::new();
            for (k, v) in [
                ("principle", principle),
                ("party", party),
                ("country", country),
                ("sector", sector),
                ("year", year.map(|y| y.to_string())),
                ("target_class", target_class),
                ("armed_conflict", armed_conflict),
            ] {
                if let Some(v) = v {
                    q.insert(k.to_owned(), v);
                }
            }
            let filter: IncidentFilter = accord_server::parse_filter(&q)
                .map_err(|e| anyhow::anyhow!("{}", e.body().detail))?;
            let origin = accord_server::parse_origin(
                store.as_ref(),
                &std::collections::HashMap::from([("origin".to_owned(), from)]),
            )
            .await
            .map_err(|e| anyhow::anyhow!("--from: {}", e.body().detail))?;
            let peer = match origin {
                Origin::Local => None,
                Origin::Mirrored => Some(None),
                Origin::Peer(o) => Some(Some(o)),
            };
            if let Some(peer) = peer {
                let mirrored = mirrored_incidents(store.as_ref(), peer.as_deref()).await?;
                let items: Vec<IncidentItem> = filter_mirrored(mirrored, &filter)
                    .into_iter()
                    .map(|(m, _)| IncidentItem {
                        mirrored: Some(MirroredFrom::of(&m)),
                        record: m.record,
                    })
                    .collect();
                return if json {
                    print_json(&items)
                } else {
                    print!("{}", render::mirrored_incident_table(&items));
                    Ok(())
                };
            }
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
        IncidentsCommand::Show { store, id, json } => {
            let hub = Hub::open(&store).await?;
            let store = &hub.store;
            let record = store.incident(&id).await?;
            if json {
                print_json(&record)
            } else {
                let accord = store.accord().await?;
                print!("{}", render::incident(&record, &accord));
                Ok(())
            }
        }
        IncidentsCommand::Add { store, file, json } => {
            let hub = Hub::open(&store).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let incident: Incident = parse_json(&text)
                .with_context(|| format!("{} is not a valid incident", file.display()))?;
            let record = record_incident_as_operator(hub.store.as_ref(), &hub.sequencer, incident)
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
        IncidentsCommand::Amend(args) => amend::run(args).await,
    }
}
