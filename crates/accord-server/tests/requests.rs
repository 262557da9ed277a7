//! Evidence requests over the REST API, through the router with `oneshot`: the lifecycle, the
//! TLP:RED read rule, refusals with problem details, and the overdue list.
//!
//! The hub's clock is the real one, and it refuses entries signed more than a day before it
//! receives them; the tests control time through the overdue list's `at` parameter, and
//! record requests received weeks ago the way `accord copy` replays history
//! (`Hub::received_earlier`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tower::ServiceExt;

use accord_server::{AppState, app};
use accord_store::Store;
use accord_store::kind;
use accord_store::log::{Operator, random_uuid};
use accord_store::sequencer::Sequencer;
use accord_store::write::{add_key, seed_bundled, sign_submission_at, token_digest};
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Hub {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    state: AppState,
}

/// The three parties of every test: FR asks, DE holds the data, US is a bystander.
const PARTIES: [(&str, u8); 3] = [("FR", 1), ("DE", 2), ("US", 3)];

fn key(party: &str) -> SigningKey {
    let seed = PARTIES.iter().find(|(p, _)| *p == party).unwrap().1;
    SigningKey::from_bytes(&[seed; 32])
}

fn token(party: &str) -> String {
    format!("token-{party}")
}

/// A fresh random id, as a client draws for a new request and for every step's log entry.
fn rid() -> String {
    random_uuid().unwrap()
}

async fn hub_with(law: bool) -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = common::store(dir.path()).await;
    let op = Arc::new(Operator::load_or_create(dir.path(), None).unwrap());
    let data = accord_store::dataset_dir::load_dataset_dir(&repo().join("data")).unwrap();
    seed_bundled(store.as_ref(), op.clone(), &data)
        .await
        .unwrap();
    let sequencer = Sequencer::start(store.clone(), op);
    for (party, _) in PARTIES {
        add_key(
            store.as_ref(),
            &sequencer,
            party,
            &key(party).verifying_key(),
        )
        .await
        .unwrap();
        store
            .add_token(&token_digest(&token(party)), party)
            .await
            .unwrap();
    }
    let mut state = AppState::new(store.clone(), sequencer);
    if law {
        let law = accord_law::load::load_dir(&repo().join("data/law")).unwrap();
        state = state.with_law(Arc::new(law));
    }
    Hub {
        _dir: dir,
        store,
        state,
    }
}

async fn hub() -> Hub {
    hub_with(true).await
}

struct Reply {
    status: StatusCode,
    content_type: String,
    location: Option<String>,
    body: Value,
}

