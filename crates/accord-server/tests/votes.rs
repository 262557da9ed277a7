//! The voting endpoints (`/api/v1/votes`, `/api/v1/votes/{id}`, `/api/v1/blocs/cohesion`),
//! driven through the router with `oneshot` over a seeded hub holding the votes in
//! `data/votes/`. Expected figures come from the engine on the same files, so these tests check
//! the HTTP edge (parameters, errors, serialisation), not the indices.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use accord_core::votes::{MEMBER_STATES_FILE, VoteSet};
use accord_core::voting_bloc::{Group, VotingBloc};
use accord_server::app;

/// The votes in `data/votes/`, as `accord serve` bundles them.
fn votes() -> VoteSet {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let members = std::fs::read_to_string(data.join(MEMBER_STATES_FILE)).unwrap();
    let mut files: Vec<(String, String)> = std::fs::read_dir(data.join("votes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    VoteSet::from_texts(
        &members,
        files.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .unwrap()
}

struct Reply {
    status: StatusCode,
    content_type: String,
    json: Value,
    text: String,
}

async fn get(h: &common::Hub, with_votes: bool, uri: &str) -> Reply {
    let mut state = h.state.clone();
    if with_votes {
        state = state.with_votes(Arc::new(votes()));
    }
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let resp = app(state).oneshot(req).await.unwrap();
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
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn problem_field(r: &Reply) -> Option<String> {
    r.json["errors"][0]["path"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn the_vote_list_is_in_date_order_and_narrows_by_coverage_and_body() {
    let h = common::hub().await;
    let set = votes();
    let r = get(&h, true, "/api/v1/votes").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let all = r.json.as_array().unwrap();
    assert_eq!(all.len(), set.votes.len());
    let ids: Vec<&str> = all.iter().map(|v| v["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = set.votes.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, expected);
    assert!(all.iter().all(|v| v.get("positions").is_none()));
    let r = get(&h, true, "/api/v1/votes?coverage=full&body=plenary").await;
    let full = r.json.as_array().unwrap();
    assert_eq!(full.len(), 6);
    assert!(
        full.iter()
            .all(|v| v["coverage"] == "full" && v["body"] == "plenary")
    );
}

#[tokio::test]
async fn a_vote_gives_every_member_state_its_position_and_standing() {
    let h = common::hub().await;
    let r = get(&h, true, "/api/v1/votes/a-res-75-240-plenary-2020-12-31").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["resolution"], "A/RES/75/240");
    assert_eq!(r.json["tally"]["no"], 50);
    let states = r.json["states"].as_array().unwrap();
    assert_eq!(states.len(), 193);
    let of = |c: &str| states.iter().find(|s| s["state"] == c).unwrap().clone();
    assert_eq!(of("CN")["position"], "yes");
    assert_eq!(of("GB")["position"], "no");
    assert_eq!(of("FR")["standing"], "supporter");
    assert_eq!(of("RU")["standing"], "non-supporter");
    let groups = r.json["groups"].as_array().unwrap();
    let labels: Vec<&str> = groups
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "supporters",
            "uncertain",
            "non-supporters",
            "absent-at-launch"
        ]
    );
    // A full vote: every index is exact.
    for g in groups {
        let ai = &g["agreement_index"];
        assert!(ai.is_null() || ai["low"] == ai["high"], "{g}");
    }
    let r = get(&h, true, "/api/v1/votes/no-such-vote").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.content_type.starts_with("application/problem+json"));
}

#[tokio::test]
async fn cohesion_of_two_groups_matches_the_engine() {
    let h = common::hub().await;
    let set = votes();
    let r = get(
        &h,
        true,
        "/api/v1/blocs/cohesion?group=supporters&against=non-supporters",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(
        r.json["groups"],
        serde_json::json!(["supporters", "non-supporters"])
    );
    let dataset = common::bundled();
    let bloc = VotingBloc::new(
        &set.votes,
        set.members.codes(),
        &dataset.parties,
        dataset.accord.launched,
    );
    let expected = bloc.cohesion_over_time(&[Group::Supporters, Group::NonSupporters]);
    assert_eq!(r.json["votes"], serde_json::to_value(&expected).unwrap());
    assert!(
        r.json["method"]
            .as_str()
            .unwrap()
            .contains("Hix-Noury-Roland")
    );
    // With no group, the four standard ones; a user's list of states works too.
    let r = get(&h, true, "/api/v1/blocs/cohesion?coverage=full").await;
    assert_eq!(r.json["groups"].as_array().unwrap().len(), 4);
    assert_eq!(r.json["votes"].as_array().unwrap().len(), 6);
    let r = get(&h, true, "/api/v1/blocs/cohesion?group=fr,de,it").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["groups"], serde_json::json!(["DE,FR,IT"]));
}

#[tokio::test]
async fn bad_parameters_are_problems_that_name_them() {
    let h = common::hub().await;
    for (uri, field) in [
        ("/api/v1/votes?coverage=most", "coverage"),
        ("/api/v1/votes?body=security-council", "body"),
        ("/api/v1/votes?sort=date", "sort"),
        ("/api/v1/blocs/cohesion?group=friends", "group"),
        ("/api/v1/blocs/cohesion?against=FR,PS", "against"),
    ] {
        let r = get(&h, true, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.json);
        assert!(r.content_type.starts_with("application/problem+json"));
        assert_eq!(
            problem_field(&r).as_deref(),
            Some(field),
            "{uri}: {}",
            r.json
        );
    }
    let r = get(&h, true, "/api/v1/blocs/cohesion?against=FR,PS").await;
    assert!(
        r.json["detail"]
            .as_str()
            .unwrap()
            .contains("not a UN member state"),
        "{}",
        r.json
    );
}

#[tokio::test]
async fn a_hub_without_the_votes_answers_503_not_an_empty_list() {
    let h = common::hub().await;
    for uri in [
        "/api/v1/votes",
        "/api/v1/votes/a-res-75-240-plenary-2020-12-31",
        "/api/v1/blocs/cohesion",
    ] {
        let r = get(&h, false, uri).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert!(r.content_type.starts_with("application/problem+json"));
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_voting_endpoints() {
    let h = common::hub().await;
    let r = get(&h, true, "/api/v1/openapi.json").await;
    let paths = &r.json["paths"];
    for p in [
        "/api/v1/votes",
        "/api/v1/votes/{id}",
        "/api/v1/blocs/cohesion",
    ] {
        assert!(paths.get(p).is_some(), "{p} missing");
    }
    let schemas = &r.json["components"]["schemas"];
    for s in ["VoteView", "CohesionView", "GroupCohesion", "Bounds"] {
        assert!(schemas.get(s).is_some(), "schema {s} missing");
    }
}

#[tokio::test]
async fn the_voting_bloc_page_draws_each_split_and_sorts_the_states() {
    let h = common::hub().await;
    let set = votes();
    let r = get(&h, true, "/votes").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("text/html"));
    assert!(r.text.contains("<h1>Voting bloc</h1>"));
    // One section per vote; a drawn split for each vote actually taken.
    for v in &set.votes {
        assert!(r.text.contains(&format!("id=\"{}\"", v.id)), "{}", v.id);
    }
    let taken = set.votes.iter().filter(|v| !v.adopted_without_vote).count();
    assert_eq!(
        r.text
            .matches("role=\"img\" aria-label=\"How supporters")
            .count(),
        taken
    );
    // A full vote's bars carry their counts as tooltips.
    assert!(r.text.contains("<title>non-supporters: "), "no tooltip");
    // Every member state has a row in the agreement table.
    let table = r.text.split("id=\"states\"").nth(1).unwrap();
    assert_eq!(table.matches("<th scope=\"row\">").count(), 193);
    // The record's bloc view sits beside the voting figures.
    let record = r.text.split("id=\"record\"").nth(1).unwrap();
    assert!(record.contains(">supporters</th>") && record.contains(">non-supporters</th>"));
    assert!(
        record.contains("over 4 votes"),
        "supporters are certain on 4 full votes"
    );
    // Sorted by name: Afghanistan first.
    let r = get(&h, true, "/votes?sort=name").await;
    let table = r.text.split("id=\"states\"").nth(1).unwrap();
    let first = table.split("<th scope=\"row\">").nth(1).unwrap();
    assert!(first.contains("Afghanistan"), "{first}");
    let r = get(&h, true, "/votes?sort=sideways").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("sort"));
    let r = get(&h, false, "/votes").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_state_party_page_shows_its_votes_and_agreement() {
    let h = common::hub().await;
    let r = get(&h, true, "/parties/FR").await;
    assert_eq!(r.status, StatusCode::OK);
    let section = r
        .text
        .split("id=\"votes\"")
        .nth(1)
        .expect("a votes section");
    assert!(section.contains("At the United Nations"));
    // One row per vote taken, each linking to its section on /votes.
    let set = votes();
    let taken = set.votes.iter().filter(|v| !v.adopted_without_vote).count();
    assert_eq!(section.matches("href=\"/votes#").count(), taken);
    assert!(
        section.contains("<td>yes</td><td>supporter</td>"),
        "FR on a full vote"
    );
    // A hub without the dataset shows no section.
    let r = get(&h, true, "/parties/FR").await;
    assert!(r.text.contains("with the accord's supporters' majority"));
    let r = get(&h, false, "/parties/FR").await;
    assert!(!r.text.contains("id=\"votes\""));
}
