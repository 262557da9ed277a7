//! The REST API under `/api/v1`: the accord, principles, parties, incidents and scorecards.
//!
//! Query parameters are parsed by hand so that a bad one is answered with problem details that
//! name it (`?year=20x7` → 400, `errors[0].path = "year"`), not with a framework's plain text.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use accord_core::accord::{Accord, Principle, PrincipleId};
use accord_core::country::CountryCode;
use accord_core::incident::{Incident, Sector};
use accord_core::party::{Party, PartyKind, SupportStatus};
use accord_core::record::IncidentRecord;
use accord_core::registry::{self, PartyQuery};
use accord_core::scorecard::{
    BlocView, PartyScorecard, PrincipleScorecard, bloc_view, party_scorecard, principle_scorecards,
};
use accord_core::targeting::{ConflictStatus, TargetClass};
use accord_store::mirrored::{Scope, mirrored_incidents, page_mirrored, scoped_incidents};
use accord_store::write::{Submission, submit_incident};
use accord_store::{Counts, Cursor, IncidentFilter, PageRequest, party_or_state};

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::query::{bad, page_limit, reject_unknown};
use crate::state::{AppState, today};

/// Default page size of the incident list.
pub const DEFAULT_LIMIT: usize = 50;

/// The accord with what the hub holds about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccordView {
    /// The accord.
    #[serde(flatten)]
    pub accord: Accord,
    /// Record counts.
    pub counts: Counts,
}

/// The accord, its principles and supporter counts.
#[utoipa::path(get, path = "/api/v1/accord", operation_id = "get_accord", tag = "registry",
    responses((status = 200, body = AccordView, description = "the accord and record counts")))]
pub async fn accord(State(st): State<AppState>) -> Result<Json<AccordView>, ApiError> {
    let accord = st.store.accord().await?;
    let counts = st.store.counts().await?;
    Ok(Json(AccordView { accord, counts }))
}

/// The accord's principles.
#[utoipa::path(get, path = "/api/v1/principles", operation_id = "list_principles", tag = "registry",
    responses((status = 200, body = Vec<Principle>, description = "the principles, P1 first")))]
pub async fn principles(State(st): State<AppState>) -> Result<Json<Vec<Principle>>, ApiError> {
    Ok(Json(st.store.accord().await?.principles))
}

/// A party with its status today.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyView {
    /// The party.
    #[serde(flatten)]
    pub party: Party,
    /// Its support status today.
    pub status: SupportStatus,
    /// Its support explained, honest about first-seen dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_text: Option<String>,
    /// False for a state the incident record names but the registry does not hold.
    pub registered: bool,
}

fn party_view(p: Party, registered: bool) -> PartyView {
    PartyView {
        status: p.status_on(today()),
        support_text: p.support.as_ref().map(|s| s.since_text()),
        party: p,
        registered,
    }
}

/// Default page size of the party list.
pub const DEFAULT_PARTY_LIMIT: usize = 100;

/// A page of parties.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyPage {
    /// The parties on this page, by kind, then name.
    pub items: Vec<PartyView>,
    /// How many parties pass the filters, on every page.
    pub total: usize,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The party-list filters and page, parsed from a query string, naming the parameter at fault.
/// The dashboard's parties page reads the same parameters.
pub fn parse_party_query(
    q: &HashMap<String, String>,
) -> Result<(PartyQuery, Option<String>, usize), ApiError> {
    reject_unknown(q, &["kind", "country", "status", "q", "limit", "cursor"])?;
    let mut query = PartyQuery::default();
    if let Some(k) = q.get("kind").filter(|s| !s.is_empty()) {
        query.kind = Some(PartyKind::parse(k).ok_or_else(|| {
            bad(
                "kind",
                format!("unknown kind {k:?}: use {}", PartyKind::names()),
            )
        })?);
    }
    if let Some(c) = q.get("country").filter(|s| !s.is_empty()) {
        query.country = Some(CountryCode::parse(c).map_err(|e| bad("country", e.to_string()))?);
    }
    if let Some(s) = q.get("status").filter(|s| !s.is_empty()) {
        query.status = Some(SupportStatus::parse(s).ok_or_else(|| {
            bad(
                "status",
                format!("unknown status {s:?}: use {}", SupportStatus::names()),
            )
        })?);
    }
    if let Some(t) = q.get("q").filter(|s| !s.trim().is_empty()) {
        if t.chars().count() > 200 {
            return Err(bad(
                "q",
                "the search text is longer than 200 characters".into(),
            ));
        }
        query.text = Some(t.clone());
    }
    let limit = page_limit(q, DEFAULT_PARTY_LIMIT, accord_store::MAX_PAGE_SIZE)?;
    let after = match q.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(party_cursor_id(c).ok_or_else(|| {
            bad(
                "cursor",
                format!("{c:?} is not a cursor this hub issued: pass a page's `next` unchanged"),
            )
        })?),
    };
    Ok((query, after, limit))
}

