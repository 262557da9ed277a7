//! Shared STIX objects over the REST API: collections, their objects, the sightings of an
//! indicator and exports to sensors, under `/api/v1/collections`.
//!
//! * `GET /api/v1/collections` — the collections the caller sees, with `can_read`/`can_write`.
//! * `GET /api/v1/collections/{id}/objects` — the latest version of each object the caller may
//!   read, oldest first, filtered by `type`, `id` and `added_after`, paged with `limit` and
//!   `cursor`.
//! * `GET /api/v1/collections/{id}/objects/{object}` — one object (its latest visible version).
//! * `GET /api/v1/collections/{id}/objects/{object}/sightings` — how often and where the
//!   indicator was sighted, counted over the `sighting` objects the caller may read.
//! * `GET /api/v1/collections/{id}/export/{suricata|zeek|blocklist}` — the indicators the
//!   caller may read, as a sensor loads them (`accord_stix::export`).
//!
//! **One read rule.** Every answer here is computed from
//! `accord_store::sharing::visible_objects`, the function TAXII reads through, which asks
//! `accord_stix::tlp::may_read` of each object before anything else. Sightings are ordinary
//! STIX objects in the collection, each with its own TLP marking, so a producer counts only
//! the sightings whose marking lets it read them: a TLP:RED sighting reported to one CSIRT
//! does not show up in the producer's count. An object the caller may not read answers 404
//! exactly as one that does not exist.
//!
//! Callers authenticate as for TAXII (HTTP Basic `party:token`, or a bearer token); without
//! credentials they read as anonymous. Answers vary with the caller, so they carry
//! `Cache-Control: private, no-store` and `Vary: Authorization`.

use std::collections::{BTreeSet, HashMap};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use accord_stix::export::{self, BlocklistType, Options, Target};
use accord_stix::object::{Indicator, StixObject};
use accord_stix::tlp::Reader;
use accord_store::sharing::{
    Collection, MAX_OBJECTS_PAGE, ObjectMeta, ObjectQuery, SharingError, collection_for,
    collections_for, format_us, parse_us, visible_objects,
};
use accord_store::{Store, StoreError};

use crate::error::ApiError;
// The query helpers live in `query`; the collection modules import them from here too.
pub(crate) use crate::query::{bad, page_limit, reject_unknown};
use crate::state::AppState;
use crate::viewer::Viewer;

/// Default page size of the object list.
pub const DEFAULT_OBJECTS_LIMIT: usize = 100;

/// A sharing error as problem details.
pub fn api_error(e: SharingError) -> ApiError {
    match e {
        SharingError::NoCollection(id) => ApiError::NotFound {
            what: "collection",
            id,
        },
        SharingError::Forbidden(m) => ApiError::Forbidden(m),
        SharingError::BadQuery { parameter, message } => ApiError::BadRequest {
            detail: format!("{parameter}: {message}"),
            field: Some(parameter.to_owned()),
        },
        SharingError::Record(r) => r.into(),
        SharingError::Store(s) => s.into(),
        other => ApiError::Internal(other.to_string()),
    }
}

/// A stored object's JSON as a value, for the readers that look inside it.
pub(crate) fn parse_object(meta: &ObjectMeta, raw: &RawValue) -> Result<Value, SharingError> {
    serde_json::from_str(raw.get()).map_err(|e| {
        SharingError::Store(StoreError::Corrupt {
            what: format!("object {}", meta.id),
            detail: e.to_string(),
        })
    })
}

/// Every object of `collection` of one of `types` (any type when empty) that `reader` may
/// read, latest version of each, in the order added; paged through [`visible_objects`].
pub async fn read_all(
    store: &dyn Store,
    collection: &Collection,
    reader: Reader<'_>,
    types: &[&str],
) -> Result<Vec<(ObjectMeta, Value)>, SharingError> {
    let mut query = ObjectQuery {
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        limit: MAX_OBJECTS_PAGE,
        ..ObjectQuery::default()
    };
    let mut out = Vec::new();
    loop {
        let page = visible_objects(store, collection, reader, &query, true).await?;
        for (m, raw) in page.items {
            if let Some(raw) = raw {
                let value = parse_object(&m, &raw)?;
                out.push((m, value));
            }
        }
        match page.next {
            Some(n) => query.next = Some(n),
            None => return Ok(out),
        }
    }
}

