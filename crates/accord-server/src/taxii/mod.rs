//! TAXII 2.1 (OASIS) under `/taxii2/`: discovery, one API root (`/taxii2/api/`), collections,
//! objects, object versions, manifests and the status of POSTs.
//!
//! Every read of objects goes through `accord_store::sharing::visible_objects`, which asks the
//! one TLP rule (`accord_stix::tlp::may_read`) of each object before versions are selected
//! and pages cut: a reader is never told about an object, or a version of one, that its TLP
//! marking withholds. An object the caller may not see answers 404 exactly as one that does
//! not exist.
//!
//! Clients authenticate with HTTP Basic (user = party id, password = the party's API token,
//! as `taxii2-client` sends) or `Authorization: Bearer <token>`; without credentials the
//! caller is anonymous and sees only the TLP:CLEAR objects of collections that allow it.
//! Responses use `application/taxii+json;version=2.1`; a request that does not accept it is
//! answered 406, a POST in another media type 415, a body over the API root's
//! `max_content_length` 413, each as a TAXII error resource (§3.6.1).
//!
//! **Markings fail closed** (`accord_stix::marking`). An added object is read under the
//! strictest TLP level found anywhere on it, in `object_marking_refs` or `granular_markings`
//! (a granular TLP:RED on `pattern` makes the whole object RED), marking identifiers compared
//! as UUIDs (any case); an object without TLP markings takes the collection's default. An
//! object with a marking the hub cannot map to TLP (a party-made definition, a statement,
//! `object_marking_refs` that is not a list, a malformed granular marking or selector) is
//! refused, its status failure naming the property (`granular_markings[0].marking_ref`); so
//! is a party-made `marking-definition` that claims to be TLP, or one that reuses a TLP
//! definition's id for anything but that definition.
//!
//! Writes are synchronous: a POST returns its status resource already `complete`, with every
//! object that was recorded and every one refused with its reason; the status stays readable
//! at `/taxii2/api/status/{id}/` for the process's lifetime (the last [`STATUS_KEPT`] of them,
//! within [`STATUS_BYTES`]; one over [`STATUS_DETAIL_BYTES`] is kept with its counts only).

mod error;
mod media;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use accord_stix::tlp::Reader;
use accord_store::sharing::{
    AddOutcome, Collection, ObjectMeta, ObjectQuery, VersionMatch, add_objects, collection_for,
    collections_for, delete_object, format_us, parse_us, visible_objects,
};

pub use error::TaxiiError;

use crate::state::AppState;

pub use media::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};

/// How many status resources the server keeps.
pub const STATUS_KEPT: usize = 10_000;

/// How many bytes of status resources (their JSON text) the server keeps, all callers
/// together; the oldest go first.
pub const STATUS_BYTES: usize = 32 * 1024 * 1024;

/// Largest status kept with its per-object details. A larger one (an envelope of thousands of
/// refused objects) is kept with its counts only: `successes`, `failures` and `pendings` are
/// optional in a status resource (TAXII 2.1 §4.3.1), and the POST's own answer carried them.
pub const STATUS_DETAIL_BYTES: usize = 256 * 1024;

/// TAXII 2.1 §1.6.8.1: a client must accept the TAXII media type (version 2.1, or no
/// version); anything else is 406.
pub(crate) async fn negotiate(request: Request, next: Next) -> Response {
    let accepted = request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(accepts_taxii);
    if !accepted {
        return TaxiiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            format!("send `Accept: {TAXII_MEDIA_TYPE}`"),
        )
        .into_response();
    }
    next.run(request).await
}

fn accepts_taxii(item: &str) -> bool {
    let mut parts = item.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default();
    if !media.eq_ignore_ascii_case("application/taxii+json") {
        return false;
    }
    parts
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("version"))
        .all(|(_, v)| v.trim() == "2.1")
}

/// Who is calling: an authenticated party or nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub Option<String>);

