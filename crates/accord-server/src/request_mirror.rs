//! Both sides of mirrored evidence requests (issue 14), under `/api/v1/requests`:
//!
//! * `GET …/provenance?size=S` — on the peer: every log entry (the filing and each
//!   transition) of the requests the caller is a side of (`Store::request_steps`, then the
//!   requests' read rule, `Request::visible_to`, on each), within the tree of `S` entries,
//!   each with its log index, body, the salt of its commitment, the signed entry and its
//!   inclusion proof in that tree (`accord_store::federation::ServedRequestEntry`). A hub
//!   mirroring this one reads it with its peer token, as its party here, and checks every
//!   item against the checkpoint it accepted at `S` (`federation::verify_served_request`).
//!   The body and salt go only to a side of the request, who may read it anyway.
//! * `GET …/mirrored` — on the mirroring hub: the requests mirrored from peers that the caller
//!   is a side of, resolved by key (`accord_store::mirrored_requests::visible`; a request whose
//!   sides this hub cannot resolve is served to nobody), each with where every step comes
//!   from: the origin log, the entry index, the signed entry and the origin checkpoint that
//!   proves it.
//!
//! Answers depend on the caller: `Cache-Control: private, no-store`, `Vary: Authorization`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use accord_law::request::Request;
use accord_store::federation::ServedRequestEntry;
use accord_store::mirror::RequestStepQuery;
use accord_store::mirrored_requests::{MirroredRequest, visible};
use accord_tlog::merkle;

use crate::auth::Authenticated;
use crate::collection_mirror::{mirrored_cursor, parse_mirrored_cursor};
use crate::collections::{bad, page_limit, private};
use crate::error::ApiError;
use crate::mirrored::provenance;
use crate::pathways::{param, read_query, reject_unknown};
use crate::state::AppState;

/// Default page size of the provenance list: each item carries an entry and a proof.
pub const DEFAULT_PROVENANCE_LIMIT: usize = 200;

/// Largest page of either list.
pub const MAX_PAGE: usize = 1000;

/// A page of request entries with what ties each to this hub's log.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestProvenancePage {
    /// The tree size the inclusion proofs lead to.
    pub size: u64,
    /// The entries, by log index: `log_index`, `body` (hex of the committed bytes), `salt`
    /// (hex), `entry` (hex of the signed entry) and `inclusion` (base64 hashes).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ServedRequestEntry>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Every log entry (filing and transitions) of the requests the caller is a side of, within
/// the tree of `size` entries (at most this hub's latest checkpoint), by log index, each with
/// its body, the salt of its commitment, the signed entry and its inclusion proof in that
/// tree. What a hub mirroring this one reads with its peer token.
#[utoipa::path(get, path = "/api/v1/requests/provenance", operation_id = "get_request_provenance",
    tag = "requests",
    security(("bearer" = [])),
    params(("size" = u64, Query, description = "the tree size the proofs lead to (a checkpoint the reader holds)"),
           ("limit" = Option<usize>, Query, description = "page size, 1-1000 (200 by default)"),
           ("cursor" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = RequestProvenancePage, description = "the caller's request entries, with their proofs"),
              (status = 400, description = "bad parameter, or a size beyond the log"),
              (status = 401, description = "no valid token")))]
pub async fn provenance_page(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = read_query(q)?;
    reject_unknown(&q, &["size", "limit", "cursor"])?;
    let size = param(&q, "size").ok_or_else(|| {
        bad(
            "size",
            "the tree size the proofs lead to is required".into(),
        )
    })?;
    let size: u64 = size
        .parse()
        .map_err(|_| bad("size", format!("{size:?} is not a tree size")))?;
    let current = st.store.checkpoint().await?.map_or(0, |c| c.size);
    if size == 0 || size > current {
        return Err(bad(
            "size",
            format!("{size} is not a tree size of this log (1 to {current})"),
        ));
    }
    let limit = page_limit(&q, DEFAULT_PROVENANCE_LIMIT, MAX_PAGE)?;
    let after = match param(&q, "cursor") {
        None => None,
        Some(c) => Some(
            c.parse::<u64>()
                .map_err(|_| bad("cursor", format!("{c:?} is not a cursor this hub gave")))?,
        ),
    };
    let steps = st
        .store
        .request_steps(&RequestStepQuery {
            party: party.clone(),
            below: size,
            after,
            limit: limit as u64,
        })
        .await?;
    let next = steps
        .last()
        .filter(|_| steps.len() == limit)
        .map(|s| s.index.to_string());
    let mut requests: HashMap<String, Request> = HashMap::new();
    let mut items = Vec::with_capacity(steps.len());
    for s in steps {
        if !requests.contains_key(&s.request) {
            let r = st.store.request(&s.request).await?;
            requests.insert(s.request.clone(), r);
        }
        // The store selected the caller's side; the read rule decides, on the record itself.
        if !requests
            .get(&s.request)
            .is_some_and(|r| r.visible_to(Some(&party)))
        {
            continue;
        }
        let stored = st.store.log_entry(s.index).await?;
        let proof = st.store.inclusion_proof(s.index, size).await?;
        items.push(ServedRequestEntry {
            log_index: s.index,
            body: hex::encode(&stored.body),
            salt: stored.salt.as_deref().map(hex::encode),
            entry: hex::encode(&stored.entry),
            inclusion: proof.hashes,
        });
    }
    Ok(private(Json(RequestProvenancePage { size, items, next })))
}