/// What the sightings a reader may read say about one indicator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SightingTally {
    /// The indicator.
    pub indicator: String,
    /// How many `sighting` objects of it the reader may read.
    pub sightings: usize,
    /// The sum of their `count` (a sighting without one counts once).
    pub count: u64,
    /// The parties that reported them, each once.
    pub reported_by: Vec<String>,
    /// The `where_sighted_refs` they name, each once.
    pub where_sighted: Vec<String>,
    /// The earliest `first_seen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// The latest `last_seen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
}

/// Tallies sightings per indicator (`sighting_of_ref`), from sightings already released to
/// the reader. Sightings of other objects are tallied too, under their own ids.
pub fn tally_sightings(sightings: &[(ObjectMeta, Value)]) -> HashMap<String, SightingTally> {
    let mut by: HashMap<String, (SightingTally, BTreeSet<String>, BTreeSet<String>)> =
        HashMap::new();
    let mut bounds: HashMap<String, (Option<i64>, Option<i64>)> = HashMap::new();
    for (meta, v) in sightings {
        let Some(of) = v.get("sighting_of_ref").and_then(Value::as_str) else {
            continue;
        };
        let e = by.entry(of.to_owned()).or_default();
        e.0.sightings += 1;
        // Counts are bounded on the way in (STIX 2.1 §5.7: at most 999,999,999); saturate
        // anyway, for objects stored before that check.
        let count = v.get("count").and_then(Value::as_u64).unwrap_or(1);
        e.0.count = e.0.count.saturating_add(count);
        e.1.insert(meta.producer.clone());
        for w in v
            .get("where_sighted_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            e.2.insert(w.to_owned());
        }
        let b = bounds.entry(of.to_owned()).or_default();
        let seen = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .and_then(|t| parse_us(t).ok())
        };
        if let Some(f) = seen("first_seen") {
            b.0 = Some(b.0.map_or(f, |x| x.min(f)));
        }
        if let Some(l) = seen("last_seen") {
            b.1 = Some(b.1.map_or(l, |x| x.max(l)));
        }
    }
    by.into_iter()
        .map(|(of, (mut t, reporters, places))| {
            let b = bounds.get(&of).copied().unwrap_or_default();
            t.indicator = of.clone();
            t.reported_by = reporters.into_iter().collect();
            t.where_sighted = places.into_iter().collect();
            t.first_seen = b.0.map(format_us);
            t.last_seen = b.1.map(format_us);
            (of, t)
        })
        .collect()
}

/// A collection as the caller sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionView {
    /// The collection (TAXII) id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The caller may read it (what it reads inside is decided object by object by TLP).
    pub can_read: bool,
    /// The caller may add objects.
    pub can_write: bool,
    /// The TLP level of objects without a marking (`clear`, `green`, `amber`,
    /// `amber+strict`, `red`).
    pub default_tlp: String,
    /// Anonymous readers see its TLP:CLEAR objects.
    pub anonymous_read: bool,
    /// The parties of its community (members that may read).
    pub community: Vec<String>,
}

impl CollectionView {
    /// The view of `c` for `viewer`.
    pub fn new(c: &Collection, viewer: &Viewer) -> CollectionView {
        CollectionView {
            id: c.id.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            can_read: true,
            can_write: viewer.party().is_some_and(|p| c.can_write(p)),
            default_tlp: c.default_tlp.as_str().to_owned(),
            anonymous_read: c.anonymous_read,
            community: c
                .members
                .iter()
                .filter(|m| m.can_read)
                .map(|m| m.party.clone())
                .collect(),
        }
    }
}

/// One object version as released to the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedItem {
    /// The STIX object, exactly as submitted.
    #[schema(value_type = Object)]
    pub object: Value,
    /// When it was added to the collection.
    pub date_added: String,
    /// Its TLP level (its marking, or the collection's default).
    pub tlp: String,
    /// The party that added it.
    pub producer: String,
    /// Its entry in the transparency log.
    pub log_index: u64,
}