impl Caller {
    fn reader(&self) -> Reader<'_> {
        match &self.0 {
            Some(p) => Reader::Party(p),
            None => Reader::Anonymous,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, TaxiiError> {
        // The same identification as every other TLP-filtered read path.
        match crate::viewer::identify(st.store.as_ref(), &parts.headers).await {
            Ok(v) => Ok(Caller(v.0)),
            Err(crate::viewer::ViewerError::Unauthorized(m)) => Err(TaxiiError::unauthorized(m)),
            Err(crate::viewer::ViewerError::Store(e)) => Err(e.into()),
        }
    }
}

/// A JSON body in the TAXII media type.
pub(crate) struct Taxii<T>(T);

impl<T: Serialize> IntoResponse for Taxii<T> {
    fn into_response(self) -> Response {
        match serde_json::to_string(&self.0) {
            Ok(text) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(TAXII_MEDIA_TYPE),
                )],
                text,
            )
                .into_response(),
            Err(e) => TaxiiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                e.to_string(),
            )
            .into_response(),
        }
    }
}

pub(crate) async fn discovery() -> Taxii<Value> {
    Taxii(json!({
        "title": "Accord",
        "description": "Threat indicators shared under TLP 2.0; every accepted object is a signed entry in the hub's transparency log.",
        "default": "/taxii2/api/",
        "api_roots": ["/taxii2/api/"],
    }))
}

pub(crate) async fn api_root(State(st): State<AppState>) -> Taxii<Value> {
    Taxii(json!({
        "title": "Accord sharing communities",
        "description": "One collection per sharing community.",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": st.body_limit,
    }))
}

fn collection_resource(c: &Collection, caller: &Caller) -> Value {
    let can_write = caller.0.as_deref().is_some_and(|p| c.can_write(p));
    let mut v = json!({
        "id": c.id,
        "title": c.title,
        // Every caller that sees the collection may read it: what it reads inside is decided
        // object by object by TLP.
        "can_read": true,
        "can_write": can_write,
        "media_types": [STIX_MEDIA_TYPE],
    });
    if let Some(d) = &c.description {
        v["description"] = json!(d);
    }
    v
}

pub(crate) async fn collections(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Response, TaxiiError> {
    let all = collections_for(st.store.as_ref(), caller.reader()).await?;
    let list: Vec<Value> = all
        .iter()
        .map(|c| collection_resource(c, &caller))
        .collect();
    Ok(if list.is_empty() {
        Taxii(json!({})).into_response()
    } else {
        Taxii(json!({ "collections": list })).into_response()
    })
}

pub(crate) async fn collection(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Taxii<Value>, TaxiiError> {
    let c = collection_for(st.store.as_ref(), &id, caller.reader()).await?;
    Ok(Taxii(collection_resource(&c, &caller)))
}

/// TAXII 2.1 §3.4: the query parameters of objects, manifest and versions.
fn parse_query(raw: Option<&str>, allow: &[&str]) -> Result<ObjectQuery, TaxiiError> {
    let mut q = ObjectQuery::default();
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let pairs = url_pairs(raw.unwrap_or_default())?;
    for (k, v) in pairs {
        if !allow.contains(&k.as_str()) {
            return Err(TaxiiError::bad_request(format!(
                "unknown query parameter {k:?}; this endpoint takes {}",
                allow.join(", ")
            )));
        }
        match k.as_str() {
            "match[id]" => q.ids.extend(list(&v)),
            "match[type]" => q.types.extend(list(&v)),
            "match[spec_version]" => q.spec_versions.extend(list(&v)),
            "match[version]" => q.versions = ObjectQuery::parse_versions(&v)?,
            "added_after" => {
                q.added_after_us = Some(parse_us(&v).map_err(|e| {
                    TaxiiError::bad_request(format!("added_after: {v:?} is not a timestamp: {e}"))
                })?);
            }
            "limit" => {
                q.limit = v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    TaxiiError::bad_request(format!("limit: {v:?} is not a positive whole number"))
                })?;
            }
            "next" => q.next = Some(v),
            _ => {}
        }
    }
    Ok(q)
}

