//! # accord-server
//!
//! The HTTP edge of the hub: the REST API under `/api/v1`, its OpenAPI document, the
//! transparency log under `/log` (C2SP checkpoint and tiles, proofs), the server-rendered
//! dashboard at `/`, and `/healthz` and `/readyz`. [`app`] builds the whole `Router` from an
//! [`AppState`], so tests drive it with `tower::ServiceExt::oneshot` and no socket, and
//! `accord serve` binds the same router to a listener with [`serve::serve`] (header and body
//! read timeouts, a connection limit).
//!
//! The server holds no state of its own beyond the store handle: every answer is read from the
//! store, and scorecards are computed from the record on each request.
//!
//! ```no_run
//! # async fn run(
//! #     store: std::sync::Arc<dyn accord_store::Store>,
//! #     sequencer: accord_store::sequencer::Sequencer,
//! # ) -> std::io::Result<()> {
//! let app = accord_server::app(accord_server::AppState::new(store, sequencer));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use accord_store::Store;
use accord_store::sequencer::Sequencer;

pub mod api;
pub mod auth;
pub mod bulk;
pub mod collections;
mod dashboard;
pub mod error;
pub mod health;
pub mod hygiene;
pub mod json;
pub mod log;
pub mod openapi;
pub mod pathways;
pub mod requests;
pub mod serve;
pub mod taxii;
pub mod viewer;

/// Default limit on request bodies: an incident with many sourced facts fits easily.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The hub's store.
    pub store: Arc<dyn Store>,
    /// The one writer: every write goes through it to the log.
    pub sequencer: Sequencer,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The legal-instruments dataset the pathway endpoints answer from. `None` (the default
    /// of [`AppState::new`]) makes those endpoints answer 503 rather than an empty answer,
    /// which would wrongly read as "no lawful pathway"; `accord serve` passes the bundled
    /// dataset with [`AppState::with_law`].
    pub law: Option<Arc<accord_law::Dataset>>,
}

impl AppState {
    /// State over `store`, writing through `sequencer`, with the default body limit.
    pub fn new(store: Arc<dyn Store>, sequencer: Sequencer) -> Self {
        AppState {
            store,
            sequencer,
            body_limit: DEFAULT_BODY_LIMIT,
            law: None,
        }
    }

    /// The same state, answering pathway questions from `law`.
    pub fn with_law(self, law: Arc<accord_law::Dataset>) -> Self {
        AppState {
            law: Some(law),
            ..self
        }
    }
}

/// Today's date in UTC, the date scorecards compute support status for.
pub fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
}

/// The hub's whole HTTP interface.
pub fn app(state: AppState) -> Router {
    let limit = state.body_limit;
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest(
            "/api/v1",
            api::router()
                .merge(pathways::router())
                .merge(collections::router()),
        )
        .route("/api/v1/incidents/batch", post(bulk::create_incidents))
        .nest("/log", log::router())
        .merge(taxii::router())
        .merge(dashboard::router())
        // axum's own limit applies to its extractors; ours reads the same number.
        .layer(DefaultBodyLimit::max(limit))
        // Every error as problem details; cache headers on identity-dependent answers.
        .layer(middleware::from_fn(hygiene::layer))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
