//! The server-rendered dashboard: the accord, its parties with their scorecards, the incident
//! record, and a chart of incidents per principle per year.
//!
//! Every page is HTML rendered on the server by askama templates (`templates/`), checked at
//! compile time and auto-escaped, so record text (a POSTed incident's title, a source's note)
//! can never turn into markup. The pages need no JavaScript, no CDN and no web font: one small
//! inline stylesheet in `base.html`, and a Content-Security-Policy that forbids scripts
//! outright, so a reader on an air-gapped analyst workstation sees the same page as anyone.
//!
//! The dashboard reads the same store and computes the same scorecards as the REST API, and
//! parses the incident filters with the API's own [`parse_filter`], so `/incidents?year=2017`
//! and `/api/v1/incidents?year=2017` always agree. Errors are pages too: an unknown party is a
//! 404 page, a bad filter value a 400 page that names the parameter.
//!
//! Wherever a fact is shown, its verification level is shown beside it as a badge
//! (verified, secondary, unverified) with a link to the page it was read on.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use accord_core::party::{PartyKind, SupportStatus};
use accord_core::scorecard::{bloc_view, party_scorecard, principle_scorecards};
use accord_store::{Cursor, PageRequest, StoreError};

use crate::api::parse_filter;
use crate::error::ApiError;
use crate::state::{AppState, today};

mod chart;
pub(crate) mod collections;
mod link;
mod page;
pub(crate) mod pathways;
pub(crate) mod record;
pub(crate) mod requests;
pub(crate) mod votes;

use page::{
    ErrorPage, HomePage, IncidentPage, IncidentRow, IncidentsPage, PartiesPage, PartyPage, PartyRow,
};

/// Incidents per page of the dashboard's list when `limit` is not given.
pub const PAGE_SIZE: usize = 25;

/// The media type of the standalone chart.
pub const SVG: &str = "image/svg+xml";

/// An error shown as an HTML page with the status and the problem-details wording of the API.
#[derive(Debug)]
pub(crate) struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "dashboard request failed");
        }
        let body = self.0.body();
        let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let page = ErrorPage {
            status: body.status,
            title: body.title.to_owned(),
            detail: body.detail,
            fields: body
                .errors
                .into_iter()
                .map(|e| (e.path, e.detail))
                .collect(),
        };
        html(status, &page)
    }
}

/// Headers every dashboard page carries. The policy forbids scripts and every remote load: the
/// pages are meant to work with nothing but the hub, and a policy that says so turns any
/// escaping slip into a blocked script rather than a running one.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn with_headers(mut resp: Response, content_type: &'static str) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// Renders a template as an HTML response; a template failure is logged and answered with a
/// plain 500, since the error page is itself a template.
fn html<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(body) => with_headers((status, body).into_response(), "text/html; charset=utf-8"),
        Err(e) => {
            tracing::error!(error = %e, "a dashboard template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered; see the hub's log",
            )
                .into_response()
        }
    }
}

fn ok<T: Template>(page: &T) -> Result<Response, PageError> {
    Ok(html(StatusCode::OK, page))
}

fn bad(field: &str, detail: String) -> PageError {
    PageError(ApiError::BadRequest {
        detail,
        field: Some(field.to_owned()),
    })
}

/// The query string, or a 400 page when it cannot be read (axum's own answer is plain text).
fn query(
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<HashMap<String, String>, PageError> {
    q.map(|Query(q)| q).map_err(|e| {
        PageError(ApiError::BadRequest {
            detail: format!("the query string cannot be read: {}", e.body_text()),
            field: None,
        })
    })
}

/// A query parameter, treating an empty value (an unset form field) as absent.
fn param<'q>(q: &'q HashMap<String, String>, name: &str) -> Option<&'q str> {
    q.get(name).map(String::as_str).filter(|s| !s.is_empty())
}

pub(crate) async fn home(State(st): State<AppState>) -> Result<Response, PageError> {
    let accord = st.store.accord().await?;
    let counts = st.store.counts().await?;
    let parties = st.store.parties().await?;
    let records = st.store.all_incidents().await?;
    let today = today();
    let cards = principle_scorecards(&accord, &records);
    let undated = records
        .iter()
        .filter(|r| r.incident.year().is_none())
        .count();
    let chart = chart::Chart::layout(&cards, undated);
    let bloc = bloc_view(&parties, &records, today);
    ok(&HomePage::new(accord, counts, &cards, bloc, chart))
}

pub(crate) async fn principles_svg(State(st): State<AppState>) -> Result<Response, PageError> {
    let accord = st.store.accord().await?;
    let records = st.store.all_incidents().await?;
    let cards = principle_scorecards(&accord, &records);
    let undated = records
        .iter()
        .filter(|r| r.incident.year().is_none())
        .count();
    let svg = page::ChartSvg {
        chart: chart::Chart::layout(&cards, undated),
    };
    match svg.render() {
        Ok(body) => Ok(with_headers((StatusCode::OK, body).into_response(), SVG)),
        Err(e) => Err(PageError(ApiError::Internal(format!(
            "chart template failed: {e}"
        )))),
    }
}

/// Parses the parties list's `kind` filter.
fn parse_kind(value: Option<&str>) -> Result<Option<PartyKind>, PageError> {
    let Some(v) = value else { return Ok(None) };
    PartyKind::parse(v).map(Some).ok_or_else(|| {
        bad(
            "kind",
            format!("unknown kind {v:?}: use {}", PartyKind::names()),
        )
    })
}