impl Hub {
    async fn send(&self, req: Request<Body>) -> Reply {
        let resp = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let text = |name| {
            resp.headers()
                .get(name)
                .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
        };
        let content_type = text(header::CONTENT_TYPE).unwrap_or_default();
        let location = text(header::LOCATION);
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            content_type,
            location,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    async fn get_as(&self, party: &str, uri: &str) -> Reply {
        self.send(
            Request::get(uri)
                .header(header::AUTHORIZATION, format!("Bearer {}", token(party)))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post_as(&self, party: &str, uri: &str, body: &Value) -> Reply {
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {}", token(party)))
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Files `body` as FR, signed at `at`.
    async fn file(&self, body: &Value, at: Timestamp) -> Reply {
        let s = sign_submission_at(kind::REQUEST, &rid(), "FR", Tlp::Red, body, &key("FR"), at)
            .unwrap();
        self.post_as("FR", "/api/v1/requests", &serde_json::to_value(s).unwrap())
            .await
    }

    /// The signed transition of `request` to `to` by `party`, dated `at`.
    fn transition(party: &str, request: &str, to: &str, at: Timestamp) -> Value {
        Self::transition_as(party, request, to, at, &rid())
    }

    /// As [`Hub::transition`], under log entry id `entry_id`.
    fn transition_as(party: &str, request: &str, to: &str, at: Timestamp, entry_id: &str) -> Value {
        let body = json!({"request": request, "to": to, "note": format!("{party} says {to}")});
        let s = sign_submission_at(
            kind::REQUEST_TRANSITION,
            entry_id,
            party,
            Tlp::Red,
            &body,
            &key(party),
            at,
        )
        .unwrap();
        serde_json::to_value(s).unwrap()
    }

    async fn step(&self, party: &str, request: &str, to: &str, at: Timestamp) -> Reply {
        let t = Self::transition(party, request, to, at);
        self.post_as(
            party,
            &format!("/api/v1/requests/{request}/transitions"),
            &t,
        )
        .await
    }

    /// Records FR's request `body` under `tlp` as a hub received it when it was filed at
    /// `filed` and, if `sent` is given, sent then (weeks ago): straight through the sequencer,
    /// as `accord copy` replays history, since the write path refuses an entry signed that
    /// long before it arrives.
    async fn received_earlier(
        &self,
        body: &Value,
        tlp: Tlp,
        filed: Timestamp,
        sent: Option<Timestamp>,
    ) {
        self.recorded(body, tlp, filed, sent, false).await;
    }

    /// As [`Hub::received_earlier`]; with `legacy_ids`, the entries carry the ids a hub gave
    /// them before entry ids were random: the request's id, and `"{request}/sent"`.
    async fn recorded(
        &self,
        body: &Value,
        tlp: Tlp,
        filed: Timestamp,
        sent: Option<Timestamp>,
        legacy_ids: bool,
    ) {
        use accord_law::request::{NewRequest, Status, Transition, sent_due_dates};
        use accord_store::log::{Effect, LogWrite};
        use accord_tlog::entry::{SignedEntry, canonical_json};
        let id = body["id"].as_str().unwrap();
        let write = |kind: &str, entry_id: &str, body: &Value, at: Timestamp, effect: Effect| {
            let s = sign_submission_at(kind, entry_id, "FR", tlp, body, &key("FR"), at).unwrap();
            let salt = hex::decode(s.salt.as_deref().unwrap()).unwrap();
            LogWrite {
                entry: SignedEntry::from_bytes(&canonical_json(&s.entry).unwrap()).unwrap(),
                body: canonical_json(&s.body).unwrap(),
                salt: Some(salt.try_into().unwrap()),
                effect,
            }
        };
        let new: NewRequest = serde_json::from_value(body.clone()).unwrap();
        let request = accord_law::request::Request::open(new, "FR", filed, Some(filed));
        let created = Effect::RequestCreated(Box::new(request.clone()));
        let seq = &self.state.sequencer;
        let entry_id = if legacy_ids { id.to_owned() } else { rid() };
        seq.append(write(kind::REQUEST, &entry_id, body, filed, created))
            .await
            .unwrap();
        let Some(sent) = sent else { return };
        let law = accord_law::load::load_dir(&repo().join("data/law")).unwrap();
        let move_ = json!({"request": id, "to": "sent"});
        let effect = Effect::RequestTransition {
            request: id.to_owned(),
            from: Status::Draft,
            transition: Transition {
                to: Status::Sent,
                at: sent,
                received_at: Some(sent),
                by: "FR".into(),
                note: None,
                log_index: None,
            },
            due: sent_due_dates(&law, &request, sent).unwrap(),
        };
        let entry_id = if legacy_ids {
            format!("{id}/sent")
        } else {
            rid()
        };
        seq.append(write(
            kind::REQUEST_TRANSITION,
            &entry_id,
            &move_,
            sent,
            effect,
        ))
        .await
        .unwrap();
    }

    async fn log_size(&self) -> u64 {
        self.store.checkpoint().await.unwrap().unwrap().size
    }
}

/// FR asks DE for subscriber data by a European Production Order: 10 days to answer
/// (Regulation (EU) 2023/1543 Art. 10(2)), applicable since 2026-08-18.
fn fr_de(id: &str) -> Value {
    json!({
        "id": id, "requesting_state": "FR", "requested_state": "DE", "data": "subscriber",
        "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"},
        "summary": "Subscriber behind 203.0.113.7 on 2026-11-01 at 09:14 UTC."
    })
}

fn ago(days: i64) -> Timestamp {
    Timestamp::now() - SignedDuration::from_hours(24 * days)
}

fn hours_ago(hours: i64) -> Timestamp {
    Timestamp::now() - SignedDuration::from_hours(hours)
}

fn assert_problem(r: &Reply, status: StatusCode, path: Option<&str>) {
    assert_eq!(r.status, status, "body: {}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    if let Some(path) = path {
        let errors = r.body["errors"].as_array().expect("errors member");
        assert!(
            errors.iter().any(|e| e["path"] == path),
            "no error at {path}: {}",
            r.body
        );
    }
}

fn ids(r: &Reply) -> Vec<&str> {
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_request_goes_from_draft_to_produced() {
    let h = hub().await;
    let id = rid();
    let r = h.file(&fr_de(&id), hours_ago(3)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.location, Some(format!("/api/v1/requests/{id}")));
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["tlp"], "red");
    assert!(r.body["history"][0]["log_index"].is_u64());

    let sent_at = hours_ago(2);
    let before = Timestamp::now();
    let r = h.step("FR", &id, "sent", sent_at).await;
    let after = Timestamp::now();
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "sent");
    // The pathway's 10-day limit runs from when the hub received the move, kept beside the
    // time FR stated.
    let step = &r.body["history"][1];
    assert_eq!(step["at"], json!(sent_at.to_string()));
    let received: Timestamp = step["received_at"].as_str().unwrap().parse().unwrap();
    assert!(before <= received && received <= after, "{}", r.body);
    let due: Timestamp = r.body["due"][0]["due"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, received + SignedDuration::from_hours(240));
    assert_eq!(r.body["next_due"], r.body["due"][0]["due"]);
    assert_eq!(r.body["overdue"], false);

    for (party, to) in [
        ("DE", "acknowledged"),
        ("DE", "preserved"),
        ("DE", "produced"),
    ] {
        let r = h.step(party, &id, to, hours_ago(1)).await;
        assert_eq!(r.status, StatusCode::OK, "{to}: {}", r.body);
        assert_eq!(r.body["status"], to);
    }
    // Both states see the whole history; each step names who signed it.
    for party in ["FR", "DE"] {
        let r = h.get_as(party, &format!("/api/v1/requests/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let steps: Vec<(&str, &str)> = r.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["to"].as_str().unwrap(), t["by"].as_str().unwrap()))
            .collect();
        assert_eq!(
            steps,
            [
                ("draft", "FR"),
                ("sent", "FR"),
                ("acknowledged", "DE"),
                ("preserved", "DE"),
                ("produced", "DE")
            ]
        );
        assert_eq!(r.body["history"][4]["note"], "DE says produced");
        assert!(r.body.get("next_due").is_none());
    }
}

#[tokio::test]
async fn a_third_state_is_told_the_request_does_not_exist() {
    let h = hub().await;
    let secret = rid();
    assert_eq!(
        h.file(&fr_de(&secret), hours_ago(1)).await.status,
        StatusCode::CREATED
    );

    let seen = h.get_as("US", &format!("/api/v1/requests/{secret}")).await;
    let missing = h.get_as("US", &format!("/api/v1/requests/{}", rid())).await;
    assert_problem(&seen, StatusCode::NOT_FOUND, None);
    assert_problem(&missing, StatusCode::NOT_FOUND, None);
    // Same status, same kind of answer: nothing tells the two apart but the id echoed back.
    assert_eq!(seen.body["type"], missing.body["type"]);
    assert!(ids(&h.get_as("US", "/api/v1/requests").await).is_empty());
    assert_eq!(ids(&h.get_as("DE", "/api/v1/requests").await), [&secret]);

    // Nor may it move the request, and trying writes nothing.
    let before = h.log_size().await;
    let r = h.step("US", &secret, "sent", hours_ago(0)).await;
    assert_problem(&r, StatusCode::NOT_FOUND, None);
    assert_eq!(h.log_size().await, before);

    // The log publishes the entry (its hash) but withholds the TLP:RED body.
    let index = h
        .get_as("FR", &format!("/api/v1/requests/{secret}"))
        .await
        .body["history"][0]["log_index"]
        .as_u64()
        .unwrap();
    let e = h.get_as("US", &format!("/log/entries/{index}")).await;
    assert_eq!(e.status, StatusCode::OK);
    assert_eq!(e.body["entry"]["envelope"]["kind"], "request");
    assert_eq!(e.body["entry"]["envelope"]["tlp"], "red");
    assert!(e.body["body"].is_null(), "{}", e.body);
    assert!(!e.body.to_string().contains("203.0.113.7"));
}

#[tokio::test]
async fn a_request_recorded_under_a_slug_before_random_ids_keeps_working() {
    let h = hub().await;
    // Filed and sent before ids were random: a slug, and entries named after it.
    let old = "fr-de-2025-0042";
    h.recorded(&fr_de(old), Tlp::Red, ago(3), Some(ago(2)), true)
        .await;
    let uri = format!("/api/v1/requests/{old}");
    let r = h.get_as("DE", &uri).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "sent");
    assert_problem(&h.get_as("US", &uri).await, StatusCode::NOT_FOUND, None);
    // It moves on under the new rule: a step named the old way is refused, a random one taken.
    let moves = format!("{uri}/transitions");
    let named = Hub::transition_as(
        "DE",
        old,
        "acknowledged",
        hours_ago(1),
        &format!("{old}/acknowledged"),
    );
    let r = h.post_as("DE", &moves, &named).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("entry.envelope.id"),
    );
    let r = h.step("DE", old, "acknowledged", hours_ago(1)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "acknowledged");
    // Only a new filing needs a random id.
    let r = h.file(&fr_de("fr-de-2025-0043"), hours_ago(1)).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.id"));
}

#[tokio::test]
async fn requests_need_a_token() {
    let h = hub().await;
    let r = h
        .send(
            Request::get("/api/v1/requests")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, None);
}

#[tokio::test]
async fn illegal_moves_are_422_naming_the_field_and_write_nothing() {
    let h = hub().await;
    let (early, other) = (rid(), rid());
    h.file(&fr_de(&early), hours_ago(2)).await;
    let before = h.log_size().await;
    // Produced before sent.
    let r = h.step("DE", &early, "produced", hours_ago(1)).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.to"));
    assert!(r.body["detail"].as_str().unwrap().contains("draft"));
    // Not a status at all.
    let r = h.step("DE", &early, "closed", hours_ago(1)).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.to"));
    // The requested state cannot send.
    let r = h.step("DE", &early, "sent", hours_ago(1)).await;
    assert_problem(&r, StatusCode::FORBIDDEN, None);
    // Dated before the request was filed.
    let r = h.step("FR", &early, "sent", hours_ago(5)).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("entry.envelope.submitted_at"),
    );
    // Dated tomorrow.
    let r = h.step("FR", &early, "sent", hours_ago(-1)).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("entry.envelope.submitted_at"),
    );
    // Posted to another request than the one it names.
    h.file(&fr_de(&other), hours_ago(2)).await;
    let before_other = h.log_size().await;
    let t = Hub::transition("FR", &early, "sent", hours_ago(1));
    let r = h
        .post_as("FR", &format!("/api/v1/requests/{other}/transitions"), &t)
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.request"));
    assert_eq!(h.log_size().await, before_other);
    assert_eq!(before_other, before + 1);
}

