//! `/api/v1/mirrored`: the records this hub mirrored from its peers' logs (issue 14 part 2),
//! each with where it comes from — "from hub X, entry N" — and a link to what proves it: the
//! signed entry and its body as the origin log holds them and the origin's signed checkpoint
//! that the entries were verified under, which anyone can check against the origin log.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use accord_store::mirror::{MirroredEntry, MirroredQuery};
use accord_tlog::merkle;

use crate::error::ApiError;
use crate::query::{bad, page_limit, reject_unknown};
use crate::state::AppState;

/// Records per page, by default and at most.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 500;

fn number(q: &HashMap<String, String>, name: &str) -> Result<Option<u64>, ApiError> {
    q.get(name)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| bad(name, format!("{v:?} is not a non-negative integer")))
        })
        .transpose()
}

/// A mirrored record with its provenance.
#[derive(Debug, Serialize, ToSchema)]
pub struct MirroredView {
    /// The origin log (its checkpoints' origin line).
    pub origin: String,
    /// The entry's index in the origin log.
    pub index: u64,
    /// `incident` or `amendment`.
    pub kind: String,
    /// The record's id (an amendment's is `KIND/ID@vN`).
    pub entry_id: String,
    /// The party of the origin hub that signed it.
    pub submitter: String,
    /// When it says it was signed (RFC 3339).
    pub submitted_at: String,
    /// The size of the origin's signed checkpoint it was verified under.
    pub checkpoint_size: u64,
    /// "from hub X, entry N".
    pub provenance: String,
    /// Where the proof is: `/api/v1/mirrored/proof?origin=…&index=…`.
    pub proof: String,
    /// The record as signed (JSON).
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

fn body_json(e: &MirroredEntry) -> serde_json::Value {
    serde_json::from_slice(&e.body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&e.body).into()))
}

/// `origin` percent-encoded for a query string (all but the unreserved characters: an origin
/// may hold '&' or '#').
fn query_value(origin: &str) -> String {
    origin
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) fn proof_link(origin: &str, index: u64) -> String {
    format!(
        "/api/v1/mirrored/proof?origin={}&index={index}",
        query_value(origin)
    )
}

/// Where the records mirrored from the log of `origin` are listed.
pub(crate) fn list_link(origin: &str) -> String {
    format!("/api/v1/mirrored?origin={}", query_value(origin))
}

impl From<MirroredEntry> for MirroredView {
    fn from(e: MirroredEntry) -> Self {
        MirroredView {
            provenance: provenance(&e.origin, e.index),
            proof: proof_link(&e.origin, e.index),
            body: body_json(&e),
            origin: e.origin,
            index: e.index,
            kind: e.kind,
            entry_id: e.entry_id,
            submitter: e.submitter,
            submitted_at: e.submitted_at,
            checkpoint_size: e.checkpoint_size,
        }
    }
}

/// Where a mirrored incident in a list comes from: "from hub X, entry N", and its proof.
#[derive(Debug, Serialize, ToSchema)]
pub struct MirroredFrom {
    /// The origin log.
    pub origin: String,
    /// The recording entry's index in the origin log.
    pub index: u64,
    /// The origin log's entries that amended it, oldest first (each listed and proven at
    /// `/api/v1/mirrored`).
    pub amendments: Vec<u64>,
    /// "from hub X, entry N".
    pub provenance: String,
    /// Where the recording entry's proof is: `/api/v1/mirrored/proof?origin=…&index=…`.
    pub proof: String,
}

impl MirroredFrom {
    /// The provenance of `m`.
    pub fn of(m: &accord_store::mirrored::MirroredIncident) -> Self {
        MirroredFrom {
            origin: m.origin.clone(),
            index: m.index,
            amendments: m.amendments.clone(),
            provenance: provenance(&m.origin, m.index),
            proof: proof_link(&m.origin, m.index),
        }
    }
}

/// "from hub X, entry N".
pub(crate) fn provenance(origin: &str, index: u64) -> String {
    format!("from hub {origin}, entry {index}")
}

/// The mirrored records, by origin then index.
#[utoipa::path(get, path = "/api/v1/mirrored", operation_id = "list_mirrored", tag = "federation",
    params(("origin" = Option<String>, Query, description = "only from this origin log"),
           ("kind" = Option<String>, Query, description = "incident or amendment"),
           ("id" = Option<String>, Query, description = "only this record id"),
           ("offset" = Option<u64>, Query), ("limit" = Option<u64>, Query, description = "1 to 500, 100 by default")),
    responses((status = 200, body = Vec<MirroredView>, description = "mirrored records with their provenance"),
              (status = 400, description = "a bad parameter")))]
pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<MirroredView>>, ApiError> {
    reject_unknown(&q, &["origin", "kind", "id", "offset", "limit"])?;
    // At most MAX_LIMIT, so the widening to the store's u64 loses nothing.
    let limit = page_limit(&q, DEFAULT_LIMIT, MAX_LIMIT)? as u64;
    let kind = q.get("kind").cloned();
    if let Some(k) = &kind
        && !accord_store::federation::MIRRORED_KINDS.contains(&k.as_str())
    {
        return Err(bad(
            "kind",
            format!(
                "{k:?} is not a mirrored kind: {}",
                accord_store::federation::MIRRORED_KINDS.join(", ")
            ),
        ));
    }
    let entries = st
        .store
        .mirrored_entries(MirroredQuery {
            origin: q.get("origin").cloned(),
            kind,
            entry_id: q.get("id").cloned(),
            index: None,
            offset: number(&q, "offset")?.unwrap_or(0),
            limit,
        })
        .await?;
    Ok(Json(entries.into_iter().map(MirroredView::from).collect()))
}

/// What proves a mirrored record.
#[derive(Debug, Serialize, ToSchema)]
pub struct MirroredProof {
    /// The record and its provenance.
    pub record: MirroredView,
    /// The signed entry exactly as it is a leaf of the origin log (JSON).
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
    /// The entry's RFC 9162 leaf hash (base64).
    pub leaf_hash: String,
    /// The salt of the entry's body commitment (hex), if it was salted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_salt: Option<String>,
    /// The origin's signed checkpoint (C2SP signed note) the entry was verified under.
    pub checkpoint: String,
    /// The origin log's verifier key that signs it.
    pub origin_key: String,
    /// Where the origin hub serves the entry's inclusion proof in that checkpoint: a URL on
    /// the origin's registered address, or (the origin no longer a peer) the path there.
    pub inclusion_proof: String,
}

/// The proof of one mirrored record: its signed entry, body commitment, and the origin's
/// signed checkpoint it was verified under.
#[utoipa::path(get, path = "/api/v1/mirrored/proof", operation_id = "get_mirrored_proof", tag = "federation",
    params(("origin" = String, Query), ("index" = u64, Query)),
    responses((status = 200, body = MirroredProof, description = "what proves the record"),
              (status = 400, description = "a bad parameter"), (status = 404, description = "no such mirrored record")))]
pub async fn proof(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<MirroredProof>, ApiError> {
    reject_unknown(&q, &["origin", "index"])?;
    let origin = q
        .get("origin")
        .ok_or_else(|| bad("origin", "the origin log is required".into()))?;
    let index = number(&q, "index")?.ok_or_else(|| bad("index", "required".into()))?;
    let not_found = || ApiError::NotFound {
        what: "mirrored record",
        id: format!("{origin} entry {index}"),
    };
    let entry = st
        .store
        .mirrored_entries(MirroredQuery {
            origin: Some(origin.clone()),
            index: Some(index),
            limit: 1,
            ..MirroredQuery::default()
        })
        .await?
        .into_iter()
        .next()
        .ok_or_else(not_found)?;
    let state = st.store.mirror(origin).await?.ok_or_else(not_found)?;
    // The proof lives on the origin hub: its registered URL when it is a current peer.
    let origin_url = st
        .store
        .peers()
        .await?
        .into_iter()
        .find(|p| p.origin == *origin && p.removed_at.is_none())
        .map(|p| p.url.trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let checkpoint = st
        .store
        .mirror_checkpoint(origin, entry.checkpoint_size)
        .await?
        .ok_or_else(not_found)?;
    let signed: serde_json::Value = serde_json::from_slice(&entry.entry).map_err(|e| {
        ApiError::Internal(format!(
            "mirrored entry {index} of {origin} is not JSON: {e}"
        ))
    })?;
    Ok(Json(MirroredProof {
        entry: signed,
        leaf_hash: merkle::leaf_hash(&entry.entry).to_base64(),
        body_salt: entry.salt.as_deref().map(hex::encode),
        checkpoint,
        origin_key: state.verifier_key,
        inclusion_proof: format!(
            "{}/log/proof/inclusion?index={index}&size={}",
            origin_url, entry.checkpoint_size
        ),
        record: MirroredView::from(entry),
    }))
}
