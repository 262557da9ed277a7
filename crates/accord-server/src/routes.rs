//! Every route of the hub, in one list: [`app`].

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Extension, Router, middleware};
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use crate::{
    api, bulk, collections, dashboard, health, hygiene, log, openapi, pathways, requests, taxii,
    votes, witness,
};

/// The hub's whole HTTP interface: every route, in one place.
pub fn app(state: AppState) -> Router {
    let limit = state.body_limit;
    // TAXII 2.1 answers only clients that accept its media type, and keeps its POSTs' statuses.
    let taxii = Router::new()
        .route("/taxii2/", get(taxii::discovery))
        .route("/taxii2/api/", get(taxii::api_root))
        .route("/taxii2/api/status/{id}", get(taxii::status))
        .route("/taxii2/api/status/{id}/", get(taxii::status))
        .route("/taxii2/api/collections/", get(taxii::collections))
        .route(
            "/taxii2/api/collections/{collection}/",
            get(taxii::collection),
        )
        .route(
            "/taxii2/api/collections/{collection}/objects/",
            get(taxii::get_objects).post(taxii::post_objects),
        )
        .route(
            "/taxii2/api/collections/{collection}/objects/{object}/",
            get(taxii::get_object).delete(taxii::delete),
        )
        .route(
            "/taxii2/api/collections/{collection}/objects/{object}/versions/",
            get(taxii::versions),
        )
        .route(
            "/taxii2/api/collections/{collection}/manifest/",
            get(taxii::manifest),
        )
        .layer(Extension(Arc::new(taxii::StatusBook::standard())))
        .layer(middleware::from_fn(taxii::negotiate));
    Router::new()
        // Health.
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // The registry, the incident record and scorecards.
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/accord", get(api::accord))
        .route(
            "/api/v1/accord/amendments",
            get(crate::amendments::accord_amendments),
        )
        .route(
            "/api/v1/rules/amendments",
            get(crate::amendments::rules_amendments),
        )
        .route("/api/v1/principles", get(api::principles))
        .route("/api/v1/parties", get(api::parties))
        .route("/api/v1/parties/{id}", get(api::party))
        .route(
            "/api/v1/parties/{id}/amendments",
            get(crate::amendments::party_amendments),
        )
        .route(
            "/api/v1/incidents",
            get(api::incidents).post(api::create_incident),
        )
        .route("/api/v1/incidents/batch", post(bulk::create_incidents))
        .route("/api/v1/incidents/{id}", get(api::incident))
        .route(
            "/api/v1/incidents/{id}/amendments",
            get(crate::amendments::incident_amendments).post(crate::amendments::amend),
        )
        // Records mirrored from peer hubs, with their provenance.
        .route("/api/v1/mirrored", get(crate::mirrored::list))
        .route("/api/v1/mirrored/proof", get(crate::mirrored::proof))
        .route("/api/v1/scorecards/parties/{id}", get(api::party_card))
        .route("/api/v1/scorecards/principles", get(api::principle_cards))
        .route("/api/v1/scorecards/blocs", get(api::blocs))
        // Peer hubs.
        .route("/api/v1/peers", get(crate::peers::list))
        .route("/api/v1/peers/{id}/evidence", get(crate::peers::evidence))
        // Legal pathways and evidence requests.
        .route("/api/v1/pathways", get(pathways::pathways))
        .route("/api/v1/pathways/scenario", get(pathways::scenario))
        // The UN votes and the voting bloc.
        .route("/api/v1/votes", get(votes::list))
        .route("/api/v1/votes/{id}", get(votes::show))
        .route("/api/v1/blocs/cohesion", get(votes::cohesion))
        .route(
            "/api/v1/requests",
            get(requests::list).post(requests::create),
        )
        .route("/api/v1/requests/overdue", get(requests::overdue))
        // Requests mirrored between hubs: what a peer reads here, what was mirrored here.
        .route(
            "/api/v1/requests/provenance",
            get(crate::request_mirror::provenance_page),
        )
        .route(
            "/api/v1/requests/mirrored",
            get(crate::request_mirror::mirrored),
        )
        .route("/api/v1/requests/{id}", get(requests::show))
        .route(
            "/api/v1/requests/{id}/transitions",
            post(requests::transition),
        )
        // Shared STIX objects, read through the one TLP rule.
        .route("/api/v1/collections", get(collections::list))
        .route("/api/v1/collections/{id}", get(collections::show))
        .route(
            "/api/v1/collections/{id}/objects",
            get(collections::objects),
        )
        .route(
            "/api/v1/collections/{id}/objects/{object}",
            get(collections::object),
        )
        .route(
            "/api/v1/collections/{id}/objects/{object}/sightings",
            get(collections::sightings),
        )
        .route(
            "/api/v1/collections/{id}/export/{target}",
            get(collections::export_to),
        )
        // Mirrored collections: what a peer serves a mirroring hub, what that hub re-serves.
        .route(
            "/api/v1/collections/{id}/provenance",
            get(crate::collection_mirror::provenance),
        )
        .route(
            "/api/v1/collections/{id}/mirrored",
            get(crate::collection_mirror::mirrored),
        )
        // The transparency log (C2SP checkpoint and tiles, proofs, bodies, cosignatures).
        .route("/log/checkpoint", get(log::checkpoint))
        .route("/log/key", get(log::key))
        .route("/log/tile/{*path}", get(log::tile))
        .route("/log/proof/inclusion", get(log::inclusion))
        .route("/log/proof/consistency", get(log::consistency))
        .route("/log/entries/{index}", get(log::entry))
        .route("/log/bodies/{bundle}", get(log::bodies))
        .route("/log/cosignatures", post(log::cosign))
        .route("/add-checkpoint", post(witness::add))
        .route("/witness/{origin_hash}/checkpoint", get(witness::latest))
        .merge(taxii)
        // The dashboard, and a 404 page (problem details under the machine-facing prefixes).
        .route("/", get(dashboard::home))
        .route("/parties", get(dashboard::parties))
        .route("/parties/{id}", get(dashboard::party))
        .route("/incidents", get(dashboard::incidents))
        .route("/incidents/{id}", get(dashboard::incident))
        .route("/charts/principles.svg", get(dashboard::principles_svg))
        .route("/pathways", get(dashboard::pathways::page))
        .route("/record", get(dashboard::record::page))
        .route("/votes", get(dashboard::votes::page))
        .route("/requests", get(dashboard::requests::page))
        .route("/collections", get(dashboard::collections::list))
        .route("/collections/{id}", get(dashboard::collections::show))
        .fallback(dashboard::not_found)
        // axum's own limit applies to its extractors; ours reads the same number.
        .layer(DefaultBodyLimit::max(limit))
        // Every error as problem details; cache headers on identity-dependent answers.
        .layer(middleware::from_fn(hygiene::layer))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
