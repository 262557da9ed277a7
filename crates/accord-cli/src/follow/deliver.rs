//! Sends the spool's batches to the hub, oldest first, one at a time.
//!
//! A batch leaves the spool when the hub took it (TAXII 202). The hub
//! records a sighting version it already holds as a retry, so a batch sent
//! twice (the answer was lost, or the process stopped between the answer and
//! the removal) is recorded once. A batch the hub refuses as a whole (a 4xx
//! other than 408 and 429), or objects of it that the hub refuses, are moved
//! to `rejected/` with the reason: sent again they would be refused again.
//! No connection, a timeout, 408, 429 or a 5xx keep the batch where it is
//! and the sender waits, from one second doubling to [`MAX_BACKOFF`] (or as
//! long as the hub's `Retry-After` says, up to [`MAX_RETRY_AFTER`]), before
//! it tries the same batch again: later batches never overtake it.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use tokio::sync::Notify;

use crate::sharing::{Delivery, SharingClient};

use super::metrics::Metrics;
use super::spool::{Batch, Spool};

/// The longest wait between two tries of a batch, without `Retry-After`.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// How the follower and the sender signal each other.
#[derive(Debug, Default)]
pub struct Signals {
    /// A batch was written, or the follower stopped.
    pub wake: Notify,
    /// The follower stopped: one last pass over the spool, without waiting.
    pub finishing: AtomicBool,
    /// The sender stopped on an error (the spool cannot be read or changed): the follower
    /// stops too rather than fill a spool nobody sends.
    pub failed: AtomicBool,
}

/// Sends the batches of `spool` until `signals.finishing` is set and a pass
/// found nothing to send or the hub could not take a batch; on an error of
/// the spool, sets `signals.failed` and returns it.
pub async fn run(
    spool: Spool,
    client: Arc<SharingClient>,
    signals: Arc<Signals>,
    metrics: Arc<Metrics>,
) -> Result<()> {
    let sent = send_all(&spool, &client, &signals, &metrics).await;
    if sent.is_err() {
        signals.failed.store(true, Ordering::SeqCst);
    }
    sent
}

async fn send_all(
    spool: &Spool,
    client: &SharingClient,
    signals: &Signals,
    metrics: &Metrics,
) -> Result<()> {
    let mut backoff = Duration::from_secs(1);
    let mut failing: Option<String> = None;
    loop {
        let finishing = signals.finishing.load(Ordering::SeqCst);
        let pending = spool.pending()?;
        metrics.set_spooled(pending.len() as u64);
        if pending.is_empty() {
            if finishing {
                return Ok(());
            }
            signals.wake.notified().await;
            continue;
        }
        let mut retry = None;
        for path in &pending {
            match send(spool, client, path, metrics).await? {
                None => {
                    if failing.take().is_some() {
                        eprintln!("the hub takes sightings again");
                    }
                    backoff = Duration::from_secs(1);
                }
                Some(wait) => {
                    retry = Some(wait);
                    break;
                }
            }
        }
        metrics.set_spooled(spool.pending()?.len() as u64);
        let Some((reason, after)) = retry else {
            continue;
        };
        let waiting = spool.pending()?.len();
        if finishing {
            eprintln!(
                "{reason}; {waiting} batch(es) stay in {} for the next start",
                spool.dir().display()
            );
            return Ok(());
        }
        let wait = after.map_or(backoff, |a| a.min(MAX_RETRY_AFTER));
        if failing.as_deref() != Some(&reason) {
            eprintln!(
                "{reason}; {waiting} batch(es) kept in {}, trying again in {} s",
                spool.dir().display(),
                wait.as_secs()
            );
            failing = Some(reason);
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
        // A new batch or the follower's stop ends the wait early.
        let _ = tokio::time::timeout(wait, signals.wake.notified()).await;
    }
}

/// Sends one batch file; `Some((reason, Retry-After))` when it must be sent again later.
async fn send(
    spool: &Spool,
    client: &SharingClient,
    path: &Path,
    metrics: &Metrics,
) -> Result<Option<(String, Option<Duration>)>> {
    let name = path.display();
    let batch = match Spool::read(path) {
        Ok(b) => b,
        Err(e) => {
            let to = spool.set_aside(path, None, &format!("{e:#}"))?;
            metrics.batch_set_aside();
            eprintln!("{e:#}; moved to {}", to.display());
            return Ok(None);
        }
    };
    match client.deliver(&batch.collection, &batch.objects).await {
        Delivery::Taken { accepted, refused } => {
            metrics.add_posted(accepted as u64);
            if refused.is_empty() {
                spool.done(path)?;
                return Ok(None);
            }
            let ids: HashSet<&str> = refused.iter().map(|(id, _)| id.as_str()).collect();
            let keep = Batch {
                collection: batch.collection.clone(),
                objects: batch
                    .objects
                    .iter()
                    .filter(|o| o["id"].as_str().is_some_and(|id| ids.contains(id)))
                    .cloned()
                    .collect(),
            };
            let reasons: Vec<String> = refused
                .iter()
                .map(|(id, why)| format!("{id}: {why}"))
                .collect();
            let to = spool.set_aside(path, Some(&keep), &reasons.join("\n"))?;
            metrics.batch_set_aside();
            eprintln!(
                "{name}: the hub took {accepted} sighting(s) and refused {}; those moved to {}:",
                refused.len(),
                to.display()
            );
            for r in &reasons {
                eprintln!("  {r}");
            }
            Ok(None)
        }
        Delivery::Refused(message) => {
            let to = spool.set_aside(path, None, &message)?;
            metrics.batch_set_aside();
            eprintln!("{name}: {message}; moved to {}", to.display());
            Ok(None)
        }
        Delivery::Retry { reason, after } => Ok(Some((reason, after))),
    }
}
