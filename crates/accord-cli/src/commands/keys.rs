//! `accord keys`: register, revoke and list parties' public keys (local admin); each change
//! is a signed log entry by the operator.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;

use accord_store::write::{add_key, revoke_key};

use crate::args::StoreArgs;
use crate::hub::Hub;
use crate::keyfiles;
use crate::output::{explain, print_json};

/// The flags of `accord keys`: the hub's store, then what to do.
#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: KeysCommand,
}

/// What `accord keys` does.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Register a public key for a party.
    ///
    /// A signed log entry by the operator.
    Add {
        /// The party id.
        #[arg(long)]
        party: String,
        /// The public key file: FILE.pub from `accord keygen`.
        ///
        /// Or a file holding the base64 of the raw Ed25519 key.
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Revoke a party's public key.
    ///
    /// Later writes signed with it are refused.
    Revoke {
        /// The party id.
        #[arg(long)]
        party: String,
        /// The public key file.
        #[arg(long)]
        public_key: PathBuf,
    },
    /// List a party's keys.
    ///
    /// With the log entries that added and revoked them.
    List {
        /// The party id.
        #[arg(long)]
        party: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `accord keys …`.
pub async fn run(args: KeysArgs) -> Result<()> {
    let (store, command) = (&args.store, args.command);
    let hub = Hub::open(store).await?;
    match command {
        KeysCommand::Add { party, public_key } => {
            let key = keyfiles::read_public(&public_key)?;
            let r = add_key(hub.store.as_ref(), &hub.sequencer, &party, &key)
                .await
                .map_err(explain)
                .with_context(|| format!("cannot add the key for {party:?}"))?;
            println!("registered key for {party} as log entry {}", r.index);
        }
        KeysCommand::Revoke { party, public_key } => {
            let key = keyfiles::read_public(&public_key)?;
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
