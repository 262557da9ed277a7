//! Mirroring peer hubs (issue 14 part 2): one pull of a peer's log over HTTP, verified by
//! `accord_store::federation::pull` and stored with its provenance. `accord peers sync` runs
//! it once per registered peer; `accord serve --sync-interval` runs it in the background.
//! Each sync first asks the split-view check (`accord_store::peers::check_peer`), so a peer
//! caught showing two views is recorded as forked and never imported from again.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

use accord_store::Store;
use accord_store::audit::AuditError;
use accord_store::federation::pull;
use accord_store::log::Peer;
use accord_store::mirror::MirrorAdvance;
use accord_store::peers::{CheckOutcome, check_peer, current_peers};
use accord_store::sequencer::Sequencer;
use accord_tlog::note::Verifier;

use crate::client::HubClient;
use crate::log_http::HttpSource;
use crate::output::explain;
use crate::peering::HttpPeer;

/// What one sync of one peer did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum SyncOutcome {
    /// The peer's checkpoint is the one accepted last.
    UpToDate {
        /// The verified size.
        size: u64,
    },
    /// New entries were verified and their records mirrored.
    Mirrored {
        /// The size verified before.
        from: u64,
        /// The size verified now.
        to: u64,
        /// Records mirrored (incidents and amendments).
        records: usize,
        /// Records of those kinds whose body the peer withheld.
        withheld: u64,
    },
    /// Another sync of the same peer stored first; nothing was written.
    Raced {
        /// The size it stored.
        size: u64,
    },
    /// The peer could not be read; everything verified before is kept.
    Offline {
        /// The size verified before.
        size: u64,
        /// Why.
        error: String,
    },
    /// The peer was caught showing two views of its log: nothing is imported from it.
    Forked {
        /// The size verified before it was caught.
        size: u64,
        /// The `peer-fork` log entry that records the evidence.
        entry: u64,
    },
    /// The peer served something that does not verify; nothing of it was stored.
    Refused {
        /// The size verified before.
        size: u64,
        /// The first discrepancy, naming the entry or the checkpoints.
        error: String,
    },
}

impl SyncOutcome {
    /// Whether the peer served something that does not verify, or was caught forked.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            SyncOutcome::Refused { .. } | SyncOutcome::Forked { .. }
        )
    }
}

/// Pulls the log at `url` (verified under `verifier`) from the size this hub accepted last,
/// and stores what verifies. A store error is an error; what the peer did is the outcome.
pub async fn sync_peer(
    store: &dyn Store,
    url: &str,
    verifier: &Verifier,
    timeout: Duration,
) -> Result<SyncOutcome> {
    let accepted = store.mirror(verifier.name()).await?;
    let size = accepted.as_ref().map_or(0, |a| a.size);
    let source = HttpSource::new(HubClient::bounded(url, timeout)?);
    let now = jiff::Timestamp::now().as_second().max(0) as u64;
    let pulled = match pull(&source, verifier, accepted.as_ref(), now, &|_, _| {}).await {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(SyncOutcome::UpToDate { size }),
        Err(AuditError::Fetch { what, detail }) => {
            return Ok(SyncOutcome::Offline {
                size,
                error: format!("cannot read {what}: {detail}"),
            });
        }
        Err(e) => {
            return Ok(SyncOutcome::Refused {
                size,
                error: e.to_string(),
            });
        }
    };
    let (from, to, records, withheld) = (
        pulled.from,
        pulled.state.size,
        pulled.entries.len(),
        pulled.withheld,
    );
    let expected = accepted.map(|a| (a.size, a.root));
    Ok(
        match store
            .advance_mirror(expected, pulled.state, pulled.entries)
            .await?
        {
            MirrorAdvance::Stored => SyncOutcome::Mirrored {
                from,
                to,
                records,
                withheld,
            },
            MirrorAdvance::Moved { size } => SyncOutcome::Raced { size },
        },
    )
}

/// One registered peer's sync, as `accord peers sync --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PeerSync {
    /// The peer's id.
    pub id: String,
    /// Its log's origin.
    pub origin: String,
    /// Its URL.
    pub url: String,
    /// What the sync did.
    pub sync: SyncOutcome,
}

/// Syncs the registered `peer`: the split-view check first (a fork is recorded and stops
/// the import), then the pull.
pub async fn sync_registered(
    store: &dyn Store,
    sequencer: &Sequencer,
    peer: &Peer,
    timeout: Duration,
) -> Result<PeerSync> {
    let size = store.mirror(&peer.origin).await?.map_or(0, |m| m.size);
    let now = jiff::Timestamp::now().as_second().max(0) as u64;
    let checked = check_peer(store, sequencer, peer, &HttpPeer::new(peer)?, now)
        .await
        .map_err(explain)
        .with_context(|| format!("cannot check peer {}", peer.origin))?;
    let sync = match checked {
        CheckOutcome::Forked { index, .. } => SyncOutcome::Forked { size, entry: index },
        CheckOutcome::Unreachable(error) => SyncOutcome::Offline { size, error },
        CheckOutcome::Unverified(error) => SyncOutcome::Refused { size, error },
        CheckOutcome::Accepted { .. } | CheckOutcome::Unchanged(_) | CheckOutcome::Raced => {
            let verifier = peer.verifier()?;
            sync_peer(store, &peer.url, &verifier, timeout).await?
        }
    };
    Ok(PeerSync {
        id: peer.id.clone(),
        origin: peer.origin.clone(),
        url: peer.url.clone(),
        sync,
    })
}

/// Starts the background sync of every current peer, one round each `interval` (none if
/// zero). A round's failures are logged; the next round tries again.
pub fn spawn(store: Arc<dyn Store>, sequencer: Sequencer, interval: Duration, timeout: Duration) {
    if interval.is_zero() {
        return;
    }
    tokio::spawn(async move {
        loop {
            match current_peers(store.as_ref()).await {
                Ok(peers) => {
                    for peer in peers.iter().filter(|p| p.forked_at.is_none()) {
                        match sync_registered(store.as_ref(), &sequencer, peer, timeout).await {
                            Ok(done) => {
                                tracing::info!(peer = %peer.origin, outcome = ?done.sync, "peer sync")
                            }
                            Err(e) => {
                                tracing::warn!(peer = %peer.origin, error = %format!("{e:#}"), "peer sync failed")
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot list peers to sync"),
            }
            tokio::time::sleep(interval).await;
        }
    });
}
