//! The cross-border evidence endpoints and the "Who can ask whom" page, driven through the
//! router with `oneshot` over a seeded SQLite hub that holds the legal dataset from
//! `data/law/`. Expected answers come from the engine itself on the same files, so these tests
//! check the HTTP edge (parameters, errors, serialisation, rendering), not the law.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use accord_law::{DataCategory, Dataset, Query, Scenario};
use accord_server::{AppState, app};
use accord_store::Store;
use accord_store::log::Operator;
use accord_store::sequencer::Sequencer;
use accord_store::write::seed_bundled;

fn law() -> Dataset {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/law");
    accord_law::load::load_dir(&dir).unwrap()
}

struct Hub {
    _dir: tempfile::TempDir,
    state: AppState,
    law: Arc<Dataset>,
}

/// A hub seeded like `accord serve`; `with_law` decides whether it holds the legal dataset.
async fn hub_with(with_law: bool) -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = common::store(dir.path()).await;
    let op = Arc::new(Operator::load_or_create(dir.path(), None).unwrap());
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let dataset = accord_store::dataset_dir::load_dataset_dir(&data).unwrap();
    seed_bundled(store.as_ref(), op.clone(), &dataset)
        .await
        .unwrap();
    let sequencer = Sequencer::start(store.clone(), op);
    let law = Arc::new(law());
    let mut state = AppState::new(store, sequencer);
    if with_law {
        state = state.with_law(law.clone());
    }
    Hub {
        _dir: dir,
        state,
        law,
    }
}

async fn hub() -> Hub {
    hub_with(true).await
}

struct Reply {
    status: StatusCode,
    content_type: String,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

impl Hub {
    async fn get(&self, uri: &str) -> Reply {
        let req = Request::get(uri).body(Body::empty()).unwrap();
        let resp = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            content_type,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    fn route(&self, from: &str, to: &str, data: &str, emergency: bool, on: &str) -> Value {
        let q = Query::parse(from, to, data, emergency, on).unwrap();
        serde_json::to_value(accord_law::route(&self.law, &q)).unwrap()
    }
}

fn instruments(answer: &Value, list: &str) -> Vec<String> {
    answer[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["instrument"].as_str().unwrap().to_owned())
        .collect()
}

/// Askama's HTML escaping, to find engine text in a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn the_api_serves_the_engines_answer() {
    let h = hub().await;
    let r = h
        .get("/api/v1/pathways?from=FR&to=US&data=subscriber&on=2026-11-29")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("application/json"));
    let body = r.json();
    assert_eq!(body, h.route("FR", "US", "subscriber", false, "2026-11-29"));
    // The minimum shape, with stable ids.
    let p = &body["pathways"][0];
    for key in [
        "instrument",
        "article",
        "channel",
        "deadline",
        "verification",
    ] {
        assert!(p.get(key).is_some(), "pathway lacks {key}: {p}");
    }
    let na = &body["not_applicable"][0];
    assert!(na["instrument"].is_string() && na["reason"].is_string());
}

#[tokio::test]
async fn the_answer_follows_the_date() {
    // Regulation 2023/1543 applies from 2026-08-18 (data/law/eu-e-evidence.json).
    let h = hub().await;
    let before = h
        .get("/api/v1/pathways?from=DE&to=IE&data=content&on=2026-08-17")
        .await
        .json();
    let after = h
        .get("/api/v1/pathways?from=DE&to=IE&data=content&on=2026-08-18")
        .await
        .json();
    assert!(!instruments(&before, "pathways").contains(&"eu-e-evidence".to_owned()));
    assert!(instruments(&before, "not_applicable").contains(&"eu-e-evidence".to_owned()));
    assert!(instruments(&after, "pathways").contains(&"eu-e-evidence".to_owned()));
    assert_eq!(after, h.route("DE", "IE", "content", false, "2026-08-18"));
}

