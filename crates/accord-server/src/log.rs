//! The transparency log over HTTP, under `/log`.
//!
//! The C2SP resources (`checkpoint`, `tile/…`, `tile/entries/…`) are what any tlog client,
//! including the Go reference, reads; the JSON conveniences (`proof/…`, `entries/{index}`) save
//! a client the tile arithmetic. Full tiles never change, so they are cached for a year; the
//! checkpoint changes with every batch of writes and is cached for a second.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use accord_store::sharing::LogRelease;
use accord_tlog::entry::{Envelope, SignedEntry};
use accord_tlog::merkle::{self, ConsistencyProof, InclusionProof};
use accord_tlog::tiles::Tile;
use accord_tlp::Tlp;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::state::AppState;

/// How long the checkpoint may be cached (C2SP tlog-tiles: short).
const CHECKPOINT_CACHE: &str = "public, max-age=1";
/// Full tiles and bundles never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Partial tiles are fixed too, but are superseded by wider ones soon.
const PARTIAL: &str = "public, max-age=60";

fn text(body: String, cache: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

/// The latest signed checkpoint (a C2SP signed note), cosignatures included.
#[utoipa::path(get, path = "/log/checkpoint", operation_id = "get_checkpoint", tag = "log",
    responses((status = 200, content_type = "text/plain",
               description = "the log's head: origin, size and root hash, signed by the operator (C2SP tlog-checkpoint)"),
              (status = 404, description = "nothing logged yet")))]
pub async fn checkpoint(State(st): State<AppState>) -> Result<Response, ApiError> {
    let cp = st.store.checkpoint().await?.ok_or(ApiError::NotFound {
        what: "checkpoint",
        id: "latest".into(),
    })?;
    Ok(text(cp.note, CHECKPOINT_CACHE))
}

/// The verifier key string of the log's checkpoints and the operator's entries.
pub async fn key(State(st): State<AppState>) -> Response {
    text(
        format!("{}\n", st.sequencer.operator().verifier_key()),
        CHECKPOINT_CACHE,
    )
}

