//! The classes that held when the hub was first attacked, kept holding: authentication,
//! the TLP matrix over every read path, refusals that write nothing.
//!
//! What other suites already pin is not repeated here: the TLP matrix over every read path is
//! `tests/taxii.rs` (`tlp_matrix_over_every_taxii_read_path`,
//! `tlp_matrix_over_rest_dashboard_and_exports`), the dashboard's CSP and escaping are
//! `crates/accord-server/tests/dashboard.rs`, and the request rules below the HTTP layer are
//! `crates/accord-server/tests/requests.rs`. This module attacks a running hub where those do
//! not: every credential twist on every kind of path, a third state on every request path
//! including the dashboard, every write endpoint fed bad input, and concurrent writers.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use reqwest::Method;
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::common::{Server, accord, checkpoint_size, enrol, http_get, ok, on};

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "3d9c1b2a-8e7f-4a6b-9c5d-1e2f3a4b5c6d";

fn collection(data: &Path) {
    ok(on(data).args([
        "collections",
        "add",
        "--id",
        COLLECTION,
        "--title",
        "Held",
        "--member",
        "FR:rw",
        "--member",
        "DE:rw",
        "--default-tlp",
        "green",
    ]));
}

fn log_size(server: &Server) -> u64 {
    checkpoint_size(&http_get(&server.base, "/log/checkpoint"))
}

fn verify(server: &Server) {
    ok(accord().args(["log", "verify", "--hub", &server.base]));
}

