//! Reading a hub's log over HTTP: the [`LogSource`] `accord log verify` audits and the
//! [`PeerSource`] `accord peers sync` mirrors, fetching what the reader will need next
//! concurrently.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::Deserialize;
use tokio::task::JoinHandle;

use accord_store::audit::{LogSource, ReleasedBody};
use accord_store::federation::PeerSource;
use accord_tlog::merkle::{ConsistencyProof, Hash};
use accord_tlog::tiles::{Tile, TileKind};

use crate::client::HubClient;

/// Fetches started ahead, by path under `/log/`.
type Pending = HashMap<String, JoinHandle<Result<Vec<u8>, String>>>;

/// Reads the log over HTTP, fetching prefetched resources concurrently.
pub struct HttpSource {
    client: std::sync::Arc<HubClient>,
    /// Fetches started by `prefetch`.
    pending: std::sync::Mutex<Pending>,
}

#[derive(Deserialize)]
struct BodyView {
    index: u64,
    body: Option<String>,
    /// Hex; absent for entries written before salting.
    #[serde(default)]
    salt: Option<String>,
}

impl HttpSource {
    /// A source reading the log of the hub `client` talks to.
    pub fn new(client: HubClient) -> Self {
        HttpSource {
            client: std::sync::Arc::new(client),
            pending: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// GETs `/log/{path}`, from a prefetch when one was started.
    async fn get(&self, path: String) -> Result<Vec<u8>, String> {
        let started = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&path);
        match started {
            Some(handle) => handle
                .await
                .map_err(|e| format!("fetching /log/{path} failed: {e}"))?,
            None => self
                .client
                .get_required(&format!("/log/{path}"))
                .await
                .map_err(|e| format!("{e:#}")),
        }
    }

    fn start(&self, path: String) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.contains_key(&path) {
            return;
        }
        let client = std::sync::Arc::clone(&self.client);
        let url = format!("/log/{path}");
        pending.insert(
            path,
            tokio::spawn(async move {
                client
                    .get_required(&url)
                    .await
                    .map_err(|e| format!("{e:#}"))
            }),
        );
    }
}

#[async_trait]
impl LogSource for HttpSource {
    async fn checkpoint(&self) -> Result<Vec<u8>, String> {
        self.client
            .get_required("/log/checkpoint")
            .await
            .map_err(|e| format!("{e:#}"))
    }
    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, String> {
        self.get(tile.path()).await
    }
    async fn bodies(&self, bundle: u64, _width: u16) -> Result<Vec<ReleasedBody>, String> {
        let bytes = self.get(format!("bodies/{bundle}")).await?;
        let list: Vec<BodyView> = serde_json::from_slice(&bytes)
            .map_err(|e| format!("/log/bodies/{bundle} is not a body list: {e}"))?;
        let mut out = Vec::with_capacity(list.len());
        for b in list {
            let Some(body) = b.body else { continue };
            let salt = match b.salt {
                None => None,
                Some(hex_salt) => Some(hex::decode(&hex_salt).map_err(|_| {
                    format!(
                        "/log/bodies/{bundle}: the salt of entry {} is not hex: {hex_salt:?}",
                        b.index
                    )
                })?),
            };
            out.push(ReleasedBody {
                index: b.index,
                body: body.into_bytes(),
                salt,
            });
        }
        Ok(out)
    }
    fn prefetch(&self, tiles: &[Tile]) {
        for t in tiles {
            self.start(t.path());
            if t.kind == TileKind::Entries {
                self.start(format!("bodies/{}", t.index));
            }
        }
    }
}

#[async_trait]
impl PeerSource for HttpSource {
    async fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, String> {
        let path = format!("/log/proof/consistency?old={old}&new={new}");
        let bytes = self
            .client
            .get_required(&path)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let proof: ConsistencyProof = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{path} is not a consistency proof: {e}"))?;
        if (proof.old_size, proof.new_size) != (old, new) {
            return Err(format!(
                "{path} answered a proof from {} to {}",
                proof.old_size, proof.new_size
            ));
        }
        Ok(proof.hashes)
    }
}
