//! The REST API, driven through the router with `oneshot` (no socket) over a SQLite store
//! seeded with the bundled dataset, plus one test over a real socket.

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
use accord_store::write::sign_submission;
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;

/// A signed submission of `incident` by FR.
fn signed(h: &Hub, incident: &Value) -> Value {
    signed_with(&h.key, "FR", incident)
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
        let header_text = |name| {
            resp.headers()
                .get(name)
                .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
        };
        let content_type = header_text(header::CONTENT_TYPE).unwrap_or_default();
        let location = header_text(header::LOCATION);
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            location,
            body,
        }
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn post_json(&self, uri: &str, body: impl Into<Body>) -> Reply {
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(body.into())
                .unwrap(),
        )
        .await
    }

    /// POSTs `incident` signed by FR.
    async fn submit(&self, incident: &Value) -> Reply {
        self.post_json("/api/v1/incidents", signed(self, incident).to_string())
            .await
    }

    async fn incident_count(&self) -> usize {
        self.store.counts().await.unwrap().incidents
    }
}

fn ids(reply: &Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["incident"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts a problem+json reply with `status` whose errors name `path` (when given).
fn assert_problem(r: &Reply, status: StatusCode, path: Option<&str>) {
    assert_eq!(r.status, status, "body: {}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(r.body["status"], status.as_u16());
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

fn new_incident() -> Value {
    json!({
        "id": "test-grid-intrusion-2026",
        "title": "Test grid intrusion",
        "summary": "A utility's control network was reached by a state-linked group.",
        "dates": {"discovered": {"date": "2026-03", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A regional utility", "country": "FI", "sector": "energy",
                     "target_class": {"class": "civilian", "note": "a utility company",
                         "source": {"url": "https://example.org/report", "as_of": "2026-11", "verification": "secondary"}},
                     "source": {"url": "https://example.org/report", "as_of": "2026-11", "verification": "secondary"}}],
        "initiators": [{"name": "Group X", "kind": "state-sponsored", "state_nexus": "KP",
                        "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "no armed conflict involving Finland",
                           "source": {"as_of": "2026-11", "verification": "unverified"}}
    })
}

#[tokio::test]
async fn healthz_reports_counts() {
    let h = hub().await;
    let r = h.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    assert!(r.body["counts"]["incidents"].as_u64().unwrap() >= 15);
}

#[tokio::test]
async fn accord_and_principles() {
    let h = hub().await;
    let r = h.get("/api/v1/accord").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["id"], "paris-call");
    assert_eq!(r.body["launched"], "2018-11-12");
    assert_eq!(r.body["principles"].as_array().unwrap().len(), 9);
    let p = h.get("/api/v1/principles").await;
    assert_eq!(p.body[7]["id"], "P8");
    assert!(p.body[0]["source"]["verification"].is_string());
}

#[tokio::test]
async fn parties_and_filters() {
    let h = hub().await;
    let all = h.get("/api/v1/parties").await;
    assert_eq!(all.status, StatusCode::OK);
    let states = h
        .get("/api/v1/parties?kind=state&status=supporter&limit=500")
        .await;
    assert_eq!(states.body["total"], 81);
    let states = states.body["items"].as_array().unwrap();
    // 81 states from the official site's data; the US among them, joined 2021-11-10.
    assert_eq!(states.len(), 81);
    assert!(
        states
            .iter()
            .all(|p| p["kind"] == "state" && p["status"] == "supporter")
    );
    let non = h
        .get("/api/v1/parties?kind=state&status=non-supporter")
        .await;
    let non: Vec<&str> = non.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for id in ["RU", "CN", "IR", "KP"] {
        assert!(
            non.contains(&id),
            "{id} missing from non-supporters: {non:?}"
        );
    }
    let fr = h.get("/api/v1/parties/FR").await;
    assert_eq!(fr.body["status"], "supporter");
    assert!(
        fr.body["support_text"]
            .as_str()
            .unwrap()
            .contains("may have joined earlier")
    );
    assert_problem(
        &h.get("/api/v1/parties/XX").await,
        StatusCode::NOT_FOUND,
        None,
    );
    for (query, field) in [
        ("kind=planet", "kind"),
        ("status=friend", "status"),
        ("country=ZZ", "country"),
        ("country=FRA", "country"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        // A well-formed cursor naming no party.
        ("cursor=cGFydHk6bm9ib2R5", "cursor"),
        ("colour=red", "colour"),
    ] {
        assert_problem(
            &h.get(&format!("/api/v1/parties?{query}")).await,
            StatusCode::BAD_REQUEST,
            Some(field),
        );
    }
}

/// Following `next` from the first page visits every party once, and each page keeps the
/// filters' total.
#[tokio::test]
async fn party_pages_follow_cursors_over_the_whole_registry() {
    let h = hub().await;
    let held = h.store.counts().await.unwrap().parties;
    assert!(held > 1222, "the whole list ships: {held}");
    let mut seen = std::collections::HashSet::new();
    let mut uri = "/api/v1/parties?limit=200".to_owned();
    let mut pages = 0;
    loop {
        let r = h.get(&uri).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["total"], held);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 200);
        for p in items {
            assert!(
                seen.insert(p["id"].as_str().unwrap().to_owned()),
                "{p} twice"
            );
        }
        pages += 1;
        match r.body["next"].as_str() {
            Some(next) => uri = format!("/api/v1/parties?limit=200&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), held);
    assert_eq!(pages, held.div_ceil(200));
    // The default page is 100 parties.
    let first = h.get("/api/v1/parties").await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 100);
}

/// The bug: Google, listed since 2019, showed as a non-supporter.
#[tokio::test]
async fn google_shows_as_a_supporter_in_the_api() {
    let h = hub().await;
    let g = h.get("/api/v1/parties/google").await;
    assert_eq!(g.body["status"], "supporter");
    assert_eq!(g.body["kind"], "company");
    assert_eq!(g.body["support"]["since"], "2019-09-16");
    assert_eq!(g.body["support"]["since_meaning"], "first_seen_upper_bound");
    let found = h
        .get("/api/v1/parties?q=GOOGLE&kind=company&status=supporter&country=US")
        .await;
    let ids: Vec<&str> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"google"), "{ids:?}");
}

/// Filters by kind, country, status and text each narrow the list to parties that pass them.
#[tokio::test]
async fn party_filters_narrow_the_list() {
    let h = hub().await;
    let fr = h
        .get("/api/v1/parties?country=FR&kind=company&limit=500")
        .await;
    let items = fr.body["items"].as_array().unwrap();
    assert!(items.len() > 10, "{}", fr.body);
    assert!(
        items
            .iter()
            .all(|p| p["country"] == "FR" && p["kind"] == "company")
    );
    // French state names are searchable: the list calls Germany "Allemagne".
    let de = h.get("/api/v1/parties?q=allemagne&kind=state").await;
    assert_eq!(de.body["items"][0]["id"], "DE");
    let former = h.get("/api/v1/parties?status=formerly-listed").await;
    assert_eq!(former.body["total"], 7);
    assert!(
        former.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["support"]["unlisted_by"].is_string())
    );
    let io = h
        .get("/api/v1/parties?kind=international_organisation")
        .await;
    let ids: Vec<&str> = io.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"european-union") && ids.contains(&"interpol"),
        "{ids:?}"
    );
}