/// Parses the parties list's `status` filter.
fn parse_status(value: Option<&str>) -> Result<Option<SupportStatus>, PageError> {
    let Some(v) = value else { return Ok(None) };
    SupportStatus::parse(v).map(Some).ok_or_else(|| {
        bad(
            "status",
            format!("unknown status {v:?}: use {}", SupportStatus::names()),
        )
    })
}

pub(crate) async fn parties(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query(q)?;
    let kind = parse_kind(param(&q, "kind"))?;
    let status = parse_status(param(&q, "status"))?;
    let today = today();
    let all = st.store.parties().await?;
    let total = all.len();
    let rows: Vec<PartyRow> = all
        .into_iter()
        .filter(|p| kind.is_none_or(|k| p.kind == k))
        .map(|p| PartyRow::new(p, today))
        .filter(|r| status.is_none_or(|s| r.status == s))
        .collect();
    ok(&PartiesPage {
        rows,
        total,
        kind: kind.map(|k| k.as_str()).unwrap_or_default(),
        status: status.map(|s| s.as_str()).unwrap_or_default(),
        today: today.to_string(),
    })
}

pub(crate) async fn party(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let party = st.store.party(&id).await?;
    let accord = st.store.accord().await?;
    let records = st.store.all_incidents().await?;
    let card = party_scorecard(&party, &records, today());
    let votes = match (&st.votes, party.kind, party.country) {
        (Some(v), PartyKind::State, Some(code)) => {
            let parties = st.store.parties().await?;
            page::party_votes(v, &parties, accord.launched, code)
        }
        _ => None,
    };
    let mut page = PartyPage::new(party, card, &accord);
    page.votes = votes;
    ok(&page)
}

pub(crate) async fn incidents(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query(q)?;
    let filter = parse_filter(&q)?;
    let limit = match param(&q, "limit") {
        None => PAGE_SIZE,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=accord_store::MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                bad(
                    "limit",
                    format!(
                        "{l:?} is not a page size between 1 and {}",
                        accord_store::MAX_PAGE_SIZE
                    ),
                )
            })?,
    };
    let after = param(&q, "cursor").map(|c| Cursor(c.to_owned()));
    let paged = after.is_some();
    let accord = st.store.accord().await?;
    // `P42` is a well-formed id but not one of this accord's principles: say so rather than
    // answer with an empty list.
    if let Some(p) = filter.principle
        && accord.principle(p).is_none()
    {
        return Err(bad(
            "principle",
            format!(
                "{p} is not one of the accord's principles (P1 to P{})",
                accord.principles.len()
            ),
        ));
    }
    let page = st
        .store
        .incidents(&filter, &PageRequest { limit, after })
        .await?;
    let parties = st.store.parties().await?;
    // The form and the "next page" link carry the filters exactly as given.
    let kept: Vec<(&str, String)> = ["principle", "party", "country", "sector", "year", "limit"]
        .into_iter()
        .filter_map(|k| param(&q, k).map(|v| (k, v.to_owned())))
        .collect();
    let next_href = page.next.map(|c| {
        let mut pairs = kept.clone();
        pairs.push(("cursor", c.0));
        link::query("/incidents", &pairs)
    });
    let value = |k: &str| param(&q, k).unwrap_or_default().to_owned();
    ok(&IncidentsPage {
        rows: page.items.iter().map(IncidentRow::new).collect(),
        principles: accord
            .principles
            .iter()
            .map(|p| (p.id.to_string(), p.short_name.clone()))
            .collect(),
        sectors: accord_core::incident::Sector::ALL
            .iter()
            .map(|s| s.as_str())
            .collect(),
        parties: parties.into_iter().map(|p| (p.id, p.name)).collect(),
        principle: value("principle"),
        party: value("party"),
        country: value("country"),
        sector: value("sector"),
        year: value("year"),
        limit: param(&q, "limit").map(str::to_owned),
        filtered: !filter.facets().is_empty(),
        first_href: paged.then(|| link::query("/incidents", &kept)),
        next_href,
    })
}

pub(crate) async fn incident(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let record = st.store.incident(&id).await?;
    let accord = st.store.accord().await?;
    ok(&IncidentPage::new(record, &accord))
}

/// Unknown paths: a 404 page for people, problem details for the machine-facing prefixes.
pub(crate) async fn not_found(uri: Uri) -> Response {
    let path = uri.path();
    let err = ApiError::NotFound {
        what: "page",
        id: path.to_owned(),
    };
    let machine = ["/api/", "/taxii2/", "/log/"]
        .iter()
        .any(|p| path.starts_with(p));
    if machine {
        err.into_response()
    } else {
        PageError(err).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_status_filters_name_the_parameter() {
        assert!(matches!(parse_kind(None), Ok(None)));
        assert!(matches!(
            parse_kind(Some("state")),
            Ok(Some(PartyKind::State))
        ));
        assert!(matches!(
            parse_kind(Some("public_authority")),
            Ok(Some(PartyKind::PublicAuthority))
        ));
        match parse_kind(Some("planet")) {
            Err(PageError(ApiError::BadRequest { field, .. })) => {
                assert_eq!(field.as_deref(), Some("kind"))
            }
            other => panic!("expected a bad kind, got {other:?}"),
        }
        assert!(matches!(
            parse_status(Some("non-supporter")),
            Ok(Some(SupportStatus::NonSupporter))
        ));
        match parse_status(Some("friend")) {
            Err(PageError(ApiError::BadRequest { field, .. })) => {
                assert_eq!(field.as_deref(), Some("status"))
            }
            other => panic!("expected a bad status, got {other:?}"),
        }
    }
}
