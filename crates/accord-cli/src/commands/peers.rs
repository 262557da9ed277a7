//! `accord peers`: the operator registers the peer hubs whose logs this hub follows, and checks
//! that each still shows one view of its log.
//!
//! Registrations, removals and forks caught are operator-signed log entries (`peer`,
//! `peer-removal`, `peer-fork`), so anyone auditing the log sees which hubs this one followed
//! and what it caught. The API token for a peer is never logged: it is kept in the data
//! directory (`peers/<id>.token`, mode 0600) or given by `ACCORD_PEER_TOKEN_<ID>`. Only the
//! reads of mirrored collections (issue 14 part 5) and of the evidence requests this hub's
//! party on the peer is a side of send it: the log and the TLP:CLEAR incidents and amendments
//! are public and read anonymously.

use std::io::Read as _;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use accord_store::peers::{
    CheckOutcome, add_peer, check_peer, current_peers, find_peer, remove_peer, save_peer_token,
    token_env,
};

use crate::args::StoreArgs;
use crate::hub::Hub;
use crate::keyfiles::verifier_arg;
use crate::mirroring::{PeerSync, SyncOutcome, sync_registered};
use crate::output::{explain, print_json};
use crate::peering::HttpPeer;

/// The flags of `accord peers`: the hub's store, then what to do.
#[derive(Debug, clap::Args)]
pub struct PeersArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: PeersCommand,
}

