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

use accord_core::corrections::{RecordKind, rules_id};
use accord_core::party::{PartyKind, SupportStatus};
use accord_core::record::IncidentRecord;
use accord_core::registry;
use accord_core::scorecard::NOT_STATED;
use accord_core::scorecard::{bloc_view, party_scorecard, principle_scorecards};
use accord_core::targeting::{ConflictStatus, TargetClass, UNCLASSIFIED};
use accord_store::mirrored::{Scope, mirrored_incidents, page_mirrored, scoped_incidents};
use accord_store::{Cursor, PageRequest, StoreError};

use crate::api::{parse_filter, parse_party_query, party_cursor};
use crate::error::ApiError;
use crate::state::{AppState, today};

mod bars;
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

/// The `scope` a page's scorecards are computed over (the API's parameter and check).
fn scope(q: &HashMap<String, String>) -> Result<Scope, PageError> {
    crate::query::reject_unknown(q, &["scope"])?;
    Ok(crate::api::parse_scope(q)?)
}

pub(crate) async fn home(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let scope = scope(&query(q)?)?;
    let accord = st.store.accord().await?;
    let counts = st.store.counts().await?;
    let parties = st.store.parties().await?;
    let records = scoped_incidents(st.store.as_ref(), scope).await?;
    let today = today();
    let cards = principle_scorecards(&accord, &records);
    let undated = records
        .iter()
        .filter(|r| r.incident.year().is_none())
        .count();
    let chart = chart::Chart::layout(&cards, undated);
    let bloc = bloc_view(&parties, &records, today);
    let (by_class, by_conflict) = class_charts(&records);
    let accord_fixes = st.store.amendments(RecordKind::Accord, &accord.id).await?;
    let rules_fixes = st
        .store
        .amendments(RecordKind::Rules, &rules_id(&accord.id))
        .await?;
    let mut page = HomePage::new(accord, counts, &cards, bloc, chart, by_class, by_conflict)
        .with_amendments(&accord_fixes, &rules_fixes);
    page.scope = scope.as_str();
    ok(&page)
}

/// The home page's charts of the record split by target class and by armed conflict: every
/// class and status in the vocabulary (so an empty one shows as zero), then `unclassified` and
/// `not stated` when records stored before those fields are counted.
fn class_charts(records: &[IncidentRecord]) -> (bars::BarChart, bars::BarChart) {
    let mut classes: Vec<(String, usize)> = TargetClass::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), 0))
        .chain([(UNCLASSIFIED.to_owned(), 0)])
        .collect();
    let mut conflict: Vec<(String, usize)> = ConflictStatus::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), 0))
        .chain([(NOT_STATED.to_owned(), 0)])
        .collect();
    for r in records {
        let i = &r.incident;
        let mut names: Vec<&str> = i.victims.iter().map(|v| v.class_name()).collect();
        names.sort_unstable();
        names.dedup();
        for (label, n) in &mut classes {
            *n += usize::from(names.contains(&label.as_str()));
        }
        let status = i
            .armed_conflict
            .as_ref()
            .map_or(NOT_STATED, |a| a.status.as_str());
        for (label, n) in &mut conflict {
            *n += usize::from(label == status);
        }
    }
    let keep = |v: Vec<(String, usize)>, stored: &str| -> Vec<(String, usize)> {
        v.into_iter()
            .filter(|(label, n)| label != stored || *n > 0)
            .collect()
    };
    (
        bars::BarChart::layout(
            "by-class",
            "Incidents by target class",
            "Incidents with at least one victim of each target class; an incident whose victims \
             are of several classes counts in each.",
            "incidents",
            &keep(classes, UNCLASSIFIED),
        ),
        bars::BarChart::layout(
            "by-conflict",
            "Incidents during an armed conflict",
            "Incidents by whether they happened during an armed conflict, as the record states it.",
            "incidents",
            &keep(conflict, NOT_STATED),
        ),
    )
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

pub(crate) async fn parties(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query(q)?;
    // The API's own parameters and checks, so `/parties?…` and `/api/v1/parties?…` agree.
    let (filter, after, limit) = parse_party_query(&q)?;
    let today = today();
    let all = st.store.parties().await?;
    let page = registry::page(&all, &filter, today, after.as_deref(), limit)
        .map_err(|e| bad("cursor", format!("{e}: follow the page's own links")))?;
    let kept: Vec<(&str, String)> = ["kind", "status", "country", "q", "limit"]
        .into_iter()
        .filter_map(|k| param(&q, k).map(|v| (k, v.to_owned())))
        .collect();
    let next_href = page.next_after.map(|id| {
        let mut pairs = kept.clone();
        pairs.push(("cursor", party_cursor(id)));
        link::query("/parties", &pairs)
    });
    let counts = registry::supporter_counts(&all, today);
    let by_kind: Vec<(String, usize)> = counts
        .by_kind
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| (k.label().to_owned(), *n))
        .collect();
    let by_year: Vec<(String, usize)> = counts
        .by_year
        .iter()
        .map(|(y, n)| (y.to_string(), *n))
        .collect();
    let supporters: usize = counts.by_kind.iter().map(|(_, n)| n).sum();
    ok(&PartiesPage {
        total: all.len(),
        matching: page.total,
        rows: page
            .items
            .into_iter()
            .map(|p| PartyRow::new(p.clone(), today))
            .collect(),
        kind: filter.kind.map(|k| k.as_str()).unwrap_or_default(),
        status: filter.status.map(|s| s.as_str()).unwrap_or_default(),
        country: param(&q, "country").unwrap_or_default().to_owned(),
        q: param(&q, "q").unwrap_or_default().to_owned(),
        kinds: PartyKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        statuses: SupportStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        first_href: after.is_some().then(|| link::query("/parties", &kept)),
        next_href,
        by_kind: bars::BarChart::layout(
            "by-kind",
            "Supporters by kind",
            &format!("{supporters} supporters on {today}, by kind of party."),
            "supporters",
            &by_kind,
        ),
        by_year: bars::BarChart::layout(
            "by-year",
            "Supporters by year first listed",
            "The year each supporter's name first appears in the official site's data, which began on 2019-09-16: a supporter under 2019 was listed by then and may have joined at the launch in 2018. Announced joining dates (the United States, the European Union) count in their year.",
            "supporters",
            &by_year,
        ),
        formerly_listed: counts.formerly_listed,
        today: today.to_string(),
    })
}

