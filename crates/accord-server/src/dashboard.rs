//! The server-rendered dashboard (work in progress).

use axum::Router;

use crate::AppState;

/// The dashboard's routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