/// The opaque cursor after the party `id`.
pub fn party_cursor(id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("party:{id}"))
}

fn party_cursor_id(cursor: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("party:")
        .map(str::to_owned)
}

/// A page of the registry: `kind`, `country`, `status` and `q` narrow it; `limit` (1–500,
/// default 100) and `cursor` page it. Pages are stable: following `next` visits every party
/// that passes the filters once, in order, even while parties are added.
#[utoipa::path(get, path = "/api/v1/parties", operation_id = "list_parties", tag = "registry",
    params(("kind" = Option<String>, Query, description = "party kind: state, company, civil_society, public_authority, international_organisation, organisation"),
           ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 code: a state's own, or the country another party is based in"),
           ("status" = Option<String>, Query, description = "support status today: supporter, formerly-listed, withdrawn, non-supporter"),
           ("q" = Option<String>, Query, description = "text in the name, the id or the name as the official list gives it (any case)"),
           ("limit" = Option<usize>, Query, description = "page size, 1-500 (default 100)"),
           ("cursor" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = PartyPage, description = "one page of the parties that pass the filters"),
              (status = 400, description = "bad parameter")))]
pub async fn parties(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<PartyPage>, ApiError> {
    let (query, after, limit) = parse_party_query(&q)?;
    let all = st.store.parties().await?;
    let page = registry::page(&all, &query, today(), after.as_deref(), limit)
        .map_err(|e| bad("cursor", format!("{e}: pass a page's `next` unchanged")))?;
    Ok(Json(PartyPage {
        total: page.total,
        next: page.next_after.map(party_cursor),
        items: page
            .items
            .into_iter()
            .map(|p| party_view(p.clone(), true))
            .collect(),
    }))
}

/// One party; a state code the registry lacks answers as an unregistered state.
#[utoipa::path(get, path = "/api/v1/parties/{id}", operation_id = "get_party", tag = "registry",
    params(("id" = String, Path)),
    responses((status = 200, body = PartyView, description = "the party"), (status = 404, description = "no such party")))]
pub async fn party(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PartyView>, ApiError> {
    let (party, registered) = party_or_state(st.store.as_ref(), &id).await?;
    Ok(Json(party_view(party, registered)))
}

/// A page of incidents.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentPage {
    /// The incidents on this page, newest first.
    pub items: Vec<IncidentItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// An incident in a list: the record, and where it comes from when a peer's log holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentItem {
    /// The incident (a mirrored one as its origin's log reads now, its amendments applied,
    /// with the principles this hub's rules suggest; `log_index` is its index there).
    #[serde(flatten)]
    pub record: IncidentRecord,
    /// For a record mirrored from a peer: from which hub, which entry, and its proof.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirrored: Option<crate::mirrored::MirroredFrom>,
}

/// Which incidents a list shows (`origin`): this hub's own, every mirrored one, or one
/// peer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// This hub's own record (the default).
    Local,
    /// Every incident mirrored from the peers.
    Mirrored,
    /// The incidents mirrored from the log of this origin.
    Peer(String),
}