pub(crate) async fn party(
    State(st): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let scope = scope(&query(q)?)?;
    let party = st.store.party(&id).await?;
    let accord = st.store.accord().await?;
    let records = scoped_incidents(st.store.as_ref(), scope).await?;
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
    page.scope = scope.as_str();
    ok(&page)
}

pub(crate) async fn incidents(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query(q)?;
    let filter = parse_filter(&q)?;
    // An empty `limit` is the form's unset field: the default page.
    let limit = match param(&q, "limit") {
        None => PAGE_SIZE,
        Some(_) => crate::query::page_limit(&q, PAGE_SIZE, accord_store::MAX_PAGE_SIZE)?,
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
    let request = PageRequest { limit, after };
    let (rows, next) = match crate::api::parse_origin(st.store.as_ref(), &q).await? {
        crate::api::Origin::Local => {
            let page = st.store.incidents(&filter, &request).await?;
            (page.items.iter().map(IncidentRow::new).collect(), page.next)
        }
        origin => {
            let peer = match origin {
                crate::api::Origin::Peer(o) => Some(o),
                _ => None,
            };
            let mirrored = mirrored_incidents(st.store.as_ref(), peer.as_deref()).await?;
            let page = page_mirrored(mirrored, &filter, &request)?;
            (
                page.items.iter().map(IncidentRow::mirrored).collect(),
                page.next,
            )
        }
    };
    let peers = accord_store::peers::current_peers(st.store.as_ref())
        .await?
        .into_iter()
        .map(|p| (p.id, p.origin))
        .collect();
    let parties = st.store.parties().await?;
    let records = st.store.all_incidents().await?;
    let named: std::collections::HashSet<&str> = records
        .iter()
        .flat_map(|r| {
            let i = &r.incident;
            i.initiators
                .iter()
                .filter_map(|x| x.party.as_deref())
                .chain(i.victims.iter().filter_map(|v| v.party.as_deref()))
        })
        .collect();
    // The form and the "next page" link carry the filters exactly as given.
    let kept: Vec<(&str, String)> = [
        "principle",
        "party",
        "country",
        "sector",
        "year",
        "target_class",
        "armed_conflict",
        "origin",
        "limit",
    ]
    .into_iter()
    .filter_map(|k| param(&q, k).map(|v| (k, v.to_owned())))
    .collect();
    let next_href = next.map(|c| {
        let mut pairs = kept.clone();
        pairs.push(("cursor", c.0));
        link::query("/incidents", &pairs)
    });
    let value = |k: &str| param(&q, k).unwrap_or_default().to_owned();
    ok(&IncidentsPage {
        rows,
        principles: accord
            .principles
            .iter()
            .map(|p| (p.id.to_string(), p.short_name.clone()))
            .collect(),
        sectors: accord_core::incident::Sector::ALL
            .iter()
            .map(|s| s.as_str())
            .collect(),
        // The suggestions: states and the parties the record names, not the whole registry
        // (a thousand supporters that appear in no incident would only weigh the page down).
        parties: parties
            .into_iter()
            .filter(|p| p.kind == PartyKind::State || named.contains(p.id.as_str()))
            .map(|p| (p.id, p.name))
            .collect(),
        principle: value("principle"),
        party: value("party"),
        country: value("country"),
        sector: value("sector"),
        year: value("year"),
        target_classes: TargetClass::ALL.iter().map(|c| c.as_str()).collect(),
        target_class: value("target_class"),
        conflict_statuses: ConflictStatus::ALL.iter().map(|c| c.as_str()).collect(),
        armed_conflict: value("armed_conflict"),
        origin: param(&q, "origin").unwrap_or("local").to_owned(),
        peers,
        limit: param(&q, "limit").map(str::to_owned),
        filtered: !filter.facets().is_empty() || param(&q, "origin").is_some_and(|o| o != "local"),
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
    let amendments = st
        .store
        .amendments(accord_core::corrections::RecordKind::Incident, &id)
        .await?;
    ok(&IncidentPage::new(record, &accord).with_amendments(&amendments))
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
