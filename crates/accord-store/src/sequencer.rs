//! Group commit: one task appends every write, in batches.
//!
//! Concurrent writers hand their verified write to the sequencer and wait. The sequencer takes
//! whatever has queued up (at most [`MAX_BATCH`] writes), appends it in one transaction with
//! one signed checkpoint, and answers each writer. Under load a batch holds many writes, so the
//! cost of a durable commit and a signature is shared; when idle a write is committed alone at
//! once. Because one task signs every checkpoint of this process, and each checkpoint extends
//! the last, the hub never signs two checkpoints that are inconsistent.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::log::{LogWrite, Operator, Receipt};
use crate::{Store, StoreError};

/// Largest number of writes committed in one transaction.
pub const MAX_BATCH: usize = 4096;

type Job = (LogWrite, oneshot::Sender<Result<Receipt, StoreError>>);

/// A handle to the hub's sequencer; clone it freely.
#[derive(Clone)]
pub struct Sequencer {
    tx: mpsc::Sender<Job>,
    operator: Arc<Operator>,
}

impl Sequencer {
    /// Starts the sequencer task on the current Tokio runtime.
    pub fn start(store: Arc<dyn Store>, operator: Arc<Operator>) -> Sequencer {
        let (tx, rx) = mpsc::channel::<Job>(MAX_BATCH * 4);
        tokio::spawn(run(store, Arc::clone(&operator), rx));
        Sequencer { tx, operator }
    }

    /// The operator whose key signs the checkpoints.
    pub fn operator(&self) -> &Arc<Operator> {
        &self.operator
    }

    /// Appends one write; resolves once it is durable and covered by a signed checkpoint.
    pub async fn append(&self, write: LogWrite) -> Result<Receipt, StoreError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send((write, done))
            .await
            .map_err(|_| StoreError::Backend("the sequencer has stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Backend("the sequencer dropped the write".into()))?
    }
}

async fn run(store: Arc<dyn Store>, operator: Arc<Operator>, mut rx: mpsc::Receiver<Job>) {
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let (writes, waiters): (Vec<LogWrite>, Vec<_>) = jobs.drain(..).unzip();
        match store.append(writes, Arc::clone(&operator)).await {
            Ok(outcome) => {
                for (waiter, result) in waiters.into_iter().zip(outcome.results) {
                    let _ = waiter.send(result);
                }
            }
            Err(e) => {
                // The transaction rolled back: none of the batch is in the log.
                tracing::error!(error = %e, "append batch failed");
                let text = e.to_string();
                for waiter in waiters {
                    let _ = waiter.send(Err(StoreError::Backend(text.clone())));
                }
            }
        }
    }
}
