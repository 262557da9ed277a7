//! `accord log verify` and `accord log prove`: check a hub's transparency log, or one entry's
//! place in it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use serde::Serialize;

use accord_store::audit::{StoreSource, audit};
use accord_store::log::Operator;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{Hash, InclusionProof};
use accord_tlog::note::Verifier;

use crate::args::{DatabaseArgs, PoolArgs};
use crate::client::HubClient;
use crate::keyfiles::verifier_arg;
use crate::log_http::HttpSource;
use crate::output::print_all;

/// What `accord log` does.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Verify the whole log: every tile, body and signature.
    ///
    /// Fetches the checkpoint, every tile, bundle and visible body, recomputes the tree and
    /// checks every signature against the key history in the log. Without --hub, verifies the
    /// local data directory offline. Exits non-zero naming the first discrepancy.
    Verify {
        #[command(flatten)]
        store: DatabaseArgs,
        #[command(flatten)]
        pool: PoolArgs,
        /// The hub's base URL (omit to verify --data offline).
        #[arg(long)]
        hub: Option<String>,
        /// The operator's verifier key to trust (a string or a file).
        ///
        /// Default: the hub's /log/key, or the data directory's operator key.
        #[arg(long)]
        key: Option<String>,
        /// A witness's verifier key to check and report (repeatable).
        ///
        /// A string or a file: a C2SP cosignature/v1 key (type 0x04) or, for witnesses
        /// configured before it, a plain Ed25519 note key.
        #[arg(long = "witness", visible_alias = "witness-key")]
        witness_keys: Vec<String>,
        /// Fail unless N of the --witness keys validly cosigned.
        #[arg(long, default_value_t = 0, value_name = "N")]
        min_witnesses: usize,
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
        ///
        /// Its log is under /log.
        #[arg(long, env = "ACCORD_HUB", default_value = "http://127.0.0.1:8080")]
        hub: String,
        /// The operator's verifier key to trust (a string or a file).
        ///
        /// Default: the hub's /log/key.
        #[arg(long)]
        key: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `accord log …`.
pub async fn run(command: LogCommand) -> Result<()> {
    match command {
        LogCommand::Verify {
            store,
            pool,
            hub,
            key,
            witness_keys,
            min_witnesses,
            since,
            json,
        } => {
            let db = store.database()?;
            verify(
                LocalStore {
                    data: &store.data,
                    database: &db,
                    pool: pool.size(),
                },
                hub.as_deref(),
                key.as_deref(),
                WitnessPolicy {
                    keys: &witness_keys,
                    min: min_witnesses,
                },
                since.as_deref(),
                json,
            )
            .await
        }
        LogCommand::Prove {
            index,
            hub,
            key,
            json,
        } => prove(&hub, key.as_deref(), index, json).await,
    }
}

/// The witnesses `accord log verify` checks: their keys, and how many must have cosigned.
struct WitnessPolicy<'a> {
    keys: &'a [String],
    min: usize,
}

/// The data directory and database `accord log verify` reads without --hub, and the pool it
/// opens the database with.
struct LocalStore<'a> {
    data: &'a Path,
    database: &'a crate::backend::Database,
    pool: usize,
}