#[tokio::test]
async fn a_replayed_entry_is_409_and_recorded_once() {
    let h = hub().await;
    let twice = rid();
    let signed = {
        let body = fr_de(&twice);
        let s = sign_submission_at(
            kind::REQUEST,
            &rid(),
            "FR",
            Tlp::Red,
            &body,
            &key("FR"),
            hours_ago(2),
        )
        .unwrap();
        serde_json::to_value(s).unwrap()
    };
    let first = h.post_as("FR", "/api/v1/requests", &signed).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = h.post_as("FR", "/api/v1/requests", &signed).await;
    assert_problem(&again, StatusCode::CONFLICT, None);

    let sent = Hub::transition("FR", &twice, "sent", hours_ago(1));
    let uri = &format!("/api/v1/requests/{twice}/transitions");
    assert_eq!(h.post_as("FR", uri, &sent).await.status, StatusCode::OK);
    let before = h.log_size().await;
    let r = h.post_as("FR", uri, &sent).await;
    assert_problem(&r, StatusCode::CONFLICT, None);
    assert_eq!(h.log_size().await, before);
    let r = h.get_as("FR", &format!("/api/v1/requests/{twice}")).await;
    assert_eq!(r.body["history"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_requests_list_every_problem() {
    let h = hub().await;
    let linked = rid();
    let mut bad = fr_de("Not A Slug");
    bad["summary"] = json!("");
    bad["pathway"]["article"] = json!("Art. 99");
    bad["incident"] = json!("no-such-incident");
    let r = h.file(&bad, hours_ago(1)).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.id"));
    for path in ["body.summary", "body.pathway.article", "body.incident"] {
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some(path));
    }
    // An unknown country is named at its field.
    let mut bad = fr_de(&rid());
    bad["requested_state"] = json!("XX");
    let r = h.file(&bad, hours_ago(1)).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.requested_state"),
    );
    // DE cannot file in France's name.
    let body = fr_de(&rid());
    let s = sign_submission_at(
        kind::REQUEST,
        &rid(),
        "DE",
        Tlp::Red,
        &body,
        &key("DE"),
        hours_ago(1),
    )
    .unwrap();
    let r = h
        .post_as("DE", "/api/v1/requests", &serde_json::to_value(s).unwrap())
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, None);
    // A request filed by incident links to one that exists.
    let mut body = fr_de(&linked);
    body["incident"] = json!("notpetya-2017");
    assert_eq!(
        h.file(&body, hours_ago(1)).await.status,
        StatusCode::CREATED
    );
    let r = h
        .get_as("FR", "/api/v1/requests?incident=notpetya-2017")
        .await;
    assert_eq!(ids(&r), [&linked]);
    let r = h.get_as("FR", "/api/v1/requests?status=shipped").await;
    assert_problem(&r, StatusCode::BAD_REQUEST, Some("status"));
}