/// `application/x-www-form-urlencoded` pairs, percent-decoded. Encoding that is not valid is
/// refused rather than repaired: a lenient decoder would filter on something other than what
/// the client sent.
fn url_pairs(query: &str) -> Result<Vec<(String, String)>, TaxiiError> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

/// Decodes one query name or value: `+` is a space, `%` must be followed by two hexadecimal
/// digits, and what they encode must be UTF-8.
fn percent_decode(s: &str) -> Result<String, TaxiiError> {
    let hexval = |b: &u8| (*b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(hexval),
                bytes.get(i + 2).and_then(hexval),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => {
                    let at = String::from_utf8_lossy(&bytes[i..(i + 3).min(bytes.len())]);
                    return Err(TaxiiError::bad_request(format!(
                        "the query {s:?} has invalid percent-encoding at {at:?}: \
                         `%` must be followed by two hexadecimal digits"
                    )));
                }
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| {
        TaxiiError::bad_request(format!(
            "the query {s:?} percent-encodes bytes that are not UTF-8"
        ))
    })
}

const OBJECT_PARAMS: &[&str] = &[
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
    "added_after",
    "limit",
    "next",
];

/// The page's `X-TAXII-Date-Added-First/Last` headers (TAXII 2.1 §3.3.1).
fn date_headers(items: &[ObjectMeta]) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let (Some(first), Some(last)) = (items.first(), items.last()) {
        for (name, us) in [
            ("x-taxii-date-added-first", first.added_us),
            ("x-taxii-date-added-last", last.added_us),
        ] {
            if let Ok(v) = HeaderValue::from_str(&format_us(us)) {
                h.insert(name, v);
            }
        }
    }
    h
}

/// A TAXII envelope; the objects go out as stored, never parsed on the way.
#[derive(Serialize)]
struct Envelope {
    more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objects: Vec<Box<RawValue>>,
}

fn envelope(objects: Vec<Box<RawValue>>, next: Option<String>) -> Envelope {
    Envelope {
        more: next.is_some(),
        next,
        objects,
    }
}

async fn read_objects(
    st: &AppState,
    caller: &Caller,
    collection: &str,
    query: ObjectQuery,
    bodies: bool,
) -> Result<(Vec<ObjectMeta>, Vec<Box<RawValue>>, Option<String>), TaxiiError> {
    let c = collection_for(st.store.as_ref(), collection, caller.reader()).await?;
    let page = visible_objects(st.store.as_ref(), &c, caller.reader(), &query, bodies).await?;
    let (metas, values): (Vec<ObjectMeta>, Vec<Option<Box<RawValue>>>) =
        page.items.into_iter().unzip();
    Ok((metas, values.into_iter().flatten().collect(), page.next))
}