/// `accord log verify`.
async fn verify(
    local: LocalStore<'_>,
    hub: Option<&str>,
    key: Option<&str>,
    policy: WitnessPolicy<'_>,
    since: Option<&Path>,
    json: bool,
) -> Result<()> {
    let WitnessPolicy {
        keys: witness_keys,
        min: min_witnesses,
    } = policy;
    let mut witnesses: Vec<Verifier> = Vec::new();
    for k in witness_keys {
        let w = verifier_arg(k)?;
        // One witness counts once, however often its key is given.
        if !witnesses.iter().any(|o| o.name() == w.name()) {
            witnesses.push(w);
        }
    }
    if min_witnesses > witnesses.len() {
        bail!(
            "--min-witnesses {min_witnesses} needs at least that many distinct --witness keys (given {})",
            witnesses.len()
        );
    }
    let since = since
        .map(|p| {
            std::fs::read(p)
                .with_context(|| format!("cannot read saved checkpoint {}", p.display()))
        })
        .transpose()?;
    let pb = crate::progress::bar(
        0,
        "{spinner} verifying {pos}/{len} entries [{elapsed}] {wide_bar}",
        json,
    );
    let progress = {
        let pb = pb.clone();
        move |done: u64, total: u64| {
            pb.set_length(total);
            pb.set_position(done);
        }
    };
    let (report, pinned) = match hub {
        Some(url) => {
            let client = HubClient::new(url, None)?;
            let (verifier, pinned) = match key {
                Some(k) => (verifier_arg(k)?, true),
                None => {
                    let text = client.get_required("/log/key").await?;
                    (verifier_arg(String::from_utf8_lossy(&text).trim())?, false)
                }
            };
            let source = HttpSource::new(client);
            (
                audit(&source, &verifier, &witnesses, since.as_deref(), &progress).await,
                pinned,
            )
        }
        None => {
            let LocalStore {
                data,
                database,
                pool,
            } = local;
            if let crate::backend::Database::Sqlite(dir) = database
                && !dir.join(accord_store_sqlite::DB_FILE).exists()
            {
                bail!(
                    "{} holds no hub (no {}); pass --hub URL to verify a remote hub",
                    dir.display(),
                    accord_store_sqlite::DB_FILE
                );
            }
            let store = database.open_pooled(pool).await?;
            let verifier = match key {
                Some(k) => verifier_arg(k)?,
                None => Verifier::from_key_string(
                    &Operator::load(data)
                        .context("verifying a local store needs its operator's public key: pass --key, or --data with the hub's operator.key")?
                        .verifier_key(),
                )?,
            };
            let source = StoreSource(store.as_ref());
            (
                audit(&source, &verifier, &witnesses, since.as_deref(), &progress).await,
                true,
            )
        }
    };
    pb.finish_and_clear();
    let report = report.map_err(|e| anyhow!("verification failed: {e}"))?;
    // The first signer is the operator; the rest are the given witnesses whose cosignature
    // verified over this checkpoint.
    let cosigned = &report.checkpoint_signers[1.min(report.checkpoint_signers.len())..];
    if cosigned.len() < min_witnesses {
        let missing: Vec<&str> = witnesses
            .iter()
            .map(Verifier::name)
            .filter(|n| !cosigned.iter().any(|c| c == n))
            .collect();
        bail!(
            "verification failed: the checkpoint of size {} carries {} valid cosignature(s) of the given witnesses, --min-witnesses requires {min_witnesses} (none valid from: {})",
            report.size,
            cosigned.len(),
            missing.join(", ")
        );
    }
    // The report is built whole and written once: a reader that stops early (`| head -1`)
    // must not turn a verified log into a panic on a closed pipe.
    let mut text = String::new();
    if json {
        text = serde_json::to_string_pretty(&report)? + "\n";
    } else {
        use std::fmt::Write as _;
        writeln!(
            text,
            "log {} verifies: {} entries, root {}",
            report.origin, report.size, report.root
        )?;
        for (kind, n) in &report.kinds {
            writeln!(text, "  {kind:<16} {n}")?;
        }
        writeln!(
            text,
            "  {} hash tiles match; {} bodies match their hashes, {} withheld by their marking",
            report.tiles_checked, report.bodies_checked, report.bodies_withheld
        )?;
        writeln!(
            text,
            "  checkpoint signed by: {}",
            report.checkpoint_signers.join(", ")
        )?;
        if let Some(old) = report.consistent_with {
            writeln!(text, "  consistent with the saved checkpoint of size {old}")?;
        }
    }
    print_all(&text)?;
    if !json && !pinned {
        eprintln!(
            "note: the operator key was fetched from the hub itself; pass --key to pin the key you trust"
        );
    }
    Ok(())
}

/// What `accord log prove` prints.
#[derive(Serialize)]
struct ProofReport {
    index: u64,
    leaf_hash: String,
    checkpoint_size: u64,
    root: String,
    proof: InclusionProof,
    verified: bool,
}

/// `accord log prove --index N`: fetches and checks the inclusion proof of one entry against
/// the latest checkpoint.
async fn prove(hub: &str, key: Option<&str>, index: u64, json: bool) -> Result<()> {
    let client = HubClient::new(hub, None)?;
    let verifier = match key {
        Some(k) => verifier_arg(k)?,
        None => {
            verifier_arg(String::from_utf8_lossy(&client.get_required("/log/key").await?).trim())?
        }
    };
    let note = client.get_required("/log/checkpoint").await?;
    let (cp, _) = Checkpoint::open(&note, verifier.name(), std::slice::from_ref(&verifier))
        .map_err(|e| anyhow!("the checkpoint does not verify: {e}"))?;
    let entry = client.get_json(&format!("/log/entries/{index}")).await?;
    let leaf = Hash::from_base64(entry["leaf_hash"].as_str().unwrap_or_default())
        .map_err(|e| anyhow!("bad leaf hash from the hub: {e}"))?;
    // Recompute the leaf from the entry itself rather than trusting the hub's hash.
    let entry_bytes = accord_tlog::entry::canonical_json(&entry["entry"])?;
    if accord_tlog::merkle::leaf_hash(&entry_bytes) != leaf {
        bail!("entry {index}: the hub's leaf hash does not match the entry it served");
    }
    let proof: InclusionProof = serde_json::from_value(
        client
            .get_json(&format!(
                "/log/proof/inclusion?index={index}&size={}",
                cp.size
            ))
            .await?,
    )?;
    proof.verify(&leaf, &cp.root).map_err(|e| {
        anyhow!(
            "entry {index} is NOT proven in the checkpoint of size {}: {e}",
            cp.size
        )
    })?;
    let report = ProofReport {
        index,
        leaf_hash: leaf.to_base64(),
        checkpoint_size: cp.size,
        root: cp.root.to_base64(),
        proof,
        verified: true,
    };
    print_all(&if json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        format!(
            "entry {index} (leaf {}) is in the log of {} entries with root {}: {} proof hashes verified\n",
            report.leaf_hash,
            report.checkpoint_size,
            report.root,
            report.proof.hashes.len()
        )
    })
}