#[tokio::test]
async fn on_defaults_to_today_and_emergency_is_read() {
    let h = hub().await;
    let r = h.get("/api/v1/pathways?from=FR&to=US&data=traffic").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let on = r.json()["query"]["on"].as_str().unwrap().to_owned();
    let today = accord_server::today().to_string();
    let yesterday = accord_server::today().yesterday().unwrap().to_string();
    assert!(on == today || on == yesterday, "answered for {on}");

    for (value, expected) in [("true", true), ("on", true), ("false", false), ("", false)] {
        let r = h
            .get(&format!(
                "/api/v1/pathways?from=DE&to=IE&data=traffic&on=2026-11-29&emergency={value}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "emergency={value}: {}", r.text);
        let body = r.json();
        assert_eq!(body["query"]["emergency"], expected, "emergency={value}");
        assert_eq!(body, h.route("DE", "IE", "traffic", expected, "2026-11-29"));
    }
}

#[tokio::test]
async fn same_state_answers_with_domestic_law() {
    let h = hub().await;
    let body = h
        .get("/api/v1/pathways?from=FR&to=FR&data=content&on=2026-11-29")
        .await
        .json();
    assert!(body["domestic"]["summary"].is_string());
    assert_eq!(body["pathways"], Value::Array(Vec::new()));
}

/// Asserts a 400 problem that names `param`, and returns its detail.
async fn bad_param(h: &Hub, uri: &str, param: &str) -> String {
    let r = h.get(uri).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.text);
    assert_eq!(r.content_type, "application/problem+json", "{uri}");
    let body = r.json();
    assert_eq!(body["status"], 400);
    assert_eq!(body["errors"][0]["path"], param, "{uri}: {body}");
    body["detail"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn bad_parameters_are_named() {
    let h = hub().await;
    let detail = bad_param(
        &h,
        "/api/v1/pathways?from=UK&to=US&data=content&on=2026-11-29",
        "from",
    )
    .await;
    assert!(detail.contains("did you mean GB"), "{detail}");
    bad_param(&h, "/api/v1/pathways?from=FR&to=ZZ&data=content", "to").await;
    bad_param(&h, "/api/v1/pathways?from=FR&data=content", "to").await;
    bad_param(&h, "/api/v1/pathways?to=FR&data=content", "from").await;
    bad_param(&h, "/api/v1/pathways?from=FR&to=US", "data").await;
    let detail = bad_param(&h, "/api/v1/pathways?from=FR&to=US&data=emails", "data").await;
    assert!(detail.contains("subscriber"), "{detail}");
    bad_param(
        &h,
        "/api/v1/pathways?from=FR&to=US&data=content&on=2026-02-30",
        "on",
    )
    .await;
    bad_param(
        &h,
        "/api/v1/pathways?from=FR&to=US&data=content&emergency=maybe",
        "emergency",
    )
    .await;
    bad_param(
        &h,
        "/api/v1/pathways?from=FR&to=US&data=content&form=x",
        "form",
    )
    .await;
}

#[tokio::test]
async fn the_scenario_endpoint_serves_the_three_state_plan() {
    let h = hub().await;
    let r = h
        .get("/api/v1/pathways/scenario?attacker=RU&via=NL&victim=FR&data=traffic&on=2026-11-29")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = Scenario::parse("RU", "NL", "FR", "traffic", false, "2026-11-29").unwrap();
    let expected = serde_json::to_value(accord_law::scenario(&h.law, &s)).unwrap();
    let body = r.json();
    assert_eq!(body, expected);
    assert!(!body["summary"].as_str().unwrap().is_empty());
    // Preservation first: what FR asks NL is split by action.
    assert!(
        body["victim_asks_via"]["preservation"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["action"] == "preservation")
    );

    let detail = bad_param(
        &h,
        "/api/v1/pathways/scenario?attacker=RU&via=NL&victim=FRA&data=traffic",
        "victim",
    )
    .await;
    assert!(detail.contains("FR"), "{detail}");
    bad_param(
        &h,
        "/api/v1/pathways/scenario?attacker=RU&victim=FR&data=traffic",
        "via",
    )
    .await;
    bad_param(
        &h,
        "/api/v1/pathways/scenario?attacker=RU&via=NL&victim=FR&data=traffic&from=FR",
        "from",
    )
    .await;
}

#[tokio::test]
async fn a_hub_without_the_legal_dataset_says_so() {
    let h = hub_with(false).await;
    for uri in [
        "/api/v1/pathways?from=FR&to=US&data=content",
        "/api/v1/pathways/scenario?attacker=RU&via=NL&victim=FR&data=traffic",
    ] {
        let r = h.get(uri).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(r.content_type, "application/problem+json");
        assert_eq!(r.json()["status"], 503);
    }
    let r = h.get("/pathways").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.content_type.starts_with("text/html"));
    // Bad parameters still come first: they are wrong whatever the hub holds.
    let r = h.get("/api/v1/pathways?from=UK&to=US&data=content").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_openapi_document_lists_both_endpoints() {
    let h = hub().await;
    let doc = h.get("/api/v1/openapi.json").await.json();
    for path in ["/api/v1/pathways", "/api/v1/pathways/scenario"] {
        let op = &doc["paths"][path]["get"];
        assert!(op.is_object(), "{path} missing from the OpenAPI document");
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            params.contains(&"data") && params.contains(&"on"),
            "{params:?}"
        );
    }
}

/// The cells of the matrix row for `from`, as (class, text).
fn matrix_row(page: &str, from: &str) -> Vec<(String, String)> {
    let table = page.split("<table class=\"matrix\">").nth(1).unwrap();
    let marker = format!("\">{from}</a></th>");
    let row = table
        .split("<tr>")
        .find(|r| r.contains("<th scope=\"row\">") && r.contains(&marker))
        .unwrap_or_else(|| panic!("no row for {from}"));
    row.split("<td class=\"")
        .skip(1)
        .map(|c| {
            let (class, rest) = c.split_once("\">").unwrap();
            let text = rest.split("</td>").next().unwrap();
            (class.to_owned(), text.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_page_shows_the_answer_with_badges_and_reasons() {
    let h = hub().await;
    let r = h
        .get("/pathways?from=FR&to=US&data=subscriber&on=2026-11-29")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("text/html"));
    let page = &r.text;
    assert!(page.contains("<a href=\"/pathways\">Who can ask whom</a>"));
    let answer = h.route("FR", "US", "subscriber", false, "2026-11-29");
    for p in answer["pathways"].as_array().unwrap() {
        let article = escaped(p["article"].as_str().unwrap());
        assert!(page.contains(&article), "page lacks {article}");
        let deadline = escaped(p["deadline"].as_str().unwrap());
        assert!(page.contains(&deadline), "page lacks {deadline}");
        for u in p["unverified"].as_array().unwrap() {
            let u = escaped(u.as_str().unwrap());
            assert!(page.contains(&u), "page lacks the unverified fact {u}");
        }
    }
    for na in answer["not_applicable"].as_array().unwrap() {
        let reason = escaped(na["reason"].as_str().unwrap());
        assert!(page.contains(&reason), "page lacks the reason {reason}");
    }
    assert!(page.contains("<span class=\"badge unverified\">unverified</span>"));
    // The form keeps what was asked.
    assert!(page.contains("value=\"FR\""));
    assert!(page.contains("<option value=\"subscriber\" selected>"));
}

#[tokio::test]
async fn the_matrix_colours_each_pair_by_its_fastest_production_pathway() {
    let h = hub().await;
    let r = h.get("/pathways?data=content&on=2026-11-29").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = &r.text;
    let states = h.law.states();
    let on = jiff::civil::date(2026, 11, 29);
    let m = accord_law::matrix::matrix(&h.law, &states, DataCategory::Content, false, on);
    // One row per state, one cell per state in each.
    let gb = matrix_row(page, "GB");
    assert_eq!(gb.len(), states.len());
    for to in ["US", "FR", "GB"] {
        let j = states.iter().position(|s| s.as_str() == to).unwrap();
        let (class, text) = &gb[j];
        let cell = m.cell("GB".parse().unwrap(), to.parse().unwrap()).unwrap();
        match &cell.fastest {
            None => assert_eq!(class, "pw-self", "GB→{to}"),
            Some(f) => {
                // The cell's code is the one the legend gives that instrument.
                let legend = page
                    .split("<table class=\"legend\">")
                    .nth(1)
                    .unwrap()
                    .split("</table>")
                    .next()
                    .unwrap();
                let entry = legend
                    .split("<tr>")
                    .find(|row| row.contains(&format!("<code>{}</code>", f.instrument)))
                    .unwrap();
                let code = entry
                    .split("class=\"swatch ")
                    .nth(1)
                    .unwrap()
                    .split_once("\">")
                    .unwrap()
                    .1
                    .split("</span>")
                    .next()
                    .unwrap();
                assert!(text.starts_with(code), "GB→{to}: {text} is not {code}");
                assert!(class.starts_with("pw-"), "GB→{to}: {class}");
            }
        }
    }
    // GB→US content: the UK–US CLOUD Act agreement is the fastest production pathway.
    let us = states.iter().position(|s| s.as_str() == "US").unwrap();
    assert!(gb[us].0.starts_with("pw-cu"), "{:?}", gb[us]);
    // Accessible structure: scoped headers and a caption.
    assert!(page.contains("<th scope=\"col\">from \\ to</th>"));
    assert!(page.contains("<caption class=\"skip\">"));
}

#[tokio::test]
async fn a_bad_value_is_a_400_page_that_keeps_the_form() {
    let h = hub().await;
    let r = h
        .get("/pathways?from=UK&to=US&data=content&on=2026-11-29")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.content_type.starts_with("text/html"));
    assert!(r.text.contains("did you mean GB"), "{}", r.text);
    assert!(r.text.contains("<form class=\"filters\""));
    // The matrix needs only the category and the date, which were fine.
    assert!(r.text.contains("<table class=\"matrix\">"));

    let r = h.get("/pathways?data=emails").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("<code>data</code>"), "{}", r.text);
    assert!(!r.text.contains("<table class=\"matrix\">"));

    let r = h.get("/pathways?on=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("<code>on</code>"));
}
