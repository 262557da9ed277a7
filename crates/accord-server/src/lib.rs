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

// The handler modules are private: every route is named in `routes::app`, and nowhere else.
// This file only declares modules and re-exports, so no module imports through it (no circle
// of files).
mod amendments;
mod api;
mod auth;
mod bulk;
mod collection_mirror;
mod collections;
mod dashboard;
pub mod error;
mod health;
mod hygiene;
mod json;
mod log;
mod mirrored;
mod openapi;
mod pathways;
mod peers;
mod query;
mod request_mirror;
mod requests;
mod routes;
pub mod serve;
mod state;
mod taxii;
mod viewer;
mod votes;
mod witness;

pub use api::{IncidentItem, Origin, parse_filter, parse_origin, parse_scope};
pub use mirrored::MirroredFrom;
pub use routes::app;
pub use state::{AppState, DEFAULT_BODY_LIMIT, today};
pub use votes::{METHOD, VoteSummary, VoteView, cohesion_view, coverage_list, vote_view};