impl SharedItem {
    fn new(meta: ObjectMeta, object: Value) -> SharedItem {
        SharedItem {
            object,
            date_added: format_us(meta.added_us),
            tlp: meta.tlp.as_str().to_owned(),
            producer: meta.producer,
            log_index: meta.log_index,
        }
    }
}

/// A page of shared objects.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectsPage {
    /// The objects on this page, in the order they were added.
    pub items: Vec<SharedItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Answers that depend on who asks must not be cached for anyone else.
pub(crate) fn private<T: IntoResponse>(body: T) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Authorization"));
    r
}

fn list_param(q: &HashMap<String, String>, name: &str) -> Vec<String> {
    q.get(name)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The collections the caller sees: those that allow anonymous readers, and for an
/// authenticated party the closed ones of its community (a member, or in a member's
/// organisation or a client of one); a closed collection is answered 404 to anyone else.
#[utoipa::path(get, path = "/api/v1/collections", operation_id = "list_collections", tag = "collections",
    security((), ("bearer" = []), ("basic" = [])),
    responses((status = 200, body = Vec<CollectionView>, description = "the collections the caller may see"),
              (status = 401, description = "credentials sent but unknown")))]
pub async fn list(State(st): State<AppState>, viewer: Viewer) -> Result<Response, ApiError> {
    let all = collections_for(st.store.as_ref(), viewer.reader())
        .await
        .map_err(api_error)?;
    let views: Vec<CollectionView> = all
        .iter()
        .map(|c| CollectionView::new(c, &viewer))
        .collect();
    Ok(private(Json(views)))
}

/// One collection.
#[utoipa::path(get, path = "/api/v1/collections/{id}", operation_id = "get_collection", tag = "collections",
    params(("id" = String, Path)),
    responses((status = 200, body = CollectionView, description = "the collection"), (status = 404, description = "no such collection")))]
pub async fn show(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let c = collection_for(st.store.as_ref(), &id, viewer.reader())
        .await
        .map_err(api_error)?;
    Ok(private(Json(CollectionView::new(&c, &viewer))))
}

/// The objects of a collection the caller may read (latest version of each), oldest first;
/// `type` and `id` (comma-separated) and `added_after` (RFC 3339) narrow the list, `limit`
/// (1–1000, default 100) and `cursor` page it.
#[utoipa::path(get, path = "/api/v1/collections/{id}/objects", operation_id = "list_collection_objects",
    tag = "collections",
    params(("id" = String, Path),
           ("type" = Option<String>, Query, description = "STIX types, comma-separated"),
           ("id" = Option<String>, Query, description = "object ids, comma-separated"),
           ("added_after" = Option<String>, Query, description = "RFC 3339 timestamp"),
           ("limit" = Option<usize>, Query, description = "page size, 1-1000"),
           ("cursor" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = ObjectsPage, description = "a page of the objects the caller may read"),
              (status = 400, description = "bad parameter"),
              (status = 404, description = "no such collection")))]
pub async fn objects(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    reject_unknown(&q, &["type", "id", "added_after", "limit", "cursor"])?;
    let limit = page_limit(&q, DEFAULT_OBJECTS_LIMIT, MAX_OBJECTS_PAGE)?;
    let added_after_us = q
        .get("added_after")
        .map(|t| {
            parse_us(t).map_err(|e| bad("added_after", format!("{t:?} is not a timestamp: {e}")))
        })
        .transpose()?;
    let query = ObjectQuery {
        ids: list_param(&q, "id"),
        types: list_param(&q, "type"),
        added_after_us,
        limit,
        next: q.get("cursor").filter(|c| !c.is_empty()).cloned(),
        ..ObjectQuery::default()
    };
    let c = collection_for(st.store.as_ref(), &id, viewer.reader())
        .await
        .map_err(api_error)?;
    let page = visible_objects(st.store.as_ref(), &c, viewer.reader(), &query, true)
        .await
        .map_err(|e| match e {
            // The REST API names its pagination parameter `cursor`.
            SharingError::BadQuery {
                parameter: "next",
                message,
            } => bad("cursor", message),
            other => api_error(other),
        })?;
    let mut items = Vec::with_capacity(page.items.len());
    for (m, raw) in page.items {
        if let Some(raw) = raw {
            let value = parse_object(&m, &raw).map_err(api_error)?;
            items.push(SharedItem::new(m, value));
        }
    }
    Ok(private(Json(ObjectsPage {
        items,
        next: page.next,
    })))
}

