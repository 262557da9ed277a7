//! HTTP hygiene every answer gets, whichever handler (or none) produced it: a URI length
//! limit, errors always as problem details, and cache headers on answers that depend on who
//! is asking.
//!
//! axum answers some requests before any of our handlers runs — a path or query that its
//! extractors cannot decode, a method a route does not take, a body over the limit, a path no
//! route matches — in text/plain or with no body at all. [`layer`] rewrites every such error
//! into RFC 9457 problem details (under `/taxii2/`, a TAXII 2.1 error resource in the TAXII
//! media type, §3.6.1), keeping the status and any `Allow` header, and naming the method and
//! path. Errors already in the format of their path (problem details or the dashboard's HTML
//! error pages; TAXII errors under `/taxii2/`; the `text/x.tlog.size` 409 of C2SP
//! tlog-witness `/add-checkpoint`) pass untouched.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{PROBLEM_JSON, ProblemBody};
use crate::taxii::TaxiiError;

/// Longest request target (path and query) accepted, in bytes. Longer ones are answered 414
/// here; hyper itself refuses targets over 64 KiB before the router sees them (with an empty
/// 414 of its own).
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Largest error body read back to be rewritten; axum's rejection texts are one line.
const MAX_REWRITTEN_BYTES: usize = 16 * 1024;

/// Paths whose answers depend on the caller's identity (TLP-filtered reads, requests, the
/// sharing pages), whatever credentials a particular request carries: an anonymous answer must
/// not be cached and served to a party, nor a party's to anyone else. Their answers always get
/// `Cache-Control: private, no-store` and `Vary: Authorization`; any other answer to a request
/// with credentials gets them unless its handler set its own `Cache-Control`.
const IDENTITY_DEPENDENT: &[&str] = &[
    "/taxii2/",
    "/api/v1/collections",
    "/api/v1/requests",
    "/api/v1/incidents",
    "/collections",
    "/requests",
    "/incidents",
];

/// `Cache-Control` of identity-dependent answers (RFC 9111 §5.2.2.3, §5.2.2.7).
pub const PRIVATE_NO_STORE: &str = "private, no-store";

/// The middleware: see the module documentation.
pub async fn layer(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let target_len = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    let identity_dependent = IDENTITY_DEPENDENT.iter().any(|p| under(&path, p));
    let credentials = request.headers().contains_key(header::AUTHORIZATION);
    let mut response = if target_len > MAX_URI_BYTES {
        error_response(
            StatusCode::URI_TOO_LONG,
            &path,
            format!(
                "the request target is {target_len} bytes; the limit is {MAX_URI_BYTES} \
                 (send long queries as fewer, shorter parameters)"
            ),
        )
    } else {
        next.run(request).await
    };
    let failed = response.status().is_client_error() || response.status().is_server_error();
    if failed && !in_our_format(&response, &path) {
        response = rewrite(response, &method, &path).await;
    }
    // An answer to credentials is private unless its handler said otherwise (the log's
    // tiles are the same for everyone and say so).
    let headers = response.headers_mut();
    if identity_dependent || (credentials && !headers.contains_key(header::CACHE_CONTROL)) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PRIVATE_NO_STORE),
        );
        let varies = headers
            .get_all(header::VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("authorization") || v.trim() == "*");
        if !varies {
            headers.append(header::VARY, HeaderValue::from_static("Authorization"));
        }
    }
    response
}

/// Whether `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| prefix.ends_with('/') || rest.is_empty() || rest.starts_with('/'))
}

/// Whether an error is already in the format its path answers in: TAXII errors under
/// `/taxii2/`, problem details or the dashboard's HTML pages elsewhere.
fn in_our_format(response: &Response, path: &str) -> bool {
    let Some(ct) = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.trim().to_ascii_lowercase())
    else {
        return false;
    };
    if under(path, "/taxii2/") {
        return ct.starts_with("application/taxii+json");
    }
    // C2SP tlog-witness: a 409 from add-checkpoint is the latest size in this media type.
    if path == "/add-checkpoint" && ct == "text/x.tlog.size" {
        return true;
    }
    ct.starts_with(PROBLEM_JSON) || ct.starts_with("text/html")
}

/// The same error as `response`, as problem details (or a TAXII error under `/taxii2/`).
async fn rewrite(response: Response, method: &Method, path: &str) -> Response {
    let (parts, body) = response.into_parts();
    let status = parts.status;
    let bytes = axum::body::to_bytes(body, MAX_REWRITTEN_BYTES)
        .await
        .unwrap_or_default();
    // Problem details (answered on a TAXII path) keep their detail; text is taken as it is.
    let text = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("detail")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_owned());
    let detail = if status.is_server_error() {
        // Never internals: the text goes to the hub's log only.
        tracing::error!(%method, %path, status = status.as_u16(), detail = %text, "request failed");
        "the hub could not complete the request; see its log".to_owned()
    } else {
        match status {
            StatusCode::NOT_FOUND if text.is_empty() => format!("nothing at {path}"),
            StatusCode::METHOD_NOT_ALLOWED => {
                let allowed = parts
                    .headers
                    .get(header::ALLOW)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                format!("{method} is not allowed on {path}; allowed: {allowed}")
            }
            StatusCode::PAYLOAD_TOO_LARGE => {
                format!("{method} {path}: the request body is larger than the hub accepts")
            }
            _ if text.is_empty() => format!(
                "{method} {path}: {}",
                status.canonical_reason().unwrap_or("error")
            ),
            _ => format!("{method} {path}: {text}"),
        }
    };
    let mut rewritten = error_response(status, path, detail);
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            rewritten.headers_mut().insert(name, v.clone());
        }
    }
    rewritten
}

/// An error answer with `status` and `detail`: a TAXII error resource under `/taxii2/`,
/// problem details everywhere else.
pub fn error_response(status: StatusCode, path: &str, detail: String) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    if under(path, "/taxii2/") || path == "/taxii2" {
        return TaxiiError::new(status, title, detail).into_response();
    }
    let body = ProblemBody {
        kind: format!("https://accord.invalid/problems/{}", slug(status)),
        title,
        status: status.as_u16(),
        detail,
        errors: Vec::new(),
    };
    let mut response = (
        status,
        Body::from(serde_json::to_vec(&body).unwrap_or_default()),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

/// The problem type's last path segment, matching `ApiError`'s where they overlap.
fn slug(status: StatusCode) -> String {
    match status {
        StatusCode::BAD_REQUEST => "bad-request".into(),
        StatusCode::NOT_FOUND => "not-found".into(),
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed".into(),
        StatusCode::REQUEST_TIMEOUT => "request-timeout".into(),
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large".into(),
        StatusCode::URI_TOO_LONG => "uri-too-long".into(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type".into(),
        StatusCode::UNPROCESSABLE_ENTITY => "invalid-body".into(),
        s if s.is_server_error() => "internal".into(),
        s => format!("http-{}", s.as_u16()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_segments() {
        assert!(under("/requests", "/requests"));
        assert!(under("/requests/r1", "/requests"));
        assert!(!under("/requestsx", "/requests"));
        assert!(under("/taxii2/api/", "/taxii2/"));
        assert!(!under("/taxii", "/taxii2/"));
    }
}
