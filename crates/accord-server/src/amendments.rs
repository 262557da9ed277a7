//! `/api/v1/incidents/{id}/amendments`, `/api/v1/parties/{id}/amendments`,
//! `/api/v1/accord/amendments` and `/api/v1/rules/amendments`: a record's corrections as the
//! log recorded them (`accord_store::amend`), each with who signed it, when, every field was →
//! now, and why; and a party's signed amendment of its own incident.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use accord_core::corrections::{Change, Reason, RecordKind, rules_id};
use accord_core::incident::Incident;
use accord_core::validate::Problem;
use accord_store::amend::amend_incident;
use accord_store::log::StoredAmendment;
use accord_store::write::Submission;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::state::AppState;

/// One amendment of a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentView {
    /// The amendment's log entry index.
    pub index: u64,
    /// Who signed it: the party that recorded the record (the hub operator for bundled ones).
    pub submitter: String,
    /// When it was signed (RFC 3339).
    pub submitted_at: String,
    /// The bundled dataset version that ships it, for a bundled record's correction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<u32>,
    /// Every field that changed, was → now.
    pub changes: Vec<Change>,
    /// Why.
    pub reasons: Vec<Reason>,
}

impl From<StoredAmendment> for AmendmentView {
    fn from(a: StoredAmendment) -> Self {
        AmendmentView {
            index: a.index,
            changes: a.body.changes(),
            submitter: a.submitter,
            submitted_at: a.submitted_at,
            dataset_version: a.body.dataset_version,
            reasons: a.body.reasons,
        }
    }
}

/// A record's amendments, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Amendments {
    /// The kind of record.
    pub kind: RecordKind,
    /// Its id.
    pub id: String,
    /// Its amendments, oldest first (empty: never corrected).
    pub amendments: Vec<AmendmentView>,
}

async fn amendments(st: &AppState, kind: RecordKind, id: String) -> Result<Amendments, ApiError> {
    let list = st.store.amendments(kind, &id).await?;
    Ok(Amendments {
        kind,
        id,
        amendments: list.into_iter().map(AmendmentView::from).collect(),
    })
}

/// An incident's corrections: the amendment entries the log holds for it.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/amendments", operation_id = "get_incident_amendments", tag = "incidents",
    params(("id" = String, Path)),
    responses((status = 200, body = Amendments, description = "the incident's amendments, oldest first"), (status = 404, description = "no such incident")))]
pub async fn incident_amendments(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Amendments>, ApiError> {
    st.store.incident(&id).await?;
    Ok(Json(amendments(&st, RecordKind::Incident, id).await?))
}

/// A party's corrections: the amendment entries the log holds for its registry entry.
#[utoipa::path(get, path = "/api/v1/parties/{id}/amendments", operation_id = "get_party_amendments", tag = "registry",
    params(("id" = String, Path)),
    responses((status = 200, body = Amendments, description = "the party's amendments, oldest first"), (status = 404, description = "no such party")))]
pub async fn party_amendments(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Amendments>, ApiError> {
    st.store.party(&id).await?;
    Ok(Json(amendments(&st, RecordKind::Party, id).await?))
}

/// The accord's corrections: the amendment entries the log holds for it (a dataset upgrade's,
/// signed by the hub operator).
#[utoipa::path(get, path = "/api/v1/accord/amendments", operation_id = "get_accord_amendments", tag = "registry",
    responses((status = 200, body = Amendments, description = "the accord's amendments, oldest first")))]
pub async fn accord_amendments(State(st): State<AppState>) -> Result<Json<Amendments>, ApiError> {
    let id = st.store.accord().await?.id;
    Ok(Json(amendments(&st, RecordKind::Accord, id).await?))
}

/// The corrections of the rules that suggest principles: the amendment entries the log holds
/// for them. Each one re-suggested every incident's principles.
#[utoipa::path(get, path = "/api/v1/rules/amendments", operation_id = "get_rules_amendments", tag = "registry",
    responses((status = 200, body = Amendments, description = "the rules' amendments, oldest first")))]
pub async fn rules_amendments(State(st): State<AppState>) -> Result<Json<Amendments>, ApiError> {
    let id = rules_id(&st.store.accord().await?.id);
    Ok(Json(amendments(&st, RecordKind::Rules, id).await?))
}

/// The body of a party's amendment of its incident, as its signed entry commits to it.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AmendmentBodySchema {
    /// `incident`.
    pub kind: RecordKind,
    /// The incident's id: the one in the path.
    pub id: String,
    /// The version amended: the log index of the incident's latest amendment (the last
    /// `index` of `GET /api/v1/incidents/{id}/amendments`), or of the entry that recorded it
    /// (its `log_index`) when it has none.
    pub base: u64,
    /// The incident as it reads at that version.
    pub previous: Incident,
    /// The incident as it should read: the same id, checked as a new submission is.
    pub new: Incident,
    /// Why: one to 16 reasons, each a day, `what` changed (up to 300 characters) and `why` (up
    /// to 4,000), with sources.
    pub reasons: Vec<Reason>,
}

/// A party's signed amendment: the signed log entry (kind `amendment`, id
/// `incident/{id}@{random UUID}`, TLP:CLEAR), the body it commits to, and the salt.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AmendmentSubmissionSchema {
    /// `{"envelope": {kind, id, submitter, submitted_at, body_salted_sha256, tlp, signer_key}, "signature"}`.
    pub entry: serde_json::Value,
    /// The amendment.
    pub body: AmendmentBodySchema,
    /// The salt of the envelope's `body_salted_sha256` (64 hex digits, fresh for each entry).
    pub salt: String,
}

/// Amends an incident the authenticated party recorded: a signed entry (as `accord incidents
/// amend` builds it) naming the version amended, the text there and the corrected one, with at
/// least one reason. Only the party that recorded an incident amends it (the hub operator, for
/// the bundled ones); the original entry stays in the log and the incident reads as corrected.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/amendments", operation_id = "amend_incident", tag = "incidents",
    params(("id" = String, Path)),
    request_body = AmendmentSubmissionSchema,
    security(("bearer" = [])),
    responses((status = 201, body = AmendmentView, description = "recorded: the amendment with its log index"),
              (status = 400, description = "malformed JSON"),
              (status = 401, description = "no valid token, or the signature does not verify"),
              (status = 403, description = "another party recorded the incident (the answer names it), or the key is not a current key of the party"),
              (status = 404, description = "no such incident"),
              (status = 409, description = "the incident has changed since the version amended (the answer names both), or the entry id was used"),
              (status = 413, description = "body too large"),
              (status = 415, description = "not JSON"),
              (status = 422, description = "an invalid amendment, reason or corrected incident; problem details list every field")))]
pub async fn amend(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    Path(id): Path<String>,
    JsonBody(submission): JsonBody<Submission>,
) -> Result<Response, ApiError> {
    if let Some(named) = submission.body.get("id").and_then(|v| v.as_str())
        && named != id
    {
        return Err(ApiError::Invalid {
            problems: vec![Problem {
                path: "body.id".into(),
                message: format!("is {named:?}; this path amends incident {id:?}"),
            }],
        });
    }
    let stored = amend_incident(st.store.as_ref(), &st.sequencer, &party, submission).await?;
    let location = format!("/api/v1/incidents/{id}/amendments");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(AmendmentView::from(stored)),
    )
        .into_response())
}
