//! One error type for every HTTP handler, rendered as RFC 9457 problem details.
//!
//! Handlers return `Result<_, ApiError>`; the response says what was wrong and where (the field
//! path and a JSON Pointer to it) and never leaks internals: a database failure is logged with
//! its detail and answered with a generic 500 or 503.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use accord_core::validate::Problem;
use accord_store::StoreError;
use accord_store::write::RecordError;

/// The media type of problem details (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The resource does not exist.
    #[error("{what} {id:?} not found")]
    NotFound {
        /// What kind of resource.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A resource with that id already exists.
    #[error("{what} {id:?} already exists")]
    Conflict {
        /// What kind of resource.
        what: &'static str,
        /// The id that is taken.
        id: String,
    },
    /// The write was made against a version of a record that is no longer the latest (an
    /// amendment of an older version): the detail names both.
    #[error("{0}")]
    Outdated(String),
    /// The request is malformed: bad JSON syntax, a bad query parameter.
    #[error("{detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// The offending field or parameter, if one.
        field: Option<String>,
    },
    /// The body is well-formed but its content is invalid; every problem is listed.
    #[error("the request body is invalid")]
    Invalid {
        /// Every problem, each with its field path.
        problems: Vec<Problem>,
    },
    /// The caller is not authenticated (no token, an unknown token, a bad signature).
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The body was not sent as JSON.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// The body is larger than the limit.
    #[error("the request body exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The database cannot be reached now; nothing was written and a retry may succeed.
    /// Details are logged, not returned.
    #[error("the hub's database is unavailable")]
    Unavailable(String),
    /// The hub's write path is failing (`/healthz`, `/readyz`): the detail says why, for the
    /// operator and the load balancer.
    #[error("{0}")]
    Unhealthy(String),
    /// The store failed; details are logged, not returned.
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what, id } => ApiError::NotFound { what, id },
            StoreError::Conflict { what, id } => ApiError::Conflict { what, id },
            StoreError::VersionConflict { what, id } => ApiError::Conflict { what, id },
            StoreError::NotOwner { .. } | StoreError::NotRecorder { .. } => {
                ApiError::Forbidden(e.to_string())
            }
            StoreError::Outdated { .. } => ApiError::Outdated(e.to_string()),
            StoreError::BadCursor { .. } => ApiError::BadRequest {
                detail: e.to_string(),
                field: Some("cursor".into()),
            },
            StoreError::NoSuchEntry { index, .. } => ApiError::NotFound {
                what: "log entry",
                id: index.to_string(),
            },
            StoreError::BeyondLog { .. } => ApiError::NotFound {
                what: "log resource",
                id: e.to_string(),
            },
            StoreError::Unavailable(detail) => ApiError::Unavailable(detail),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// A problem-details body (RFC 9457 §3.1) with Accord's `errors` extension member.
#[derive(Debug, Serialize)]
pub struct ProblemBody {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence, in words.
    pub detail: String,
    /// Each offending field (RFC 9457 §3.2 extension member).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One offending field.
#[derive(Debug, Serialize)]
pub struct FieldError {
    /// The field path, e.g. `victims[0].country`.
    pub path: String,
    /// A JSON Pointer (RFC 6901) to the field in the request body, e.g. `/victims/0/country`.
    pub pointer: String,
    /// What is wrong with it.
    pub detail: String,
}

/// Converts a field path (`victims[0].country`) to a JSON Pointer (`/victims/0/country`).
pub fn pointer(path: &str) -> String {
    if path.is_empty() || path == "." {
        return String::new();
    }
    let mut out = String::new();
    for part in path.split(['.', '[']) {
        let part = part.trim_end_matches(']');
        if part.is_empty() {
            continue;
        }
        out.push('/');
        out.push_str(&part.replace('~', "~0").replace('/', "~1"));
    }
    out
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } | ApiError::Outdated(_) => StatusCode::CONFLICT,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable(_) | ApiError::Unhealthy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } => "not-found",
            ApiError::Conflict { .. } => "conflict",
            ApiError::Outdated(_) => "outdated",
            ApiError::BadRequest { .. } => "bad-request",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::Invalid { .. } => "invalid-body",
            ApiError::UnsupportedMediaType => "unsupported-media-type",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Unhealthy(_) => "unhealthy",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The problem-details body for this error.
    pub fn body(&self) -> ProblemBody {
        let status = self.status();
        let errors = match self {
            ApiError::Invalid { problems } => problems
                .iter()
                .map(|p| FieldError {
                    path: p.path.clone(),
                    pointer: pointer(&p.path),
                    detail: p.message.clone(),
                })
                .collect(),
            ApiError::BadRequest {
                field: Some(f),
                detail,
            } => vec![FieldError {
                path: f.clone(),
                pointer: pointer(f),
                detail: detail.clone(),
            }],
            _ => Vec::new(),
        };
        let detail = match self {
            ApiError::Invalid { problems } => format!(
                "{} problem(s): {}",
                problems.len(),
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            ApiError::Unavailable(_) => {
                "the hub's database is unavailable; nothing was written, retry shortly".into()
            }
            ApiError::Internal(_) => "the hub could not complete the request; see its log".into(),
            other => other.to_string(),
        };
        ProblemBody {
            kind: format!("https://accord.invalid/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Invalid { problems } => ApiError::Invalid { problems },
            RecordError::BadSignature(m) => ApiError::Unauthenticated(m),
            RecordError::Forbidden(m) => ApiError::Forbidden(m),
            RecordError::Store(s) => s.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "request failed"),
            ApiError::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            _ => {}
        }
        let status = self.status();
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // RFC 9110 §10.2.3: when to try again.
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers() {
        assert_eq!(pointer("victims[0].country"), "/victims/0/country");
        assert_eq!(pointer("title"), "/title");
        assert_eq!(pointer("a/b"), "/a~1b");
    }

    #[test]
    fn an_unreachable_database_is_a_503_to_retry_without_its_details() {
        let e: ApiError =
            StoreError::Unavailable("connection refused by db.internal:5432".into()).into();
        let body = e.body();
        assert_eq!(body.status, 503);
        assert!(!body.detail.contains("db.internal"), "{}", body.detail);
        let resp = e.into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
    }
}