pub(crate) async fn get_objects(
    State(st): State<AppState>,
    caller: Caller,
    Path(collection): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, TaxiiError> {
    let q = parse_query(raw.as_deref(), OBJECT_PARAMS)?;
    let (metas, objects, next) = read_objects(&st, &caller, &collection, q, true).await?;
    Ok((date_headers(&metas), Taxii(envelope(objects, next))).into_response())
}

pub(crate) async fn get_object(
    State(st): State<AppState>,
    caller: Caller,
    Path((collection, object)): Path<(String, String)>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, TaxiiError> {
    let mut q = parse_query(
        raw.as_deref(),
        &["match[version]", "match[spec_version]", "limit", "next"],
    )?;
    q.ids = vec![object.clone()];
    let (metas, objects, next) = read_objects(&st, &caller, &collection, q, true).await?;
    if metas.is_empty() {
        return Err(TaxiiError::not_found(format!("no object {object:?}")));
    }
    Ok((date_headers(&metas), Taxii(envelope(objects, next))).into_response())
}

pub(crate) async fn versions(
    State(st): State<AppState>,
    caller: Caller,
    Path((collection, object)): Path<(String, String)>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, TaxiiError> {
    let mut q = parse_query(
        raw.as_deref(),
        &["added_after", "limit", "next", "match[spec_version]"],
    )?;
    q.ids = vec![object.clone()];
    q.versions = vec![VersionMatch::All];
    let (metas, _, next) = read_objects(&st, &caller, &collection, q, false).await?;
    if metas.is_empty() {
        return Err(TaxiiError::not_found(format!("no object {object:?}")));
    }
    let list: Vec<String> = metas.iter().map(|m| format_us(m.version_us)).collect();
    let mut v = json!({ "more": next.is_some(), "versions": list });
    if let Some(n) = next {
        v["next"] = json!(n);
    }
    Ok((date_headers(&metas), Taxii(v)).into_response())
}

pub(crate) async fn manifest(
    State(st): State<AppState>,
    caller: Caller,
    Path(collection): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, TaxiiError> {
    let q = parse_query(raw.as_deref(), OBJECT_PARAMS)?;
    let (metas, _, next) = read_objects(&st, &caller, &collection, q, false).await?;
    let list: Vec<Value> = metas
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "date_added": format_us(m.added_us),
                "version": format_us(m.version_us),
                "media_type": STIX_MEDIA_TYPE,
            })
        })
        .collect();
    let mut v = json!({ "more": next.is_some() });
    if let Some(n) = next {
        v["next"] = json!(n);
    }
    if !list.is_empty() {
        v["objects"] = Value::Array(list);
    }
    Ok((date_headers(&metas), Taxii(v)).into_response())
}

pub(crate) async fn delete(
    State(st): State<AppState>,
    caller: Caller,
    Path((collection, object)): Path<(String, String)>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, TaxiiError> {
    let Some(party) = caller.0.as_deref() else {
        return Err(TaxiiError::unauthorized("deleting needs credentials"));
    };
    let q = parse_query(raw.as_deref(), &["match[version]", "match[spec_version]"])?;
    let c = collection_for(st.store.as_ref(), &collection, caller.reader()).await?;
    delete_object(
        st.store.as_ref(),
        &st.sequencer,
        party,
        &c,
        &object,
        &q.versions,
        &q.spec_versions,
    )
    .await?;
    Ok(StatusCode::OK.into_response())
}

/// The status resources of this process's POSTs (TAXII 2.1 §4.3.1), bounded by count and by
/// bytes: a status is kept as its JSON text, and the oldest are dropped first.
pub(crate) struct StatusBook {
    inner: Mutex<KeptStatuses>,
    max_entries: usize,
    max_bytes: usize,
    max_detail_bytes: usize,
}

#[derive(Default)]
struct KeptStatuses {
    by_key: HashMap<String, Arc<str>>,
    /// Keys oldest first, with what each costs (key and text).
    order: VecDeque<(String, usize)>,
    bytes: usize,
}

impl StatusBook {
    /// The book the hub keeps: [`STATUS_KEPT`] statuses within [`STATUS_BYTES`].
    pub(crate) fn standard() -> Self {
        StatusBook::new(STATUS_KEPT, STATUS_BYTES, STATUS_DETAIL_BYTES)
    }

    fn new(max_entries: usize, max_bytes: usize, max_detail_bytes: usize) -> Self {
        StatusBook {
            inner: Mutex::new(KeptStatuses::default()),
            max_entries,
            max_bytes,
            max_detail_bytes,
        }
    }

    fn put(&self, key: String, status: &Value) {
        let mut text = status.to_string();
        if text.len() > self.max_detail_bytes {
            let mut counts = status.clone();
            if let Some(fields) = counts.as_object_mut() {
                for list in ["successes", "failures", "pendings"] {
                    fields.remove(list);
                }
            }
            text = counts.to_string();
        }
        let cost = key.len() + text.len();
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let kept = &mut *g;
        if kept.by_key.contains_key(&key) {
            // Status ids are random: a repeat is not worth a second copy.
            return;
        }
        kept.by_key.insert(key.clone(), Arc::from(text));
        kept.order.push_back((key, cost));
        kept.bytes += cost;
        while kept.order.len() > self.max_entries || kept.bytes > self.max_bytes {
            let Some((old, old_cost)) = kept.order.pop_front() else {
                break;
            };
            kept.by_key.remove(&old);
            kept.bytes -= old_cost;
        }
    }

    fn get(&self, key: &str) -> Option<Arc<str>> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.by_key.get(key).cloned()
    }
}

