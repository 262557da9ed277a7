//! `/api/v1/peers`: the peer hubs this hub follows (`accord_store::peers`), public as the log
//! that registers them is, and the evidence against any caught showing two views of its log.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use accord_store::log::Peer;

use crate::error::ApiError;
use crate::state::AppState;

/// A peer hub as registered.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeerView {
    /// Its short id (16 hex digits of the SHA-256 of its log key).
    pub id: String,
    /// Its base URL.
    pub url: String,
    /// Its log's C2SP verifier key string (`name+keyid+base64`).
    pub log_key: String,
    /// Its log's origin (the key's name).
    pub origin: String,
    /// The registered party that operates it, if named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The log entry that registered it (last registered, if removed and added again).
    pub added_at: u64,
    /// The log entry that removed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<u64>,
    /// The `peer-fork` log entry that marked it forked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forked_at: Option<u64>,
    /// `active`, `removed`, or `forked` (caught showing two views; nothing more is imported
    /// from it).
    pub state: String,
    /// The size of its log's last checkpoint this hub accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_size: Option<u64>,
}

/// The peers, current and removed, oldest registration first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Peers {
    /// The peers.
    pub peers: Vec<PeerView>,
}

/// The peers this hub follows, as its log registered them, with each one's state.
#[utoipa::path(get, path = "/api/v1/peers", operation_id = "list_peers", tag = "peers",
    responses((status = 200, body = Peers, description = "every peer ever registered, oldest first")))]
pub async fn list(State(st): State<AppState>) -> Result<Json<Peers>, ApiError> {
    let mut peers = Vec::new();
    for p in st.store.peers().await? {
        let accepted_size = st.store.peer_checkpoint(&p.key).await?.map(|c| c.size);
        peers.push(view(p, accepted_size));
    }
    Ok(Json(Peers { peers }))
}

fn view(p: Peer, accepted_size: Option<u64>) -> PeerView {
    PeerView {
        state: p.state().to_owned(),
        id: p.id,
        url: p.url,
        log_key: p.key,
        origin: p.origin,
        party: p.party,
        added_at: p.added_at,
        removed_at: p.removed_at,
        forked_at: p.forked_at,
        accepted_size,
    }
}

/// Evidence that a peer's log showed two views, for anyone to re-check: both checkpoints
/// open under `log_key`, and they do not extend one another.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForkEvidenceView {
    /// The peer's id.
    pub peer: String,
    /// Its log's verifier key string.
    pub log_key: String,
    /// The URL the second checkpoint was read from.
    pub url: String,
    /// The `peer-fork` log entry holding this evidence (its body is this evidence, signed by
    /// the operator: `GET /log/entries/{entry}`).
    pub entry: u64,
    /// The checkpoint accepted before (signed note).
    pub accepted: String,
    /// The checkpoint shown afterwards that does not extend it (signed note).
    pub shown: String,
    /// The consistency proof the peer served between them, which fails (absent when the
    /// sizes alone show the fork).
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<accord_tlog::merkle::ConsistencyProof>,
    /// What is wrong, in words.
    pub reason: String,
}

/// The evidence against a peer caught showing two views of its log.
#[utoipa::path(get, path = "/api/v1/peers/{id}/evidence", operation_id = "get_peer_evidence", tag = "peers",
    params(("id" = String, Path, description = "the peer's id")),
    responses((status = 200, body = ForkEvidenceView, description = "both signed checkpoints and the failed proof"),
              (status = 404, description = "no such peer, or it was never caught forked")))]
pub async fn evidence(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ForkEvidenceView>, ApiError> {
    let not_found = || ApiError::NotFound {
        what: "forked peer",
        id: id.clone(),
    };
    let peer = st
        .store
        .peers()
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(not_found)?;
    let (entry, e) = st.store.peer_fork(&peer.key).await?.ok_or_else(not_found)?;
    Ok(Json(ForkEvidenceView {
        peer: peer.id,
        log_key: e.key,
        url: e.url,
        entry,
        accepted: e.accepted,
        shown: e.shown,
        proof: e.proof,
        reason: e.reason,
    }))
}
