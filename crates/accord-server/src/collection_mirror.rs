//! Both sides of a mirrored collection (issue 14 part 5), under `/api/v1/collections/{id}`:
//!
//! * `GET …/provenance?size=S` — on the peer: every version of each object the caller may
//!   read (the one read rule, `accord_store::sharing::visible_objects`) whose log entry is in
//!   the tree of `S` entries, each with its log index, the salt of its commitment, the signed
//!   entry and its inclusion proof in that tree (`accord_store::federation::ServedVersion`).
//!   A hub mirroring the collection reads it with its peer token and checks every item
//!   against the checkpoint it accepted at `S` (`federation::verify_served`). The salt goes
//!   only to a reader who gets the body anyway, so it discloses nothing more.
//! * `GET …/mirrored` — on the mirroring hub: the object versions mirrored into the
//!   collection that the caller may read (`sharing::visible_mirrored`: their original marking
//!   and producer, this hub's affiliations and the collection's community; a marked object
//!   whose recipients this hub cannot resolve is served to nobody), each with where it comes
//!   from: the origin log, the entry index, and the origin checkpoint that proves it
//!   (`/api/v1/mirrored/proof` style provenance).
//!
//! Answers depend on the caller: `Cache-Control: private, no-store`, `Vary: Authorization`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use accord_store::federation::ServedVersion;
use accord_store::sharing::{
    MAX_OBJECTS_PAGE, ObjectQuery, SharingError, VersionMatch, collection_for, visible_mirrored,
    visible_objects,
};

use crate::collections::{api_error, bad, page_limit, parse_object, private, reject_unknown};
use crate::error::ApiError;
use crate::state::AppState;
use crate::viewer::Viewer;

/// Default page size of the provenance list: each item carries an entry and a proof.
pub const DEFAULT_PROVENANCE_LIMIT: usize = 200;

/// A page of object versions with what ties each to this hub's log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvenancePage {
    /// The tree size the inclusion proofs lead to.
    pub size: u64,
    /// The versions, in the order they were added: `log_index`, `object`, `salt` (hex),
    /// `entry` (hex of the signed entry) and `inclusion` (base64 hashes).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ServedVersion>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Every version of the collection's objects the caller may read, with its log index, the
/// salt of its commitment, the signed entry and its inclusion proof in the tree of `size`
/// entries (at most this hub's latest checkpoint); versions logged after `size` are left for
/// a later read. What a hub mirroring the collection reads with its peer token.
#[utoipa::path(get, path = "/api/v1/collections/{id}/provenance", operation_id = "get_collection_provenance",
    tag = "collections",
    security((), ("bearer" = []), ("basic" = [])),
    params(("id" = String, Path),
           ("size" = u64, Query, description = "the tree size the proofs lead to (a checkpoint the reader holds)"),
           ("limit" = Option<usize>, Query, description = "page size, 1-1000"),
           ("cursor" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = ProvenancePage, description = "the versions the caller may read, with their proofs"),
              (status = 400, description = "bad parameter, or a size beyond the log"),
              (status = 401, description = "credentials sent but unknown"),
              (status = 404, description = "no such collection")))]
