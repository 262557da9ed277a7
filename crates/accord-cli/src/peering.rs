//! Reading a peer hub's log over HTTP: the [`accord_store::peers::PeerSource`] that
//! `accord peers check` judges a peer through. Answers are bounded in time and size: a peer is
//! another hub, and potentially hostile.

use std::time::Duration;

use accord_store::log::Peer;
use accord_store::peers::PeerSource;
use accord_tlog::merkle::ConsistencyProof;
use async_trait::async_trait;

/// How long one request to a peer may take.
const TIMEOUT: Duration = Duration::from_secs(15);
/// The most a peer's checkpoint may weigh (a note has at most 100 signature lines).
const MAX_CHECKPOINT: usize = 64 * 1024;
/// The most a consistency proof may weigh (at most 128 hashes, in JSON).
const MAX_PROOF: usize = 64 * 1024;

/// A peer's `/log` over HTTP, read anonymously (the checkpoint and proofs are public).
pub struct HttpPeer {
    base: String,
    http: reqwest::Client,
}

impl HttpPeer {
    /// A reader of `peer`'s log at its registered URL.
    pub fn new(peer: &Peer) -> anyhow::Result<HttpPeer> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("accord/", env!("CARGO_PKG_VERSION")))
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(HttpPeer {
            base: peer.url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// GETs `path`, at most `limit` bytes of a 200 answer.
    async fn get(&self, path: &str, limit: usize) -> Result<Vec<u8>, String> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("{url} answered {}", resp.status()));
        }
        crate::client::read_capped(resp, &url, limit)
            .await
            .map_err(|e| format!("{e:#}"))
    }
}

#[async_trait]
impl PeerSource for HttpPeer {
    async fn checkpoint(&self) -> Result<String, String> {
        let body = self.get("/log/checkpoint", MAX_CHECKPOINT).await?;
        String::from_utf8(body).map_err(|_| "the checkpoint is not UTF-8".to_owned())
    }

    async fn consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof, String> {
        let body = self
            .get(
                &format!("/log/proof/consistency?old={old}&new={new}"),
                MAX_PROOF,
            )
            .await?;
        serde_json::from_slice(&body)
            .map_err(|e| format!("the consistency proof from {old} to {new} is not JSON: {e}"))
    }
}
