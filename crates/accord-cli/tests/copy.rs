//! `accord copy` and `accord migrate` end to end (issue 7): a whole SQLite hub — bundled data,
//! signed incidents, an evidence request and its moves, shared STIX objects (one deleted), a
//! token — moved to PostgreSQL, served from there exactly as before, resumed after more
//! writes, refused into a database holding another log, and moved back.
//!
//! Needs a PostgreSQL server (`ACCORD_TEST_POSTGRES_URL`); runs in the suite's SQLite pass,
//! whose hubs are the copies' sources.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::{Value, json};

mod common;
use common::{Server, accord, fails, fresh_postgres, hammer_writes, http_get, ok, postgres_server};

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "copy-community";
/// The evidence request the copied hub holds (its id a random UUID, as every new request's).
const REQUEST: &str = "0c0a7e55-6f5e-4c1b-9d3e-7a2b1c0d9e8f";

/// `accord` on the SQLite hub in `data`, whatever the suite's backend.
fn sqlite(data: &Path) -> std::process::Command {
    let mut c = accord();
    c.env("ACCORD_DATA", data).env_remove("ACCORD_DATABASE_URL");
    c
}

fn hammer(base: &str, key: &Path, token: &str, run: &str, writes: &str) {
    ok(hammer_writes()
        .args(["--hub", base, "--token", token, "--clients", "8"])
        .args(["--writes", writes, "--run", run])
        .arg("--key")
        .arg(key));
}

fn indicator(n: u32) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--0c0b1e2d-0000-4000-8000-{n:012}"),
        "created": "2026-03-01T00:00:00.000Z", "modified": "2026-03-01T00:00:00.000Z",
        "pattern": format!("[domain-name:value = 'c2-{n}.example']"),
        "pattern_type": "stix", "valid_from": "2026-03-01T00:00:00Z"
    })
}

/// What a reader sees of the hub at `base`: the pages a user relies on, to compare before and
/// after a copy.
fn view(base: &str, token: &str) -> Vec<String> {
    let client = reqwest::blocking::Client::new();
    let get = |path: &str, accept: &str| {
        let r = client
            .get(format!("{base}{path}"))
            .header("Accept", accept)
            .bearer_auth(token)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let added = r
            .headers()
            .get("X-TAXII-Date-Added-Last")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        format!("{path} {added} {}", r.text().unwrap())
    };
    vec![
        String::from_utf8(http_get(base, "/log/checkpoint")).unwrap(),
        get("/api/v1/incidents?limit=500", "application/json"),
        get("/api/v1/parties?limit=500", "application/json"),
        get(&format!("/api/v1/requests/{REQUEST}"), "application/json"),
        get(
            &format!("/taxii2/api/collections/{COLLECTION}/objects/"),
            TAXII,
        ),
        get(
            &format!("/taxii2/api/collections/{COLLECTION}/manifest/"),
            TAXII,
        ),
    ]
}

/// Asserts two views are the same, showing where the first difference is.
fn assert_same(got: &[String], want: &[String], what: &str) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        if g != w {
            let at = g.bytes().zip(w.bytes()).take_while(|(a, b)| a == b).count();
            let from = at.saturating_sub(120);
            panic!(
                "{what}: {}\n  got  …{}\n  want …{}",
                w.split(' ').next().unwrap_or_default(),
                &g[from..(at + 120).min(g.len())],
                &w[from..(at + 120).min(w.len())]
            );
        }
    }
}

