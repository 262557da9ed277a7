//! The cross-border evidence endpoints: which instruments let one state obtain data held in
//! another, and the three-state (attacker, via, victim) plan.
//!
//! * `GET /api/v1/pathways?from=&to=&data=&emergency=&on=` answers with the engine's
//!   [`accord_law::Answer`] serialised as is, so the API, `accord route --json` and the
//!   dashboard all say the same thing.
//! * `GET /api/v1/pathways/scenario?attacker=&via=&victim=&data=&emergency=&on=` answers with
//!   [`accord_law::ScenarioAnswer`].
//!
//! Parameters are parsed by hand through [`accord_law::Query::parse`], so a mistake is a 400
//! problem that names the parameter, and an unknown country code suggests the closest ones
//! (`from=UK` → "did you mean GB (United Kingdom)?"). `on` defaults to today (UTC);
//! `emergency` takes `true`/`false` (and `on`, what an HTML checkbox sends).
//!
//! The dataset lives in [`AppState::law`]. A hub built without one answers 503: an empty
//! dataset would answer "no pathway", which is a wrong answer, not a missing one.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;

use accord_law::query::Field;
use accord_law::{Dataset, QueryError, Scenario};

use crate::error::{ApiError, PROBLEM_JSON, ProblemBody};
use crate::query::bad;
// From `query`; the request modules import it from here too.
pub(crate) use crate::query::reject_unknown;
use crate::state::{AppState, today};

/// Why a pathway request failed.
#[derive(Debug)]
pub enum PathwaysError {
    /// A bad or missing parameter (400), or another API error.
    Api(ApiError),
    /// The hub was started without the legal dataset (503).
    NoDataset,
}

impl From<ApiError> for PathwaysError {
    fn from(e: ApiError) -> Self {
        PathwaysError::Api(e)
    }
}

/// What a 503 says when the hub has no legal dataset.
pub const NO_DATASET: &str = "this hub was started without the legal-instruments dataset, so it cannot answer pathway questions";

impl PathwaysError {
    /// The problem-details body.
    pub fn body(&self) -> ProblemBody {
        match self {
            PathwaysError::Api(e) => e.body(),
            PathwaysError::NoDataset => ProblemBody {
                kind: "https://accord.invalid/problems/no-legal-dataset".to_owned(),
                title: "Service Unavailable",
                status: StatusCode::SERVICE_UNAVAILABLE.as_u16(),
                detail: NO_DATASET.to_owned(),
                errors: Vec::new(),
            },
        }
    }
}

impl IntoResponse for PathwaysError {
    fn into_response(self) -> Response {
        match self {
            PathwaysError::Api(e) => e.into_response(),
            PathwaysError::NoDataset => {
                let body = serde_json::to_vec(&self.body()).unwrap_or_default();
                let mut resp = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
                resp
            }
        }
    }
}

/// The dataset, or the 503 that says there is none.
pub fn dataset(st: &AppState) -> Result<Arc<Dataset>, PathwaysError> {
    st.law.clone().ok_or(PathwaysError::NoDataset)
}

/// The parameter a query error is about.
fn field_name(e: &QueryError) -> Option<String> {
    let field: Field = match e {
        QueryError::UnknownCountry { field, .. }
        | QueryError::UnknownCategory { field, .. }
        | QueryError::BadDate { field, .. } => *field,
        _ => return None,
    };
    Some(field.to_string())
}

/// Turns the engine's query error into a 400 naming the parameter; the message already
/// carries the suggestions for a mistyped country code.
pub fn query_error(e: QueryError) -> ApiError {
    ApiError::BadRequest {
        field: field_name(&e),
        detail: e.to_string(),
    }
}

/// The query string, or a 400 problem when it cannot be read.
pub fn read_query(
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(q)| q).map_err(|e| ApiError::BadRequest {
        detail: format!("the query string cannot be read: {}", e.body_text()),
        field: None,
    })
}

/// A parameter's value, treating an empty value (an unset form field) as absent.
pub fn param<'q>(q: &'q HashMap<String, String>, name: &str) -> Option<&'q str> {
    q.get(name)
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A required parameter.
pub fn required<'q>(
    q: &'q HashMap<String, String>,
    name: &str,
    what: &str,
) -> Result<&'q str, ApiError> {
    param(q, name).ok_or_else(|| bad(name, format!("{name} is required: {what}")))
}

