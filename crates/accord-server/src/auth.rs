//! Who is calling: bearer tokens bound to parties.
//!
//! Tokens are issued by the operator (`accord tokens issue`) and stored only as their SHA-256,
//! so a copy of the database does not hand out the right to write.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use accord_store::write::token_digest;

use crate::AppState;
use crate::error::ApiError;

/// The party a request is authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated(pub String);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::Unauthenticated("send `Authorization: Bearer <token>`".into())
        })?;
        let text = value.to_str().map_err(|_| {
            ApiError::Unauthenticated("the Authorization header is not text".into())
        })?;
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "the Authorization header must be `Bearer <token>`".into(),
                )
            })?;
        let digest = token_digest(token);
        match st.store.token_party(&digest).await? {
            Some(party) => Ok(Authenticated(party)),
            // Revoked or expired tokens are refused like unknown ones, saying which.
            None => Err(ApiError::Unauthenticated(
                accord_store::tokens::refusal(st.store.as_ref(), &digest).await?,
            )),
        }
    }
}
