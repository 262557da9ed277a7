//! The UN voting record and the voting-bloc figures (issue 13):
//!
//! * `GET /api/v1/votes` lists the votes (`?coverage=full,minority` and `?body=plenary` narrow
//!   it), without the per-state lists.
//! * `GET /api/v1/votes/{id}` gives one vote with every member state's position, its standing
//!   toward the accord on the vote's date, and each standard group's split and cohesion.
//! * `GET /api/v1/blocs/cohesion?group=&against=&coverage=` gives the cohesion of one or two
//!   groups (or, with neither, of the four standard groups) on every vote, in date order.
//!
//! Everything is computed by [`accord_core::voting_bloc`] from the votes in
//! [`AppState::votes`] and the registry in the store, so the API, the dashboard page and
//! `accord bloc` agree. Indices are bounds (`{low, high}`) over the positions no page gives.
//! A hub started without the voting dataset answers 503: an empty list would read as "no
//! recorded votes", which is a wrong answer, not a missing one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use accord_core::country::CountryCode;
use accord_core::date::FuzzyDate;
use accord_core::party::Party;
use accord_core::votes::{Body, Coverage, Outcome, Position, Subject, Tally, Vote, VoteSet};
use accord_core::voting_bloc::{Group, GroupCohesion, Standing, VoteCohesion, VotingBloc};

use crate::error::{ApiError, PROBLEM_JSON, ProblemBody};
use crate::pathways::{param, read_query};
use crate::query::{bad, reject_unknown};
use crate::state::AppState;

/// Why a voting request failed.
#[derive(Debug)]
pub enum VotesApiError {
    /// A bad parameter (400), an unknown vote (404), or a store failure.
    Api(ApiError),
    /// The hub was started without the voting dataset (503).
    NoDataset,
}

impl From<ApiError> for VotesApiError {
    fn from(e: ApiError) -> Self {
        VotesApiError::Api(e)
    }
}

impl From<accord_store::StoreError> for VotesApiError {
    fn from(e: accord_store::StoreError) -> Self {
        VotesApiError::Api(e.into())
    }
}

/// What a 503 says when the hub has no voting dataset.
pub const NO_VOTES: &str =
    "this hub was started without the UN voting dataset, so it cannot answer questions on votes";

impl VotesApiError {
    /// The problem-details body.
    pub fn body(&self) -> ProblemBody {
        match self {
            VotesApiError::Api(e) => e.body(),
            VotesApiError::NoDataset => ProblemBody {
                kind: "https://accord.invalid/problems/no-votes-dataset".to_owned(),
                title: "Service Unavailable",
                status: StatusCode::SERVICE_UNAVAILABLE.as_u16(),
                detail: NO_VOTES.to_owned(),
                errors: Vec::new(),
            },
        }
    }
}

impl IntoResponse for VotesApiError {
    fn into_response(self) -> Response {
        match self {
            VotesApiError::Api(e) => e.into_response(),
            VotesApiError::NoDataset => {
                let body = serde_json::to_vec(&self.body()).unwrap_or_default();
                let mut resp = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
                resp
            }
        }
    }
}

/// The votes, or the 503 that says there are none.
pub fn dataset(st: &AppState) -> Result<Arc<VoteSet>, VotesApiError> {
    st.votes.clone().ok_or(VotesApiError::NoDataset)
}

/// The registry's parties and the accord's launch date, which resolve the groups.
pub async fn registry(st: &AppState) -> Result<(Vec<Party>, FuzzyDate), VotesApiError> {
    let parties = st.store.parties().await?;
    let launched = st.store.accord().await?.launched;
    Ok((parties, launched))
}

/// Reads a comma-separated list of coverages: `full`, `minority`, `partial`, `without_vote`.
pub fn coverage_list(text: &str) -> Result<Vec<Coverage>, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        out.push(match item {
            "full" => Coverage::Full,
            "minority" => Coverage::Minority,
            "partial" => Coverage::Partial,
            "without_vote" | "without-vote" => Coverage::WithoutVote,
            other => {
                return Err(format!(
                    "{other:?} is not a coverage; use full, minority, partial or without_vote \
                     (comma-separated)"
                ));
            }
        });
    }
    Ok(out)
}

/// Parses `coverage` (see [`coverage_list`]). Absent means every vote.
pub fn parse_coverage(q: &HashMap<String, String>) -> Result<Option<Vec<Coverage>>, ApiError> {
    param(q, "coverage")
        .map(|text| coverage_list(text).map_err(|e| bad("coverage", format!("coverage: {e}"))))
        .transpose()
}