async fn one_object(
    st: &AppState,
    viewer: &Viewer,
    id: &str,
    object: &str,
) -> Result<(Collection, SharedItem), ApiError> {
    let c = collection_for(st.store.as_ref(), id, viewer.reader())
        .await
        .map_err(api_error)?;
    let query = ObjectQuery {
        ids: vec![object.to_owned()],
        ..ObjectQuery::default()
    };
    let page = visible_objects(st.store.as_ref(), &c, viewer.reader(), &query, true)
        .await
        .map_err(api_error)?;
    // One version per object (the latest visible); the last added if several spec versions.
    let (meta, raw) = page
        .items
        .into_iter()
        .filter_map(|(m, raw)| raw.map(|r| (m, r)))
        .next_back()
        .ok_or_else(|| ApiError::NotFound {
            what: "object",
            id: object.to_owned(),
        })?;
    let item = SharedItem::new(meta.clone(), parse_object(&meta, &raw).map_err(api_error)?);
    Ok((c, item))
}

/// One object: its latest version the caller may read; 404 when it may read none.
#[utoipa::path(get, path = "/api/v1/collections/{id}/objects/{object}", operation_id = "get_collection_object",
    tag = "collections",
    params(("id" = String, Path), ("object" = String, Path)),
    responses((status = 200, body = SharedItem, description = "the object's latest version the caller may read"),
               (status = 404, description = "no such object, or none the caller may read")))]
pub async fn object(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((id, object)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (_, item) = one_object(&st, &viewer, &id, &object).await?;
    Ok(private(Json(item)))
}

/// How often and by whom an indicator (or any object) was sighted, counted over the
/// `sighting` objects of the collection the caller may read. 404 when the caller may not
/// read the indicator itself.
#[utoipa::path(get, path = "/api/v1/collections/{id}/objects/{object}/sightings",
    operation_id = "get_object_sightings", tag = "collections",
    params(("id" = String, Path), ("object" = String, Path)),
    responses((status = 200, body = SightingTally, description = "the sightings the caller may read, counted"),
               (status = 404, description = "no such object, or none the caller may read")))]
pub async fn sightings(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((id, object)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (c, _) = one_object(&st, &viewer, &id, &object).await?;
    let visible = read_all(st.store.as_ref(), &c, viewer.reader(), &["sighting"])
        .await
        .map_err(api_error)?;
    let tally = tally_sightings(&visible)
        .remove(&object)
        .unwrap_or_else(|| SightingTally {
            indicator: object.clone(),
            ..SightingTally::default()
        });
    Ok(private(Json(tally)))
}

/// The indicators of `collection` the reader may read, as the matcher and exporters see
/// them (objects that are not valid indicators are skipped).
pub async fn readable_indicators(
    store: &dyn Store,
    collection: &Collection,
    reader: Reader<'_>,
) -> Result<Vec<Indicator>, SharingError> {
    Ok(read_all(store, collection, reader, &["indicator"])
        .await?
        .into_iter()
        .filter_map(|(_, v)| {
            let o = StixObject::from_value(v).ok()?;
            Indicator::from_object(&o).ok()
        })
        .collect())
}

/// The indicators the caller may read, exported to what a sensor loads: `suricata` (one
/// rule per value; `first_sid` sets the first rule id), `zeek` (an Intel file) or
/// `blocklist` (`type` = domain, ipv4, ipv6, url or sha256). The headers
/// `X-Accord-Exported-Values` and `X-Accord-Left-Out` count what was and was not exported.
#[utoipa::path(get, path = "/api/v1/collections/{id}/export/{target}", operation_id = "export_collection",
    tag = "collections",
    params(("id" = String, Path),
           ("target" = String, Path, description = "suricata, zeek or blocklist"),
           ("type" = Option<String>, Query, description = "blocklist: domain, ipv4, ipv6, url or sha256"),
           ("first_sid" = Option<u64>, Query, description = "suricata: the first rule id")),
    responses((status = 200, description = "the export, text/plain", content_type = "text/plain"),
              (status = 400, description = "bad target or parameter"),
              (status = 404, description = "no such collection")))]
