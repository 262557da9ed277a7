//! Evidence requests over HTTP: filing a request along a pathway and tracking it to its
//! deadline.
//!
//! * `POST /api/v1/requests` — the requesting state files a request: a signed `request` entry
//!   and its body (`accord submit request FILE`), the request's id a random UUID the filer
//!   drew. 201 with the request in `draft`.
//! * `POST /api/v1/requests/{id}/transitions` — either state moves it: a signed
//!   `request-transition` entry whose body is `{"request", "to", "note"}` (`accord submit
//!   request-transition FILE`).
//!
//! Every entry's id is a fresh random UUID of its own, so the public log ties no entry to a
//! request or a status.
//! * `GET /api/v1/requests` — the caller's requests (either side), newest first; `status` and
//!   `incident` narrow the list.
//! * `GET /api/v1/requests/overdue` — the caller's open requests whose response limit has
//!   passed, the longest overdue first; `at` (RFC 3339) asks for another instant than now
//!   ("what will be overdue on Monday?").
//! * `GET /api/v1/requests/{id}` — one request.
//!
//! **Read rule.** Every endpoint needs a bearer token. A request is TLP:RED unless filed
//! otherwise, and then only its two states see it; anyone else is answered 404, exactly as
//! for an id that does not exist, so the answer discloses nothing. The log entries themselves
//! are public, but `/log/entries` withholds bodies that are not TLP:CLEAR, so the record proves
//! each step by hash without disclosing it. Filing under an id taken by a request the caller may
//! not see is answered as a malformed id would be (422 at `body.id`), not with a conflict.
//!
//! Business rules (the lifecycle, who may move what, the deadlines) are in
//! `accord_law::request` and `accord_store::requests`; this module parses, calls and renders.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

use accord_law::deadline::DueDate;
use accord_law::request::{Request, Status};
use accord_store::requests::{RequestFilter, submit_request, submit_transition};
use accord_store::write::Submission;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::pathways::{PathwaysError, dataset, param, read_query, reject_unknown};
use crate::state::AppState;

/// A request as the API shows it: the record, and where it stands against its deadlines.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    /// The request: id, incident, requesting_state, requested_state, data, emergency,
    /// pathway {instrument, article}, summary, tlp, created_at, status, history
    /// [{to, at, received_at, by, note, log_index}], due [{kind, due, text, verification}].
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub request: Request,
    /// True when a response limit has passed while the request is open.
    pub overdue: bool,
    /// The limits that have passed (empty when not overdue).
    #[schema(value_type = Vec<Object>)]
    pub overdue_limits: Vec<DueDate>,
    /// The earliest response limit while the request is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub next_due: Option<Timestamp>,
    /// The end of the preservation hold, when the pathway has one (a minimum).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub held_until: Option<Timestamp>,
}

impl RequestView {
    /// The view of `request` at `now`.
    pub fn at(request: Request, now: Timestamp) -> RequestView {
        let overdue_limits: Vec<DueDate> = request.overdue(now).into_iter().cloned().collect();
        RequestView {
            overdue: !overdue_limits.is_empty(),
            overdue_limits,
            next_due: request.next_due(),
            held_until: request.held_until(),
            request,
        }
    }
}

/// The read rule, in one place: the request if `party` may see it, else "not found".
pub fn readable(request: Request, party: &str) -> Result<Request, ApiError> {
    if request.visible_to(Some(party)) {
        Ok(request)
    } else {
        Err(ApiError::NotFound {
            what: "request",
            id: request.id,
        })
    }
}

fn bad(field: &str, detail: String) -> ApiError {
    ApiError::BadRequest {
        detail,
        field: Some(field.to_owned()),
    }
}

/// A party's signed request: the signed log entry and the request it commits to.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct RequestSubmissionSchema {
    /// `{"envelope": {kind: "request", id (a fresh random UUID, not the request's), submitter, submitted_at, body_salted_sha256, tlp, signer_key}, "signature"}`.
    pub entry: serde_json::Value,
    /// `{id (a random UUID v4, canonical lower-case), incident?, requesting_state, requested_state, data, emergency?, pathway:
    /// {instrument, article}, summary, tlp? (default "red")}`.
    pub body: serde_json::Value,
    /// The salt of the envelope's `body_salted_sha256` (64 hex digits, fresh for each entry).
    pub salt: String,
}

/// A party's signed transition: the signed log entry and the move it commits to.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct TransitionSubmissionSchema {
    /// `{"envelope": {kind: "request-transition", id (a fresh random UUID), submitter, submitted_at, body_salted_sha256, tlp, signer_key}, "signature"}`.
    pub entry: serde_json::Value,
    /// `{request, to: sent|acknowledged|preserved|produced|refused|withdrawn, note?}`.
    pub body: serde_json::Value,
    /// The salt of the envelope's `body_salted_sha256` (64 hex digits, fresh for each entry).
    pub salt: String,
}