#[tokio::test]
async fn the_overdue_list_follows_the_sent_date() {
    let h = hub().await;
    let (late, fresh, draft) = (rid(), rid(), rid());
    // Received and sent 19 days ago with 10 days to answer: 9 days overdue.
    h.received_earlier(&fr_de(&late), Tlp::Red, ago(20), Some(ago(19)))
        .await;
    // Sent now: 10 days to go.
    h.file(&fr_de(&fresh), hours_ago(2)).await;
    assert_eq!(
        h.step("FR", &fresh, "sent", hours_ago(1)).await.status,
        StatusCode::OK
    );
    // Never sent: its clock has not started.
    h.received_earlier(&fr_de(&draft), Tlp::Red, ago(30), None)
        .await;

    for party in ["FR", "DE"] {
        let r = h.get_as(party, "/api/v1/requests/overdue").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(ids(&r), [&late]);
        assert_eq!(r.body[0]["overdue"], true);
        assert_eq!(r.body[0]["overdue_limits"][0]["kind"], "response");
    }
    assert!(ids(&h.get_as("US", "/api/v1/requests/overdue").await).is_empty());
    // Ten days from now, the fresh one is late too; the longest overdue comes first.
    let later = (Timestamp::now() + SignedDuration::from_hours(240)).to_string();
    let r = h
        .get_as("FR", &format!("/api/v1/requests/overdue?at={later}"))
        .await;
    assert_eq!(ids(&r), [&late, &fresh]);
    // The request itself says so.
    let r = h.get_as("DE", &format!("/api/v1/requests/{late}")).await;
    assert_eq!(r.body["overdue"], true);
    // Answering takes it off the list.
    assert_eq!(
        h.step("DE", &late, "produced", hours_ago(0)).await.status,
        StatusCode::OK
    );
    assert!(ids(&h.get_as("FR", "/api/v1/requests/overdue").await).is_empty());

    let r = h
        .get_as("FR", "/api/v1/requests/overdue?at=yesterday")
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, Some("at"));
}

