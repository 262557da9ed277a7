//! Group commit: one task appends every write, in batches.
//!
//! Concurrent writers hand their verified write to the sequencer and wait. The sequencer takes
//! whatever has queued up (at most [`MAX_BATCH`] writes), appends it in one transaction with
//! one signed checkpoint, and answers each writer. Under load a batch holds many writes, so the
//! cost of a durable commit and a signature is shared; when idle a write is committed alone at
//! once. Because one task signs every checkpoint of this process, and each checkpoint extends
//! the last, the hub never signs two checkpoints that are inconsistent.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;
use crate::log::{LogWrite, Operator, Receipt};
use crate::store::Store;

/// Largest number of writes committed in one transaction.
pub const MAX_BATCH: usize = 4096;

/// One writer's group: its writes and where to send their results (one per write, in order).
type Job = (
    Vec<LogWrite>,
    oneshot::Sender<Vec<Result<Receipt, StoreError>>>,
);

/// What this node's last append batches did: the write path's health as `/healthz` and
/// `/readyz` report it (kept in memory, so asking costs nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteHealth {
    /// When a batch last committed.
    pub last_success: Option<jiff::Timestamp>,
    /// When a batch last failed as a whole (nothing of it written), and why.
    pub last_failure: Option<(jiff::Timestamp, String)>,
}

impl WriteHealth {
    /// Why the write path is failing: its last batch failed, none committed since, and the
    /// failure is at most `window` old (after that, a node nobody writes to is not held
    /// unhealthy for ever by an old failure; the next write tells again).
    pub fn failing(&self, now: jiff::Timestamp, window: jiff::SignedDuration) -> Option<String> {
        let (at, why) = self.last_failure.as_ref()?;
        if self.last_success.is_some_and(|ok| ok > *at) || now.duration_since(*at) > window {
            return None;
        }
        Some(format!("the last append failed at {at}: {why}"))
    }
}

/// A handle to the hub's sequencer; clone it freely.
#[derive(Clone)]
pub struct Sequencer {
    tx: mpsc::Sender<Job>,
    operator: Arc<Operator>,
    health: Arc<Mutex<WriteHealth>>,
}

impl Sequencer {
    /// Starts the sequencer task on the current Tokio runtime.
    pub fn start(store: Arc<dyn Store>, operator: Arc<Operator>) -> Sequencer {
        let (tx, rx) = mpsc::channel::<Job>(MAX_BATCH * 4);
        let health = Arc::new(Mutex::new(WriteHealth::default()));
        tokio::spawn(run(store, Arc::clone(&operator), rx, Arc::clone(&health)));
        Sequencer {
            tx,
            operator,
            health,
        }
    }

    /// What the last append batches did.
    pub fn health(&self) -> WriteHealth {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The operator whose key signs the checkpoints.
    pub fn operator(&self) -> &Arc<Operator> {
        &self.operator
    }

    /// Appends one write; resolves once it is durable and covered by a signed checkpoint.
    pub async fn append(&self, write: LogWrite) -> Result<Receipt, StoreError> {
        self.append_group(vec![write])
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::Backend("the sequencer lost the write".into())))
    }

    /// Appends a group of writes (a bulk submission) in one transaction, in order; resolves
    /// once they are durable and covered by one signed checkpoint, with exactly one result per
    /// write.
    /// A refused write appends nothing and does not stop the others; a failed transaction
    /// fails every write of the group. A group is never split across transactions, so it may
    /// make a batch larger than [`MAX_BATCH`].
    pub async fn append_group(
        &self,
        writes: Vec<LogWrite>,
    ) -> Result<Vec<Result<Receipt, StoreError>>, StoreError> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let (done, wait) = oneshot::channel();
        self.tx
            .send((writes, done))
            .await
            .map_err(|_| StoreError::Backend("the sequencer has stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Backend("the sequencer dropped the write".into()))
    }
}

async fn run(
    store: Arc<dyn Store>,
    operator: Arc<Operator>,
    mut rx: mpsc::Receiver<Job>,
    health: Arc<Mutex<WriteHealth>>,
) {
    while let Some(first) = rx.recv().await {
        // Take whatever else has queued, up to MAX_BATCH writes (a group is never split).
        let mut writes: Vec<LogWrite> = Vec::with_capacity(first.0.len());
        let mut waiters = Vec::new();
        let mut next = Some(first);
        while let Some((group, done)) = next {
            waiters.push((group.len(), done));
            writes.extend(group);
            next = if writes.len() < MAX_BATCH {
                rx.try_recv().ok()
            } else {
                None
            };
        }
        let total = writes.len();
        // Every waiter gets one result per write: a store answering a different number is
        // failed like a transaction that failed, rather than leaving a write unanswered.
        let appended = store
            .append(writes, Arc::clone(&operator))
            .await
            .and_then(|outcome| {
                if outcome.results.len() == total {
                    Ok(outcome)
                } else {
                    Err(StoreError::Backend(format!(
                        "the store answered {} results for a batch of {total} writes",
                        outcome.results.len()
                    )))
                }
            });
        {
            let mut h = health.lock().unwrap_or_else(|p| p.into_inner());
            match &appended {
                Ok(_) => h.last_success = Some(jiff::Timestamp::now()),
                Err(e) => h.last_failure = Some((jiff::Timestamp::now(), e.to_string())),
            }
        }
        match appended {
            Ok(outcome) => {
                let mut results = outcome.results.into_iter();
                for (n, waiter) in waiters {
                    let _ = waiter.send(results.by_ref().take(n).collect());
                }
            }
            Err(e) => {
                // The transaction rolled back (none of the batch is in the log), or the store
                // broke its contract: either way no write is reported as landed.
                tracing::error!(error = %e, "append batch failed");
                for (n, waiter) in waiters {
                    let _ = waiter.send((0..n).map(|_| Err(batch_failure(&e))).collect());
                }
            }
        }
    }
}

/// What each writer of a failed batch is told. A database that cannot be reached stays
/// [`StoreError::Unavailable`], so the writer hears "retry shortly" (503 with `Retry-After`)
/// rather than "the hub broke" (500); anything else is a backend failure.
fn batch_failure(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(detail) => StoreError::Unavailable(detail.clone()),
        other => StoreError::Backend(other.to_string()),
    }
}
