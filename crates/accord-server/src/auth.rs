//! Who is calling, for the endpoints that need a party: bearer tokens (or HTTP Basic party and
//! token) bound to parties.
//!
//! Tokens are issued by the operator (`accord tokens issue`) and stored only as their SHA-256,
//! so a copy of the database does not hand out the right to write. The credentials are read by
//! [`crate::viewer::identify`], the one identification every path uses, so a write accepts
//! exactly the forms a read does, and refuses exactly the same ones.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;
use crate::viewer::{Viewer, ViewerError, identify};

/// The party a request is authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated(pub String);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        match identify(st.store.as_ref(), &parts.headers).await {
            Ok(Viewer(Some(party))) => Ok(Authenticated(party)),
            Ok(Viewer(None)) => Err(ApiError::Unauthenticated(
                "send `Authorization: Bearer <token>` (or HTTP Basic with party id and token)"
                    .into(),
            )),
            Err(ViewerError::Unauthorized(m)) => Err(ApiError::Unauthenticated(m.into())),
            Err(ViewerError::Store(e)) => Err(e.into()),
        }
    }
}
