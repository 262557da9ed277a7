//! `accord import misp`: MISP events to STIX indicators with TLP 2.0 markings, a report of
//! what was not mappable, strict errors that name the JSON path, and posting to a hub.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use accord_stix::marking::TlpMarking;
use accord_tlp::Tlp;
use serde_json::{Value, json};

mod common;
use common::{Server, accord, fails, ok, on};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testdata/misp")
        .join(name)
}

fn import(name: &str) -> (Value, String) {
    let out = accord()
        .args(["import", "misp"])
        .arg(fixture(name))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn by_id<'a>(bundle: &'a Value, uuid: &str) -> &'a Value {
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == json!(format!("indicator--{uuid}")))
        .unwrap_or_else(|| panic!("no indicator for {uuid}"))
}

fn marking(o: &Value) -> Option<&str> {
    o["object_marking_refs"][0].as_str()
}

#[test]
fn an_event_maps_to_indicators_with_tlp_and_reports_the_rest() {
    let (bundle, report) = import("event.json");
    assert_eq!(bundle["type"], json!("bundle"));
    let objects = bundle["objects"].as_array().unwrap();
    // 11 attributes: 7 mapped, 4 reported.
    assert_eq!(objects.len(), 7, "{bundle}");
    assert!(
        report.contains("7 indicator(s) from 11 attribute(s) of 1 event(s); 4 not imported"),
        "{report}"
    );
    let strict = TlpMarking::of(Tlp::AmberStrict).id();
    let ip = by_id(&bundle, "5f3c1a2b-0001-4000-8000-000000000001");
    assert_eq!(ip["pattern"], json!("[ipv4-addr:value = '198.51.100.23']"));
    assert_eq!(marking(ip), Some(strict), "the event's tag applies");
    assert_eq!(ip["created"], json!("2026-01-20T09:08:20.000Z"));
    // The attribute's TLP:RED is stricter than the event's AMBER+STRICT; its TLP:CLEAR is not.
    let domain = by_id(&bundle, "5f3c1a2b-0001-4000-8000-000000000002");
    assert_eq!(marking(domain), Some(TlpMarking::of(Tlp::Red).id()));
    let email = by_id(&bundle, "5f3c1a2b-0001-4000-8000-000000000004");
    assert_eq!(
        email["pattern"],
        json!("[email-message:from_ref.value = 'hr@mail-ministry.example']")
    );
    assert_eq!(marking(email), Some(strict));
    let url = by_id(&bundle, "5f3c1a2b-0001-4000-8000-000000000003");
    assert_eq!(
        url["pattern"],
        json!("[url:value = 'http://login-ministry.example/o\\'auth']")
    );
    let port = by_id(&bundle, "5f3c1a2b-0001-4000-8000-000000000009");
    assert_eq!(
        port["pattern"],
        json!(
            "[network-traffic:dst_ref.value = '198.51.100.24' AND network-traffic:dst_port = 8443]"
        )
    );
    // Attributes inside MISP objects are imported too.
    let file = by_id(&bundle, "5f3c1a2b-0002-4000-8000-000000000001");
    assert_eq!(
        file["pattern"],
        json!(
            "[file:name = 'invoice.pdf.exe' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"
        )
    );
    by_id(&bundle, "5f3c1a2b-0002-4000-8000-000000000002");
    // Every attribute not imported is named with its uuid, type and reason.
    for (uuid, kind, reason) in [
        (
            "5f3c1a2b-0001-4000-8000-000000000005",
            "comment",
            "to_ids is false",
        ),
        (
            "5f3c1a2b-0001-4000-8000-000000000006",
            "md5",
            "not a 32-hex-digit md5 digest",
        ),
        (
            "5f3c1a2b-0001-4000-8000-000000000007",
            "ip-src",
            "to_ids is false",
        ),
        (
            "5f3c1a2b-0001-4000-8000-000000000008",
            "vulnerability",
            "no STIX pattern mapping",
        ),
    ] {
        let line = report
            .lines()
            .find(|l| l.contains(uuid))
            .unwrap_or_else(|| panic!("{uuid} not reported: {report}"));
        assert!(
            line.contains(&format!("({kind})")) && line.contains(reason),
            "{line}"
        );
    }
    assert!(
        report.contains("tag \"tlp:ex:chr\" is not a TLP 2.0 level"),
        "{report}"
    );
    // --include-non-ids imports the context attributes that have a pattern.
    let out = ok(accord()
        .args(["import", "misp", "--include-non-ids"])
        .arg(fixture("event.json")));
    let with: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(with["objects"].as_array().unwrap().len(), 8);
}

#[test]
fn a_feed_of_events_maps_white_to_clear_and_reports_unmarked() {
    let (bundle, report) = import("feed.json");
    let host = by_id(&bundle, "6a000000-0001-4000-8000-000000000001");
    assert_eq!(
        marking(host),
        Some(TlpMarking::of(Tlp::Clear).id()),
        "tlp:white reads as CLEAR"
    );
    assert_eq!(
        host["pattern"],
        json!("[domain-name:value = 'update.example']")
    );
    let hash = by_id(&bundle, "6a000000-0001-4000-8000-000000000002");
    assert_eq!(hash["object_marking_refs"], Value::Null);
    assert!(
        report.contains("1 indicator(s) carry no TLP tag"),
        "{report}"
    );
}

#[test]
fn strict_errors_name_the_json_path() {
    let err = fails(accord().args(["import", "misp"]).arg(fixture("bad.json")));
    assert!(
        err.contains("$[0].Event.Attribute[1].type: must be a string"),
        "{err}"
    );
}

#[test]
fn imported_indicators_are_accepted_by_a_hub() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let id = "2a5f0000-0000-4000-8000-00000000a1a1";
    ok(on(data).args([
        "collections",
        "add",
        "--id",
        id,
        "--title",
        "MISP import",
        "--member",
        "FR:rw",
    ]));
    let token = ok(on(data).args(["tokens", "issue", "--party", "FR"]))
        .trim()
        .to_owned();
    let server = Server::start(data);
    let out = accord()
        .args([
            "import",
            "misp",
            "--hub",
            &server.base,
            "--token",
            &token,
            "--collection",
            id,
        ])
        .arg(fixture("event.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "posted to collection 2a5f0000-0000-4000-8000-00000000a1a1: 7 accepted, 0 refused"
        ),
        "{stderr}"
    );
    let r: Value = reqwest::blocking::Client::new()
        .get(format!(
            "{}/api/v1/collections/{id}/objects?type=indicator",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["items"].as_array().unwrap().len(), 7);
    let levels: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tlp"].as_str().unwrap())
        .collect();
    assert!(
        levels.contains(&"red") && levels.contains(&"amber+strict"),
        "{levels:?}"
    );
}