/// A hash tile or entry bundle by its C2SP path.
pub async fn tile(
    State(st): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let tile = Tile::parse(&format!("tile/{path}")).map_err(|e| ApiError::NotFound {
        what: "tile",
        id: format!("{path} ({e})"),
    })?;
    let data = st.store.tile(tile).await?;
    let mut resp = data.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    let cache = if tile.is_partial() {
        PARTIAL
    } else {
        IMMUTABLE
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(resp)
}

fn number(q: &HashMap<String, String>, name: &str) -> Result<Option<u64>, ApiError> {
    q.get(name)
        .map(|v| {
            v.parse::<u64>().map_err(|_| ApiError::BadRequest {
                detail: format!("{name}={v:?} is not a non-negative integer"),
                field: Some(name.to_owned()),
            })
        })
        .transpose()
}

fn required(q: &HashMap<String, String>, name: &str) -> Result<u64, ApiError> {
    number(q, name)?.ok_or_else(|| ApiError::BadRequest {
        detail: format!("the {name} parameter is required"),
        field: Some(name.to_owned()),
    })
}

async fn current_size(st: &AppState) -> Result<u64, ApiError> {
    Ok(st.store.checkpoint().await?.map(|c| c.size).unwrap_or(0))
}

/// `GET /log/proof/inclusion?index=N[&size=S]`: the proof that entry N is in the tree of S
/// entries (default: the latest checkpoint's size).
pub async fn inclusion(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<InclusionProof>, ApiError> {
    let index = required(&q, "index")?;
    let size = match number(&q, "size")? {
        Some(s) => s,
        None => current_size(&st).await?,
    };
    Ok(Json(st.store.inclusion_proof(index, size).await?))
}

/// `GET /log/proof/consistency?old=A[&new=B]`: the proof that the tree of A entries is a
/// prefix of the tree of B entries (default: the latest checkpoint's size).
pub async fn consistency(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let old = required(&q, "old")?;
    let new = match number(&q, "new")? {
        Some(s) => s,
        None => current_size(&st).await?,
    };
    Ok(Json(st.store.consistency_proof(old, new).await?))
}

/// One log entry as JSON.
#[derive(Debug, Serialize)]
pub struct EntryView {
    /// Its index.
    pub index: u64,
    /// Its RFC 9162 leaf hash (base64).
    pub leaf_hash: String,
    /// The signed entry: envelope and signature.
    pub entry: serde_json::Value,
    /// The body's TLP marking.
    pub tlp: Tlp,
    /// The body, when the read rules release it to the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// The salt of the body's commitment (hex), released with the body and only with it:
    /// SHA-256 of the salt followed by the body's bytes is the envelope's
    /// `body_salted_sha256`. Absent for entries written before salting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_salt: Option<String>,
    /// Why the body is withheld, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_withheld: Option<String>,
}

/// `GET /log/entries/{index}`: the entry, and its body if its marking allows anyone to read it.
pub async fn entry(
    State(st): State<AppState>,
    Path(index): Path<u64>,
) -> Result<Json<EntryView>, ApiError> {
    let stored = st.store.log_entry(index).await?;
    let entry = serde_json::from_slice(&stored.entry)
        .map_err(|e| ApiError::Internal(format!("stored entry {index} is not JSON: {e}")))?;
    let envelope = stored_envelope(&stored.entry, index)?;
    let release = LogRelease::load(st.store.as_ref()).await?;
    let (body, body_salt, body_withheld) = if release.publishes(&envelope) {
        let body = serde_json::from_slice(&stored.body)
            .map_err(|e| ApiError::Internal(format!("stored body {index} is not JSON: {e}")))?;
        (Some(body), stored.salt.as_deref().map(hex::encode), None)
    } else if envelope.tlp == Tlp::Clear {
        (None, None, Some("the collection does not let anonymous readers read its objects; its members read this one over TAXII; the envelope commits to it".to_owned()))
    } else {
        let how = if envelope.body_salted_sha256.is_some() {
            "with a salted hash, whose salt is withheld with the body"
        } else {
            "by its SHA-256 (an entry written before commitments were salted)"
        };
        (
            None,
            None,
            Some(format!(
                "the body's TLP marking does not allow public release; the envelope commits to it {how}"
            )),
        )
    };
    Ok(Json(EntryView {
        index,
        leaf_hash: merkle::leaf_hash(&stored.entry).to_base64(),
        entry,
        tlp: stored.tlp,
        body,
        body_salt,
        body_withheld,
    }))
}

/// One body of an entry bundle, as `/log/bodies/{bundle}` lists it.
#[derive(Debug, Serialize)]
pub struct BodyView {
    /// The entry's index.
    pub index: u64,
    /// The body's exact bytes as text (canonical JSON), or null when withheld.
    pub body: Option<String>,
    /// The salt of the body's commitment (hex), when the body is released and was salted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

/// `GET /log/bodies/{bundle}`: the bodies behind entry bundle `bundle` that the read rules
/// release (TLP:CLEAR), with their salts, so an auditor can check them against their
/// commitments in bulk.
pub async fn bodies(
    State(st): State<AppState>,
    Path(bundle): Path<u64>,
) -> Result<Json<Vec<BodyView>>, ApiError> {
    let start = bundle
        .checked_mul(accord_tlog::tiles::TILE_WIDTH)
        .ok_or(ApiError::NotFound {
            what: "bundle",
            id: bundle.to_string(),
        })?;
    let entries = st
        .store
        .log_entries(start, accord_tlog::tiles::TILE_WIDTH)
        .await?;
    if entries.is_empty() {
        return Err(ApiError::NotFound {
            what: "bundle",
            id: bundle.to_string(),
        });
    }
    let release = LogRelease::load(st.store.as_ref()).await?;
    let mut views = Vec::with_capacity(entries.len());
    for e in entries {
        let envelope = stored_envelope(&e.entry, e.index)?;
        // The salt goes with the body, never without it.
        let body = release
            .publishes(&envelope)
            .then(|| String::from_utf8(e.body).ok())
            .flatten();
        let salt = body.as_ref().and(e.salt.as_deref()).map(hex::encode);
        views.push(BodyView {
            index: e.index,
            body,
            salt,
        });
    }
    Ok(Json(views))
}

/// The envelope of the stored entry at `index`.
fn stored_envelope(bytes: &[u8], index: u64) -> Result<Envelope, ApiError> {
    SignedEntry::from_bytes(bytes)
        .map(|e| e.envelope)
        .map_err(|e| ApiError::Internal(format!("stored entry {index} does not parse: {e}")))
}

/// A witness's cosignature of one checkpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cosignature {
    /// The size of the checkpoint cosigned.
    pub size: u64,
    /// The signed-note signature line (`— name base64`) over the checkpoint text.
    pub signature: String,
}

/// `POST /log/cosignatures`: a witness attaches its cosignature. Only a witness the operator
/// configured (`accord witnesses add`), posting with its party's token, under its own key,
/// over the text of the checkpoint of `size` (see `accord_store::witness::cosign`).
pub async fn cosign(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    JsonBody(c): JsonBody<Cosignature>,
) -> Result<StatusCode, ApiError> {
    accord_store::witness::cosign(
        st.store.as_ref(),
        st.sequencer.operator(),
        &party,
        c.size,
        &c.signature,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
