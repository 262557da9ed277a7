//! Bulk submissions: many signed incidents in one request, `POST /api/v1/incidents/batch`.
//!
//! One HTTP request per write costs the hub more than the write itself (parsing the request,
//! authenticating the token, waking the sequencer); a client with many records sends them as a
//! JSON array of the submissions `POST /api/v1/incidents` takes. Every item is checked exactly
//! as the single endpoint checks one, and gets its own answer: the log index it landed at, or
//! the problem details the single endpoint would have answered. A refused item writes nothing
//! and does not stop the others; the accepted ones are appended together, in one transaction
//! under one signed checkpoint, before the response is sent.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use accord_core::validate::Problem;
use accord_store::write::{MAX_BULK, Submission, submit_incidents};

use crate::auth::Authenticated;
use crate::error::{ApiError, ProblemBody};
use crate::json::JsonBody;
use crate::state::AppState;

/// What happened to one item of a bulk submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkItem {
    /// The item's position in the request array (0-based).
    pub item: usize,
    /// The HTTP status the single endpoint would have answered: 201 when recorded.
    pub status: u16,
    /// The incident's id, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The entry's index in the log, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// Why the item was refused (RFC 9457 problem details), when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub problem: Option<ProblemBody>,
}

/// The answer to a bulk submission: one result per item, in request order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkOutcome {
    /// Items recorded.
    pub recorded: usize,
    /// Items refused (nothing of them was written).
    pub refused: usize,
    /// Every item's result, in request order.
    pub results: Vec<BulkItem>,
}

/// Takes item `i` apart into a submission without copying it: an object with the members
/// `entry`, `body` and `salt` and no others, as the single endpoint takes.
fn submission(value: serde_json::Value, i: usize) -> Result<Submission, ApiError> {
    let problem = |path: String, message: &str| ApiError::Invalid {
        problems: vec![Problem {
            path,
            message: message.to_owned(),
        }],
    };
    let serde_json::Value::Object(mut map) = value else {
        return Err(problem(
            format!("[{i}]"),
            "must be an object with members entry and body",
        ));
    };
    let (Some(entry), Some(body)) = (map.remove("entry"), map.remove("body")) else {
        return Err(problem(
            format!("[{i}]"),
            "must have both members entry and body",
        ));
    };
    let salt = match map.remove("salt") {
        None => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => {
            return Err(problem(
                format!("[{i}].salt"),
                "must be a string of 64 hex digits",
            ));
        }
    };
    if let Some(extra) = map.keys().next() {
        return Err(problem(format!("[{i}].{extra}"), "unknown field"));
    }
    Ok(Submission { entry, body, salt })
}

fn refused(item: usize, e: ApiError) -> BulkItem {
    let problem = e.body();
    BulkItem {
        item,
        status: problem.status,
        id: None,
        log_index: None,
        problem: Some(problem),
    }
}

/// Records many incidents submitted by the authenticated party in one request. The body is a
/// JSON array (at most 4,096 items) of the submissions `POST /api/v1/incidents` takes; each is
/// verified exactly as that endpoint verifies one. The answer is 200 with one result per item:
/// `status` 201 and the `log_index` for a recorded item, or the status and problem details the
/// single endpoint would have answered (401 bad signature, 403 other submitter or a key that is
/// not current, 409 replay — also of an item earlier in the same request —, 422 invalid). The
/// recorded items are durable and covered by a signed checkpoint when the answer is sent.
#[utoipa::path(post, path = "/api/v1/incidents/batch", operation_id = "create_incidents", tag = "incidents",
    request_body(content = Vec<crate::api::SubmissionSchema>, description = "signed incident submissions"),
    security(("bearer" = [])),
    responses((status = 200, body = BulkOutcome, description = "one result per item"),
              (status = 400, description = "malformed JSON, not an array, or more than 4,096 items"),
              (status = 401, description = "no valid token"),
              (status = 413, description = "body too large"),
              (status = 415, description = "not JSON")))]
pub async fn create_incidents(
    State(st): State<AppState>,
    Authenticated(party): Authenticated,
    JsonBody(items): JsonBody<Vec<serde_json::Value>>,
) -> Result<Json<BulkOutcome>, ApiError> {
    if items.len() > MAX_BULK {
        return Err(ApiError::BadRequest {
            detail: format!(
                "{} submissions in one request; at most {MAX_BULK} are taken",
                items.len()
            ),
            field: None,
        });
    }
    // An item that is not a submission at all is refused alone, naming its field.
    let mut results: Vec<Option<BulkItem>> = Vec::with_capacity(items.len());
    let mut submissions = Vec::with_capacity(items.len());
    let mut positions = Vec::with_capacity(items.len());
    for (i, value) in items.into_iter().enumerate() {
        match submission(value, i) {
            Ok(s) => {
                positions.push(i);
                submissions.push(s);
                results.push(None);
            }
            Err(e) => results.push(Some(refused(i, e))),
        }
    }
    let outcomes = submit_incidents(st.store.as_ref(), &st.sequencer, &party, submissions).await?;
    for (i, outcome) in positions.into_iter().zip(outcomes) {
        results[i] = Some(match outcome {
            Ok(recorded) => BulkItem {
                item: i,
                status: 201,
                id: Some(recorded.id),
                log_index: Some(recorded.log_index),
                problem: None,
            },
            Err(e) => refused(i, e.into()),
        });
    }
    let results: Vec<BulkItem> = results.into_iter().flatten().collect();
    let recorded = results.iter().filter(|r| r.status == 201).count();
    Ok(Json(BulkOutcome {
        recorded,
        refused: results.len() - recorded,
        results,
    }))
}
