//! A JSON body extractor whose errors name the offending field.
//!
//! axum's own `Json` rejects bad input with a plain-text message; Accord's users get problem
//! details instead: malformed JSON is a 400 with line and column, a wrong type or a missing
//! field is a 422 with the field's path (found with `serde_path_to_error`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use accord_core::validate::Problem;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON request body deserialised into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> FromRequest<AppState> for JsonBody<T>
where
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || m.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let limit = state.body_limit;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::BadRequest {
                    detail: format!("could not read the request body: {rejection}"),
                    field: None,
                }
            }
        })?;
        parse(&bytes).map(JsonBody)
    }
}

/// Parses JSON text into `T`, turning serde's error into one that names the field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first: a truncated document is malformed (400) even if a field before the cut
    // would already fail the schema.
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return Err(ApiError::BadRequest {
            detail: format!("malformed JSON: {e}"),
            field: None,
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.inner();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ApiError::BadRequest {
                    detail: format!("malformed JSON: {inner}"),
                    field: None,
                }
            }
            _ => {
                let message = strip_position(&inner.to_string());
                // serde reports a missing field at its parent; point at the field itself.
                let path = match missing_field(&message) {
                    Some(field) if path == "." => field.to_owned(),
                    Some(field) => format!("{path}.{field}"),
                    None => path,
                };
                ApiError::Invalid {
                    problems: vec![Problem { path, message }],
                }
            }
        }
    })
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// Drops serde_json's " at line 1 column 20" suffix: the path says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        title: String,
        inner: Vec<Inner>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
    }

    fn problem(text: &str) -> Problem {
        match parse::<Outer>(text.as_bytes()) {
            Err(ApiError::Invalid { problems }) => problems[0].clone(),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field() {
        assert_eq!(problem(r#"{"title": 3, "inner": []}"#).path, "title");
        assert_eq!(
            problem(r#"{"title": "x", "inner": [{"n": "a"}]}"#).path,
            "inner[0].n"
        );
        assert_eq!(problem(r#"{"inner": []}"#).path, "title");
        assert_eq!(
            problem(r#"{"title": "x", "inner": [{}]}"#).path,
            "inner[0].n"
        );
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        assert!(matches!(
            parse::<Outer>(b"{\"title\": "),
            Err(ApiError::BadRequest { .. })
        ));
    }
}