/// Reads `origin`: `local`, `mirrored`, or a peer (its id, origin or log key, or the origin
/// of a log this hub mirrored before the peer was removed).
pub async fn parse_origin(
    store: &dyn accord_store::Store,
    q: &HashMap<String, String>,
) -> Result<Origin, ApiError> {
    match q.get("origin").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None | Some("local") => Ok(Origin::Local),
        Some("mirrored") => Ok(Origin::Mirrored),
        Some(which) => {
            match accord_store::peers::find_peer(store, which).await {
                Ok(p) => return Ok(Origin::Peer(p.origin)),
                Err(accord_store::StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            if store.mirror(which).await?.is_some() {
                return Ok(Origin::Peer(which.to_owned()));
            }
            Err(bad(
                "origin",
                format!(
                    "{which:?} is not local, mirrored, a current peer (its id, origin or log \
                     key) nor a log this hub mirrored"
                ),
            ))
        }
    }
}

/// Reads `scope` (`local`, `mirrored`, `all`; `local` when absent): which incidents a
/// scorecard counts.
pub fn parse_scope(q: &HashMap<String, String>) -> Result<Scope, ApiError> {
    match q.get("scope").filter(|s| !s.is_empty()) {
        None => Ok(Scope::Local),
        Some(s) => Scope::parse(s).ok_or_else(|| {
            let all: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
            bad(
                "scope",
                format!("unknown scope {s:?}; known: {}", all.join(", ")),
            )
        }),
    }
}

/// Parses the incident-list filters, naming the parameter at fault.
pub fn parse_filter(q: &HashMap<String, String>) -> Result<IncidentFilter, ApiError> {
    let mut f = IncidentFilter::default();
    if let Some(p) = q.get("principle").filter(|s| !s.is_empty()) {
        f.principle = Some(PrincipleId::parse(p).ok_or_else(|| {
            bad(
                "principle",
                format!("{p:?} is not a principle id (P1, P2, …)"),
            )
        })?);
    }
    if let Some(p) = q.get("party").filter(|s| !s.is_empty()) {
        f.party = Some(p.clone());
    }
    if let Some(c) = q.get("country").filter(|s| !s.is_empty()) {
        f.country = Some(CountryCode::parse(c).map_err(|e| bad("country", e.to_string()))?);
    }
    if let Some(s) = q.get("sector").filter(|s| !s.is_empty()) {
        f.sector = Some(Sector::parse(s).ok_or_else(|| {
            let all: Vec<&str> = Sector::ALL.iter().map(|s| s.as_str()).collect();
            bad(
                "sector",
                format!("unknown sector {s:?}; known: {}", all.join(", ")),
            )
        })?);
    }
    if let Some(y) = q.get("year").filter(|s| !s.is_empty()) {
        f.year = Some(
            y.parse::<i16>()
                .ok()
                .filter(|y| (1900..=9999).contains(y))
                .ok_or_else(|| bad("year", format!("{y:?} is not a year")))?,
        );
    }
    if let Some(c) = q.get("target_class").filter(|s| !s.is_empty()) {
        f.target_class = Some(TargetClass::parse(c).ok_or_else(|| {
            let all: Vec<&str> = TargetClass::ALL.iter().map(|c| c.as_str()).collect();
            bad(
                "target_class",
                format!("unknown target class {c:?}; known: {}", all.join(", ")),
            )
        })?);
    }
    if let Some(a) = q.get("armed_conflict").filter(|s| !s.is_empty()) {
        f.armed_conflict = Some(ConflictStatus::parse(a).ok_or_else(|| {
            let all: Vec<&str> = ConflictStatus::ALL.iter().map(|c| c.as_str()).collect();
            bad(
                "armed_conflict",
                format!(
                    "unknown armed-conflict status {a:?}; known: {}",
                    all.join(", ")
                ),
            )
        })?);
    }
    Ok(f)
}

/// Incidents, newest first, filtered by `principle`, `party`, `country`, `sector`, `year`,
/// `target_class` and `armed_conflict`, paged with `limit` (1–500, default 50) and `cursor`.
/// `origin` chooses whose: `local` (this hub's own record, the default), `mirrored` (every
/// incident mirrored from the peers' logs) or one peer (its id or origin); a mirrored item
/// carries `mirrored`: from which hub, which entry, and the link to its proof.
#[utoipa::path(get, path = "/api/v1/incidents", operation_id = "list_incidents", tag = "incidents",
    params(("principle" = Option<String>, Query, description = "P1…P9"),
           ("party" = Option<String>, Query, description = "party id linked as initiator or victim"),
           ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 code named anywhere in the record"),
           ("sector" = Option<String>, Query, description = "victim sector"),
           ("year" = Option<i16>, Query, description = "year the incident is filed under"),
           ("target_class" = Option<String>, Query, description = "a victim's target class as the record reads it: civilian, military, dual-use, government-non-military, mixed, disputed or unknown (a victim stored without a class matches none)"),
           ("armed_conflict" = Option<String>, Query, description = "whether it happened during an armed conflict: yes, no, disputed or unknown (a record stored without the statement matches none)"),
           ("origin" = Option<String>, Query, description = "whose incidents: local (this hub's own, the default), mirrored (from every peer), or a peer's id or origin"),
           ("limit" = Option<usize>, Query, description = "page size, 1-500"),
           ("cursor" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = IncidentPage, description = "a page of incidents"),
              (status = 400, description = "bad parameter")))]