/// One step of a mirrored request and what proves it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MirroredRequestStep {
    /// The entry's index in the origin log.
    pub log_index: u64,
    /// "from hub X, entry N, checkpoint S".
    pub provenance: String,
    /// The signed entry exactly as it is a leaf of the origin log (JSON).
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
    /// The entry's RFC 9162 leaf hash (base64).
    pub leaf_hash: String,
    /// The salt of the entry's body commitment (hex), if it was salted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_salt: Option<String>,
    /// The size of the origin's checkpoint that proves it, as this hub accepted it.
    pub checkpoint_size: u64,
    /// That checkpoint as the origin signed it (a C2SP signed note).
    pub checkpoint: String,
    /// Where the origin serves the entry's inclusion proof in that checkpoint (a path on the
    /// origin hub).
    pub inclusion_proof: String,
}

/// A request mirrored from a peer hub, as its origin log tells it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MirroredRequestView {
    /// The request: id, incident, requesting_state, requested_state, data, emergency,
    /// pathway, summary, tlp, created_at, status, history (with the origin's log indexes);
    /// no due dates (the origin computes them).
    #[schema(value_type = Object)]
    pub request: Request,
    /// The origin log.
    pub origin: String,
    /// Its filing's entry in the origin log.
    pub log_index: u64,
    /// "from hub X, entry N, checkpoint S" of the filing.
    pub provenance: String,
    /// Every step (the filing first) with its proof.
    pub steps: Vec<MirroredRequestStep>,
}

/// A page of mirrored requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct MirroredRequestPage {
    /// The requests, by origin log then filing index.
    pub items: Vec<MirroredRequestView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// "from hub X, entry N, checkpoint S".
fn step_provenance(origin: &str, index: u64, size: u64) -> String {
    format!("{}, checkpoint {size}", provenance(origin, index))
}

/// The view of `m` with every step's proof; `checkpoints` caches the accepted checkpoints
/// read so far, by origin and size.
async fn view(
    st: &AppState,
    m: MirroredRequest,
    checkpoints: &mut HashMap<(String, u64), String>,
) -> Result<MirroredRequestView, ApiError> {
    let mut steps = Vec::with_capacity(m.steps.len());
    for s in &m.steps {
        let key = (m.origin.clone(), s.checkpoint_size);
        let checkpoint = match checkpoints.get(&key) {
            Some(c) => c.clone(),
            None => {
                let c = st
                    .store
                    .mirror_checkpoint(&m.origin, s.checkpoint_size)
                    .await?
                    .ok_or_else(|| {
                        ApiError::Internal(format!(
                            "no accepted checkpoint of {} at size {}",
                            m.origin, s.checkpoint_size
                        ))
                    })?;
                checkpoints.insert(key, c.clone());
                c
            }
        };
        let entry: serde_json::Value = serde_json::from_slice(&s.entry).map_err(|err| {
            ApiError::Internal(format!(
                "mirrored request entry {} of {} is not JSON: {err}",
                s.index, m.origin
            ))
        })?;
        steps.push(MirroredRequestStep {
            log_index: s.index,
            provenance: step_provenance(&m.origin, s.index, s.checkpoint_size),
            entry,
            leaf_hash: merkle::leaf_hash(&s.entry).to_base64(),
            body_salt: s.salt.as_deref().map(hex::encode),
            checkpoint_size: s.checkpoint_size,
            checkpoint,
            inclusion_proof: format!(
                "/log/proof/inclusion?index={}&size={}",
                s.index, s.checkpoint_size
            ),
        });
    }
    let filing_size = m.steps.first().map_or(0, |s| s.checkpoint_size);
    Ok(MirroredRequestView {
        provenance: step_provenance(&m.origin, m.index, filing_size),
        request: m.request,
        origin: m.origin,
        log_index: m.index,
        steps,
    })
}

/// The requests mirrored from peer hubs that the caller is a side of (its party here, sharing
/// a registered key with the side in the origin's log), each with every step's provenance
/// and proof, by origin then filing index, a page at a time. A request whose sides this hub
/// cannot resolve is served to nobody.
#[utoipa::path(get, path = "/api/v1/requests/mirrored", operation_id = "list_mirrored_requests",
    tag = "requests",
    security(("bearer" = [])),
    params(("origin" = Option<String>, Query, description = "only from this origin log"),
           ("limit" = Option<usize>, Query, description = "page size, 1-1000 (1000 by default)"),
           ("cursor" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = MirroredRequestPage, description = "the mirrored requests the caller is a side of"),
              (status = 400, description = "bad parameter"),
              (status = 401, description = "no valid token")))]
pub async fn mirrored(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = read_query(q)?;
    reject_unknown(&q, &["origin", "limit", "cursor"])?;
    let limit = page_limit(&q, MAX_PAGE, MAX_PAGE)?;
    let after = param(&q, "cursor").map(parse_mirrored_cursor).transpose()?;
    let requests = visible(st.store.as_ref(), &party, param(&q, "origin")).await?;
    let start = after.map_or(0, |(origin, index)| {
        requests.partition_point(|m| (m.origin.as_str(), m.index) <= (origin.as_str(), index))
    });
    let more = requests.len() > start.saturating_add(limit);
    let mut items = Vec::with_capacity(limit.min(requests.len()));
    let mut checkpoints = HashMap::new();
    for m in requests.into_iter().skip(start).take(limit) {
        items.push(view(&st, m, &mut checkpoints).await?);
    }
    let next = items
        .last()
        .filter(|_| more)
        .map(|i| mirrored_cursor(&i.origin, i.log_index));
    Ok(private(Json(MirroredRequestPage { items, next })))
}
