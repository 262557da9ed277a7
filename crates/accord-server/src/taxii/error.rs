//! TAXII 2.1 error resources (§3.6.1): every TAXII failure is answered with one, in the TAXII
//! media type, never with internals.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use accord_store::StoreError;
use accord_store::sharing::SharingError;
use accord_store::write::RecordError;

use super::media::TAXII_MEDIA_TYPE;

/// A TAXII error: an HTTP status and what to tell the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short title.
    pub title: String,
    /// What went wrong, for a human.
    pub description: String,
}

#[derive(Serialize)]
struct ErrorResource<'a> {
    title: &'a str,
    description: &'a str,
    http_status: String,
}

impl TaxiiError {
    /// An error with `status`, `title` and `description`.
    pub fn new(status: StatusCode, title: &str, description: impl Into<String>) -> Self {
        TaxiiError {
            status,
            title: title.to_owned(),
            description: description.into(),
        }
    }

    /// 400: a bad parameter or body.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }

    /// 404: not there, or not visible to the caller (the two are not told apart).
    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", description)
    }

    /// 401: credentials missing or wrong.
    pub fn unauthorized(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", description)
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", description)
    }

    fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "TAXII request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the server failed; the error is logged",
        )
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let body = ErrorResource {
            title: &self.title,
            description: &self.description,
            http_status: self.status.as_u16().to_string(),
        };
        let text = serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_owned());
        let mut response = (self.status, text).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"accord\", Bearer"),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // RFC 9110 §10.2.3: when to try again.
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<StoreError> for TaxiiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => TaxiiError::not_found(e.to_string()),
            StoreError::Conflict { .. } | StoreError::VersionConflict { .. } => {
                TaxiiError::new(StatusCode::CONFLICT, "Conflict", e.to_string())
            }
            StoreError::NotOwner { .. } => TaxiiError::forbidden(e.to_string()),
            StoreError::BadCursor { .. } => TaxiiError::bad_request(e.to_string()),
            StoreError::Unavailable(detail) => {
                // The detail names the database's host: logged, not returned.
                tracing::warn!(%detail, "database unavailable");
                TaxiiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service unavailable",
                    "the hub's database is unavailable; nothing was written, retry shortly",
                )
            }
            other => TaxiiError::internal(other),
        }
    }
}

impl From<SharingError> for TaxiiError {
    fn from(e: SharingError) -> Self {
        match e {
            SharingError::NoCollection(_) => TaxiiError::not_found(e.to_string()),
            SharingError::Forbidden(m) => TaxiiError::forbidden(m),
            SharingError::BadQuery { .. } => TaxiiError::bad_request(e.to_string()),
            SharingError::Unsupported => TaxiiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "Not implemented",
                e.to_string(),
            ),
            SharingError::Record(r) => r.into(),
            SharingError::Store(s) => s.into(),
            other => TaxiiError::internal(other),
        }
    }
}

impl From<RecordError> for TaxiiError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Invalid { .. } => {
                TaxiiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", e.to_string())
            }
            RecordError::Forbidden(m) => TaxiiError::forbidden(m),
            RecordError::Store(s) => s.into(),
            other => TaxiiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database outage reached TAXII clients as a 500 "the server failed".
    #[test]
    fn a_database_outage_is_a_503_to_retry_without_its_details() {
        let e: TaxiiError =
            StoreError::Unavailable("connection refused by db.internal:5432".into()).into();
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(!e.description.contains("db.internal"), "{}", e.description);
        let resp = e.into_response();
        assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
        assert_eq!(resp.headers()[header::CONTENT_TYPE], TAXII_MEDIA_TYPE);
    }
}