fn status_resource(id: &str, outcome: &AddOutcome) -> Value {
    let detail = |o: &accord_store::sharing::ObjectOutcome| {
        let mut v = json!({ "id": o.id, "version": o.version.clone().unwrap_or_default() });
        if let Some(m) = &o.message {
            v["message"] = json!(m);
        }
        v
    };
    let total = outcome.successes.len() + outcome.failures.len();
    json!({
        "id": id,
        "status": "complete",
        "total_count": total,
        "success_count": outcome.successes.len(),
        "failure_count": outcome.failures.len(),
        "pending_count": 0,
        "successes": outcome.successes.iter().map(detail).collect::<Vec<_>>(),
        "failures": outcome.failures.iter().map(detail).collect::<Vec<_>>(),
    })
}

pub(crate) async fn status(
    caller: Caller,
    axum::Extension(book): axum::Extension<Arc<StatusBook>>,
    Path(id): Path<String>,
) -> Result<Response, TaxiiError> {
    // Statuses are kept per caller: one party never reads another's.
    let key = format!("{}\n{id}", caller.0.as_deref().unwrap_or_default());
    let text = book
        .get(&key)
        .ok_or_else(|| TaxiiError::not_found(format!("no status {id:?}")))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        )],
        text.to_string(),
    )
        .into_response())
}

pub(crate) async fn post_objects(
    State(st): State<AppState>,
    caller: Caller,
    axum::Extension(book): axum::Extension<Arc<StatusBook>>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, TaxiiError> {
    let Some(party) = caller.0.clone() else {
        return Err(TaxiiError::unauthorized("adding objects needs credentials"));
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !accepts_taxii(content_type) {
        return Err(TaxiiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("send the envelope as `Content-Type: {TAXII_MEDIA_TYPE}`"),
        ));
    }
    let limit = st.body_limit;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        TaxiiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large",
            format!("the envelope exceeds the API root's max_content_length of {limit} bytes"),
        )
    })?;
    let mut envelope: Value = serde_json::from_slice(&bytes)
        .map_err(|e| TaxiiError::bad_request(format!("the envelope is not JSON: {e}")))?;
    let objects = match envelope.get_mut("objects").map(Value::take) {
        Some(Value::Array(items)) => items,
        None => Vec::new(),
        Some(_) => return Err(TaxiiError::bad_request("`objects` must be a list")),
    };
    let outcome = add_objects(
        st.store.as_ref(),
        &st.sequencer,
        &party,
        &collection,
        objects,
    )
    .await?;
    let id = new_status_id()?;
    let status = status_resource(&id, &outcome);
    book.put(format!("{party}\n{id}"), &status);
    Ok((StatusCode::ACCEPTED, Taxii(status)).into_response())
}