#[test]
fn a_hub_moves_to_postgres_and_back_unchanged() {
    if std::env::var("ACCORD_TEST_BACKEND").as_deref() == Ok("postgres") {
        eprintln!("the copy test runs in the SQLite pass; skipping");
        return;
    }
    let Some(server) = std::env::var("ACCORD_TEST_POSTGRES_URL")
        .ok()
        .or_else(postgres_server)
    else {
        eprintln!("accord copy needs a PostgreSQL server (ACCORD_TEST_POSTGRES_URL); skipping");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("hub");
    let applied = ok(sqlite(&src).arg("migrate"));
    assert!(applied.contains("applied V1__"), "{applied}");
    assert!(ok(sqlite(&src).arg("migrate")).contains("current"));

    // The source: every kind of write a hub takes.
    let enrol_sqlite = |party: &str| {
        let key = dir.path().join(format!("{party}.key"));
        ok(accord()
            .args(["keygen", "--party", party, "--out"])
            .arg(&key));
        ok(sqlite(&src)
            .args(["keys", "add", "--party", party, "--public-key"])
            .arg(dir.path().join(format!("{party}.key.pub"))));
        let token = ok(sqlite(&src).args(["tokens", "issue", "--party", party]));
        (key, token.trim().to_owned())
    };
    let (fr_key, fr) = enrol_sqlite("FR");
    let (de_key, de) = enrol_sqlite("DE");
    // DE's key is also a witness the operator configured (a log entry the copy replays).
    ok(sqlite(&src)
        .args(["witnesses", "add", "--key"])
        .arg(dir.path().join("DE.key.pub")));
    ok(sqlite(&src).args([
        "collections",
        "add",
        "--id",
        COLLECTION,
        "--title",
        "Copy community",
        "--member",
        "FR:rw",
        "--member",
        "DE:r",
        "--default-tlp",
        "green",
    ]));
    let hub = Server::start_with(sqlite(&src));
    let base = hub.base.clone();
    hammer(&base, &fr_key, &fr, "copy-a", "300");
    let write = |name: &str, v: Value| {
        let p = dir.path().join(name);
        std::fs::write(&p, v.to_string()).unwrap();
        p
    };
    let request = write(
        "request.json",
        json!({
            "id": REQUEST, "requesting_state": "FR", "requested_state": "DE",
            "data": "subscriber", "summary": "Subscriber behind an IP address.",
            "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"}
        }),
    );
    let submit = |kind: &str, file: &Path, key: &Path, token: &str| {
        ok(accord()
            .args(["submit", kind])
            .arg(file)
            .arg("--key")
            .arg(key)
            .args(["--hub", &base, "--token", token]));
    };
    submit("request", &request, &fr_key, &fr);
    let sent = write("sent.json", json!({"request": REQUEST, "to": "sent"}));
    submit("request-transition", &sent, &fr_key, &fr);
    let acknowledged = write(
        "acknowledged.json",
        json!({"request": REQUEST, "to": "acknowledged"}),
    );
    submit("request-transition", &acknowledged, &de_key, &de);
    let client = reqwest::blocking::Client::new();
    let objects: Vec<Value> = (0..6).map(indicator).collect();
    let r = client
        .post(format!(
            "{base}/taxii2/api/collections/{COLLECTION}/objects/"
        ))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .bearer_auth(&fr)
        .body(json!({ "objects": objects }).to_string())
        .send()
        .unwrap();
    assert_eq!(r.status(), 202);
    let r = client
        .delete(format!(
            "{base}/taxii2/api/collections/{COLLECTION}/objects/{}/",
            objects[2]["id"].as_str().unwrap()
        ))
        .header("Accept", TAXII)
        .bearer_auth(&fr)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    // A witness (DE) cosigns the latest checkpoint: the copy must carry its signature over.
    let vkey = dir.path().join("log.vkey");
    std::fs::write(&vkey, http_get(&base, "/log/key")).unwrap();
    ok(accord()
        .args(["witness", "--hub", &base, "--key"])
        .arg(&de_key)
        .arg("--state")
        .arg(dir.path().join("witness.state"))
        .arg("--log-key")
        .arg(&vkey)
        .args(["--token", &de]));
    let before = view(&base, &fr);
    assert!(before[0].contains("\u{2014} DE "), "{}", before[0]);
    hub.stop();

    // To PostgreSQL: the same log, the same answers, the same token.
    let target = fresh_postgres(&server);
    let out = ok(sqlite(&src)
        .args(["copy", "--from"])
        .arg(format!("sqlite:{}", src.display()))
        .args(["--to", &target]));
    assert!(
        out.contains("(0 already there)") && out.contains("1 witness cosignatures"),
        "{out}"
    );
    let on_pg = || {
        let mut c = sqlite(&src);
        c.env("ACCORD_DATABASE_URL", &target);
        c
    };
    let node = Server::start_with(on_pg());
    assert_same(
        &view(&node.base, &fr),
        &before,
        "the copy answers differently",
    );
    ok(accord().args(["log", "verify", "--hub", &node.base]));
    node.stop();

    // More writes at the source, then the copy resumes where it stopped.
    let hub = Server::start_with(sqlite(&src));
    hammer(&hub.base, &fr_key, &fr, "copy-b", "100");
    let before = view(&hub.base, &fr);
    hub.stop();
    let out = ok(sqlite(&src)
        .args(["copy", "--from"])
        .arg(format!("sqlite:{}", src.display()))
        .args(["--to", &target]));
    assert!(out.contains("copied 100 entries"), "{out}");
    let node = Server::start_with(on_pg());
    assert_same(
        &view(&node.base, &fr),
        &before,
        "the resumed copy answers differently",
    );
    node.stop();

    // Another hub's log is refused, and nothing in the target changes.
    let other = dir.path().join("other");
    ok(sqlite(&other).arg("principles"));
    let err = fails(
        sqlite(&other)
            .args(["copy", "--from"])
            .arg(format!("sqlite:{}", other.display()))
            .args(["--to", &target]),
    );
    assert!(err.contains("not empty"), "{err}");
    ok(on_pg().args(["log", "verify"]));

    // And back to SQLite: the same root.
    let back = dir.path().join("back");
    let out = ok(sqlite(&src)
        .args(["copy", "--from", &target, "--to"])
        .arg(format!("sqlite:{}", back.display())));
    assert!(out.contains("verified"), "{out}");
    std::fs::copy(src.join("operator.key"), back.join("operator.key")).unwrap();
    let node = Server::start_with(sqlite(&back));
    assert_same(
        &view(&node.base, &fr),
        &before,
        "the copy back answers differently",
    );
}

#[test]
fn migrate_names_what_it_applied_on_postgres() {
    let Some(server) = std::env::var("ACCORD_TEST_POSTGRES_URL").ok() else {
        eprintln!("needs ACCORD_TEST_POSTGRES_URL; skipping");
        return;
    };
    if std::env::var("ACCORD_TEST_BACKEND").as_deref() == Ok("postgres") {
        return;
    }
    let db = fresh_postgres(&server);
    let dir = tempfile::tempdir().unwrap();
    let migrate = || {
        let mut c = accord();
        c.args(["migrate", "--json", "--database", &db])
            .arg("--data")
            .arg(dir.path());
        c
    };
    let first: Value = serde_json::from_str(&ok(&mut migrate())).unwrap();
    assert!(!first["applied"].as_array().unwrap().is_empty(), "{first}");
    assert!(
        !first["database"].as_str().unwrap().contains(":accord@"),
        "the password leaked: {first}"
    );
    let again: Value = serde_json::from_str(&ok(&mut migrate())).unwrap();
    assert_eq!(again["applied"], json!([]));
    let err = fails(accord().args(["migrate", "--database", "mysql://h/db"]));
    assert!(err.contains("postgres://"), "{err}");
}
