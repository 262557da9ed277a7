//! `POST /add-checkpoint`: the hub as a C2SP tlog-witness of the logs its operator configured
//! (`accord serve --witness-log`), answering with exactly the statuses the spec gives (see
//! [`accord_store::witnessing`]).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use accord_store::witnessing::{AddCheckpointError, MAX_BODY, add_checkpoint, latest_cosigned};

use crate::state::AppState;

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// `POST /add-checkpoint` (tlog-witness §add-checkpoint): 200 with this hub's cosignature
/// line; 400 malformed; 403 not signed by the log's key; 404 a log this hub does not witness
/// (every log, when it witnesses none); 409 with `text/x.tlog.size` and the latest cosigned
/// size; 422 inconsistent.
pub async fn add(State(st): State<AppState>, body: Bytes) -> Response {
    let Some(config) = st.witness.as_ref() else {
        return text(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "this hub witnesses no log\n".into(),
        );
    };
    if body.len() > MAX_BODY {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text/plain; charset=utf-8",
            format!("an add-checkpoint body is at most {MAX_BODY} bytes\n"),
        );
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match add_checkpoint(st.store.as_ref(), config, &body, now).await {
        Ok(line) => text(StatusCode::OK, "text/plain; charset=utf-8", line),
        Err(AddCheckpointError::Conflict { latest, .. }) => text(
            StatusCode::CONFLICT,
            "text/x.tlog.size",
            format!("{latest}\n"),
        ),
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status.is_server_error() {
                tracing::error!(error = %e, "add-checkpoint failed");
            }
            let mut r = text(status, "text/plain; charset=utf-8", format!("{e}\n"));
            if status == StatusCode::SERVICE_UNAVAILABLE {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            r
        }
    }
}

/// `GET /witness/{origin hash}/checkpoint` (tlog-witness §Monitor Retrieval Mechanism, with
/// `<hub>/witness` as the monitoring prefix): the latest checkpoint this hub cosigned for the
/// log whose origin's SHA-256 is the lowercase hex `origin hash`, with the log's signature and
/// this hub's cosignature; 404 if it never cosigned one.
pub async fn latest(State(st): State<AppState>, Path(origin_hash): Path<String>) -> Response {
    let found = match st.witness.as_ref() {
        None => Ok(None),
        Some(config) => latest_cosigned(st.store.as_ref(), config, &origin_hash).await,
    };
    match found {
        Ok(Some(note)) => text(StatusCode::OK, "text/plain; charset=utf-8", note),
        Ok(None) => text(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "this hub has cosigned no checkpoint of that log\n".into(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "witnessed checkpoint read failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                format!("{e}\n"),
            )
        }
    }
}
