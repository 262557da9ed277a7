//! `accord parties`: list the parties (filtered and paged in the order the API and the
//! dashboard use, `accord_core::registry`), or register one (local admin).

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;

use accord_core::country::CountryCode;
use accord_core::party::{PartyKind, SupportStatus};
use accord_core::registry::{self, PartyQuery};

use crate::args::StoreArgs;
use crate::hub::{Hub, parse_json};
use crate::output::{explain, print_json};
use crate::render;

/// The flags of `accord parties`: the hub's store, then what to do.
#[derive(Debug, clap::Args)]
pub struct PartiesArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: PartiesCommand,
}

/// What `accord parties` does.
#[derive(Debug, Subcommand)]
pub enum PartiesCommand {
    /// Register a party from a JSON file (local admin).
    ///
    /// A signed log entry by the operator.
    Add {
        /// The party as JSON (id, name, kind, country, support…).
        file: PathBuf,
    },
    /// List the parties with their support status, filtered and paged.
    List(ListArgs),
}

/// Which parties `accord parties list` shows.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only parties of this kind.
    ///
    /// One of state, company, civil_society, public_authority, international_organisation,
    /// organisation.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<PartyKind>,
    /// Only parties of this country (ISO 3166-1 alpha-2).
    ///
    /// A state's own code, or the country another party is based in.
    #[arg(long, value_parser = parse_country)]
    country: Option<CountryCode>,
    /// Only parties with this status today.
    ///
    /// One of supporter, formerly-listed, withdrawn, non-supporter.
    #[arg(long, value_parser = parse_status)]
    status: Option<SupportStatus>,
    /// Only parties whose name, id or listed name contains this text.
    ///
    /// Any case.
    #[arg(long)]
    search: Option<String>,
    /// Show at most this many parties (all by default).
    #[arg(long)]
    limit: Option<usize>,
    /// Start after the party with this id (the id a limited list ends with).
    #[arg(long)]
    after: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_kind(s: &str) -> Result<PartyKind, String> {
    PartyKind::parse(s).ok_or_else(|| format!("unknown kind {s:?}: use {}", PartyKind::names()))
}

fn parse_status(s: &str) -> Result<SupportStatus, String> {
    SupportStatus::parse(s)
        .ok_or_else(|| format!("unknown status {s:?}: use {}", SupportStatus::names()))
}

fn parse_country(s: &str) -> Result<CountryCode, String> {
    CountryCode::parse(s).map_err(|e| e.to_string())
}

/// Runs `accord parties …`.
pub async fn run(args: PartiesArgs) -> Result<()> {
    let (store, command) = (&args.store, args.command);
    let hub = Hub::open(store).await?;
    match command {
        PartiesCommand::Add { file } => {
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
        PartiesCommand::List(list) => list_parties(&hub, list).await,
    }
}

/// Prints the parties `args` selects.
async fn list_parties(hub: &Hub, args: ListArgs) -> Result<()> {
    let today = accord_server::today();
    let all = hub.store.parties().await?;
    let query = PartyQuery {
        kind: args.kind,
        country: args.country,
        status: args.status,
        text: args.search,
    };
    let limit = args.limit.unwrap_or(usize::MAX);
    if limit == 0 {
        return Err(anyhow!("--limit must be at least 1"));
    }
    let page = registry::page(&all, &query, today, args.after.as_deref(), limit).map_err(|_| {
        anyhow!(
            "--after {:?}: no party has this id",
            args.after.unwrap_or_default()
        )
    })?;
    if args.json {
        return print_json(&page.items);
    }
    let parties: Vec<_> = page.items.into_iter().cloned().collect();
    print!("{}", render::parties(&parties, today));
    println!(
        "{} of {} matching parties shown.",
        parties.len(),
        page.total
    );
    if let Some(last) = page.next_after {
        println!("More follow: add --after {last}");
    }
    Ok(())
}
