//! Tests that pin bugs fixed in the HTTP edge, one per bug, each named after what it guards and
//! saying what went wrong. A new fix adds its test here (see HACKING.md); attacks a party could
//! make go to the hostile-client suite (`crates/accord-cli/tests/hostile/`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use accord_core::incident::{
    ActorKind, Approximation, AttributionBasis, Confidence, DateBound, ImpactKind, Method, Motive,
    Sector,
};
use accord_server::app;
use common::{TOKEN, hub};

/// The status and JSON body of `req` sent to a fresh seeded hub.
async fn send(req: Request<Body>) -> (StatusCode, Value) {
    let h = hub().await;
    let resp = app(h.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// Bug: a JSON body cut short after a field the schema does not know (`{"bogus": 1, `) was
/// answered as an invalid incident (422) naming `bogus`, because the schema error came before
/// the cut; a body that is not JSON at all is a bad request (400).
#[tokio::test]
async fn a_truncated_body_is_a_syntax_error_even_after_an_unknown_field() {
    let (status, body) = send(
        Request::post("/api/v1/incidents")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"bogus": 1, "#))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// Bug: the OpenAPI document listed the incident vocabularies by their Rust variant names
/// (`Technology`, `StateSponsored`) while the hub writes `technology`, `state-sponsored`, so a
/// client generated from it refused every incident (caught by an openapi-python-client
/// client): the `vocabulary!` macro's `literal` fragment hid `#[serde(rename)]` from utoipa.
#[tokio::test]
async fn vocabularies_are_documented_as_the_hub_writes_them() {
    fn written<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| as_str(*v)).collect()
    }
    let (status, doc) = send(
        Request::get("/api/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let schemas = &doc["components"]["schemas"];
    for (name, forms) in [
        ("Sector", written(Sector::ALL, Sector::as_str)),
        ("ActorKind", written(ActorKind::ALL, ActorKind::as_str)),
        ("Motive", written(Motive::ALL, Motive::as_str)),
        ("ImpactKind", written(ImpactKind::ALL, ImpactKind::as_str)),
        (
            "Approximation",
            written(Approximation::ALL, Approximation::as_str),
        ),
        ("Method", written(Method::ALL, Method::as_str)),
        (
            "AttributionBasis",
            written(AttributionBasis::ALL, AttributionBasis::as_str),
        ),
        ("Confidence", written(Confidence::ALL, Confidence::as_str)),
        ("DateBound", written(DateBound::ALL, DateBound::as_str)),
    ] {
        let documented: Vec<&str> = schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no enum"))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(documented, forms, "{name}");
    }
}