#[tokio::test]
async fn without_the_legal_dataset_writes_answer_503() {
    let h = hub_with(false).await;
    let r = h.file(&fr_de("x"), hours_ago(1)).await;
    assert_problem(&r, StatusCode::SERVICE_UNAVAILABLE, None);
}

#[tokio::test]
async fn the_openapi_document_lists_the_request_routes() {
    let h = hub().await;
    let r = h.get_as("FR", "/api/v1/openapi.json").await;
    let paths = r.body["paths"].as_object().unwrap();
    for p in [
        "/api/v1/requests",
        "/api/v1/requests/{id}",
        "/api/v1/requests/{id}/transitions",
        "/api/v1/requests/overdue",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    assert!(paths["/api/v1/requests"]["post"].is_object());
    assert!(paths["/api/v1/requests"]["get"].is_object());
    let schemas = &r.body["components"]["schemas"];
    for s in [
        "RequestView",
        "RequestSubmissionSchema",
        "TransitionSubmissionSchema",
    ] {
        assert!(schemas[s].is_object(), "{s} missing");
    }
}

#[tokio::test]
async fn the_dashboard_shows_only_clear_requests_with_their_timeline() {
    let h = hub().await;
    let (hidden, public_id) = (rid(), rid());
    // A TLP:RED request (the default) and a TLP:CLEAR one, both received and sent 19 days
    // ago: overdue.
    h.received_earlier(&fr_de(&hidden), Tlp::Red, ago(20), Some(ago(19)))
        .await;
    let mut public = fr_de(&public_id);
    public["tlp"] = json!("clear");
    public["summary"] = json!("Published <on purpose>.");
    h.received_earlier(&public, Tlp::Clear, ago(20), Some(ago(19)))
        .await;

    let resp = app(h.state.clone())
        .oneshot(Request::get("/requests").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(
        html.contains(&format!("<code>{public_id}</code>")),
        "{html}"
    );
    assert!(
        html.contains("Published &#60;on purpose&#62;.")
            || html.contains("Published &lt;on purpose&gt;.")
    );
    assert!(html.contains("France asks Germany"));
    assert!(html.contains("class=\"request overdue\""));
    assert!(html.contains("OVERDUE"));
    // The timeline: drafted, then sent, each linked to its log entry.
    let timeline = &html[html.find("<ol class=\"timeline\">").unwrap()..];
    let draft = timeline
        .find("<span class=\"status\">draft</span>")
        .unwrap();
    let sent = timeline.find("<span class=\"status\">sent</span>").unwrap();
    assert!(draft < sent, "{timeline}");
    assert!(html.contains("href=\"/log/entries/"));
    // The TLP:RED request is not there, and the page says where it is.
    assert!(!html.contains(&hidden));
    assert!(html.contains("TLP:RED"));
    assert!(html.contains("/api/v1/requests"));
    assert!(html.contains("the log holds 4 request entries"));
    // The nav links the page.
    assert!(html.contains("<a href=\"/requests\">Requests</a>"));
}
