//! The `accord` binary end to end: the commands users type, and a hub that keeps its record
//! across a restart without loading the bundled data twice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::Value;

mod common;
use common::{Server, accord, enrol, ok, on};

fn run_json(data: &Path, args: &[&str]) -> Value {
    let out = on(data).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn incident_file(dir: &Path, id: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{id}.json"));
    let body = serde_json::json!({
        "id": id,
        "title": "CLI test incident",
        "summary": "Recorded from a file.",
        "dates": {"disclosed": {"date": "2026-05-04", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A hospital", "country": "BE", "sector": "health",
                     "target_class": {"class": "civilian", "note": "a hospital", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
    });
    std::fs::write(&path, body.to_string()).unwrap();
    path
}

#[test]
fn principles_parties_and_incidents_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let principles = run_json(&data, &["principles", "--json"]);
    assert_eq!(principles.as_array().unwrap().len(), 9);
    let states = run_json(&data, &["parties", "list", "--kind", "state", "--json"]);
    assert!(states.as_array().unwrap().len() >= 81);
    let p8 = run_json(&data, &["incidents", "list", "--principle", "P8", "--json"]);
    let ids: Vec<&str> = p8
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["incident"]["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"private-hackback-sony-ddos-2014"), "{ids:?}");
    let one = run_json(&data, &["incidents", "show", "notpetya-2017", "--json"]);
    assert_eq!(one["incident"]["id"], "notpetya-2017");
}

#[test]
fn text_output_shows_verification_and_first_seen_caveat() {
    let dir = tempfile::tempdir().unwrap();
    let out = on(dir.path())
        .args(["incidents", "show", "stuxnet-2010"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("unverified"), "{text}");
    assert!(text.contains("Suggested principles"));
    let out = on(dir.path()).args(["parties", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("first seen"), "{text}");
    // Each attribution shows its tier; the accused's denial is listed and contests it.
    let out = on(dir.path())
        .args(["incidents", "show", "opm-breach-2015"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("basis official-remark; tier 4 allegation"),
        "{text}"
    );
    assert!(text.contains("contested: denied by China"), "{text}");
    // Each impact shows the figure the record holds, approximate where the source says so.
    assert!(
        text.contains("[personal-data] 21,500,000 individuals: Social Security numbers"),
        "{text}"
    );
    assert!(
        text.contains("about 5,600,000 fingerprint records: "),
        "{text}"
    );
    assert!(
        text.contains("\nDenials\n  - China (undated): China denied it."),
        "{text}"
    );
}

/// `accord parties list` filters and pages like the API: every listed supporter is there,
/// Google among the supporters (the bug: it showed as a non-supporter), and `--after` continues
/// a limited list where it stopped.
#[test]
fn parties_list_filters_and_pages_the_whole_registry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let companies = run_json(
        &data,
        &[
            "parties",
            "list",
            "--kind",
            "company",
            "--status",
            "supporter",
            "--json",
        ],
    );
    let ids: Vec<&str> = companies
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 708, "the official list's companies");
    assert!(ids.contains(&"google"));
    let first = run_json(
        &data,
        &[
            "parties",
            "list",
            "--country",
            "FR",
            "--limit",
            "3",
            "--json",
        ],
    );
    let first: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(first.len(), 3);
    let rest = run_json(
        &data,
        &[
            "parties",
            "list",
            "--country",
            "FR",
            "--after",
            first[2],
            "--json",
        ],
    );
    let all = run_json(&data, &["parties", "list", "--country", "FR", "--json"]);
    assert_eq!(
        3 + rest.as_array().unwrap().len(),
        all.as_array().unwrap().len()
    );
    assert_eq!(rest[0], all[3]);
    let de = run_json(
        &data,
        &["parties", "list", "--search", "ALLEMAGNE", "--json"],
    );
    assert_eq!(de[0]["id"], "DE");
    for bad in [
        ["--kind", "planet"],
        ["--status", "friend"],
        ["--country", "ZZ"],
        ["--after", "nobody"],
    ] {
        let out = on(&data)
            .args(["parties", "list"])
            .args(bad)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(bad[1]), "{bad:?}: {err}");
    }
}

#[test]
fn add_records_a_file_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let good = incident_file(dir.path(), "cli-hospital-2026");
    let out = on(&data)
        .args(["incidents", "add"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("suggested P1"), "{text}");

    let bad = dir.path().join("bad.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    v["id"] = "cli-bad-2026".into();
    v["victims"][0]["country"] = "XX".into();
    std::fs::write(&bad, v.to_string()).unwrap();
    let out = on(&data)
        .args(["incidents", "add"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("victims[0].country") && err.contains("XX"),
        "{err}"
    );

    let list = run_json(&data, &["incidents", "list", "--json"]);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["incident"]["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"cli-hospital-2026"));
    assert!(!ids.contains(&"cli-bad-2026"));
}

#[test]
fn incidents_list_filters_by_target_class_and_armed_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let source = serde_json::json!({"as_of": "2026-11", "verification": "unverified"});
    for (id, class, status) in [
        ("cli-hospital-2026", "civilian", "no"),
        ("cli-barracks-2026", "military", "yes"),
    ] {
        let path = incident_file(dir.path(), id);
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["victims"][0]["target_class"] =
            serde_json::json!({"class": class, "note": "what it is", "source": source});
        v["armed_conflict"] = serde_json::json!({"status": status, "conflict": "A war",
            "note": "why", "source": source});
        if status == "no" {
            v["armed_conflict"]["conflict"] = Value::Null;
        }
        std::fs::write(&path, v.to_string()).unwrap();
        let out = on(&data)
            .args(["incidents", "add"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let listed = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["incidents", "list", "--json"];
        all.extend_from_slice(args);
        run_json(&data, &all)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["incident"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let military = listed(&["--target-class", "military"]);
    assert!(
        military.contains(&"cli-barracks-2026".to_owned()),
        "{military:?}"
    );
    assert!(
        !military.contains(&"cli-hospital-2026".to_owned()),
        "{military:?}"
    );
    let shown = on(&data)
        .args(["incidents", "show", "cli-barracks-2026"])
        .output()
        .unwrap();
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.contains("target class: military — what it is"),
        "{text}"
    );
    assert!(
        text.contains("During an armed conflict: yes: A war"),
        "{text}"
    );
    let peace = listed(&["--armed-conflict", "no", "--target-class", "civilian"]);
    assert!(peace.contains(&"cli-hospital-2026".to_owned()), "{peace:?}");
    assert!(
        !peace.contains(&"cli-barracks-2026".to_owned()),
        "{peace:?}"
    );

    let out = on(&data)
        .args(["incidents", "list", "--target-class", "civillian"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("civillian") && err.contains("dual-use"),
        "{err}"
    );
}

#[test]
fn bad_filter_value_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = on(dir.path())
        .args(["incidents", "list", "--country", "UK"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("did you mean GB"), "{err}");
}

/// Sets FR up to write (see `common::enrol`), checking the private key is the owner's only.
fn enrol_fr(dir: &Path, data: &Path) -> (std::path::PathBuf, String) {
    let (key, token) = enrol(dir, data, "FR");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "private key readable by others");
    }
    (key, token)
}

#[test]
fn hub_keeps_its_record_across_a_restart_and_seeds_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let client = reqwest::blocking::Client::new();
    let (key, token) = enrol_fr(dir.path(), &data);

    let server = Server::start(&data);
    let health: Value = client
        .get(format!("{}/healthz", server.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let parties = health["counts"]["parties"].as_u64().unwrap();
    let incidents = health["counts"]["incidents"].as_u64().unwrap();
    let file = incident_file(dir.path(), "restart-test-2026");
    let out = ok(accord()
        .args(["submit", "incident"])
        .arg(&file)
        .arg("--key")
        .arg(&key)
        .args(["--hub", &server.base, "--token", &token]));
    assert!(
        out.contains("recorded incident restart-test-2026 as log entry"),
        "{out}"
    );
    let checkpoint_before = client
        .get(format!("{}/log/checkpoint", server.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    server.stop();

    let server = Server::start(&data);
    let health: Value = client
        .get(format!("{}/healthz", server.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        health["counts"]["parties"].as_u64().unwrap(),
        parties,
        "parties loaded twice"
    );
    assert_eq!(
        health["counts"]["incidents"].as_u64().unwrap(),
        incidents + 1
    );
    let r = client
        .get(format!(
            "{}/api/v1/incidents/restart-test-2026",
            server.base
        ))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The same log, the same checkpoint, signed by the same key after the restart.
    let checkpoint_after = client
        .get(format!("{}/log/checkpoint", server.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(checkpoint_before, checkpoint_after);
    server.stop();
}

#[test]
fn submit_is_refused_without_a_registered_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (_, token) = enrol_fr(dir.path(), &data);
    let other = dir.path().join("other.key");
    ok(accord()
        .args(["keygen", "--party", "FR", "--out"])
        .arg(&other));
    let server = Server::start(&data);
    let out = accord()
        .args(["submit", "incident"])
        .arg(incident_file(dir.path(), "unregistered-key-2026"))
        .arg("--key")
        .arg(&other)
        .args(["--hub", &server.base, "--token", &token])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("403") && err.contains("not registered"),
        "{err}"
    );
    server.stop();
}
