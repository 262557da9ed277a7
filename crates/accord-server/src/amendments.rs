//! `/api/v1/incidents/{id}/amendments` and `/api/v1/parties/{id}/amendments`: a record's
//! corrections as the log recorded them (`accord_store::amend`), each with who signed it, when,
//! every field was → now, and why.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use accord_core::corrections::{Change, Reason, RecordKind};
use accord_store::log::StoredAmendment;

use crate::error::ApiError;
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
