//! The OpenAPI document of the REST API, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

use crate::api;

/// The API description, generated from the handlers and the domain types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Accord hub API",
        description = "The registry of the accord and its parties, the incident record with the \
                       principles each incident bears on, and scorecards computed from the record. \
                       Errors are RFC 9457 problem details (application/problem+json)."
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
        api::create_incident,
        crate::bulk::create_incidents,
        api::party_card,
        api::principle_cards,
        api::blocs,
        crate::pathways::pathways,
        crate::pathways::scenario,
        crate::requests::create,
        crate::requests::transition,
        crate::requests::list,
        crate::requests::overdue,
        crate::requests::show,
        crate::collections::list,
        crate::collections::show,
        crate::collections::objects,
        crate::collections::object,
        crate::collections::sightings,
        crate::collections::export_to,
    )
)]
pub struct ApiDoc;

/// Serves the OpenAPI document.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
