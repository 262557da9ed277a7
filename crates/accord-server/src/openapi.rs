//! The OpenAPI document of the REST API, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

/// The API description, generated from the handlers and the domain types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Accord hub API",
        description = "The registry of the accord and its parties, the incident record with the \
                       principles each incident bears on, and scorecards computed from the record. \
                       Errors are RFC 9457 problem details (application/problem+json). The \
                       transparency log is published under `/log` in the C2SP formats \
                       (tlog-checkpoint, tlog-tiles); this document describes its head."
    ),
    paths(
        crate::health::healthz,
        crate::health::readyz,
        api::accord,
        api::principles,
        api::parties,
        api::party,
        api::incidents,
        api::incident,
        crate::amendments::incident_amendments,
        crate::amendments::amend,
        crate::amendments::party_amendments,
        crate::amendments::accord_amendments,
        crate::amendments::rules_amendments,
        crate::mirrored::list,
        crate::mirrored::proof,
        api::create_incident,
        crate::bulk::create_incidents,
        api::party_card,
        api::principle_cards,
        api::blocs,
        crate::pathways::pathways,
        crate::pathways::scenario,
        crate::votes::list,
        crate::votes::show,
        crate::votes::cohesion,
        crate::requests::create,
        crate::requests::transition,
        crate::requests::list,
        crate::requests::overdue,
        crate::requests::show,
        crate::request_mirror::provenance_page,
        crate::request_mirror::mirrored,
        crate::collections::list,
        crate::collections::show,
        crate::collections::objects,
        crate::collections::object,
        crate::collections::sightings,
        crate::collections::export_to,
        crate::collection_mirror::provenance,
        crate::collection_mirror::mirrored,
        crate::log::checkpoint,
        crate::peers::list,
        crate::peers::evidence,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "registry", description = "The accord, its principles and its parties"),
        (name = "incidents", description = "The incident record and signed submissions to it"),
        (name = "federation", description = "Records mirrored from peer hubs' logs, each with its provenance and proof"),
        (name = "scorecards", description = "Scorecards computed from the record on each request"),
        (name = "pathways", description = "Lawful pathways for cross-border evidence requests"),
        (name = "votes", description = "UN votes on ICT-security texts and the voting bloc's cohesion"),
        (name = "requests", description = "Evidence requests between two states and their tracking"),
        (name = "collections", description = "STIX objects shared in collections, read under TLP 2.0"),
        (name = "log", description = "The signed append-only Merkle log"),
        (name = "peers", description = "The peer hubs this hub follows, and forks caught"),
        (name = "health", description = "Liveness and readiness for operators and load balancers"),
    )
)]
pub struct ApiDoc;

/// Declares the two credential forms the operations name: `bearer` (an API token) and
/// `basic` (`party:token`, what a browser sends), so every security requirement resolves.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, scheme, description) in [
            (
                "bearer",
                HttpAuthScheme::Bearer,
                "An API token issued by the hub's operator",
            ),
            (
                "basic",
                HttpAuthScheme::Basic,
                "The party's id as user name and its API token as password",
            ),
        ] {
            let http = HttpBuilder::new()
                .scheme(scheme)
                .description(Some(description))
                .build();
            components.add_security_scheme(name, SecurityScheme::Http(http));
        }
    }
}

/// Serves the OpenAPI document.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