pub async fn incidents(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<IncidentPage>, ApiError> {
    reject_unknown(
        &q,
        &[
            "principle",
            "party",
            "country",
            "sector",
            "year",
            "target_class",
            "armed_conflict",
            "origin",
            "limit",
            "cursor",
        ],
    )?;
    let filter = parse_filter(&q)?;
    let origin = parse_origin(st.store.as_ref(), &q).await?;
    if let Some(p) = filter.principle {
        let n = st.store.accord().await?.principles.len();
        if usize::from(p.0) > n {
            return Err(bad(
                "principle",
                format!("{p} does not exist: the accord has P1–P{n}"),
            ));
        }
    }
    let limit = page_limit(&q, DEFAULT_LIMIT, accord_store::MAX_PAGE_SIZE)?;
    let after = q
        .get("cursor")
        .filter(|c| !c.is_empty())
        .map(|c| Cursor(c.clone()));
    let page = PageRequest { limit, after };
    let peer = match origin {
        Origin::Local => {
            let page = st.store.incidents(&filter, &page).await?;
            return Ok(Json(IncidentPage {
                items: page
                    .items
                    .into_iter()
                    .map(|record| IncidentItem {
                        record,
                        mirrored: None,
                    })
                    .collect(),
                next: page.next.map(|c| c.0),
            }));
        }
        Origin::Mirrored => None,
        Origin::Peer(origin) => Some(origin),
    };
    let mirrored = mirrored_incidents(st.store.as_ref(), peer.as_deref()).await?;
    let page = page_mirrored(mirrored, &filter, &page)?;
    Ok(Json(IncidentPage {
        items: page
            .items
            .into_iter()
            .map(|m| IncidentItem {
                mirrored: Some(crate::mirrored::MirroredFrom::of(&m)),
                record: m.record,
            })
            .collect(),
        next: page.next.map(|c| c.0),
    }))
}

/// One incident with its suggested principles.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", operation_id = "get_incident", tag = "incidents",
    params(("id" = String, Path)),
    responses((status = 200, body = IncidentRecord, description = "the incident"), (status = 404, description = "no such incident")))]
pub async fn incident(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<IncidentRecord>, ApiError> {
    Ok(Json(st.store.incident(&id).await?))
}

/// A party's signed write: the signed log entry and the body whose canonical form it hashes.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct SubmissionSchema {
    /// `{"envelope": {kind, id, submitter, submitted_at, body_salted_sha256, tlp, signer_key}, "signature"}`.
    pub entry: serde_json::Value,
    /// The incident.
    pub body: Incident,
    /// The salt of the envelope's `body_salted_sha256` (64 hex digits, fresh for each entry).
    pub salt: String,
}

