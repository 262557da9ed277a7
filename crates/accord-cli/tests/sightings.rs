//! `accord match --hub`: pull the indicators a party may read, match local telemetry, post
//! sightings back; the producer sees them counted only when each sighting's TLP allows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use accord_stix::marking::TlpMarking;
use serde_json::{Value, json};

mod common;
use common::{Server, accord, fails, ok, on};

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "0c7e1f4e-2b8d-4d0a-8f3e-5a6b7c8d9e0f";

fn dns(name: &str, second: u32) -> String {
    json!({
        "timestamp": format!("2026-11-29T10:15:{second:02}.000000+0000"),
        "flow_id": 1190468719405377u64 + u64::from(second),
        "event_type": "dns", "src_ip": "192.0.2.10", "src_port": 53412,
        "dest_ip": "192.0.2.53", "dest_port": 53, "proto": "UDP",
        "dns": {"version": 2, "type": "answer", "id": 16000, "rrname": name, "rrtype": "A", "rcode": "NOERROR"}
    })
    .to_string()
}

fn indicator(n: u32, domain: &str, marking: TlpMarking) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--0c7e1f4e-0000-4000-8000-{n:012}"),
        "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
        "name": format!("{domain} C2"),
        "pattern": format!("[domain-name:value = '{domain}']"), "pattern_type": "stix",
        "valid_from": "2026-02-01T00:00:00Z",
        "object_marking_refs": [marking.id()]
    })
}

fn tally(base: &str, who: &str, token: &str, id: &str) -> Value {
    let r = reqwest::blocking::Client::new()
        .get(format!(
            "{base}/api/v1/collections/{COLLECTION}/objects/{id}/sightings"
        ))
        .basic_auth(who, Some(token))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().unwrap()
}

#[test]
fn match_hub_posts_sightings_that_producers_count_under_tlp() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    ok(on(&data).args([
        "collections",
        "add",
        "--id",
        COLLECTION,
        "--title",
        "Sightings",
        "--member",
        "FR:rw",
        "--member",
        "DE:rw",
        "--member",
        "IT:r",
        "--default-tlp",
        "amber",
    ]));
    let mut tokens = HashMap::new();
    for p in ["FR", "DE", "IT"] {
        tokens.insert(
            p,
            ok(on(&data).args(["tokens", "issue", "--party", p]))
                .trim()
                .to_owned(),
        );
    }
    let server = Server::start(&data);
    let base = server.base.clone();
    // FR shares a TLP:GREEN indicator with the community and keeps a TLP:RED one to itself.
    let green = indicator(1, "green-c2.example", TlpMarking::Green2);
    let red = indicator(2, "red-c2.example", TlpMarking::Red2);
    let r = reqwest::blocking::Client::new()
        .post(format!(
            "{base}/taxii2/api/collections/{COLLECTION}/objects/"
        ))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .bearer_auth(&tokens["FR"])
        .body(json!({"objects": [green, red]}).to_string())
        .send()
        .unwrap();
    assert_eq!(r.status(), 202);
    // DE's sensor saw both domains.
    let eve = dir.path().join("eve.json");
    std::fs::write(
        &eve,
        [
            dns("green-c2.example", 1),
            dns("red-c2.example", 2),
            dns("green-c2.example", 3),
        ]
        .join("\n"),
    )
    .unwrap();
    let green_id = green["id"].as_str().unwrap();
    let run = |tlp: &str| {
        ok(accord()
            .args([
                "match",
                "--hub",
                &base,
                "--token",
                &tokens["DE"],
                "--collection",
                COLLECTION,
            ])
            .arg("--observations")
            .arg(&eve)
            .args([
                "--post-sightings",
                "--tlp",
                tlp,
                "--json",
                "--where-sighted",
                "identity--0c7e1f4e-0000-4000-8000-0000000000de",
            ]))
    };
    // Only the indicator DE may read is matched: the RED one never left the hub.
    let out = run("red");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!(lines[0]["count"], json!(2), "{out}");
    assert!(
        lines
            .iter()
            .all(|s| s["sighting_of_ref"] == json!(green_id)),
        "{out}"
    );
    // A TLP:RED sighting names no recipient: the producer does not see it counted; DE does.
    assert_eq!(
        tally(&base, "FR", &tokens["FR"], green_id)["sightings"],
        json!(0)
    );
    let de = tally(&base, "DE", &tokens["DE"], green_id);
    assert_eq!(de["sightings"], json!(1));
    assert_eq!(de["count"], json!(2));
    assert_eq!(
        de["where_sighted"],
        json!(["identity--0c7e1f4e-0000-4000-8000-0000000000de"])
    );
    // Reported again as TLP:GREEN (new versions of the same sightings): FR and IT count them.
    run("green");
    for who in ["FR", "IT"] {
        let t = tally(&base, who, &tokens[who], green_id);
        assert_eq!(t["sightings"], json!(1), "{who}: {t}");
        assert_eq!(t["count"], json!(2), "{who}: {t}");
        assert_eq!(t["reported_by"], json!(["DE"]), "{who}: {t}");
    }
    // The dashboard shows the count to FR on the indicator's row.
    let html = reqwest::blocking::Client::new()
        .get(format!("{base}/collections/{COLLECTION}"))
        .basic_auth("FR", Some(&tokens["FR"]))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let row = html.lines().find(|l| l.contains(green_id)).unwrap();
    assert!(
        row.contains("<td class=\"num\">1</td><td class=\"num\">2</td>"),
        "{row}"
    );
    // IT may read but not write: its sightings are refused, and the command says so.
    let err = fails(
        accord()
            .args(["match", "--hub", &base, "--token", &tokens["IT"]])
            .arg("--observations")
            .arg(&eve)
            .args(["--post-sightings", "--tlp", "green"]),
    );
    assert!(err.contains("403"), "{err}");
    // --post-sightings without --tlp is a usage error: a marking is never guessed.
    let err = fails(
        accord()
            .args(["match", "--hub", &base, "--token", &tokens["DE"]])
            .arg("--observations")
            .arg(&eve)
            .arg("--post-sightings"),
    );
    assert!(err.contains("--tlp"), "{err}");
}
