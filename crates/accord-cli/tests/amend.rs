//! `accord incidents amend`: a party corrects the incident it submitted, on a running hub,
//! and `accord log verify` (offline and over HTTP) accepts the amendment; another party is
//! refused, naming the recorder. Runs on the backend the suite runs on (see `common`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use serde_json::{Value, json};

use common::{Server, accord, enrol, http_get, ok, on};

/// An incident file by its id, as a party would write it.
fn incident_file(dir: &Path, id: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{id}.json"));
    let incident = json!({
        "id": id,
        "title": "Port authority outage",
        "summary": "A port authority's booking systems were disrupted by ransomware.",
        "dates": {"discovered": {"date": "2026-04", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A port authority", "country": "FR", "sector": "transport",
                     "target_class": {"class": "civilian", "note": "a port's booking systems",
                         "source": {"url": "https://example.org/port", "as_of": "2026-11", "verification": "secondary"}},
                     "source": {"url": "https://example.org/port", "as_of": "2026-11", "verification": "secondary"}}],
        "initiators": [{"name": "Group Z", "kind": "criminal",
                        "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "no armed conflict involving France",
                           "source": {"as_of": "2026-11", "verification": "unverified"}}
    });
    std::fs::write(&path, incident.to_string()).unwrap();
    path
}

fn amend(key: &Path, server: &Server, token: &str, id: &str) -> std::process::Command {
    let mut c = accord();
    c.args(["incidents", "amend", id])
        .arg("--key")
        .arg(key)
        .args(["--hub", &server.base, "--token", token]);
    c
}

#[test]
fn a_party_amends_its_incident_from_the_command_line_and_the_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (fr_key, fr_token) = enrol(dir.path(), &data, "FR");
    let (de_key, de_token) = enrol(dir.path(), &data, "DE");
    let server = Server::start(&data);
    let id = "fr-port-outage-2026";
    ok(accord()
        .args(["submit", "incident"])
        .arg(incident_file(dir.path(), id))
        .arg("--key")
        .arg(&fr_key)
        .args(["--hub", &server.base, "--token", &fr_token]));

    // --set, text and JSON.
    let out = ok(amend(&fr_key, &server, &fr_token, id).args([
        "--set",
        "title=Port authority outage (Marseille)",
        "--set",
        "victims[0].sector:=\"transport\"",
        "--set",
        "dates.discovered.date=2026-04-02",
        "--reason",
        "The port authority's own notice names the port and the day.",
    ]));
    assert!(
        out.contains(&format!("amended incident {id} as log entry")),
        "{out}"
    );
    assert!(
        out.contains("title: \"Port authority outage\" → \"Port authority outage (Marseille)\""),
        "{out}"
    );
    assert!(out.contains("dates.discovered.date"), "{out}");

    // A merge patch, amending the version the first amendment made.
    let patch = dir.path().join("patch.json");
    std::fs::write(
        &patch,
        json!({"summary": "The port authority of Marseille's booking systems were disrupted by ransomware."})
            .to_string(),
    )
    .unwrap();
    let out = ok(amend(&fr_key, &server, &fr_token, id)
        .arg("--patch")
        .arg(&patch)
        .args(["--reason", "The notice says which port.", "--json"]));
    let answer: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["changes"][0]["path"], json!("summary"));
    assert_eq!(answer["submitter"], json!("FR"));

    let record: Value =
        serde_json::from_slice(&http_get(&server.base, &format!("/api/v1/incidents/{id}")))
            .unwrap();
    assert_eq!(
        record["incident"]["title"],
        json!("Port authority outage (Marseille)")
    );
    let listed: Value = serde_json::from_slice(&http_get(
        &server.base,
        &format!("/api/v1/incidents/{id}/amendments"),
    ))
    .unwrap();
    let amendments = listed["amendments"].as_array().unwrap();
    assert_eq!(amendments.len(), 2);
    assert_eq!(
        amendments[0]["reasons"][0]["why"],
        json!("The port authority's own notice names the port and the day.")
    );

    // Another party is refused, and told whose record it is; nothing is written.
    let err = common::fails(amend(&de_key, &server, &de_token, id).args([
        "--set",
        "title=Rewritten by DE",
        "--reason",
        "DE thinks so.",
    ]));
    assert!(
        err.contains("403") && err.contains("recorded by \"FR\""),
        "{err}"
    );
    // Nothing to change, or no reason: refused before anything is sent.
    let err = common::fails(amend(&fr_key, &server, &fr_token, id).args([
        "--set",
        "title=Port authority outage (Marseille)",
        "--reason",
        "again",
    ]));
    assert!(err.contains("nothing to amend"), "{err}");
    let err = common::fails(
        amend(&fr_key, &server, &fr_token, id).args(["--set", "title=x", "--reason", " "]),
    );
    assert!(err.contains("--reason is empty"), "{err}");
    // Found in review: the id went into the path unencoded, so `ID?x` read and amended ID.
    let err = common::fails(
        amend(&fr_key, &server, &fr_token, &format!("{id}?x")).args([
            "--set",
            "title=Through a query string",
            "--reason",
            "an id is one path segment",
        ]),
    );
    assert!(err.contains("404"), "{err}");

    // The log verifies over HTTP and offline, the amendments counted.
    let report: Value = serde_json::from_str(&ok(accord().args([
        "log",
        "verify",
        "--hub",
        &server.base,
        "--json",
    ])))
    .unwrap();
    assert_eq!(report["kinds"]["amendment"], json!(2), "{report}");
    server.stop();
    let report: Value =
        serde_json::from_str(&ok(on(&data).args(["log", "verify", "--json"]))).unwrap();
    assert_eq!(report["kinds"]["amendment"], json!(2), "{report}");
}