/// Files an evidence request as the authenticated requesting state. The pathway must be one the
/// engine offers on the day the entry is dated; the request starts in `draft`, marked TLP:RED
/// unless the body says otherwise (the entry's `tlp` must equal the body's).
#[utoipa::path(post, path = "/api/v1/requests", operation_id = "create_request", tag = "requests",
    request_body = RequestSubmissionSchema,
    security(("bearer" = [])),
    responses((status = 201, body = RequestView, description = "recorded: the request as sent"),
              (status = 400, description = "malformed JSON"),
              (status = 401, description = "no valid token, or the signature does not verify"),
              (status = 403, description = "the caller is not the requesting state, or the key is not a current key of the party"),
              (status = 409, description = "a request the caller is a party of has this id (a replay)"),
              (status = 422, description = "invalid request; problem details list every field (an id that is not a random UUID, or is taken by a request the caller may not see, is named at `body.id` alike)"),
              (status = 503, description = "the hub has no legal dataset")))]
pub async fn create(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    JsonBody(submission): JsonBody<Submission>,
) -> Result<Response, PathwaysError> {
    let law = dataset(&st)?;
    let now = Timestamp::now();
    let request = submit_request(
        st.store.as_ref(),
        &st.sequencer,
        &law,
        &party,
        submission,
        now,
    )
    .await
    .map_err(ApiError::from)?;
    let location = format!("/api/v1/requests/{}", request.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(RequestView::at(request, now)),
    )
        .into_response())
}

/// Moves a request along its lifecycle. The requesting state sends and withdraws; the
/// requested state acknowledges, preserves, produces and refuses. The move is dated by the
/// entry's `submitted_at` (within 5 minutes ahead of the hub's clock and 24 hours behind it),
/// and the hub records when it received it; sending starts the pathway's deadlines from that
/// receipt.
#[utoipa::path(post, path = "/api/v1/requests/{id}/transitions", operation_id = "transition_request",
    tag = "requests", params(("id" = String, Path)),
    request_body = TransitionSubmissionSchema,
    security(("bearer" = [])),
    responses((status = 200, body = RequestView, description = "the request after the move"),
              (status = 401, description = "no valid token, or the signature does not verify"),
              (status = 403, description = "the other side makes this move"),
              (status = 404, description = "no such request, or not one the caller may see"),
              (status = 409, description = "the request already reached that status (a replay), or moved on meanwhile"),
              (status = 422, description = "the lifecycle forbids the move; problem details name `body.to`"),
              (status = 503, description = "the hub has no legal dataset")))]
pub async fn transition(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    Path(id): Path<String>,
    JsonBody(submission): JsonBody<Submission>,
) -> Result<Json<RequestView>, PathwaysError> {
    let law = dataset(&st)?;
    let now = Timestamp::now();
    let request = submit_transition(
        st.store.as_ref(),
        &st.sequencer,
        &law,
        &party,
        &id,
        submission,
        now,
    )
    .await
    .map_err(ApiError::from)?;
    Ok(Json(RequestView::at(request, now)))
}

/// The caller's requests (as requesting or requested state), newest first; `status` and
/// `incident` narrow the list.
#[utoipa::path(get, path = "/api/v1/requests", operation_id = "list_requests", tag = "requests",
    params(("status" = Option<String>, Query, description = "draft, sent, acknowledged, preserved, produced, refused or withdrawn"),
           ("incident" = Option<String>, Query, description = "incident id")),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<RequestView>, description = "the requests the caller is a side of"),
              (status = 400, description = "bad parameter"),
              (status = 401, description = "no valid token")))]
pub async fn list(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    let q = read_query(q)?;
    reject_unknown(&q, &["status", "incident"])?;
    let status = param(&q, "status")
        .map(|s| {
            s.parse::<Status>()
                .map_err(|e| bad("status", e.to_string()))
        })
        .transpose()?;
    let filter = RequestFilter {
        party: Some(party),
        status,
        incident: param(&q, "incident").map(str::to_owned),
        max_tlp: None,
    };
    let now = Timestamp::now();
    let items = st.store.requests(&filter).await?;
    Ok(Json(
        items.into_iter().map(|r| RequestView::at(r, now)).collect(),
    ))
}

/// The caller's open requests whose response limit has passed at `at` (default now), the
/// longest overdue first.
#[utoipa::path(get, path = "/api/v1/requests/overdue", operation_id = "list_overdue_requests", tag = "requests",
    params(("at" = Option<String>, Query, description = "RFC 3339 instant to compute for; default now")),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<RequestView>, description = "the caller's open requests past a limit"),
              (status = 400, description = "bad parameter"),
              (status = 401, description = "no valid token")))]
pub async fn overdue(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    let q = read_query(q)?;
    reject_unknown(&q, &["at"])?;
    let now = match param(&q, "at") {
        None => Timestamp::now(),
        Some(t) => t.parse::<Timestamp>().map_err(|_| {
            bad(
                "at",
                format!("{t:?} is not an RFC 3339 instant such as 2026-11-29T12:00:00Z"),
            )
        })?,
    };
    let filter = RequestFilter {
        party: Some(party),
        ..RequestFilter::default()
    };
    let items = st.store.overdue_requests(&filter, now).await?;
    Ok(Json(
        items.into_iter().map(|r| RequestView::at(r, now)).collect(),
    ))
}

/// One request, if the caller may see it (404 otherwise, as for an unknown id).
#[utoipa::path(get, path = "/api/v1/requests/{id}", operation_id = "get_request", tag = "requests",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = RequestView, description = "the request"),
              (status = 401, description = "no valid token"),
              (status = 404, description = "no such request, or not one the caller may see")))]
pub async fn show(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    let request = readable(st.store.request(&id).await?, &party)?;
    Ok(Json(RequestView::at(request, Timestamp::now())))
}