/// `emergency`: `true`, `1`, `yes` or `on` (an HTML checkbox) for an emergency; `false`, `0`,
/// `no`, `off` or absent for none.
pub fn parse_emergency(q: &HashMap<String, String>) -> Result<bool, ApiError> {
    match param(q, "emergency")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false" | "0" | "no" | "off") => Ok(false),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some(_) => Err(bad(
            "emergency",
            format!(
                "emergency: {:?} is not a yes/no value; use true or false",
                q.get("emergency").map(String::as_str).unwrap_or_default()
            ),
        )),
    }
}

/// `on`, or today (UTC) when absent, as text for [`accord_law::Query::parse`].
pub fn date_param(q: &HashMap<String, String>) -> String {
    param(q, "on")
        .map(str::to_owned)
        .unwrap_or_else(|| today().to_string())
}

/// The data categories as the `data` parameter spells them.
pub const DATA_KINDS: &str = "subscriber, identification, traffic, content or domain";

/// Parses the two-state question from query parameters, naming the parameter at fault.
pub fn parse_pathway_query(q: &HashMap<String, String>) -> Result<accord_law::Query, ApiError> {
    let from = required(q, "from", "the requesting state's ISO 3166-1 alpha-2 code")?;
    let to = required(
        q,
        "to",
        "the ISO 3166-1 alpha-2 code of the state where the data or the provider is",
    )?;
    let data = required(q, "data", DATA_KINDS)?;
    let emergency = parse_emergency(q)?;
    accord_law::Query::parse(from, to, data, emergency, &date_param(q)).map_err(query_error)
}

/// Parses the three-state question from query parameters, naming the parameter at fault.
pub fn parse_scenario(q: &HashMap<String, String>) -> Result<Scenario, ApiError> {
    let attacker = required(q, "attacker", "the attacker's state (ISO 3166-1 alpha-2)")?;
    let via = required(
        q,
        "via",
        "the state whose computer or provider was used (ISO 3166-1 alpha-2)",
    )?;
    let victim = required(q, "victim", "the victim's state (ISO 3166-1 alpha-2)")?;
    let data = required(q, "data", DATA_KINDS)?;
    let emergency = parse_emergency(q)?;
    Scenario::parse(attacker, via, victim, data, emergency, &date_param(q)).map_err(query_error)
}

/// The shape of a pathway answer, for the OpenAPI document (the body is the engine's answer,
/// serialised as is).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct PathwaysSchema {
    /// The question: `{from, to, data, emergency, on}`.
    pub query: serde_json::Value,
    /// Present when both sides are the same state: `{state, summary, measures}`.
    pub domestic: Option<serde_json::Value>,
    /// Every applicable pathway, fastest first: `{instrument, instrument_name, article,
    /// mechanism, title, action, channel, deadline, deadlines, conditions, reach?,
    /// verification, unverified, facts}`. `instrument` is a stable id: `budapest`,
    /// `budapest-2ap`, `eu-e-evidence`, `cloud-act-uk-us`, `cloud-act-au-us`,
    /// `un-cybercrime`, `eu-us-mla`, `mla`.
    pub pathways: Vec<serde_json::Value>,
    /// Every instrument (or article) that does not apply: `{instrument, article?, reason,
    /// verification, facts}`.
    pub not_applicable: Vec<serde_json::Value>,
}

/// The shape of a three-state answer, for the OpenAPI document.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ScenarioSchema {
    /// The question: `{attacker, via, victim, data, emergency, on}`.
    pub scenario: serde_json::Value,
    /// What the victim's state can ask of the state whose computer was used:
    /// `{from, to, preservation, production, not_applicable, domestic?}`.
    pub victim_asks_via: serde_json::Value,
    /// What the victim's state can ask of the attacker's state (same shape).
    pub victim_asks_attacker: serde_json::Value,
    /// What the intermediary state can do on its own: `{pathways, reason?}`.
    pub via_on_its_own: serde_json::Value,
    /// One paragraph for a reader in a hurry.
    pub summary: String,
}