/// A request: method, URL, and the body with its media type.
type Probe = (Method, String, Option<(&'static str, String)>);

/// One request of every kind that identifies its caller: TAXII, REST and dashboard reads, and
/// REST, TAXII and log writes.
fn authenticated_paths(base: &str) -> Vec<Probe> {
    let json = |b: &str| Some(("application/json", b.to_owned()));
    vec![
        (Method::GET, format!("{base}/taxii2/api/collections/"), None),
        (
            Method::GET,
            format!("{base}/taxii2/api/collections/{COLLECTION}/objects/"),
            None,
        ),
        (Method::GET, format!("{base}/api/v1/collections"), None),
        (Method::GET, format!("{base}/api/v1/requests"), None),
        (Method::GET, format!("{base}/collections"), None),
        (Method::POST, format!("{base}/api/v1/incidents"), json("{}")),
        (
            Method::POST,
            format!("{base}/api/v1/incidents/batch"),
            json("[]"),
        ),
        (Method::POST, format!("{base}/api/v1/requests"), json("{}")),
        (Method::POST, format!("{base}/log/cosignatures"), json("{}")),
        (
            Method::POST,
            format!("{base}/taxii2/api/collections/{COLLECTION}/objects/"),
            Some((TAXII, "{\"objects\":[]}".to_owned())),
        ),
    ]
}

fn request(client: &Client, (method, url, body): &Probe) -> RequestBuilder {
    let mut r = client
        .request(method.clone(), url)
        .header("accept", format!("{TAXII}, application/json, text/html"));
    if let Some((media, text)) = body {
        r = r.header("content-type", *media).body(text.clone());
    }
    r
}

#[test]
fn every_malformed_mismatched_or_twisted_credential_is_refused_on_every_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    collection(data);
    let fr = ok(on(data).args(["tokens", "issue", "--party", "FR"]))
        .trim()
        .to_owned();
    let de = ok(on(data).args(["tokens", "issue", "--party", "DE"]))
        .trim()
        .to_owned();
    let server = Server::start(data);
    let before = log_size(&server);
    let basic = |s: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
        .into_bytes()
    };
    let mut flipped = fr.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    // Each as raw header bytes: some are not ASCII on purpose.
    let twisted: Vec<Vec<u8>> = vec![
        // Malformed.
        b"Bearer".to_vec(),
        b"Bearer ".to_vec(),
        format!("Bearer{fr}").into_bytes(),
        format!("Bearer {fr} {fr}").into_bytes(),
        format!("Bearer {fr},").into_bytes(),
        format!("Bearer\t{fr}").into_bytes(),
        format!("Token {fr}").into_bytes(),
        format!("Digest username=\"FR\", response=\"{fr}\"").into_bytes(),
        b"Basic".to_vec(),
        b"Basic !!!!".to_vec(),
        basic("FR"),
        basic(":"),
        basic("FR:"),
        basic(&format!(":{fr}")),
        // Mismatched: another party's token, a party that does not hold it.
        basic(&format!("DE:{fr}")),
        basic(&format!("FR:{de}")),
        basic(&format!("FR:{fr}:{de}")),
        format!("Bearer {flipped}").into_bytes(),
        format!("Bearer {}", &fr[..fr.len() - 1]).into_bytes(),
        format!("Bearer {fr}0").into_bytes(),
        // Case-twisted: tokens and party ids are compared exactly.
        format!("Bearer {}", fr.to_uppercase()).into_bytes(),
        basic(&format!("fr:{fr}")),
        basic(&format!("Fr:{fr}")),
        basic(&format!("FR:{}", fr.to_uppercase())),
        // Unicode-twisted: look-alikes, full-width letters, invisible characters, in the
        // header itself and inside Basic credentials.
        format!("Bearer {}", fr.replacen('a', "\u{430}", 1)).into_bytes(),
        format!("Bearer \u{200b}{fr}").into_bytes(),
        format!("Bearer {fr}\u{00a0}").into_bytes(),
        format!("\u{0392}earer {fr}").into_bytes(),
        basic(&format!("\u{ff26}\u{ff32}:{fr}")),
        basic(&format!("FR\u{200b}:{fr}")),
        basic(&format!("F\u{0280}:{fr}")),
        basic(&format!("FR:{}", fr.replacen('c', "\u{441}", 1))),
        // Latin-1 bytes where UTF-8 is expected.
        [
            b"Basic ".as_slice(),
            base64::engine::general_purpose::STANDARD
                .encode([b'F', b'R', b':', 0xe9])
                .as_bytes(),
        ]
        .concat(),
    ];
    let client = Client::new();
    for path in authenticated_paths(&server.base) {
        for value in &twisted {
            let header = HeaderValue::from_bytes(value).unwrap();
            let resp = request(&client, &path)
                .header("authorization", header)
                .send()
                .unwrap();
            assert_eq!(
                resp.status(),
                401,
                "{} {} accepted {:?}",
                path.0,
                path.1,
                String::from_utf8_lossy(value)
            );
        }
        // Two Authorization headers, one of them good, are refused too.
        let resp = request(&client, &path)
            .header("authorization", format!("Bearer {fr}"))
            .header("authorization", format!("Bearer {de}"))
            .send()
            .unwrap();
        assert_eq!(resp.status(), 401, "{} {}: two headers", path.0, path.1);
    }
    assert_eq!(log_size(&server), before, "a refused credential wrote");
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

fn submit(kind: &str, file: &Path, key: &Path, base: &str, token: &str) -> Output {
    accord()
        .args(["submit", kind])
        .arg(file)
        .arg("--key")
        .arg(key)
        .args(["--hub", base, "--token", token])
        .output()
        .unwrap()
}

#[test]
fn evidence_requests_stay_invisible_to_third_states_on_every_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (fr_key, fr) = enrol(dir.path(), &data, "FR");
    let (_, de) = enrol(dir.path(), &data, "DE");
    let (us_key, us) = enrol(dir.path(), &data, "US");
    let server = Server::start(&data);
    let base = server.base.as_str();
    let secret = "Subscriber behind 203.0.113.99 (held)";
    let held = accord_store::log::random_uuid().unwrap();
    let nothing = accord_store::log::random_uuid().unwrap();
    let filed = write(
        dir.path(),
        "request.json",
        &json!({
            "id": held, "requesting_state": "FR", "requested_state": "DE",
            "data": "subscriber", "summary": secret,
            "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"}
        }),
    );
    let out = submit("request", &filed, &fr_key, base, &fr);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = write(
        dir.path(),
        "sent.json",
        &json!({"request": held, "to": "sent"}),
    );
    assert!(
        submit("request-transition", &sent, &fr_key, base, &fr)
            .status
            .success()
    );

    let client = Client::new();
    let get = |token: &str, path: &str| {
        let r = client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    // Its two states see it.
    for token in [&fr, &de] {
        assert_eq!(get(token, &format!("/api/v1/requests/{held}")).0, 200);
        assert!(get(token, "/api/v1/requests").1.contains(&held));
    }
    // A third state: the same 404 as for a request that does not exist, and no trace in lists,
    // the overdue list, the dashboard, or the log's bodies.
    let (seen, seen_body) = get(&us, &format!("/api/v1/requests/{held}"));
    let (missing, missing_body) = get(&us, &format!("/api/v1/requests/{nothing}"));
    assert_eq!((seen, missing), (404, 404));
    let strip = |s: &str, id: &str| s.replace(id, "");
    assert_eq!(strip(&seen_body, &held), strip(&missing_body, &nothing));
    let own = format!("/api/v1/requests/{held}");
    for path in [
        "/api/v1/requests",
        "/api/v1/requests/overdue",
        "/requests",
        own.as_str(),
    ] {
        let (_, body) = get(&us, path);
        assert!(!body.contains(secret), "{path} shows the summary to US");
        if path != own {
            assert!(!body.contains(&held), "{path} lists the request to US");
        }
    }
    // Nor may it move the request; trying writes nothing.
    let before = log_size(&server);
    let moved = submit("request-transition", &sent, &us_key, base, &us);
    assert!(!moved.status.success());
    assert_eq!(log_size(&server), before);
    // The log withholds the body from everyone.
    let size = log_size(&server);
    for i in 0..size {
        let text = String::from_utf8(http_get(base, &format!("/log/entries/{i}"))).unwrap();
        assert!(
            !text.contains(secret),
            "log entry {i} publishes the summary"
        );
    }
}

