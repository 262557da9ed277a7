//! `POST /add-checkpoint` over HTTP (C2SP tlog-witness): each status with the body and
//! content type the spec requires, and two racing requests of which exactly one is cosigned.
//! On the backend `ACCORD_TEST_BACKEND` names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Hub, hub};

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use accord_server::app;
use accord_store::witnessing::{WitnessConfig, request_body};
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{self, MemoryHashStore};
use accord_tlog::note::{Note, NoteSignature, Signer};

const ORIGIN: &str = "peer.example/log";

async fn post(h: &Hub, body: String) -> (u16, String, String) {
    let resp = app(h.state.clone())
        .oneshot(
            Request::post("/add-checkpoint")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, ct, String::from_utf8(bytes.to_vec()).unwrap())
}

fn tree(n: u64) -> MemoryHashStore {
    let mut t = MemoryHashStore::new();
    for i in 0..n {
        t.append(&i.to_be_bytes());
    }
    t
}

fn body(log: &Signer, t: &MemoryHashStore, old: u64) -> String {
    let proof = if old == 0 {
        Vec::new()
    } else {
        merkle::consistency_proof(t, old, t.size()).unwrap().hashes
    };
    request_body(
        old,
        &proof,
        &Checkpoint::new(ORIGIN, t.size(), t.root())
            .sign(log)
            .unwrap(),
    )
}

#[tokio::test]
async fn add_checkpoint_answers_each_status_over_http() {
    let mut h = hub().await;
    let log = Signer::from_seed(ORIGIN, &[11; 32]).unwrap();
    // No log witnessed: 404 for every origin.
    let (status, _, _) = post(&h, body(&log, &tree(3), 0)).await;
    assert_eq!(status, 404);

    let cosigner = Signer::from_seed("hub.example/witness", &[12; 32]).unwrap();
    let config = WitnessConfig::new(cosigner.clone(), vec![log.verifier()]).unwrap();
    h.state = h.state.clone().with_witness(Some(Arc::new(config)));

    // 200: the response is the witness's cosignature/v1 line, which verifies.
    let t10 = tree(10);
    let (status, _, text) = post(&h, body(&log, &t10, 0)).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.starts_with("\u{2014} hub.example/witness ") && text.ends_with('\n'));
    let mut note = Checkpoint::new(ORIGIN, 10, t10.root()).sign(&log).unwrap();
    note.add_signature(NoteSignature::parse_line(&text, 1).unwrap());
    Note::open(note.to_string().as_bytes(), &[cosigner.cosigner_verifier()]).unwrap();

    // 409: text/x.tlog.size with the latest size.
    let t20 = tree(20);
    let (status, ct, text) = post(&h, body(&log, &t20, 0)).await;
    assert_eq!(
        (status, ct.as_str(), text.as_str()),
        (409, "text/x.tlog.size", "10\n")
    );
    // 400, 403, 404, 422.
    let (status, _, _) = post(&h, "old x\n\n".into()).await;
    assert_eq!(status, 400);
    let impostor = Signer::from_seed(ORIGIN, &[13; 32]).unwrap();
    let (status, _, _) = post(&h, body(&impostor, &t20, 10)).await;
    assert_eq!(status, 403);
    let stranger = Signer::from_seed("stranger.example/log", &[14; 32]).unwrap();
    let strange = request_body(
        0,
        &[],
        &Checkpoint::new("stranger.example/log", 1, t20.root())
            .sign(&stranger)
            .unwrap(),
    );
    let (status, _, _) = post(&h, strange).await;
    assert_eq!(status, 404);
    let fork = {
        let mut t = tree(10);
        t.append(b"something else");
        t.append(b"and more");
        t
    };
    let forked = request_body(
        10,
        &merkle::consistency_proof(&t20, 10, 20).unwrap().hashes,
        &Checkpoint::new(ORIGIN, 20, fork.root()).sign(&log).unwrap(),
    );
    let (status, _, _) = post(&h, forked).await;
    assert_eq!(status, 422);

    // The race: two extensions of size 10 at once; one 200, one 409 naming the winner.
    let t15 = tree(15);
    let (a, b) = tokio::join!(
        post(&h, body(&log, &t15, 10)),
        post(&h, body(&log, &t20, 10))
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let (winner, loser) = if a.0 == 200 { (15, b) } else { (20, a) };
    assert_eq!(loser.2, format!("{winner}\n"));
    assert_eq!(loser.1, "text/x.tlog.size");
    let stored = h.store.witnessed(ORIGIN).await.unwrap().unwrap();
    assert_eq!(stored.size, winner);

    // The monitoring read: the latest cosigned checkpoint under the origin's SHA-256.
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(ORIGIN.as_bytes()));
    let resp = app(h.state.clone())
        .oneshot(
            Request::get(format!("/witness/{hash}/checkpoint"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let note = resp.into_body().collect().await.unwrap().to_bytes();
    let opened = Note::open(&note, &[log.verifier(), cosigner.cosigner_verifier()]).unwrap();
    assert_eq!(opened.verified.len(), 2);
    assert!(opened.text.contains(&format!("\n{winner}\n")));
    let resp = app(h.state.clone())
        .oneshot(
            Request::get(format!("/witness/{}/checkpoint", "0".repeat(64)))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}