/// Parses a group parameter (`supporters`, `uncertain`, `non-supporters`, `absent-at-launch`
/// or a comma-separated list of member states' codes).
pub fn parse_group(
    q: &HashMap<String, String>,
    name: &str,
    votes: &VoteSet,
) -> Result<Option<Group>, ApiError> {
    param(q, name)
        .map(|text| {
            Group::parse(text, &votes.members.codes())
                .map_err(|e| bad(name, format!("{name}: {e}")))
        })
        .transpose()
}

/// The four groups every vote is split by when none is asked for.
pub fn standard_groups() -> Vec<Group> {
    vec![
        Group::Supporters,
        Group::Uncertain,
        Group::NonSupporters,
        Group::AbsentAtLaunch,
    ]
}

/// A vote without its per-state lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteSummary {
    /// The vote's id.
    pub id: String,
    /// The draft's symbol, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The resolution's symbol, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// The day (or month, or year) of the vote.
    pub date: FuzzyDate,
    /// Which organ voted.
    pub body: Body,
    /// Who tabled the text.
    pub sponsor: String,
    /// The text's title.
    pub title: String,
    /// The whole text or a paragraph.
    pub subject: Subject,
    /// What became of it.
    pub outcome: Outcome,
    /// True when adopted without a vote.
    pub adopted_without_vote: bool,
    /// The counts, when there was a vote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tally: Option<Tally>,
    /// How much of the vote the sources give.
    pub coverage: Coverage,
}

impl From<&Vote> for VoteSummary {
    fn from(v: &Vote) -> Self {
        VoteSummary {
            id: v.id.clone(),
            document: v.document.clone(),
            resolution: v.resolution.clone(),
            date: v.date,
            body: v.body,
            sponsor: v.sponsor.clone(),
            title: v.title.clone(),
            subject: v.subject.clone(),
            outcome: v.outcome,
            adopted_without_vote: v.adopted_without_vote,
            tally: v.tally,
            coverage: v.coverage,
        }
    }
}

/// The votes, in date order; `coverage` and `body` narrow the list.
#[utoipa::path(get, path = "/api/v1/votes", operation_id = "list_votes", tag = "votes",
    params(("coverage" = Option<String>, Query, description = "comma-separated: full, minority, partial, without_vote"),
           ("body" = Option<String>, Query, description = "first-committee or plenary")),
    responses((status = 200, body = Vec<VoteSummary>, description = "the votes, in date order"),
              (status = 400, description = "bad parameter; problem details name it"),
              (status = 503, description = "the hub has no voting dataset")))]
pub async fn list(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Vec<VoteSummary>>, VotesApiError> {
    let q = read_query(q)?;
    reject_unknown(&q, &["coverage", "body"])?;
    let coverage = parse_coverage(&q)?;
    let body = match param(&q, "body") {
        None => None,
        Some("first-committee") => Some(Body::FirstCommittee),
        Some("plenary") => Some(Body::Plenary),
        Some(other) => {
            return Err(bad(
                "body",
                format!("body: {other:?} is not an organ; use first-committee or plenary"),
            )
            .into());
        }
    };
    let votes = dataset(&st)?;
    Ok(Json(
        votes
            .votes
            .iter()
            .filter(|v| coverage.as_ref().is_none_or(|c| c.contains(&v.coverage)))
            .filter(|v| body.is_none_or(|b| b == v.body))
            .map(VoteSummary::from)
            .collect(),
    ))
}

/// One member state's part in a vote.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatePosition {
    /// The state.
    pub state: CountryCode,
    /// The UN's name for it.
    pub name: String,
    /// Its position, derived from the vote's coverage.
    pub position: Position,
    /// Its standing toward the accord on the vote's date.
    pub standing: Standing,
}

/// One vote with every member state's position and the standard groups' cohesion.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteView {
    /// The vote as recorded, with its sources.
    #[serde(flatten)]
    pub vote: Vote,
    /// Every member state, by code.
    pub states: Vec<StatePosition>,
    /// The split and cohesion of supporters, uncertain, non-supporters and the states absent
    /// at launch.
    pub groups: Vec<GroupCohesion>,
}

/// One vote: its record and sources, every member state's position and standing on its date,
/// and each standard group's split and cohesion.
#[utoipa::path(get, path = "/api/v1/votes/{id}", operation_id = "get_vote", tag = "votes",
    params(("id" = String, Path, description = "the vote's id, e.g. a-res-75-240-plenary-2020-12-31")),
    responses((status = 200, body = VoteView, description = "the vote, every member state's position, each group's cohesion"),
              (status = 404, description = "no such vote"),
              (status = 503, description = "the hub has no voting dataset")))]
pub async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<VoteView>, VotesApiError> {
    let votes = dataset(&st)?;
    if !votes.votes.iter().any(|v| v.id == id) {
        return Err(ApiError::NotFound { what: "vote", id }.into());
    }
    let (parties, launched) = registry(&st).await?;
    vote_view(&votes, &id, &parties, launched)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound { what: "vote", id }.into())
}