#[tokio::test]
async fn incident_filters() {
    let h = hub().await;
    let cases: &[(&str, &str)] = &[
        ("principle=P3", "dnc-us-election-2016"),
        ("country=UA", "ukraine-power-grid-2015"),
        ("sector=energy", "colonial-pipeline-2021"),
        ("year=2017", "notpetya-2017"),
        ("party=RU", "notpetya-2017"),
        ("party=KP&year=2017", "wannacry-2017"),
    ];
    for (query, expected) in cases {
        let r = h.get(&format!("/api/v1/incidents?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}");
        let got = ids(&r);
        assert!(got.contains(&expected.to_string()), "{query}: {got:?}");
        let all = h.get("/api/v1/incidents?limit=500").await;
        assert!(
            got.len() < ids(&all).len(),
            "{query} did not narrow the list"
        );
    }
    // Every returned incident satisfies the filter.
    let r = h.get("/api/v1/incidents?year=2017").await;
    for item in r.body["items"].as_array().unwrap() {
        let dates = &item["incident"]["dates"];
        let d = ["start", "discovered", "disclosed"]
            .iter()
            .find_map(|k| dates[k]["date"].as_str())
            .unwrap();
        assert!(d.starts_with("2017"), "{d}");
    }
}

/// `new_incident` under `id`, its victim of `class` and its armed-conflict `status`.
fn classified_incident(id: &str, class: &str, status: &str) -> Value {
    let source = json!({"url": "https://example.org/report", "as_of": "2026-11", "verification": "secondary"});
    let mut v = new_incident();
    v["id"] = id.into();
    v["victims"][0]["target_class"] =
        json!({"class": class, "note": "what it is", "source": source});
    v["armed_conflict"] = json!({"status": status, "note": "why", "source": source});
    if status == "yes" {
        v["armed_conflict"]["conflict"] = "A war".into();
    }
    v
}

#[tokio::test]
async fn incidents_filter_by_target_class_and_armed_conflict() {
    let h = hub().await;
    for (id, class, status) in [
        ("test-military-war-2026", "military", "yes"),
        ("test-civilian-peace-2026", "civilian", "no"),
    ] {
        let r = h.submit(&classified_incident(id, class, status)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let all = ids(&h.get("/api/v1/incidents?limit=500").await);
    for (query, want, not) in [
        (
            "target_class=military",
            "test-military-war-2026",
            "test-civilian-peace-2026",
        ),
        (
            "target_class=civilian",
            "test-civilian-peace-2026",
            "test-military-war-2026",
        ),
        (
            "armed_conflict=yes",
            "test-military-war-2026",
            "test-civilian-peace-2026",
        ),
        (
            "armed_conflict=no&target_class=civilian",
            "test-civilian-peace-2026",
            "test-military-war-2026",
        ),
    ] {
        let r = h.get(&format!("/api/v1/incidents?limit=500&{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
        let got = ids(&r);
        assert!(got.contains(&want.to_owned()), "{query}: {got:?}");
        assert!(!got.contains(&not.to_owned()), "{query}: {got:?}");
        assert!(got.len() < all.len(), "{query} did not narrow the list");
        // Every incident returned says so in its record.
        for item in r.body["items"].as_array().unwrap() {
            let i = &item["incident"];
            for pair in query.split('&') {
                let (k, v) = pair.split_once('=').unwrap();
                let holds = match k {
                    "target_class" => i["victims"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|x| x["target_class"]["class"] == v),
                    _ => i["armed_conflict"]["status"] == v,
                };
                assert!(holds, "{query}: {}", i["id"]);
            }
        }
    }
}

#[tokio::test]
async fn a_bad_classification_is_refused_naming_its_field() {
    let h = hub().await;
    let before = h.incident_count().await;
    let mut bad = classified_incident("test-disputed-2026", "disputed", "yes");
    bad["armed_conflict"]["conflict"] = Value::Null;
    let r = h.submit(&bad).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.victims[0].target_class.views"),
    );
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.armed_conflict.conflict"),
    );
    assert_eq!(h.incident_count().await, before);
}

/// A new submission must carry each victim's target class and the armed-conflict statement
/// (`unknown` with a note is an answer); one without them is refused with 422 naming each
/// missing field, and nothing is recorded.
#[tokio::test]
async fn a_submission_without_a_class_or_a_conflict_statement_is_refused_naming_each() {
    let h = hub().await;
    let before = h.incident_count().await;
    let mut bare = new_incident();
    bare["victims"][0]
        .as_object_mut()
        .unwrap()
        .remove("target_class");
    bare.as_object_mut().unwrap().remove("armed_conflict");
    let r = h.submit(&bare).await;
    for path in ["body.victims[0].target_class", "body.armed_conflict"] {
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some(path));
    }
    assert_eq!(h.incident_count().await, before);
    let mut unknown = bare;
    unknown["victims"][0]["target_class"] = json!({"class": "unknown",
        "note": "the report does not say who runs the network",
        "source": {"as_of": "2026-11", "verification": "unverified"}});
    unknown["armed_conflict"] = json!({"status": "unknown", "note": "not looked into yet",
        "source": {"as_of": "2026-11", "verification": "unverified"}});
    let r = h.submit(&unknown).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn cursor_pagination_visits_every_incident_once() {
    let h = hub().await;
    let total = h.incident_count().await;
    let mut seen = Vec::new();
    let mut uri = "/api/v1/incidents?limit=5".to_owned();
    loop {
        let r = h.get(&uri).await;
        assert_eq!(r.status, StatusCode::OK);
        let page = ids(&r);
        assert!(page.len() <= 5);
        seen.extend(page);
        match r.body["next"].as_str() {
            Some(next) => uri = format!("/api/v1/incidents?limit=5&cursor={next}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "an incident appeared twice");
    assert_eq!(seen.len(), total);
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let h = hub().await;
    for (query, field) in [
        ("year=20x7", "year"),
        ("principle=P99x", "principle"),
        ("principle=P42", "principle"),
        ("country=XX", "country"),
        ("sector=space", "sector"),
        ("target_class=civillian", "target_class"),
        ("armed_conflict=maybe", "armed_conflict"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("colour=red", "colour"),
    ] {
        let r = h.get(&format!("/api/v1/incidents?{query}")).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, Some(field));
    }
}

#[tokio::test]
async fn incident_by_id() {
    let h = hub().await;
    let r = h.get("/api/v1/incidents/notpetya-2017").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["incident"]["id"], "notpetya-2017");
    let suggested = r.body["suggested_principles"].as_array().unwrap();
    assert!(!suggested.is_empty());
    assert!(
        suggested
            .iter()
            .all(|s| s["reason"].as_str().is_some_and(|r| !r.contains('{')))
    );
    assert_problem(
        &h.get("/api/v1/incidents/nope").await,
        StatusCode::NOT_FOUND,
        None,
    );
}

#[tokio::test]
async fn post_records_an_incident_with_suggestions() {
    let h = hub().await;
    let before = h.incident_count().await;
    let r = h.submit(&new_incident()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["log_index"].as_u64().is_some(), "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some("/api/v1/incidents/test-grid-intrusion-2026")
    );
    let reasons: Vec<&str> = r.body["suggested_principles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.iter().any(|r| r.contains("energy")), "{reasons:?}");
    assert_eq!(h.incident_count().await, before + 1);
    let back = h.get("/api/v1/incidents/test-grid-intrusion-2026").await;
    assert_eq!(back.status, StatusCode::OK);
    // The new incident shows on the scorecard of the state it is linked to.
    let kp = h.get("/api/v1/scorecards/parties/KP").await;
    let lines = kp.body["as_initiator"]["incidents"].as_array().unwrap();
    assert!(lines.iter().any(|l| l["id"] == "test-grid-intrusion-2026"));
    // A second POST with the same id conflicts and writes nothing.
    let again = h.submit(&new_incident()).await;
    assert_problem(&again, StatusCode::CONFLICT, None);
    assert_eq!(h.incident_count().await, before + 1);
}

#[tokio::test]
async fn bad_bodies_are_refused_and_nothing_is_written() {
    let h = hub().await;
    let before = h.incident_count().await;
    let incident_before = h.get("/api/v1/incidents?limit=500").await.body;

    let r = h.post_json("/api/v1/incidents", "{\"id\": \"x\", ").await;
    assert_problem(&r, StatusCode::BAD_REQUEST, None);

    let mut bad_country = new_incident();
    bad_country["victims"][0]["country"] = json!("XX");
    let r = h.submit(&bad_country).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.victims[0].country"),
    );
    assert_eq!(r.body["errors"][0]["pointer"], "/body/victims/0/country");

    let mut missing = new_incident();
    missing.as_object_mut().unwrap().remove("title");
    let r = h.submit(&missing).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.title"));

    let mut wrong_type = new_incident();
    wrong_type["victims"] = json!("many");
    let r = h.submit(&wrong_type).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.victims"));

    let mut unknown_party = new_incident();
    unknown_party["victims"][0]["party"] = json!("no-such-party");
    let r = h.submit(&unknown_party).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.victims[0].party"),
    );

    // Several semantic problems are reported together.
    let mut several = new_incident();
    several["id"] = json!("Bad Id");
    several["summary"] = json!(" ");
    several["dates"]["disclosed"] =
        json!({"date": "2020-01-01", "source": {"as_of": "2026-11", "verification": "unverified"}});
    // The entry must name the incident's id, so sign it under the bad id too.
    let r = h.submit(&several).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.id"));
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some("body.summary"));
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.dates.disclosed"),
    );

    // An unsigned body (the bare incident) is refused, naming what is missing.
    let r = h
        .post_json("/api/v1/incidents", new_incident().to_string())
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, None);

    let oversize = format!(
        "{{\"id\": \"{}\"}}",
        "a".repeat(accord_server::DEFAULT_BODY_LIMIT + 1)
    );
    let r = h.post_json("/api/v1/incidents", oversize).await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, None);

    let r = h
        .send(
            Request::post("/api/v1/incidents")
                .header(header::CONTENT_TYPE, "text/plain")
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::from(signed(&h, &new_incident()).to_string()))
                .unwrap(),
        )
        .await;
    assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, None);

    assert_eq!(h.incident_count().await, before);
    assert_eq!(
        h.get("/api/v1/incidents?limit=500").await.body,
        incident_before
    );
}

