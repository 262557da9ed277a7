//! `POST /api/v1/incidents/{id}/amendments`: a party amends the incident it recorded with a
//! signed entry; every refusal has its status (401, 403 naming the recorder, 404, 409 naming
//! the versions, 422 naming the field) and writes nothing. Runs on the backend the suite runs
//! on (see `common`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Hub, TOKEN, hub, signed_with};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use accord_server::app;
use accord_store::kind;
use accord_store::write::{add_key, sign_submission, token_digest};
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;

/// DE's API token, issued by [`with_de`].
const DE_TOKEN: &str = "test-token-de";

struct Reply {
    status: StatusCode,
    location: Option<String>,
    body: Value,
}

async fn send(h: &Hub, req: Request<Body>) -> Reply {
    let resp = app(h.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        location,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

async fn get(h: &Hub, uri: &str) -> Value {
    let r = send(h, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    r.body
}

async fn post(h: &Hub, uri: &str, token: Option<&str>, body: &Value) -> Reply {
    let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    send(h, req.body(Body::from(body.to_string())).unwrap()).await
}

/// Asserts a problem+json answer with `status`, naming `path` among its errors when given.
fn refused(r: &Reply, status: StatusCode, path: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.body);
    if let Some(path) = path {
        let errors = r.body["errors"].as_array().expect("errors member");
        assert!(
            errors.iter().any(|e| e["path"] == path),
            "no error at {path}: {}",
            r.body
        );
    }
}

async fn log_size(h: &Hub) -> u64 {
    h.store.checkpoint().await.unwrap().unwrap().size
}

/// FR's incident, recorded through the API; returns its log index.
async fn fr_incident(h: &Hub) -> u64 {
    let incident = json!({
        "id": "fr-water-intrusion-2026",
        "title": "Water utility intrusion",
        "summary": "A water utility's control network was reached by a state-linked group.",
        "dates": {"discovered": {"date": "2026-03", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A water utility", "country": "FR", "sector": "water",
                     "target_class": {"class": "civilian", "note": "a water company",
                         "source": {"url": "https://example.org/report", "as_of": "2026-11", "verification": "secondary"}},
                     "source": {"url": "https://example.org/report", "as_of": "2026-11", "verification": "secondary"}}],
        "initiators": [{"name": "Group Y", "kind": "state-sponsored", "state_nexus": "KP",
                        "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "no armed conflict involving France",
                           "source": {"as_of": "2026-11", "verification": "unverified"}}
    });
    let r = post(
        h,
        "/api/v1/incidents",
        Some(TOKEN),
        &signed_with(&h.key, "FR", &incident),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["log_index"].as_u64().unwrap()
}

/// The amendment body of incident `id` at version `base`: `previous` as the hub reads it, `new`
/// with `change` applied to it.
async fn amendment(h: &Hub, id: &str, base: u64, change: impl FnOnce(&mut Value)) -> Value {
    let previous = get(h, &format!("/api/v1/incidents/{id}")).await["incident"].clone();
    let mut new = previous.clone();
    change(&mut new);
    json!({
        "kind": "incident",
        "id": id,
        "base": base,
        "previous": previous,
        "new": new,
        "reasons": [{"date": "2026-12-07", "what": "title", "why": "the utility's own notice names it"}]
    })
}

/// `body` signed as `submitter`'s amendment entry with a fresh entry id.
fn signed(key: &SigningKey, submitter: &str, body: &Value) -> Value {
    let id = body["id"].as_str().unwrap_or("x");
    let entry_id = format!(
        "incident/{id}@{}",
        accord_store::log::random_uuid().unwrap()
    );
    serde_json::to_value(
        sign_submission(kind::AMENDMENT, &entry_id, submitter, Tlp::Clear, body, key).unwrap(),
    )
    .unwrap()
}

/// Registers DE with a key and a token; returns its key.
async fn with_de(h: &Hub) -> SigningKey {
    let de = SigningKey::from_bytes(&[43; 32]);
    add_key(
        h.store.as_ref(),
        &h.state.sequencer,
        "DE",
        &de.verifying_key(),
    )
    .await
    .unwrap();
    h.store
        .add_token(&token_digest(DE_TOKEN), "DE")
        .await
        .unwrap();
    de
}

const URI: &str = "/api/v1/incidents/fr-water-intrusion-2026/amendments";

/// What breaks a good amendment body in one way.
type Breaks = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn a_party_amends_its_own_incident_and_it_reads_as_corrected() {
    let h = hub().await;
    let base = fr_incident(&h).await;
    let body = amendment(&h, "fr-water-intrusion-2026", base, |n| {
        n["title"] = json!("Water utility intrusion (Brittany)");
    })
    .await;
    let r = post(&h, URI, Some(TOKEN), &signed(&h.key, "FR", &body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some(URI));
    assert_eq!(r.body["submitter"], json!("FR"));
    assert_eq!(
        r.body["changes"],
        json!([{"path": "title", "was": "Water utility intrusion", "now": "Water utility intrusion (Brittany)"}])
    );
    let index = r.body["index"].as_u64().unwrap();
    assert!(index > base);
    let now = get(&h, "/api/v1/incidents/fr-water-intrusion-2026").await;
    assert_eq!(
        now["incident"]["title"],
        json!("Water utility intrusion (Brittany)")
    );
    assert_eq!(now["log_index"], json!(base), "the recording entry stays");
    let listed = get(&h, URI).await;
    assert_eq!(listed["amendments"][0]["index"], json!(index));
    assert_eq!(
        listed["amendments"][0]["reasons"][0]["why"],
        json!("the utility's own notice names it")
    );

    // The next amendment names the version the first one made.
    let body = amendment(&h, "fr-water-intrusion-2026", index, |n| {
        n["summary"] = json!("A water utility's control network in Brittany was reached.");
    })
    .await;
    let r = post(&h, URI, Some(TOKEN), &signed(&h.key, "FR", &body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        get(&h, URI).await["amendments"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn every_refusal_has_its_status_and_writes_nothing() {
    let h = hub().await;
    let base = fr_incident(&h).await;
    let de = with_de(&h).await;
    let good = amendment(&h, "fr-water-intrusion-2026", base, |n| {
        n["title"] = json!("Water utility intrusion (Brittany)");
    })
    .await;
    let size = log_size(&h).await;

    // 401: no token.
    let r = post(&h, URI, None, &signed(&h.key, "FR", &good)).await;
    refused(&r, StatusCode::UNAUTHORIZED, None);

    // 403: another party's incident, the answer naming its recorder; a bundled one, the
    // operator.
    let r = post(&h, URI, Some(DE_TOKEN), &signed(&de, "DE", &good)).await;
    refused(&r, StatusCode::FORBIDDEN, None);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains("recorded by \"FR\""), "{detail}");
    let wannacry = get(&h, "/api/v1/incidents/wannacry-2017").await["log_index"]
        .as_u64()
        .unwrap();
    let bundled = amendment(&h, "wannacry-2017", wannacry, |n| {
        n["title"] = json!("WannaCry (rewritten by FR)");
    })
    .await;
    let r = post(
        &h,
        "/api/v1/incidents/wannacry-2017/amendments",
        Some(TOKEN),
        &signed(&h.key, "FR", &bundled),
    )
    .await;
    refused(&r, StatusCode::FORBIDDEN, None);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("recorded by \"hub-operator\""),
        "{}",
        r.body
    );

    // 404: no such incident.
    let mut unknown = good.clone();
    unknown["id"] = json!("no-such-incident");
    unknown["new"]["id"] = json!("no-such-incident");
    let r = post(
        &h,
        "/api/v1/incidents/no-such-incident/amendments",
        Some(TOKEN),
        &signed(&h.key, "FR", &unknown),
    )
    .await;
    refused(&r, StatusCode::NOT_FOUND, None);

    // 422: each field named by its path.
    let cases: Vec<(&str, Breaks)> = vec![
        (
            "body.new.victims[0].country",
            Box::new(|b| b["new"]["victims"][0]["country"] = json!("XX")),
        ),
        ("body.reasons", Box::new(|b| b["reasons"] = json!([]))),
        (
            "body.reasons[0].why",
            Box::new(|b| b["reasons"][0]["why"] = json!("  ")),
        ),
        (
            "body.reasons[0].why",
            Box::new(|b| b["reasons"][0]["why"] = json!("x".repeat(4001))),
        ),
        (
            "body.reasons[0].what",
            Box::new(|b| b["reasons"][0]["what"] = json!("x".repeat(301))),
        ),
        (
            "body.base",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("base");
            }),
        ),
        ("body.new", Box::new(|b| b["new"] = b["previous"].clone())),
        (
            "body.new.id",
            Box::new(|b| b["new"]["id"] = json!("another-id")),
        ),
        ("body.id", Box::new(|b| b["id"] = json!("wannacry-2017"))),
    ];
    for (path, break_it) in cases {
        let mut bad = good.clone();
        break_it(&mut bad);
        let r = post(&h, URI, Some(TOKEN), &signed(&h.key, "FR", &bad)).await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, Some(path));
    }
    assert_eq!(log_size(&h).await, size, "no refusal wrote anything");

    // 409: the incident was amended since the version this names; the answer names both.
    let r = post(&h, URI, Some(TOKEN), &signed(&h.key, "FR", &good)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let latest = r.body["index"].as_u64().unwrap();
    let mut stale = good.clone();
    stale["new"]["title"] = json!("Water utility intrusion (Rennes)");
    let r = post(&h, URI, Some(TOKEN), &signed(&h.key, "FR", &stale)).await;
    refused(&r, StatusCode::CONFLICT, None);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("log entry {base}"))
            && detail.contains(&format!("log entry {latest}")),
        "{detail}"
    );
    assert_eq!(
        get(&h, "/api/v1/incidents/fr-water-intrusion-2026").await["incident"]["title"],
        json!("Water utility intrusion (Brittany)")
    );
}