/// The operator's peer commands (local admin on the hub's data directory).
#[derive(Debug, Subcommand)]
pub enum PeersCommand {
    /// Register a peer hub, identified by its log's verifier key.
    ///
    /// A signed log entry by the operator. A token for the peer is not logged:
    /// --token-stdin keeps it in DIR/peers/ID.token (mode 0600);
    /// ACCORD_PEER_TOKEN_ID (the peer's id in capitals) overrides it. Logs and
    /// public records are read anonymously; mirrored collections with the token.
    Add {
        /// The peer hub's base URL (http or https, no credentials in it).
        #[arg(long)]
        url: String,
        /// The peer log's verifier key NAME+KEYID+BASE64, or a file holding it.
        ///
        /// What the peer serves at /log/key; its name is the log's origin.
        #[arg(long)]
        log_key: String,
        /// The registered party that operates the peer hub.
        #[arg(long)]
        party: Option<String>,
        /// Read the API token this hub reads the peer with from stdin.
        ///
        /// Kept in DIR/peers/ID.token, mode 0600; never in the log.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Remove a peer: nothing more is read from it.
    ///
    /// What was accepted of its log, and any fork caught, stay.
    Remove {
        /// The peer: its id, log key or origin.
        #[arg(long)]
        peer: String,
    },
    /// Keep the API token this hub reads a peer with (read from stdin).
    ///
    /// Written to DIR/peers/ID.token, mode 0600; ACCORD_PEER_TOKEN_ID
    /// overrides it.
    Token {
        /// The peer: its id, log key or origin.
        #[arg(long)]
        peer: String,
    },
    /// List the peers, current and removed, with their state.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check that each peer's log still extends what this hub accepted.
    ///
    /// Fetches each peer's checkpoint, verifies it under the registered key
    /// and a consistency proof from the last accepted one. A peer showing
    /// two views is marked forked (a signed log entry with both checkpoints)
    /// and the command exits non-zero; an offline peer is only reported.
    Check {
        /// Check only this peer (its id, log key or origin).
        #[arg(long)]
        peer: Option<String>,
    },
    /// Mirror each peer's records and collections, verified.
    ///
    /// Checks each current peer for a split view, then pulls its log from the
    /// size verified last: every entry's signature against the key history in
    /// the peer's own log, every body, inclusion under its signed checkpoint
    /// and consistency with the last one accepted. Then each local collection
    /// mirroring one of the peer's (collections add --mirror-peer) is read with
    /// the peer token, every object version checked against its log entry, and
    /// so are the evidence requests the token's party there is a side of.
    /// Records keep their origin and are never re-signed. A forked peer is
    /// skipped; an offline peer keeps what was verified. Exits non-zero if a
    /// peer served what does not verify.
    Sync {
        /// Sync only this peer (its id, log key or origin).
        #[arg(long)]
        peer: Option<String>,
        /// Longest wait for one request to a peer, in seconds.
        #[arg(long, default_value_t = 20, value_name = "SECONDS")]
        timeout: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// ` (2 incident, 1 amendment)`: counts by kind, or nothing when there are none.
fn per_kind(counts: &std::collections::BTreeMap<String, u64>) -> String {
    if counts.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    format!(" ({})", parts.join(", "))
}

/// Runs `accord peers …` on the hub the flags name.
pub async fn run(args: PeersArgs) -> Result<()> {
    let (store_args, command) = (&args.store, args.command);
    let hub = Hub::open(store_args).await?;
    let store = hub.store.as_ref();
    let data = &store_args.db.data;
    match command {
        PeersCommand::Add {
            url,
            log_key,
            party,
            token_stdin,
        } => {
            let verifier = verifier_arg(&log_key).context("--log-key")?;
            // Read before anything is written: a token that cannot be read adds no peer.
            let token = token_stdin.then(read_token).transpose()?;
            let (r, peer) = add_peer(store, &hub.sequencer, &verifier, &url, party.as_deref())
                .await
                .map_err(explain)
                .with_context(|| format!("cannot add peer {:?}", verifier.name()))?;
            println!(
                "peer {} (id {}) at {} added as log entry {}",
                peer.origin, peer.id, peer.url, r.index
            );
            if let Some(token) = token {
                let path = save_peer_token(data, &peer.id, &token)?;
                println!("its token is kept in {}", path.display());
            } else {
                println!(
                    "its log and public records are read anonymously; a token for reads that \
                     need one (mirrored collections) can be kept with {} or `accord peers token --peer {}`",
                    token_env(&peer.id),
                    peer.id
                );
            }
        }
        PeersCommand::Remove { peer } => {
            let r = remove_peer(store, &hub.sequencer, &peer)
                .await
                .map_err(explain)
                .with_context(|| format!("cannot remove peer {peer:?}"))?;
            println!("peer {peer} removed as log entry {}", r.index);
        }
        PeersCommand::Token { peer } => {
            let peer = find_peer(store, &peer).await?;
            let path = save_peer_token(data, &peer.id, &read_token()?)?;
            println!(
                "the token for peer {} is kept in {}",
                peer.origin,
                path.display()
            );
        }
        PeersCommand::List { json } => {
            let peers = store.peers().await?;
            if json {
                return print_json(&peers);
            }
            if peers.is_empty() {
                println!("no peers (`accord peers add --url URL --log-key NAME+KEYID+BASE64`)");
            }
            for p in peers {
                let party = p
                    .party
                    .as_ref()
                    .map(|p| format!(" party {p}"))
                    .unwrap_or_default();
                let removed = p
                    .removed_at
                    .map(|r| format!(", removed at entry {r}"))
                    .unwrap_or_default();
                let forked = p
                    .forked_at
                    .map(|f| format!(", forked at entry {f}"))
                    .unwrap_or_default();
                println!(
                    "{} {} {} {}{party} (added at entry {}{removed}{forked}) {}",
                    p.id,
                    p.state(),
                    p.origin,
                    p.url,
                    p.added_at,
                    p.key
                );
            }
        }
        PeersCommand::Sync {
            peer,
            timeout,
            json,
        } => {
            let peers = match peer {
                Some(which) => vec![find_peer(store, &which).await?],
                None => current_peers(store).await?,
            };
            let mut done = Vec::new();
            for p in &peers {
                done.push(
                    sync_registered(store, &hub.sequencer, data, p, Duration::from_secs(timeout))
                        .await?,
                );
            }
            let refused: Vec<&PeerSync> = done.iter().filter(|d| d.is_refusal()).collect();
            if json {
                print_json(&done)?;
            } else {
                if done.is_empty() {
                    println!("no peers to sync");
                }
                for d in &done {
                    let name = format!("peer {} ({}) at {}", d.origin, d.id, d.url);
                    match &d.sync {
                        SyncOutcome::UpToDate { size } => {
                            println!("{name}: up to date at size {size}")
                        }
                        SyncOutcome::Mirrored {
                            from,
                            to,
                            records,
                            kinds,
                            withheld,
                        } => println!(
                            "{name}: entries {from}..{to} verified, {records} records mirrored{}{}",
                            per_kind(kinds),
                            if *withheld > 0 {
                                format!(" ({withheld} withheld by their marking)")
                            } else {
                                String::new()
                            }
                        ),
                        SyncOutcome::Raced { size } => {
                            println!("{name}: another sync stored size {size} meanwhile")
                        }
                        SyncOutcome::Offline { size, error } => println!(
                            "{name}: offline, the {size} entries verified before are kept: {error}"
                        ),
                        SyncOutcome::Forked { entry, .. } => eprintln!(
                            "{name}: FORKED (log entry {entry}): nothing is imported from it"
                        ),
                        SyncOutcome::Refused { size, error } => eprintln!(
                            "{name}: REFUSED, nothing stored (still verified to size {size}): {error}"
                        ),
                    }
                    for c in &d.collections {
                        let how = if c.authenticated {
                            "with the peer token"
                        } else {
                            "anonymously (no peer token kept)"
                        };
                        match &c.error {
                            None => println!(
                                "{name}: collection {} mirrors {} {how}: {} object versions verified{}, {} new",
                                c.collection,
                                c.peer_collection,
                                c.verified.values().sum::<u64>(),
                                per_kind(&c.verified),
                                c.new
                            ),
                            Some(e) => eprintln!(
                                "{name}: collection {} REFUSED, nothing stored: {e}",
                                c.collection
                            ),
                        }
                    }
                    if let Some(r) = &d.requests {
                        match &r.error {
                            None => println!(
                                "{name}: evidence requests read with the peer token: {} entries verified, {} new",
                                r.verified, r.new
                            ),
                            Some(e) => {
                                eprintln!("{name}: evidence requests REFUSED, nothing stored: {e}")
                            }
                        }
                    }
                }
            }
            if !refused.is_empty() {
                let list: Vec<String> = refused
                    .iter()
                    .flat_map(|d| {
                        let log = match &d.sync {
                            SyncOutcome::Refused { error, .. } => {
                                Some(format!("{}: {error}", d.origin))
                            }
                            SyncOutcome::Forked { .. } => Some(format!("{}: forked", d.origin)),
                            _ => None,
                        };
                        log.into_iter().chain(d.read_errors())
                    })
                    .collect();
                bail!("sync refused: {}", list.join("; "));
            }
        }
        PeersCommand::Check { peer } => {
            let peers = match peer {
                Some(which) => vec![find_peer(store, &which).await?],
                None => current_peers(store).await?,
            };
            if peers.is_empty() {
                println!("no peers to check");
            }
            let now = jiff::Timestamp::now().as_second().max(0) as u64;
            let mut forked = Vec::new();
            for p in &peers {
                let source = HttpPeer::new(p)?;
                let outcome = check_peer(store, &hub.sequencer, p, &source, now)
                    .await
                    .map_err(explain)
                    .with_context(|| format!("cannot check peer {}", p.origin))?;
                let name = format!("peer {} ({}) at {}", p.origin, p.id, p.url);
                match outcome {
                    CheckOutcome::Accepted { from, checkpoint } => match from {
                        Some(from) => println!(
                            "{name}: size {} accepted, extending {from}",
                            checkpoint.size
                        ),
                        None => println!("{name}: size {} accepted (first seen)", checkpoint.size),
                    },
                    CheckOutcome::Unchanged(c) => println!("{name}: unchanged at size {}", c.size),
                    CheckOutcome::Unreachable(e) => {
                        println!("{name}: offline, not marked: {e}")
                    }
                    CheckOutcome::Unverified(e) => {
                        println!("{name}: checkpoint refused, not marked: {e}")
                    }
                    CheckOutcome::Raced => {
                        println!("{name}: another check moved it meanwhile; run again")
                    }
                    CheckOutcome::Forked {
                        index,
                        now,
                        evidence,
                    } => {
                        let when = if now { "caught now" } else { "caught before" };
                        eprintln!(
                            "{name}: FORKED ({when}, log entry {index}): {}\n\
                             accepted checkpoint:\n{}\nshown checkpoint:\n{}\n\
                             evidence: GET /api/v1/peers/{}/evidence",
                            evidence.reason, evidence.accepted, evidence.shown, p.id
                        );
                        forked.push(p.origin.clone());
                    }
                }
            }
            if !forked.is_empty() {
                bail!(
                    "forked: {} (nothing more is imported from it)",
                    forked.join(", ")
                );
            }
        }
    }
    Ok(())
}

/// One line from stdin: an API token.
fn read_token() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut text)
        .context("cannot read the token from stdin")?;
    let token = text.trim();
    if token.is_empty() || token.contains(['\n', '\r']) {
        bail!("stdin must hold one line: the API token");
    }
    Ok(token.to_owned())
}