pub async fn export_to(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((id, target)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let target = match target.as_str() {
        "suricata" => {
            reject_unknown(&q, &["first_sid"])?;
            Target::SuricataRules
        }
        "zeek" => {
            reject_unknown(&q, &[])?;
            Target::Zeek
        }
        "blocklist" => {
            reject_unknown(&q, &["type"])?;
            let t = match q.get("type").map(String::as_str) {
                Some("domain") => BlocklistType::Domain,
                Some("ipv4") => BlocklistType::Ipv4,
                Some("ipv6") => BlocklistType::Ipv6,
                Some("url") => BlocklistType::Url,
                Some("sha256") => BlocklistType::Sha256,
                other => {
                    return Err(bad(
                        "type",
                        format!("{other:?}: use domain, ipv4, ipv6, url or sha256"),
                    ));
                }
            };
            Target::Blocklist(t)
        }
        other => {
            return Err(bad(
                "target",
                format!("unknown export target {other:?}: use suricata, zeek or blocklist"),
            ));
        }
    };
    let first_sid = match q.get("first_sid") {
        None => 1_000_000,
        Some(s) => s
            .parse::<u64>()
            .map_err(|_| bad("first_sid", format!("{s:?} is not a rule id")))?,
    };
    let c = collection_for(st.store.as_ref(), &id, viewer.reader())
        .await
        .map_err(api_error)?;
    let indicators = readable_indicators(st.store.as_ref(), &c, viewer.reader())
        .await
        .map_err(api_error)?;
    let result = export::export(
        &indicators,
        target,
        &Options {
            at: jiff::Timestamp::now(),
            first_sid,
        },
    );
    let body = result
        .files
        .into_iter()
        .next()
        .map(|(_, text)| text)
        .unwrap_or_default();
    let mut r = private((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    ));
    for (name, n) in [
        ("x-accord-exported-values", result.values),
        ("x-accord-left-out", result.left_out.len()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&n.to_string()) {
            r.headers_mut().insert(name, v);
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_tlp::Tlp;
    use serde_json::json;

    fn meta(producer: &str) -> ObjectMeta {
        ObjectMeta {
            added_us: 0,
            id: "sighting--x".into(),
            version_us: 0,
            object_type: "sighting".into(),
            spec_version: "2.1".into(),
            tlp: Tlp::Green,
            producer: producer.into(),
            recipients: vec![],
            log_index: 0,
        }
    }

    #[test]
    fn tallies_count_reporters_places_and_bounds() {
        let s = |of: &str, count: Option<u64>, first: &str, last: &str, w: &[&str]| {
            let mut v = json!({"type": "sighting", "sighting_of_ref": of,
                "first_seen": first, "last_seen": last, "where_sighted_refs": w});
            if let Some(c) = count {
                v["count"] = json!(c);
            }
            v
        };
        let i = "indicator--1";
        let items = vec![
            (
                meta("DE"),
                s(
                    i,
                    Some(3),
                    "2026-01-02T00:00:00Z",
                    "2026-01-03T00:00:00Z",
                    &["identity--a"],
                ),
            ),
            (
                meta("IT"),
                s(
                    i,
                    None,
                    "2026-01-01T00:00:00Z",
                    "2026-01-02T00:00:00Z",
                    &["identity--b"],
                ),
            ),
            (
                meta("DE"),
                s(
                    "indicator--2",
                    Some(7),
                    "2026-01-01T00:00:00Z",
                    "2026-01-01T00:00:00Z",
                    &[],
                ),
            ),
        ];
        let t = tally_sightings(&items);
        let one = &t[i];
        assert_eq!(one.sightings, 2);
        assert_eq!(one.count, 4, "a sighting without count counts once");
        assert_eq!(one.reported_by, vec!["DE", "IT"]);
        assert_eq!(one.where_sighted, vec!["identity--a", "identity--b"]);
        assert_eq!(
            one.first_seen.as_deref(),
            Some("2026-01-01T00:00:00.000000Z")
        );
        assert_eq!(
            one.last_seen.as_deref(),
            Some("2026-01-03T00:00:00.000000Z")
        );
        assert_eq!(t["indicator--2"].count, 7);
    }
}
