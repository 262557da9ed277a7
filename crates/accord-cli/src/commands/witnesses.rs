//! `accord witnesses`: the operator configures who may cosign the log's checkpoints.
//!
//! Each change is an operator-signed log entry (`witness`, `witness-removal`), so anyone
//! auditing the log sees which keys the hub accepted cosignatures from, and when.

use anyhow::{Context, Result};
use clap::Subcommand;

use accord_store::witness::{add_witness, remove_witness};
use accord_tlog::note::Verifier;

use crate::args::StoreArgs;
use crate::hub::Hub;
use crate::output::{explain, print_json};

/// The flags of `accord witnesses`: the hub's store, then what to do.
#[derive(Debug, clap::Args)]
pub struct WitnessesArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: WitnessesCommand,
}

/// The operator's witness commands (local admin on the hub's data directory).
#[derive(Debug, Subcommand)]
pub enum WitnessesCommand {
    /// Configure a witness whose cosignatures the hub accepts.
    ///
    /// Only configured witnesses' cosignatures are accepted; a signed log entry by the
    /// operator.
    Add {
        /// The witness's name, as its cosignature lines carry it.
        ///
        /// Default: the key's name.
        #[arg(long)]
        name: Option<String>,
        /// Its verifier key `NAME+KEYID+BASE64`, or a file holding it.
        ///
        /// A C2SP signed-note verifier key, such as FILE.pub from `accord keygen`.
        #[arg(long)]
        key: String,
        /// The party whose API token posts its cosignatures.
        ///
        /// A registered party; default: the witness's name.
        #[arg(long)]
        party: Option<String>,
    },
    /// Remove a witness: its later cosignatures are refused.
    ///
    /// Those it has already given stay.
    Remove {
        /// The witness's name.
        #[arg(long)]
        name: String,
    },
    /// List the witnesses, current and removed.
    ///
    /// With the log entries that changed them.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `accord witnesses …` on the hub the flags name.
pub async fn run(args: WitnessesArgs) -> Result<()> {
    let (store, command) = (&args.store, args.command);
    let hub = Hub::open(store).await?;
    match command {
        WitnessesCommand::Add { name, key, party } => {
            let text = match std::fs::read_to_string(&key) {
                Ok(text) => text,
                Err(_) => key.clone(),
            };
            let verifier = Verifier::from_key_string(text.trim()).with_context(|| {
                format!("--key {key:?} is not a verifier key string (NAME+KEYID+BASE64) or a file holding one")
            })?;
            if let Some(name) = &name
                && name != verifier.name()
            {
                anyhow::bail!(
                    "--name {name:?} differs from the key's name {:?}: a cosignature line carries the key's name",
                    verifier.name()
                );
            }
            let party = party.unwrap_or_else(|| verifier.name().to_owned());
            let r = add_witness(hub.store.as_ref(), &hub.sequencer, &verifier, &party)
                .await
                .map_err(explain)
                .with_context(|| format!("cannot add witness {:?}", verifier.name()))?;
            println!(
                "witness {} ({}) added as log entry {}; party {party} posts its cosignatures",
                verifier.name(),
                verifier.to_key_string(),
                r.index
            );
        }
        WitnessesCommand::Remove { name } => {
            let r = remove_witness(hub.store.as_ref(), &hub.sequencer, &name)
                .await
                .map_err(explain)
                .with_context(|| format!("cannot remove witness {name:?}"))?;
            println!("witness {name} removed as log entry {}", r.index);
        }
        WitnessesCommand::List { json } => {
            let witnesses = hub.store.witnesses().await?;
            if json {
                return print_json(&witnesses);
            }
            if witnesses.is_empty() {
                println!(
                    "no witnesses configured (`accord witnesses add --key NAME+KEYID+BASE64`)"
                );
            }
            for w in witnesses {
                let removed = w
                    .removed_at
                    .map(|r| format!(", removed at entry {r}"))
                    .unwrap_or_default();
                println!(
                    "{} {} party {} (added at entry {}{removed})",
                    w.name, w.key, w.party, w.added_at
                );
            }
        }
    }
    Ok(())
}