/// One vote's view, as `GET /api/v1/votes/{id}` serves it and `accord votes show --json`
/// prints it; `None` when there is no vote `id`.
pub fn vote_view(
    votes: &VoteSet,
    id: &str,
    parties: &[Party],
    launched: FuzzyDate,
) -> Option<VoteView> {
    let i = votes.votes.iter().position(|v| v.id == id)?;
    let bloc = VotingBloc::new(&votes.votes, votes.members.codes(), parties, launched);
    let vote = &votes.votes[i];
    let names: BTreeMap<CountryCode, &str> = votes
        .members
        .states
        .iter()
        .map(|s| (s.code, s.un_name.as_str()))
        .collect();
    let states = bloc
        .positions(i)
        .map(|ps| {
            ps.iter()
                .map(|(c, p)| StatePosition {
                    state: *c,
                    name: names.get(c).copied().unwrap_or_default().to_owned(),
                    position: *p,
                    standing: bloc.standing(*c, &vote.date),
                })
                .collect()
        })
        .unwrap_or_default();
    let groups = standard_groups()
        .iter()
        .map(|g| bloc.cohesion(i, g))
        .collect();
    Some(VoteView {
        vote: vote.clone(),
        states,
        groups,
    })
}

/// Each group's cohesion on every vote.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohesionView {
    /// The groups, in the order of each vote's `groups`.
    pub groups: Vec<String>,
    /// One entry per vote, in date order.
    pub votes: Vec<VoteCohesion>,
    /// How to read the figures.
    pub method: String,
}

/// How the cohesion figures are computed, said with every answer.
pub const METHOD: &str = "Groups are resolved on each vote's date: supporters are states \
listed as supporters by then (first-seen dates are upper bounds, so a state first seen later \
may already have joined: it is counted as uncertain, never on either side). agreement_index is \
Hix-Noury-Roland's (max(Y,N,A) - (Y+N+A-max(Y,N,A))/2) / (Y+N+A); rice is |Y-N|/(Y+N). Both \
are bounds {low, high} over every way states recorded as yes_or_absent or not_recorded could \
have voted; they are equal when the vote is fully recorded, and absent when no member can \
have voted.";

/// The cohesion of groups over time: for each vote in date order, each group's split, its
/// Hix–Noury–Roland agreement index and Rice index (bounds over unrecorded positions), and
/// its majority when certain. `group` and `against` name the groups; with neither, the four
/// standard groups.
#[utoipa::path(get, path = "/api/v1/blocs/cohesion", operation_id = "get_bloc_cohesion", tag = "votes",
    params(("group" = Option<String>, Query, description = "supporters, uncertain, non-supporters, absent-at-launch, or member states' codes (FR,DE)"),
           ("against" = Option<String>, Query, description = "a second group, in the same forms"),
           ("coverage" = Option<String>, Query, description = "only votes of these coverages (comma-separated)")),
    responses((status = 200, body = CohesionView, description = "each group's cohesion on every vote, in date order"),
              (status = 400, description = "bad parameter; problem details name it"),
              (status = 503, description = "the hub has no voting dataset")))]
pub async fn cohesion(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<CohesionView>, VotesApiError> {
    let q = read_query(q)?;
    reject_unknown(&q, &["group", "against", "coverage"])?;
    let votes = dataset(&st)?;
    let coverage = parse_coverage(&q)?;
    let groups: Vec<Group> = match (
        parse_group(&q, "group", &votes)?,
        parse_group(&q, "against", &votes)?,
    ) {
        (None, None) => standard_groups(),
        (g, a) => g.into_iter().chain(a).collect(),
    };
    let (parties, launched) = registry(&st).await?;
    Ok(Json(cohesion_view(
        &votes,
        &groups,
        coverage.as_deref(),
        &parties,
        launched,
    )))
}

/// The cohesion of `groups` on every vote of the given coverages (all when `None`), as
/// `GET /api/v1/blocs/cohesion` serves it and `accord bloc --json` prints it.
pub fn cohesion_view(
    votes: &VoteSet,
    groups: &[Group],
    coverage: Option<&[Coverage]>,
    parties: &[Party],
    launched: FuzzyDate,
) -> CohesionView {
    let chosen = votes
        .votes
        .iter()
        .filter(|v| coverage.is_none_or(|c| c.contains(&v.coverage)));
    let bloc = VotingBloc::new(chosen, votes.members.codes(), parties, launched);
    CohesionView {
        groups: groups.iter().map(Group::label).collect(),
        votes: bloc.cohesion_over_time(groups),
        method: METHOD.to_owned(),
    }
}