/// Records an incident submitted by the authenticated party. The body is the incident, a
/// random salt, and a signed log entry whose envelope names the party, the incident's id and
/// the SHA-256 of the salt followed by the incident's RFC 8785 form, signed with a key
/// registered for the party (`accord submit` builds it). The hub verifies all of it, validates the incident (every problem is listed with
/// its field path), suggests its principles and appends the entry to the log; the response
/// carries the entry's log index. The envelope's `tlp` must be `clear`: incidents are the
/// public record (pages, lists, scorecards, exports), which cannot withhold a marked one.
/// Every victim's `target_class` and the incident's `armed_conflict` are required of a new
/// incident (each may be `unknown`, with a note), though records stored before they were asked
/// for lack them.
#[utoipa::path(post, path = "/api/v1/incidents", operation_id = "create_incident", tag = "incidents",
    request_body = SubmissionSchema,
    security(("bearer" = [])),
    responses((status = 201, body = IncidentRecord, description = "recorded: the incident with its log index"),
              (status = 400, description = "malformed JSON"),
              (status = 401, description = "no valid token, or the signature does not verify"),
              (status = 403, description = "the key is not a current key of the party, or the entry names another submitter"),
              (status = 409, description = "an incident with this id exists (a replay)"),
              (status = 413, description = "body too large"),
              (status = 415, description = "not JSON"),
              (status = 422, description = "invalid incident, or an entry not marked TLP:CLEAR; problem details list every field")))]
pub async fn create_incident(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    JsonBody(submission): JsonBody<Submission>,
) -> Result<Response, ApiError> {
    let record = submit_incident(st.store.as_ref(), &st.sequencer, &party, submission).await?;
    let location = format!("/api/v1/incidents/{}", record.incident.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(record),
    )
        .into_response())
}

/// A party's scorecard, computed from the record (any state the record names has one).
#[utoipa::path(get, path = "/api/v1/scorecards/parties/{id}", operation_id = "get_party_scorecard",
    tag = "scorecards", params(("id" = String, Path), ("scope" = Option<String>, Query, description = "which incidents it counts: local (this hub's own record, the default), mirrored (from its peers) or all (each id once, a local record first)")),
    responses((status = 200, body = PartyScorecard, description = "the party's scorecard"), (status = 404, description = "no such party")))]
pub async fn party_card(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<PartyScorecard>, ApiError> {
    reject_unknown(&q, &["scope"])?;
    let scope = parse_scope(&q)?;
    let (party, _) = party_or_state(st.store.as_ref(), &id).await?;
    let records = scoped_incidents(st.store.as_ref(), scope).await?;
    Ok(Json(party_scorecard(&party, &records, today())))
}

/// Every principle's scorecard: incidents per year.
#[utoipa::path(get, path = "/api/v1/scorecards/principles", operation_id = "list_principle_scorecards",
    tag = "scorecards", params(("scope" = Option<String>, Query, description = "which incidents it counts: local (this hub's own record, the default), mirrored (from its peers) or all (each id once, a local record first)")),
    responses((status = 200, body = Vec<PrincipleScorecard>, description = "one scorecard per principle")))]
pub async fn principle_cards(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<PrincipleScorecard>>, ApiError> {
    reject_unknown(&q, &["scope"])?;
    let scope = parse_scope(&q)?;
    let accord = st.store.accord().await?;
    let records = scoped_incidents(st.store.as_ref(), scope).await?;
    Ok(Json(principle_scorecards(&accord, &records)))
}

/// Supporters against non-supporters: incidents the record links to each bloc.
#[utoipa::path(get, path = "/api/v1/scorecards/blocs", operation_id = "get_bloc_scorecard", tag = "scorecards",
    params(("scope" = Option<String>, Query, description = "which incidents it counts: local (this hub's own record, the default), mirrored (from its peers) or all (each id once, a local record first)")),
    responses((status = 200, body = BlocView, description = "the two blocs and their incidents")))]
pub async fn blocs(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<BlocView>, ApiError> {
    reject_unknown(&q, &["scope"])?;
    let scope = parse_scope(&q)?;
    let parties = st.store.parties().await?;
    let records = scoped_incidents(st.store.as_ref(), scope).await?;
    Ok(Json(bloc_view(&parties, &records, today())))
}