fn new_status_id() -> Result<String, TaxiiError> {
    let mut b = [0u8; 16];
    b.copy_from_slice(
        &accord_store::log::random_seed().map_err(|e| {
            TaxiiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                e.to_string(),
            )
        })?[..16],
    );
    // RFC 9562 §5.4: version 4, variant 10.
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(n: usize, note: &str) -> Value {
        json!({
            "id": format!("s{n}"),
            "status": "complete",
            "total_count": 1,
            "success_count": 0,
            "failure_count": 1,
            "pending_count": 0,
            "failures": [{"id": "x", "version": "", "message": note}],
        })
    }

    #[test]
    fn the_status_store_is_bounded_by_bytes_and_drops_the_oldest() {
        let book = StatusBook::new(1_000, 4_096, 4_096);
        let note = "n".repeat(500);
        for n in 0..100 {
            book.put(format!("p\ns{n}"), &status_of(n, &note));
            let kept = book.inner.lock().unwrap();
            assert!(kept.bytes <= 4_096, "{} bytes kept", kept.bytes);
            assert_eq!(kept.bytes, kept.order.iter().map(|(_, c)| c).sum::<usize>());
        }
        // The newest are kept whole, the oldest are gone.
        let newest: Value = serde_json::from_str(&book.get("p\ns99").unwrap()).unwrap();
        assert_eq!(newest, status_of(99, &note));
        assert!(book.get("p\ns0").is_none());
        assert!(book.get("p\ns90").is_none());
    }

    #[test]
    fn the_status_store_is_bounded_by_count() {
        let book = StatusBook::new(3, 1 << 20, 1 << 20);
        for n in 0..5 {
            book.put(format!("p\ns{n}"), &status_of(n, "x"));
        }
        assert!(book.get("p\ns1").is_none());
        assert!(book.get("p\ns2").is_some() && book.get("p\ns4").is_some());
    }

    #[test]
    fn a_status_too_large_for_its_details_keeps_its_counts() {
        let book = StatusBook::new(10, 1 << 20, 1_000);
        book.put("p\nbig".into(), &status_of(1, &"m".repeat(5_000)));
        let kept: Value = serde_json::from_str(&book.get("p\nbig").unwrap()).unwrap();
        assert!(kept.get("failures").is_none(), "{kept}");
        for count in [
            "total_count",
            "success_count",
            "failure_count",
            "pending_count",
        ] {
            assert_eq!(kept[count], status_of(1, "")[count], "{count}");
        }
        assert_eq!(kept["status"], "complete");
    }

    #[test]
    fn accept_headers() {
        assert!(accepts_taxii("application/taxii+json;version=2.1"));
        assert!(accepts_taxii("application/taxii+json"));
        assert!(accepts_taxii("Application/TAXII+json; version=2.1"));
        assert!(!accepts_taxii("application/taxii+json;version=2.0"));
        assert!(!accepts_taxii("application/json"));
    }

    #[test]
    fn query_decoding() {
        let q = parse_query(
            Some("match%5Btype%5D=indicator,malware&limit=5&added_after=2026-01-01T00%3A00%3A00Z"),
            OBJECT_PARAMS,
        )
        .unwrap();
        assert_eq!(q.types, vec!["indicator", "malware"]);
        assert_eq!(q.limit, 5);
        assert!(q.added_after_us.is_some());
        assert!(parse_query(Some("limit=0"), OBJECT_PARAMS).is_err());
        assert!(parse_query(Some("bogus=1"), OBJECT_PARAMS).is_err());
        assert_eq!(percent_decode("%41b+c").unwrap(), "Ab c");
        assert_eq!(percent_decode("caf%C3%A9").unwrap(), "café");
    }

    /// Invalid percent-encoding in a TAXII query was replaced (`%zz` kept as text, bytes that
    /// are not UTF-8 turned into U+FFFD) and the query run on what came out.
    #[test]
    fn invalid_percent_encoding_in_a_taxii_query_is_refused_not_replaced() {
        for raw in [
            "match[id]=a%2",
            "match[id]=%",
            "match[id]=%zz",
            "match[type]=%FF",
            "match[type]=indicator%C3",
            "match%5Gtype%5D=indicator",
            "limit=%é5",
        ] {
            let Err(e) = parse_query(Some(raw), OBJECT_PARAMS) else {
                panic!("{raw:?} was accepted");
            };
            assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST, "{raw}");
        }
    }
}
