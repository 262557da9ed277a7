//! `accord parties`: list the parties, or register one (local admin).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;

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
    /// List every party with its support status.
    List {
        /// Only parties of this kind.
        ///
        /// One of state, company, organisation, public_authority.
        #[arg(long)]
        kind: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
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
        PartiesCommand::List { kind, json } => {
            let parties: Vec<_> = hub
                .store
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
    }
}