/// Every lawful pathway for `from` to obtain `data` held in `to` on `on`, fastest first, and
/// why each other instrument does not apply. Same state on both sides answers with the
/// domestic-law note; a date before any instrument answers with no pathway and the reasons.
#[utoipa::path(get, path = "/api/v1/pathways", operation_id = "get_pathways", tag = "pathways",
    params(("from" = String, Query, description = "requesting state, ISO 3166-1 alpha-2 (e.g. FR)"),
           ("to" = String, Query, description = "state where the data or the provider is (e.g. US)"),
           ("data" = String, Query, description = "subscriber, identification, traffic, content or domain"),
           ("emergency" = Option<bool>, Query, description = "danger to life or similar urgency (default false)"),
           ("on" = Option<String>, Query, description = "the date the answer is for, YYYY-MM-DD (default today, UTC)")),
    responses((status = 200, body = PathwaysSchema, description = "the engine's answer"),
              (status = 400, description = "bad parameter; problem details name it and suggest close country codes"),
              (status = 503, description = "the hub has no legal dataset")))]
pub async fn pathways(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PathwaysError> {
    let q = read_query(q)?;
    reject_unknown(&q, &["from", "to", "data", "emergency", "on"])?;
    let query = parse_pathway_query(&q)?;
    let law = dataset(&st)?;
    Ok(Json(accord_law::route(&law, &query)).into_response())
}

/// The three-state plan: an attacker in `attacker` used a computer in `via` against a victim
/// in `victim`. What the victim's state can ask of `via` (preservation first, then
/// production), what it can ask of `attacker`, what `via` can do on its own (Budapest Art. 30),
/// and a one-paragraph summary.
#[utoipa::path(get, path = "/api/v1/pathways/scenario", operation_id = "get_scenario", tag = "pathways",
    params(("attacker" = String, Query, description = "the attacker's state (A), ISO 3166-1 alpha-2"),
           ("via" = String, Query, description = "the state whose computer or provider was used (B)"),
           ("victim" = String, Query, description = "the victim's state (C), which asks"),
           ("data" = String, Query, description = "subscriber, identification, traffic, content or domain"),
           ("emergency" = Option<bool>, Query, description = "danger to life or similar urgency (default false)"),
           ("on" = Option<String>, Query, description = "the date the answer is for, YYYY-MM-DD (default today, UTC)")),
    responses((status = 200, body = ScenarioSchema, description = "the engine's three-state answer"),
              (status = 400, description = "bad parameter; problem details name it"),
              (status = 503, description = "the hub has no legal dataset")))]
pub async fn scenario(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PathwaysError> {
    let q = read_query(q)?;
    reject_unknown(
        &q,
        &["attacker", "via", "victim", "data", "emergency", "on"],
    )?;
    let s = parse_scenario(&q)?;
    let law = dataset(&st)?;
    Ok(Json(accord_law::scenario(&law, &s)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn field(e: ApiError) -> Option<String> {
        match e {
            ApiError::BadRequest { field, .. } => field,
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn each_mistake_names_its_parameter() {
        let base = [("from", "FR"), ("to", "US"), ("data", "content")];
        assert!(parse_pathway_query(&q(&base)).is_ok());
        for (k, v, expected) in [
            ("from", "UK", "from"),
            ("to", "XX", "to"),
            ("data", "emails", "data"),
            ("on", "2026-02-30", "on"),
            ("emergency", "maybe", "emergency"),
        ] {
            let mut params = q(&base);
            params.insert(k.to_owned(), v.to_owned());
            let err = parse_pathway_query(&params).unwrap_err();
            assert_eq!(field(err).as_deref(), Some(expected), "{k}={v}");
        }
        let err = parse_pathway_query(&q(&[("from", "FR"), ("data", "content")])).unwrap_err();
        assert_eq!(field(err).as_deref(), Some("to"));
    }

    #[test]
    fn checkbox_values_read_as_emergency() {
        assert!(parse_emergency(&q(&[("emergency", "on")])).unwrap());
        assert!(parse_emergency(&q(&[("emergency", "TRUE")])).unwrap());
        assert!(!parse_emergency(&q(&[("emergency", "")])).unwrap());
        assert!(!parse_emergency(&q(&[])).unwrap());
    }
}
