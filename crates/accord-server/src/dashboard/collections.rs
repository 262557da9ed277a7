//! The sharing pages: `/collections` (the collections the viewer sees, with what it may do in
//! each) and `/collections/{id}` (the most recent indicators the viewer may read, each with
//! the sightings the viewer may read of it).
//!
//! The viewer is identified as on every other TLP-filtered read path
//! ([`crate::viewer::identify`]: HTTP Basic `party:token` or a bearer token; anonymous
//! without), and the pages are computed from the same reads as the REST API
//! ([`crate::collections::read_all`], hence `accord_store::sharing::visible_objects` and
//! `accord_stix::tlp::may_read`), so the dashboard never shows an object the API would
//! withhold. A browser has no way to send a bearer token without script, so
//! `/collections?login=1` answers an anonymous visitor with a Basic challenge: the browser
//! asks for the party id and token and sends them with every later page. The pages vary with
//! the viewer, so they are never cached (`Cache-Control: private, no-store`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use accord_store::sharing::{collection_for, collections_for, format_us};

use super::{PageError, bad, ok, param, query};
use crate::collections::{CollectionView, api_error, read_all, tally_sightings};
use crate::error::ApiError;
use crate::state::AppState;
use crate::viewer::Viewer;

/// Indicators shown on a collection's page.
pub const RECENT: usize = 50;

/// The collections page.
#[derive(Template)]
#[template(path = "collections.html")]
pub struct CollectionsPage {
    /// The viewer's party, if signed in.
    pub viewer: Option<String>,
    /// The collections the viewer sees.
    pub collections: Vec<CollectionView>,
}

/// One indicator as a collection's page shows it.
#[derive(Debug, Clone)]
pub struct IndicatorRow {
    /// Its id.
    pub id: String,
    /// Its name, if any.
    pub name: Option<String>,
    /// Its pattern.
    pub pattern: String,
    /// Its TLP level (`clear`, …, `amber+strict`, `red`).
    pub tlp: String,
    /// The party that shared it.
    pub producer: String,
    /// When it was added.
    pub added: String,
    /// Sightings of it the viewer may read.
    pub sightings: usize,
    /// Their summed counts.
    pub count: u64,
    /// The parties that reported them.
    pub reported_by: String,
}

/// A collection's page.
#[derive(Template)]
#[template(path = "collection.html")]
pub struct CollectionPage {
    /// The viewer's party, if signed in.
    pub viewer: Option<String>,
    /// The collection.
    pub collection: CollectionView,
    /// The most recent indicators the viewer may read, newest first.
    pub rows: Vec<IndicatorRow>,
    /// How many indicators the viewer may read in all.
    pub total: usize,
    /// How many sightings the viewer may read in all.
    pub sightings: usize,
}

fn viewer(v: Result<Viewer, ApiError>) -> Result<Viewer, PageError> {
    Ok(v?)
}

/// A page that depends on who reads it.
fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Authorization"));
    r
}

/// `GET /collections`; `?login=1` asks an anonymous browser for credentials.
pub async fn list(
    State(st): State<AppState>,
    v: Result<Viewer, ApiError>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query(q)?;
    let v = viewer(v)?;
    if param(&q, "login").is_some() && v.party().is_none() {
        let mut r = PageError(ApiError::Unauthenticated(
            "sign in with your party id as the user name and your API token as the password".into(),
        ))
        .into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Accord hub\", charset=\"UTF-8\""),
        );
        return Ok(private(r));
    }
    let all = collections_for(st.store.as_ref(), v.reader())
        .await
        .map_err(|e| PageError(api_error(e)))?;
    let page = CollectionsPage {
        collections: all.iter().map(|c| CollectionView::new(c, &v)).collect(),
        viewer: v.0,
    };
    Ok(private(ok(&page)?))
}

/// `GET /collections/{id}`.
pub async fn show(
    State(st): State<AppState>,
    v: Result<Viewer, ApiError>,
    Path(id): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query(q)?;
    if let Some(k) = q.keys().next() {
        return Err(bad(k, format!("unknown parameter {k:?}")));
    }
    let v = viewer(v)?;
    let store = st.store.as_ref();
    let c = collection_for(store, &id, v.reader())
        .await
        .map_err(|e| PageError(api_error(e)))?;
    let indicators = read_all(store, &c, v.reader(), &["indicator"])
        .await
        .map_err(|e| PageError(api_error(e)))?;
    let sightings = read_all(store, &c, v.reader(), &["sighting"])
        .await
        .map_err(|e| PageError(api_error(e)))?;
    let tallies = tally_sightings(&sightings);
    let text = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let rows = indicators
        .iter()
        .rev()
        .take(RECENT)
        .map(|(m, o)| {
            let t = tallies.get(&m.id);
            IndicatorRow {
                id: m.id.clone(),
                name: text(o, "name"),
                pattern: text(o, "pattern").unwrap_or_default(),
                tlp: m.tlp.as_str().to_owned(),
                producer: m.producer.clone(),
                added: format_us(m.added_us),
                sightings: t.map_or(0, |t| t.sightings),
                count: t.map_or(0, |t| t.count),
                reported_by: t.map(|t| t.reported_by.join(", ")).unwrap_or_default(),
            }
        })
        .collect();
    let page = CollectionPage {
        collection: CollectionView::new(&c, &v),
        viewer: v.0,
        rows,
        total: indicators.len(),
        sightings: sightings.len(),
    };
    Ok(private(ok(&page)?))
}
