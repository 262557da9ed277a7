//! Health for operators and load balancers: `/healthz` (liveness) and `/readyz` (readiness).
//!
//! Both report the write path, not only that the process answers: a hub whose appends fail
//! (the database refuses writes, the stored head is not signed by this node's operator key)
//! says so with `503` and a problem naming why, instead of `ok`. `/healthz` stays cheap: the
//! record counts and this node's last append outcome, kept in memory by the sequencer.
//! `/readyz` also reads the latest checkpoint and checks this node's operator key signs it,
//! which every append requires.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use accord_store::Counts;

use crate::error::ApiError;
use crate::state::AppState;

/// How long an append failure keeps the hub unhealthy when no append succeeds after it: long
/// enough for a probe to see it, short enough that an idle node is not held down by an old
/// failure (the next write reports again).
pub const FAILURE_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// The write path as this node last saw it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WriteState {
    /// When an append last committed (RFC 3339), if one did since the node started.
    pub last_success: Option<String>,
    /// When an append last failed and why, if one did.
    pub last_failure: Option<String>,
}

/// Liveness: the store answers and the write path is not failing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// What the store holds.
    pub counts: Counts,
    /// The write path.
    pub write: WriteState,
}

/// Readiness: the store answers a read and this node can extend the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: &'static str,
    /// The size of the latest signed checkpoint.
    pub size: u64,
}

fn write_state(st: &AppState) -> Result<WriteState, ApiError> {
    let health = st.sequencer.health();
    if let Some(why) = health.failing(jiff::Timestamp::now(), FAILURE_WINDOW) {
        return Err(ApiError::Unhealthy(format!(
            "the write path is failing: {why}"
        )));
    }
    Ok(WriteState {
        last_success: health.last_success.map(|t| t.to_string()),
        last_failure: health.last_failure.map(|(at, why)| format!("{at}: {why}")),
    })
}

/// Liveness: the store answers and this node's appends are not failing (`503` with a problem
/// saying why if the last append failed within the last minute and none succeeded since).
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "health", responses(
    (status = 200, body = Health, description = "alive: the store answers and appends are not failing"),
    (status = 503, description = "the store does not answer or appends are failing (problem details)")
))]
pub async fn healthz(State(st): State<AppState>) -> Result<Json<Health>, ApiError> {
    let write = write_state(&st)?;
    let counts = st.store.counts().await?;
    Ok(Json(Health {
        status: "ok",
        counts,
        write,
    }))
}

/// Readiness, for load balancers: the store answers a read, this node's operator key signs the
/// stored head (so it can append), and its appends are not failing; otherwise `503` with a
/// problem saying which.
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "health", responses(
    (status = 200, body = Ready, description = "ready: this node can extend the log"),
    (status = 503, description = "not ready: the store, the operator key or the write path (problem details)")
))]
pub async fn readyz(State(st): State<AppState>) -> Result<Json<Ready>, ApiError> {
    let head = st
        .store
        .checkpoint()
        .await
        .map_err(|e| ApiError::Unhealthy(format!("the store does not answer a read: {e}")))?;
    st.sequencer
        .operator()
        .check_signs(head.as_ref())
        .map_err(|e| ApiError::Unhealthy(format!("this node cannot append: {e}")))?;
    write_state(&st)?;
    Ok(Json(Ready {
        status: "ready",
        size: head.map_or(0, |c| c.size),
    }))
}