#[tokio::test]
async fn scorecards_are_computed_from_the_record() {
    let h = hub().await;
    let ru = h.get("/api/v1/scorecards/parties/RU").await;
    assert_eq!(ru.status, StatusCode::OK);
    assert_eq!(ru.body["status"], "non-supporter");
    assert_eq!(ru.body["absent_at_launch"], true);
    let lines = ru.body["as_initiator"]["incidents"].as_array().unwrap();
    let notpetya = lines
        .iter()
        .find(|l| l["id"] == "notpetya-2017")
        .expect("NotPetya on RU's card");
    assert!(
        !notpetya["bases"].as_array().unwrap().is_empty(),
        "attribution bases shown"
    );
    assert_eq!(
        ru.body["as_initiator"]["total"].as_u64().unwrap() as usize,
        lines.len()
    );

    // Ukraine is not in the registry, but the record names it: it still has a scorecard.
    let ua = h.get("/api/v1/scorecards/parties/UA").await;
    assert_eq!(ua.status, StatusCode::OK, "{}", ua.body);
    assert_eq!(h.get("/api/v1/parties/UA").await.body["registered"], false);
    assert_eq!(h.get("/api/v1/parties/FR").await.body["registered"], true);
    let suffered: Vec<&str> = ua.body["as_victim"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(
        suffered.contains(&"ukraine-power-grid-2015"),
        "{suffered:?}"
    );

    let principles = h.get("/api/v1/scorecards/principles").await;
    let cards = principles.body.as_array().unwrap();
    assert_eq!(cards.len(), 9);
    let p1 = &cards[0];
    let per_year: u64 = p1["by_year"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(p1["total"].as_u64().unwrap() >= per_year.min(1));

    let blocs = h.get("/api/v1/scorecards/blocs").await;
    assert_eq!(blocs.status, StatusCode::OK);
    let non: Vec<&str> = blocs.body["non_supporters"]["states_linked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(non.contains(&"RU") && non.contains(&"KP"), "{non:?}");
    // Each bloc counts per tier, and "attributed" only tiers 1–2.
    for bloc in ["supporters", "non_supporters"] {
        let tally = &blocs.body[bloc]["incidents"];
        let lines = tally["incidents"].as_array().unwrap();
        let formal = lines
            .iter()
            .filter(|l| l["standing"] == "attributed")
            .count();
        assert_eq!(
            tally["attributed"].as_u64().unwrap() as usize,
            formal,
            "{bloc}"
        );
        assert!(lines.iter().all(|l| l["tier"].is_string()), "{bloc}");
    }
    // The supporters' only link to Stuxnet (the United States, a nexus in press reporting) is
    // alleged.
    let stuxnet = blocs.body["supporters"]["incidents"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "stuxnet-2010")
        .cloned()
        .unwrap();
    assert_eq!(stuxnet["tier"], "allegation");
    assert_eq!(stuxnet["standing"], "alleged");

    assert_problem(
        &h.get("/api/v1/scorecards/parties/nobody").await,
        StatusCode::NOT_FOUND,
        None,
    );
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let h = hub().await;
    let r = h.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = r.body["paths"].as_object().unwrap();
    for p in [
        "/healthz",
        "/api/v1/accord",
        "/api/v1/principles",
        "/api/v1/parties",
        "/api/v1/parties/{id}",
        "/api/v1/incidents",
        "/api/v1/incidents/{id}",
        "/api/v1/scorecards/parties/{id}",
        "/api/v1/scorecards/principles",
        "/api/v1/scorecards/blocs",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    assert!(paths["/api/v1/incidents"]["post"].is_object());
    assert!(r.body["components"]["schemas"]["Incident"].is_object());
}

#[tokio::test]
async fn over_a_real_socket() {
    let h = hub().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, app(h.state.clone())).into_future());
    let client = reqwest::Client::new();
    let health: Value = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let resp = client
        .post(format!("http://{addr}/api/v1/incidents"))
        .bearer_auth(TOKEN)
        .json(&signed(&h, &new_incident()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
    let resp = client
        .post(format!("http://{addr}/api/v1/incidents"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("[")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    server.abort();
}

#[tokio::test]
async fn writes_need_a_token_and_a_good_signature() {
    let h = hub().await;
    let before = h.incident_count().await;
    let body = signed(&h, &new_incident()).to_string();
    let no_token = h
        .send(
            Request::post("/api/v1/incidents")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_problem(&no_token, StatusCode::UNAUTHORIZED, None);
    let bad_token = h
        .send(
            Request::post("/api/v1/incidents")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, "Bearer nope")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_problem(&bad_token, StatusCode::UNAUTHORIZED, None);
    // Signed by a key FR never registered.
    let stranger = SigningKey::from_bytes(&[1; 32]);
    let sub = sign_submission(
        kind::INCIDENT,
        "test-grid-intrusion-2026",
        "FR",
        Tlp::Clear,
        &new_incident(),
        &stranger,
    )
    .unwrap();
    let r = h
        .post_json("/api/v1/incidents", serde_json::to_string(&sub).unwrap())
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, None);
    // A signature that does not verify.
    let mut forged = signed(&h, &new_incident());
    let sig = forged["entry"]["signature"].as_str().unwrap().to_owned();
    let mut chars: Vec<char> = sig.chars().collect();
    chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
    let flipped: String = chars.into_iter().collect();
    forged["entry"]["signature"] = json!(flipped);
    let r = h.post_json("/api/v1/incidents", forged.to_string()).await;
    assert!(
        r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.body
    );
    assert_eq!(h.incident_count().await, before);
}

async fn raw(h: &Hub, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app(h.state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let cache = resp
        .headers()
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, cache, bytes)
}

#[tokio::test]
async fn log_endpoints_serve_a_verifiable_record() {
    use accord_tlog::checkpoint::Checkpoint;
    use accord_tlog::merkle::{self, Hash, InclusionProof};
    use accord_tlog::note::Verifier;
    use accord_tlog::tiles::{TileKind, decode_bundle, tiles_for_size};

    let h = hub().await;
    let posted = h.submit(&new_incident()).await;
    let index = posted.body["log_index"].as_u64().unwrap();

    let (status, _, key) = raw(&h, "/log/key").await;
    assert_eq!(status, StatusCode::OK);
    let verifier = Verifier::from_key_string(String::from_utf8(key).unwrap().trim()).unwrap();
    let (status, cache, note) = raw(&h, "/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    assert!(cache.contains("max-age=1"), "{cache}");
    let (cp, _) =
        Checkpoint::open(&note, verifier.name(), std::slice::from_ref(&verifier)).unwrap();

    // Every bundle, read back, rebuilds the signed root.
    let mut leaves = Vec::new();
    for tile in tiles_for_size(cp.size) {
        let (status, cache, data) = raw(&h, &format!("/log/{}", tile.path())).await;
        assert_eq!(status, StatusCode::OK, "{}", tile.path());
        assert!(cache.contains(if tile.is_partial() {
            "max-age=60"
        } else {
            "immutable"
        }));
        if tile.kind == TileKind::Entries {
            leaves.extend(
                decode_bundle(&data)
                    .unwrap()
                    .into_iter()
                    .map(merkle::leaf_hash),
            );
        }
    }
    assert_eq!(merkle::tree_hash(&leaves), cp.root);

    let entry = h.get(&format!("/log/entries/{index}")).await;
    assert_eq!(
        entry.body["entry"]["envelope"]["id"],
        "test-grid-intrusion-2026"
    );
    assert_eq!(entry.body["body"]["id"], "test-grid-intrusion-2026");
    let leaf = Hash::from_base64(entry.body["leaf_hash"].as_str().unwrap()).unwrap();
    let proof: InclusionProof = serde_json::from_value(
        h.get(&format!(
            "/log/proof/inclusion?index={index}&size={}",
            cp.size
        ))
        .await
        .body,
    )
    .unwrap();
    proof.verify(&leaf, &cp.root).unwrap();
    let consistency = h
        .get(&format!("/log/proof/consistency?old=3&new={}", cp.size))
        .await;
    assert_eq!(consistency.status, StatusCode::OK);

    assert_problem(
        &h.get(&format!("/log/entries/{}", cp.size)).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_problem(
        &h.get("/log/proof/inclusion?index=x").await,
        StatusCode::BAD_REQUEST,
        Some("index"),
    );
    assert_problem(
        &h.get("/log/proof/inclusion").await,
        StatusCode::BAD_REQUEST,
        Some("index"),
    );
    assert_eq!(
        raw(&h, "/log/tile/0/x999/999").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(raw(&h, "/log/tile/nonsense").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn record_page_shows_the_checkpoint_signers_and_how_to_verify() {
    use accord_tlog::note::{Note, Signer};
    let h = hub().await;
    // The operator configures FR's key as a witness; FR cosigns the current checkpoint.
    let witness = Signer::new("FR", h.key.clone()).unwrap();
    accord_store::witness::add_witness(
        h.store.as_ref(),
        &h.state.sequencer,
        &witness.verifier(),
        "FR",
    )
    .await
    .unwrap();
    let cp = h.store.checkpoint().await.unwrap().unwrap();
    let text = Note::parse(&cp.note).unwrap().text().to_owned();
    let line = witness.sign(&text).unwrap().to_line();
    let r = h
        .post_json(
            "/log/cosignatures",
            json!({"size": cp.size, "signature": line}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // A cosignature by a key that is not the configured witness key is refused.
    let stranger = Signer::new("FR", SigningKey::from_bytes(&[9; 32])).unwrap();
    let bad = stranger.sign(&text).unwrap().to_line();
    let r = h
        .post_json(
            "/log/cosignatures",
            json!({"size": cp.size, "signature": bad}).to_string(),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, None);

    let (status, _, body) = raw(&h, "/record").await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(body).unwrap();
    assert!(
        page.contains(&format!("<dd>{}</dd>", cp.size)),
        "size shown"
    );
    assert!(page.contains("witness cosignature"), "cosigner listed");
    assert_eq!(
        page.matches("badge verified\">verified</span></td>")
            .count(),
        2,
        "operator and FR verified"
    );
    assert!(page.contains("accord log verify --hub"));

    let (_, _, body) = raw(&h, "/incidents/notpetya-2017").await;
    let page = String::from_utf8(body).unwrap();
    let index = h.get("/api/v1/incidents/notpetya-2017").await.body["log_index"]
        .as_u64()
        .unwrap();
    assert!(
        page.contains(&format!("/log/proof/inclusion?index={index}")),
        "inclusion proof linked"
    );
}

/// A scorecard's initiator links carry their tier and standing, only tiers 1–2 count as
/// "attributed", and "contested" is derived: a submitter cannot state it, and a recorded
/// denial by the accused sets it.
#[tokio::test]
async fn scorecard_links_carry_their_tier_and_contested_is_derived() {
    let h = hub().await;
    let us = h.get("/api/v1/scorecards/parties/US").await;
    let lines = us.body["as_initiator"]["incidents"].as_array().unwrap();
    let stuxnet = lines.iter().find(|l| l["id"] == "stuxnet-2010").unwrap();
    assert_eq!(stuxnet["standing"], "alleged", "{stuxnet}");
    assert_eq!(stuxnet["tier"], "allegation");
    assert!(stuxnet["attributions"].as_array().unwrap().is_empty());

    let ru = h.get("/api/v1/scorecards/parties/RU").await;
    let card = &ru.body["as_initiator"];
    let lines = card["incidents"].as_array().unwrap();
    let sw = lines
        .iter()
        .find(|l| l["id"] == "solarwinds-sunburst-2020")
        .unwrap();
    assert_eq!(sw["standing"], "attributed");
    assert_eq!(sw["tier"], "official");
    assert_eq!(sw["attributions"][0]["by"], "United States (White House)");
    let formal = lines
        .iter()
        .filter(|l| l["standing"] == "attributed")
        .count();
    assert_eq!(card["attributed"].as_u64().unwrap() as usize, formal);
    let by_tier: u64 = card["by_tier"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_tier, card["total"].as_u64().unwrap());

    // Stating "contested" is refused and writes nothing.
    let before = h.incident_count().await;
    let mut stated = new_incident();
    stated["attributions"] = json!([{"by": "A government", "attributed_to": "KP",
        "basis": "indictment", "contested": false, "statement": "It was them.",
        "source": {"url": "https://example.org/doj", "as_of": "2026-11", "verification": "secondary"}}]);
    let r = h.submit(&stated).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.attributions[0].contested"),
    );
    assert_eq!(h.incident_count().await, before);

    // The accused's recorded denial makes the link contested.
    let mut denied = stated;
    denied["attributions"][0]
        .as_object_mut()
        .unwrap()
        .remove("contested");
    denied["denials"] = json!([{"by": "North Korea", "state": "KP", "statement": "Denied.",
        "source": {"url": "https://example.org/kcna", "as_of": "2026-11", "verification": "secondary"}}]);
    let r = h.submit(&denied).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let kp = h.get("/api/v1/scorecards/parties/KP").await;
    let line = kp.body["as_initiator"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "test-grid-intrusion-2026")
        .cloned()
        .unwrap();
    assert_eq!(line["contested"], true);
    assert_eq!(line["contests"][0]["kind"], "denied");
    assert_eq!(line["tier"], "official-secondary");
}

/// Each finding says whose conduct it concerns, and a party's scorecard counts only its own:
/// the Sony Pictures record's P8 (its reported counter-attack) is on Sony's card, not North
/// Korea's. A new assertion must say whose conduct it is about, naming a registered party.
#[tokio::test]
async fn scorecards_count_only_the_partys_own_conduct() {
    let h = hub().await;
    let kp = h.get("/api/v1/scorecards/parties/KP").await;
    let sony_line = kp.body["as_initiator"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "sony-pictures-2014")
        .cloned()
        .unwrap();
    assert!(
        !sony_line["principles"]
            .as_array()
            .unwrap()
            .contains(&json!("P8")),
        "{sony_line}"
    );
    let sony = h
        .get("/api/v1/scorecards/parties/sony-pictures-entertainment")
        .await;
    let own = &sony.body["other_conduct"]["incidents"][0];
    assert_eq!(own["id"], "sony-pictures-2014", "{}", sony.body);
    assert_eq!(own["roles"], json!(["responder"]));
    assert_eq!(own["principles"], json!(["P8"]));
    let incident = h.get("/api/v1/incidents/sony-pictures-2014").await;
    let p8 = incident.body["incident"]["asserted_principles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["principle"] == "P8")
        .cloned()
        .unwrap();
    assert_eq!(p8["concerns"]["role"], "responder");

    let before = h.incident_count().await;
    let mut unstated = new_incident();
    unstated["asserted_principles"] =
        json!([{"principle": "P1", "reason": "Grid.", "by": "A reporter"}]);
    let r = h.submit(&unstated).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.asserted_principles[0].concerns.role"),
    );
    let mut unknown = new_incident();
    unknown["asserted_principles"] = json!([{"principle": "P8", "reason": "Hack-back.",
        "by": "A reporter", "concerns": {"role": "responder", "party": "no-such-company"}}]);
    let r = h.submit(&unknown).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body.asserted_principles[0].concerns.party"),
    );
    assert_eq!(h.incident_count().await, before);
}
