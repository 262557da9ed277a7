//! `/api/v1/mirrored`: records mirrored from a peer's log (`federation::pull` over an in-memory
//! peer, stored with `Store::advance_mirror`) are listed with their provenance and filtered, and
//! each one's proof checks against the peer's key and tree; bad parameters are named. On the
//! backend `ACCORD_TEST_BACKEND` names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Hub, hub};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use accord_server::app;
use accord_store::federation::pull;
use accord_store::testkit::mirror::Peer;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{self, Hash};

async fn get(h: &Hub, path: &str) -> (u16, Value) {
    let resp = app(h.state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn mirrored_records_show_their_provenance_and_a_proof_that_checks() {
    let h = hub().await;
    let mut peer = Peer::new();
    peer.grow_to(40);
    let pulled = pull(&peer, &peer.verifier(), None, 0, &|_, _| {})
        .await
        .unwrap()
        .unwrap();
    let origin = pulled.state.origin.clone();
    h.store
        .advance_mirror(None, pulled.state, pulled.entries)
        .await
        .unwrap();

    let (status, all) = get(&h, "/api/v1/mirrored?limit=500").await;
    assert_eq!(status, 200);
    assert_eq!(all.as_array().unwrap().len(), 36); // 35 incidents and the amendment at 15
    let (_, amendments) = get(&h, "/api/v1/mirrored?kind=amendment").await;
    assert_eq!(amendments.as_array().unwrap().len(), 1);
    let (_, one) = get(&h, "/api/v1/mirrored?kind=incident&id=i7").await;
    let rec = &one[0];
    assert_eq!(rec["index"], 7);
    assert_eq!(rec["submitter"], "p1");
    assert_eq!(rec["body"]["id"], "i7");
    assert_eq!(
        rec["provenance"],
        format!("from hub {origin}, entry 7").as_str()
    );

    let (status, proof) = get(&h, rec["proof"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{proof}");
    let (cp, _) = Checkpoint::open(
        proof["checkpoint"].as_str().unwrap().as_bytes(),
        &origin,
        &[peer.verifier()],
    )
    .unwrap();
    assert_eq!(cp.size, 40);
    let leaf = Hash::from_base64(proof["leaf_hash"].as_str().unwrap()).unwrap();
    let canonical = accord_tlog::entry::canonical_json(&proof["entry"]).unwrap();
    assert_eq!(merkle::leaf_hash(&canonical), leaf);
    merkle::inclusion_proof(&peer.tree, 7, cp.size)
        .unwrap()
        .verify(&leaf, &cp.root)
        .unwrap();
    assert_eq!(
        proof["inclusion_proof"],
        "/log/proof/inclusion?index=7&size=40"
    );
    assert_eq!(
        proof["origin_key"],
        peer.verifier().to_key_string().as_str()
    );

    for (path, field) in [
        ("/api/v1/mirrored?kind=stix", "kind"),
        ("/api/v1/mirrored?limit=0", "limit"),
        ("/api/v1/mirrored?colour=red", "colour"),
        ("/api/v1/mirrored/proof?index=7", "origin"),
        ("/api/v1/mirrored/proof?origin=x&index=seven", "index"),
    ] {
        let (status, problem) = get(&h, path).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert!(problem.to_string().contains(field), "{path}: {problem}");
    }
    let (status, _) = get(
        &h,
        &format!("/api/v1/mirrored/proof?origin={origin}&index=10"),
    )
    .await;
    assert_eq!(status, 404, "entry 10 is operator rules, not mirrored");
}
