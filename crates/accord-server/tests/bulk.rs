//! `POST /api/v1/incidents/batch`: many signed submissions in one request, each checked as the
//! single endpoint checks one, with one result per item and nothing written for a refused one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Hub, TOKEN, hub, signed_with};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use accord_server::app;
use accord_store::write::{add_key, revoke_key};
use ed25519_dalek::SigningKey;

const BATCH: &str = "/api/v1/incidents/batch";

fn incident(id: &str) -> Value {
    json!({
        "id": id,
        "title": format!("Bulk test incident {id}"),
        "summary": "Submitted in a batch.",
        "dates": {"start": {"date": "2026-01-01",
                  "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A utility", "country": "FI", "sector": "energy",
                     "target_class": {"class": "civilian", "note": "a utility", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
    })
}

impl Hub {
    fn signed(&self, id: &str) -> Value {
        signed_with(&self.key, "FR", &incident(id))
    }

    async fn post(&self, uri: &str, body: String, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let resp = app(self.state.clone())
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn batch(&self, items: &[Value]) -> (StatusCode, Value) {
        self.post(BATCH, Value::from(items.to_vec()).to_string(), Some(TOKEN))
            .await
    }

    async fn size(&self) -> u64 {
        self.store.checkpoint().await.unwrap().unwrap().size
    }

    async fn has(&self, id: &str) -> bool {
        self.store.incident(id).await.is_ok()
    }
}

fn statuses(outcome: &Value) -> Vec<u64> {
    outcome["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn mixed_items_get_their_own_answers_and_refused_ones_write_nothing() {
    let h = hub().await;
    let size = h.size().await;
    let mut invalid = incident("bulk-invalid");
    invalid["victims"][0]["country"] = json!("XX");
    let mut forged = h.signed("bulk-forged");
    let sig = forged["entry"]["signature"].as_str().unwrap().to_owned();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    forged["entry"]["signature"] = json!(format!("{flipped}{}", &sig[1..]));
    let other = signed_with(&h.key, "DE", &incident("bulk-other-submitter"));
    let stranger = signed_with(
        &SigningKey::from_bytes(&[7; 32]),
        "FR",
        &incident("bulk-stranger"),
    );
    let items = vec![
        h.signed("bulk-a"),
        signed_with(&h.key, "FR", &invalid),
        forged,
        other,
        stranger,
        json!("not a submission"),
        json!({"entry": {}, "body": {}, "extra": 1}),
        h.signed("bulk-b"),
    ];
    let (status, out) = h.batch(&items).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let got = statuses(&out);
    assert_eq!(got[0], 201);
    assert_eq!(got[1], 422);
    assert!(got[2] == 401 || got[2] == 422, "{out}");
    assert_eq!(&got[3..7], &[403, 403, 422, 422], "{out}");
    assert_eq!(got[7], 201);
    assert_eq!(out["recorded"], 2);
    assert_eq!(out["refused"], 6);
    let results = out["results"].as_array().unwrap();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["item"], i);
        if r["status"] == 201 {
            assert!(r["problem"].is_null());
        } else {
            assert_eq!(r["problem"]["status"], r["status"], "{r}");
            assert!(r["log_index"].is_null());
        }
    }
    // The invalid item's problem names its field, as the single endpoint's would.
    let errors = results[1]["problem"]["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "body.victims[0].country"),
        "{}",
        results[1]
    );
    assert_eq!(
        results[6]["problem"]["errors"][0]["path"], "[6].extra",
        "{}",
        results[6]
    );
    // Exactly the two accepted items were appended, in request order, under one checkpoint.
    let a = results[0]["log_index"].as_u64().unwrap();
    let b = results[7]["log_index"].as_u64().unwrap();
    assert_eq!((a, b), (size, size + 1));
    assert_eq!(h.size().await, size + 2);
    assert!(h.store.checkpoint_at(size + 1).await.unwrap().is_none());
    assert!(h.has("bulk-a").await && h.has("bulk-b").await);
    for id in [
        "bulk-invalid",
        "bulk-forged",
        "bulk-other-submitter",
        "bulk-stranger",
    ] {
        assert!(!h.has(id).await, "{id} was written");
    }
    assert_eq!(
        h.store.incident("bulk-b").await.unwrap().log_index,
        Some(size + 1)
    );
}

#[tokio::test]
async fn replays_are_refused_within_a_batch_across_batches_and_by_the_single_endpoint() {
    let h = hub().await;
    let a = h.signed("bulk-replay-a");
    let (status, out) = h
        .batch(&[a.clone(), a.clone(), h.signed("bulk-replay-b")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(statuses(&out), vec![201, 409, 201], "{out}");
    let size = h.size().await;
    // The same signed items again, in a new batch.
    let (_, again) = h.batch(&[h.signed("bulk-replay-b"), a.clone()]).await;
    assert_eq!(statuses(&again), vec![409, 409], "{again}");
    // And through the single endpoint.
    let (status, _) = h
        .post("/api/v1/incidents", a.to_string(), Some(TOKEN))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(h.size().await, size, "a replay was appended");
}

#[tokio::test]
async fn a_revoked_key_is_refused_for_every_item() {
    let h = hub().await;
    let second = SigningKey::from_bytes(&[9; 32]);
    add_key(
        h.store.as_ref(),
        &h.state.sequencer,
        "FR",
        &second.verifying_key(),
    )
    .await
    .unwrap();
    let ok = signed_with(&second, "FR", &incident("bulk-before-revocation"));
    let (_, out) = h.batch(&[ok]).await;
    assert_eq!(statuses(&out), vec![201]);
    revoke_key(
        h.store.as_ref(),
        &h.state.sequencer,
        "FR",
        &second.verifying_key(),
    )
    .await
    .unwrap();
    let size = h.size().await;
    let items: Vec<Value> = (0..3)
        .map(|i| signed_with(&second, "FR", &incident(&format!("bulk-revoked-{i}"))))
        .collect();
    let (status, out) = h.batch(&items).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(statuses(&out), vec![403, 403, 403], "{out}");
    assert!(
        out["results"][0]["problem"]["detail"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    assert_eq!(h.size().await, size);
}

#[tokio::test]
async fn whole_request_refusals_write_nothing() {
    let mut h = hub().await;
    let size = h.size().await;
    let body = Value::from(vec![h.signed("bulk-no-token")]).to_string();
    let (status, out) = h.post(BATCH, body.clone(), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{out}");
    let (status, _) = h.post(BATCH, body.clone(), Some("wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = h
        .post(BATCH, "{\"not\": \"an array\"}".into(), Some(TOKEN))
        .await;
    assert!(status.is_client_error(), "{status}");
    let (status, _) = h.post(BATCH, "[{".into(), Some(TOKEN)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let too_many = format!(
        "[{}]",
        vec!["{}"; accord_store::write::MAX_BULK + 1].join(",")
    );
    let (status, out) = h.post(BATCH, too_many, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    // Over the body limit: refused as a whole, even though its first items are valid.
    h.state.body_limit = 64 * 1024;
    let items: Vec<Value> = (0..200)
        .map(|i| h.signed(&format!("bulk-oversize-{i}")))
        .collect();
    let big = Value::from(items).to_string();
    assert!(big.len() > 64 * 1024);
    let (status, out) = h.post(BATCH, big, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{out}");
    assert!(!h.has("bulk-oversize-0").await);
    assert_eq!(h.size().await, size);
    // An empty batch is answered and appends nothing.
    let (status, out) = h.batch(&[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(out["recorded"], 0);
    assert_eq!(h.size().await, size);
}

#[tokio::test]
async fn the_endpoint_is_in_the_openapi_document() {
    let h = hub().await;
    let resp = app(h.state.clone())
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(doc["paths"][BATCH]["post"].is_object(), "{}", doc["paths"]);
}