/// The bundled incident file shape, as `tests/cli.rs` writes it.
fn incident(id: &str) -> Value {
    json!({
        "id": id,
        "title": "Held incident",
        "summary": "Recorded from a file.",
        "dates": {"disclosed": {"date": "2026-05-04", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A hospital", "country": "BE", "sector": "health",
                     "target_class": {"class": "civilian", "note": "a hospital", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
    })
}

#[test]
fn bad_input_on_every_write_endpoint_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    collection(&data);
    let (_, fr) = enrol(dir.path(), &data, "FR");
    let server = Server::start(&data);
    let base = server.base.as_str();
    let before = log_size(&server);
    let entry = json!({"envelope": {"v": 1, "kind": "incident", "id": "x", "submitter": "FR",
        "submitted_at": "2026-01-01T00:00:00Z", "tlp": "clear", "body_sha256": "AA==",
        "key": "ed25519:AAAA"}, "signature": "AAAA"});
    let json_cases: Vec<(&str, String)> = vec![
        ("/api/v1/incidents", "{".into()),
        ("/api/v1/incidents", "[]".into()),
        ("/api/v1/incidents", "{}".into()),
        (
            "/api/v1/incidents",
            json!({"entry": entry, "body": incident("held-bad")}).to_string(),
        ),
        (
            "/api/v1/incidents",
            json!({"entry": 1, "body": incident("held-bad")}).to_string(),
        ),
        ("/api/v1/incidents/batch", "{}".into()),
        (
            "/api/v1/incidents/batch",
            json!([{"entry": entry, "body": {}}, 7]).to_string(),
        ),
        ("/api/v1/requests", "{\"entry\": null}".into()),
        (
            "/api/v1/requests",
            json!({"entry": entry, "body": {"id": "r"}}).to_string(),
        ),
        (
            "/api/v1/requests/nothing/transitions",
            json!({"entry": entry, "body": {}}).to_string(),
        ),
        (
            "/log/cosignatures",
            "{\"cosignature\": \"\u{2014} witness AAAA\"}".into(),
        ),
        ("/log/cosignatures", "\"not an object\"".into()),
    ];
    let client = Client::new();
    for (path, body) in &json_cases {
        let r = client
            .post(format!("{base}{path}"))
            .bearer_auth(&fr)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        if *path == "/api/v1/incidents/batch" && status == 200 {
            // A batch answers item by item: every one must be refused.
            let outcome: Value = r.json().unwrap();
            assert_eq!(outcome["recorded"], 0, "{body}: {outcome}");
            continue;
        }
        assert!((400..500).contains(&status), "{path} {body}: {status}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path} {body}"
        );
    }
    // The same endpoints in another media type.
    for path in [
        "/api/v1/incidents",
        "/api/v1/requests",
        "/api/v1/incidents/batch",
    ] {
        let r = client
            .post(format!("{base}{path}"))
            .bearer_auth(&fr)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(r.status(), 415, "{path}");
    }
    // TAXII envelopes that are not envelopes, or whose every object is refused.
    let objects = format!("{base}/taxii2/api/collections/{COLLECTION}/objects/");
    for body in [
        "".to_owned(),
        "[]".to_owned(),
        "{\"objects\": {}}".to_owned(),
        json!({"objects": [{}, {"type": "indicator"}, "x", 1, null]}).to_string(),
        json!({"objects": [{"type": "bundle", "id": "bundle--5e1c7f3a-0b2d-4c8e-9f6a-000000000001", "objects": []}]}).to_string(),
        json!({"objects": [{"type": "indicator", "spec_version": "2.1",
            "id": "indicator--5e1c7f3a-0b2d-4c8e-9f6a-000000000001",
            "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
            "pattern": "[ipv4-addr:value = ", "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z"}]}).to_string(),
    ] {
        let r = client
            .post(&objects)
            .bearer_auth(&fr)
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .body(body.clone())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        if status == 202 {
            let s: Value = r.json().unwrap();
            assert_eq!(s["success_count"], 0, "{body}: {s}");
        } else {
            assert!((400..500).contains(&status), "{body}: {status}");
        }
    }
    let r = client
        .post(format!(
            "{base}/taxii2/api/collections/no-such-collection/objects/"
        ))
        .bearer_auth(&fr)
        .header("accept", TAXII)
        .header("content-type", TAXII)
        .body("{\"objects\": []}")
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        log_size(&server),
        before,
        "refused input was written to the log"
    );
    verify(&server);
}

#[test]
fn concurrent_writers_of_the_same_record_leave_exactly_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    collection(&data);
    let (fr_key, fr) = enrol(dir.path(), &data, "FR");
    let server = Server::start(&data);
    let base = server.base.clone();
    let racers = 8;

    // The same signed incident, submitted by eight processes at once: one 201, seven 409.
    let file = write(dir.path(), "race.json", &incident("held-race-2026"));
    let outcomes: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..racers)
            .map(|_| s.spawn(|| submit("incident", &file, &fr_key, &base, &fr)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won = outcomes.iter().filter(|o| o.status.success()).count();
    assert_eq!(won, 1, "{won} submissions of one incident succeeded");
    for o in outcomes.iter().filter(|o| !o.status.success()) {
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("409"), "{err}");
    }
    let r = reqwest::blocking::get(format!("{base}/api/v1/incidents/held-race-2026")).unwrap();
    assert_eq!(r.status(), 200);

    // One object version, posted eight times at once over TAXII: recorded once, every post
    // told it is in the collection, and the object has one version.
    let object = json!({"type": "indicator", "spec_version": "2.1",
        "id": "indicator--5e1c7f3a-0b2d-4c8e-9f6a-0000000ace01",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.77']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z"});
    let object_id = "indicator--5e1c7f3a-0b2d-4c8e-9f6a-0000000ace01";
    let envelope = json!({"objects": [object]}).to_string();
    let client = Client::new();
    let statuses: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..racers)
            .map(|_| {
                s.spawn(|| {
                    client
                        .post(format!(
                            "{base}/taxii2/api/collections/{COLLECTION}/objects/"
                        ))
                        .bearer_auth(&fr)
                        .header("accept", TAXII)
                        .header("content-type", TAXII)
                        .body(envelope.clone())
                        .send()
                        .unwrap()
                        .json::<Value>()
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for s in &statuses {
        assert_eq!(s["success_count"], 1, "{s}");
    }
    let versions: Value = client
        .get(format!(
            "{base}/taxii2/api/collections/{COLLECTION}/objects/{object_id}/versions/"
        ))
        .bearer_auth(&fr)
        .header("accept", TAXII)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        versions["versions"].as_array().map(Vec::len),
        Some(1),
        "{versions}"
    );
    // The only object this hub holds; its entry id is opaque (the collection's default
    // marking withholds it from anonymous readers), so count the log's `stix` entries.
    let stix_entries = (0..log_size(&server))
        .filter(|i| {
            let e: Value =
                serde_json::from_slice(&http_get(&base, &format!("/log/entries/{i}"))).unwrap();
            e["entry"]["envelope"]["kind"] == "stix"
        })
        .count();
    assert_eq!(
        stix_entries, 1,
        "the object version was logged {stix_entries} times"
    );
    verify(&server);
}