pub async fn provenance(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    reject_unknown(&q, &["size", "limit", "cursor"])?;
    let size = q.get("size").ok_or_else(|| {
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
    let limit = page_limit(&q, DEFAULT_PROVENANCE_LIMIT, MAX_OBJECTS_PAGE)?;
    let c = collection_for(st.store.as_ref(), &id, viewer.reader())
        .await
        .map_err(api_error)?;
    let query = ObjectQuery {
        versions: vec![VersionMatch::All],
        limit,
        next: q.get("cursor").filter(|c| !c.is_empty()).cloned(),
        ..ObjectQuery::default()
    };
    let page = visible_objects(st.store.as_ref(), &c, viewer.reader(), &query, true)
        .await
        .map_err(|e| match e {
            SharingError::BadQuery {
                parameter: "next",
                message,
            } => bad("cursor", message),
            other => api_error(other),
        })?;
    let mut items = Vec::with_capacity(page.items.len());
    for (meta, raw) in page.items {
        let Some(raw) = raw else { continue };
        if meta.log_index >= size {
            continue;
        }
        let object = parse_object(&meta, &raw).map_err(api_error)?;
        let stored = st.store.log_entry(meta.log_index).await?;
        let proof = st.store.inclusion_proof(meta.log_index, size).await?;
        items.push(ServedVersion {
            log_index: meta.log_index,
            object,
            salt: stored.salt.as_deref().map(hex::encode),
            entry: hex::encode(&stored.entry),
            inclusion: proof.hashes,
        });
    }
    Ok(private(Json(ProvenancePage {
        size,
        items,
        next: page.next,
    })))
}

/// An object version mirrored from a peer hub, as released to the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MirroredItem {
    /// The STIX object, as its producer wrote it (`created_by_ref` and markings included).
    #[schema(value_type = Object)]
    pub object: Value,
    /// Its TLP level, as the origin hub signed it (or stricter, from the object's marking).
    pub tlp: String,
    /// The party on the origin hub that added it: its id when it is this hub's party of that
    /// id (a key of it in the origin log is registered here), else `ID@ORIGIN`, a party of the
    /// origin hub only (`sharing::visible_mirrored`).
    pub producer: String,
    /// The origin log (the peer hub's log origin).
    pub origin: String,
    /// Its entry in the origin log.
    pub log_index: u64,
    /// The size of the origin's checkpoint that proves it, as this hub accepted it.
    pub checkpoint_size: u64,
}

/// A page of the object versions mirrored into a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct MirroredPage {
    /// The versions, by origin log then entry index.
    pub items: Vec<MirroredItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The cursor after the mirrored version at `index` of `origin`: the origin's hex, a `.`, the
/// index (opaque to the caller; an origin may hold any character).
pub(crate) fn mirrored_cursor(origin: &str, index: u64) -> String {
    format!("{}.{index}", hex::encode(origin))
}

/// The origin and index a [`mirrored_cursor`] names, or why it names none.
pub(crate) fn parse_mirrored_cursor(cursor: &str) -> Result<(String, u64), ApiError> {
    let invalid = || {
        bad(
            "cursor",
            format!("{cursor:?} is not a cursor this hub gave"),
        )
    };
    let (origin, index) = cursor.split_once('.').ok_or_else(invalid)?;
    let origin = hex::decode(origin)
        .ok()
        .and_then(|o| String::from_utf8(o).ok())
        .ok_or_else(invalid)?;
    let index = index.parse::<u64>().map_err(|_| invalid())?;
    Ok((origin, index))
}

/// The object versions mirrored into the collection from a peer hub that the caller may read
/// (the latest of each object), each with its origin log, entry index and the checkpoint that
/// proves it, by origin then index, a page at a time. A TLP:AMBER, AMBER+STRICT or RED object
/// reaches only its named recipients (and their organisations as TLP allows) and producer,
/// and nobody when this hub cannot resolve them.
#[utoipa::path(get, path = "/api/v1/collections/{id}/mirrored", operation_id = "list_mirrored_objects",
    tag = "collections",
    security((), ("bearer" = []), ("basic" = [])),
    params(("id" = String, Path),
           ("limit" = Option<usize>, Query, description = "page size, 1-1000 (1000 by default)"),
           ("cursor" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = MirroredPage, description = "the mirrored objects the caller may read"),
              (status = 400, description = "bad parameter"),
              (status = 401, description = "credentials sent but unknown"),
              (status = 404, description = "no such collection")))]
pub async fn mirrored(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    reject_unknown(&q, &["limit", "cursor"])?;
    let limit = page_limit(&q, MAX_OBJECTS_PAGE, MAX_OBJECTS_PAGE)?;
    let after = match q.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(parse_mirrored_cursor(c)?),
    };
    let c = collection_for(st.store.as_ref(), &id, viewer.reader())
        .await
        .map_err(api_error)?;
    // Still the whole collection's readable versions per request (the read rule runs in Rust
    // over every mirrored version); only the answer is paged. ARCHITECTURE.md says so.
    let mut objects = visible_mirrored(st.store.as_ref(), &c, viewer.reader())
        .await
        .map_err(api_error)?;
    objects.sort_by(|a, b| (a.origin.as_str(), a.index).cmp(&(b.origin.as_str(), b.index)));
    let start = after.map_or(0, |(origin, index)| {
        objects.partition_point(|o| (o.origin.as_str(), o.index) <= (origin.as_str(), index))
    });
    let more = objects.len() > start.saturating_add(limit);
    let mut items = Vec::with_capacity(limit.min(objects.len()));
    for o in objects.into_iter().skip(start).take(limit) {
        let object: Value = serde_json::from_slice(&o.body).map_err(|e| {
            ApiError::Internal(format!(
                "mirrored object {} entry {} is not JSON: {e}",
                o.origin, o.index
            ))
        })?;
        items.push(MirroredItem {
            object,
            tlp: o.tlp.as_str().to_owned(),
            producer: o.producer,
            origin: o.origin,
            log_index: o.index,
            checkpoint_size: o.checkpoint_size,
        });
    }
    let next = items
        .last()
        .filter(|_| more)
        .map(|i| mirrored_cursor(&i.origin, i.log_index));
    Ok(private(Json(MirroredPage { items, next })))
}
