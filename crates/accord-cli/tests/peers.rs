//! `accord peers`: registering peer hubs (signed log entries, the refusals), and
//! `accord peers check` against real hubs: an honest peer accepted as it grows, an offline one
//! reported and not marked, and a forked one (a copy of a hub's data directory that wrote other
//! entries) caught, recorded with evidence anyone can re-check, and exiting non-zero. Runs on
//! either backend (`common`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use accord_store::peers::ForkEvidence;
use common::{Server, accord, fails, fork_hub, http_get, ok, on};

/// A fresh hub in `data` whose log's origin is `origin` (fixed when the directory is created).
fn create(data: &Path, origin: &str) {
    ok(on(data)
        .env("ACCORD_ORIGIN", origin)
        .args(["peers", "list"]));
}

/// The verifier key string of a new key named `name` (written under `dir`).
fn new_key(dir: &Path, name: &str) -> String {
    let out = ok(accord()
        .args(["keygen", "--party", name, "--out"])
        .arg(dir.join(format!("{}.key", name.replace('/', "_")))));
    out.lines().last().unwrap().trim().to_owned()
}

/// Appends one entry to the hub in `data` (registering a peer it never reads).
fn write_one(dir: &Path, data: &Path, name: &str) {
    let key = new_key(dir, name);
    ok(on(data).args([
        "peers",
        "add",
        "--url",
        "http://127.0.0.1:9",
        "--log-key",
        &key,
    ]));
}

/// Registers the peer of `key` in the hub in `data` again, at `url`.
fn repoint(data: &Path, key: &str, url: &str) {
    ok(on(data).args(["peers", "remove", "--peer", key]));
    ok(on(data).args(["peers", "add", "--url", url, "--log-key", key]));
}

fn peers_json(data: &Path) -> Vec<serde_json::Value> {
    serde_json::from_str::<Vec<serde_json::Value>>(&ok(on(data).args(["peers", "list", "--json"])))
        .unwrap()
}

/// Registering, listing and removing peers; the refusals (the hub's own key, an unknown
/// party, a URL that is not http(s) or carries credentials, a key given twice) write nothing;
/// the token is kept in the data directory, mode 0600, and never in the log.
#[test]
fn peers_are_added_listed_removed_and_refused_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    create(&a, "a.example/log");
    create(&b, "b.example/log");
    let hub_a = Server::start(&a);
    let hub_b = Server::start(&b);
    let own = String::from_utf8(http_get(&hub_a.base, "/log/key")).unwrap();
    let key = String::from_utf8(http_get(&hub_b.base, "/log/key")).unwrap();
    let (own, key) = (own.trim(), key.trim());
    let size = |base: &str| common::checkpoint_size(&http_get(base, "/log/checkpoint"));
    let before = size(&hub_a.base);

    let add = |args: &[&str]| {
        let mut c = on(&a);
        c.args(["peers", "add"]).args(args);
        c
    };
    let e = fails(&mut add(&["--url", &hub_b.base, "--log-key", own]));
    assert!(e.contains("own"), "{e}");
    let e = fails(&mut add(&[
        "--url",
        &hub_b.base,
        "--log-key",
        key,
        "--party",
        "XX-NONE",
    ]));
    assert!(e.contains("XX-NONE"), "{e}");
    let e = fails(&mut add(&["--url", "ftp://127.0.0.1/", "--log-key", key]));
    assert!(e.contains("http or https"), "{e}");
    let e = fails(&mut add(&[
        "--url",
        "http://u:secret@127.0.0.1/",
        "--log-key",
        key,
    ]));
    assert!(e.contains("password"), "{e}");
    let e = fails(&mut add(&["--url", &hub_b.base, "--log-key", "not a key"]));
    assert!(e.contains("--log-key"), "{e}");
    assert_eq!(size(&hub_a.base), before, "a refusal writes nothing");
    assert!(peers_json(&a).is_empty());

    // Added with its operator party and a token read from stdin.
    let mut child = add(&[
        "--url",
        &hub_b.base,
        "--log-key",
        key,
        "--party",
        "FR",
        "--token-stdin",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"acc_peer_token_never_logged\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = peers_json(&a);
    assert_eq!(listed.len(), 1);
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed[0]["key"], key);
    assert_eq!(listed[0]["origin"], "b.example/log");
    assert_eq!(listed[0]["party"], "FR");
    let token_file = a.join("peers").join(format!("{id}.token"));
    assert_eq!(
        std::fs::read_to_string(&token_file).unwrap().trim(),
        "acc_peer_token_never_logged"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let bodies = common::sql(
        &a,
        "SELECT CAST(body AS TEXT) FROM log_entries WHERE kind = 'peer'",
        "SELECT convert_from(body, 'UTF8') FROM log_entries WHERE kind = 'peer'",
    );
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains(key) && !bodies[0].contains("acc_peer_token"));

    // The public API lists it.
    let api: serde_json::Value =
        serde_json::from_slice(&http_get(&hub_a.base, "/api/v1/peers")).unwrap();
    assert_eq!(api["peers"][0]["id"], id.as_str());
    assert_eq!(api["peers"][0]["state"], "active");
    assert_eq!(api["peers"][0]["log_key"], key);

    // The same key again: refused.
    let e = fails(&mut add(&["--url", &hub_b.base, "--log-key", key]));
    assert!(e.contains("peer"), "{e}");

    ok(on(&a).args(["peers", "remove", "--peer", "b.example/log"]));
    assert!(peers_json(&a)[0]["removed_at"].is_u64());
    let e = fails(on(&a).args(["peers", "remove", "--peer", &id]));
    assert!(e.contains("not found") || e.contains("no "), "{e}");
    let list = ok(on(&a).args(["peers", "list"]));
    assert!(list.contains("removed"), "{list}");
}

/// An honest peer's checkpoints are accepted as its log grows; an offline peer is reported
/// and not marked; a fork of the peer (its data directory copied, other entries written to
/// each copy) is caught by `peers check`, which exits non-zero naming the peer and both
/// checkpoints, and the evidence the hub serves re-checks on its own.
#[test]
fn peers_check_accepts_an_honest_peer_and_catches_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, fork) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("b-fork"),
    );
    create(&a, "a.example/log");
    create(&b, "b.example/log");
    let hub_b = Server::start(&b);
    let key = String::from_utf8(http_get(&hub_b.base, "/log/key"))
        .unwrap()
        .trim()
        .to_owned();

    // Offline: an unreachable URL is reported, not marked.
    let offline_key = new_key(dir.path(), "offline.example/log");
    ok(on(&a).args([
        "peers",
        "add",
        "--url",
        "http://127.0.0.1:9",
        "--log-key",
        &offline_key,
    ]));
    let out = ok(on(&a).args(["peers", "check", "--peer", "offline.example/log"]));
    assert!(out.contains("offline"), "{out}");
    ok(on(&a).args(["peers", "remove", "--peer", "offline.example/log"]));

    ok(on(&a).args(["peers", "add", "--url", &hub_b.base, "--log-key", &key]));
    let out = ok(on(&a).args(["peers", "check"]));
    assert!(out.contains("first seen"), "{out}");
    write_one(dir.path(), &b, "x1.example/log");
    let out = ok(on(&a).args(["peers", "check"]));
    assert!(out.contains("extending"), "{out}");
    let out = ok(on(&a).args(["peers", "check"]));
    assert!(out.contains("unchanged"), "{out}");
    let accepted = common::checkpoint_size(&http_get(&hub_b.base, "/log/checkpoint"));

    // Copy B as it is now, then write different entries to each copy.
    hub_b.stop();
    fork_hub(&b, &fork);
    // The original moves on by one entry, the copy by two others: the copy's tree of
    // accepted + 2 does not extend the tree A accepted once B shows accepted + 1.
    write_one(dir.path(), &b, "y1.example/log");
    let hub_b = Server::start(&b);
    // B restarted on another port: the same key, reached at its new URL (what was accepted
    // of its log stays).
    repoint(&a, &key, &hub_b.base);
    let out = ok(on(&a).args(["peers", "check"]));
    assert!(out.contains("extending"), "{out}");
    hub_b.stop();
    write_one(dir.path(), &fork, "z1.example/log");
    write_one(dir.path(), &fork, "z2.example/log");
    let hub_fork = Server::start(&fork);
    assert_eq!(
        common::checkpoint_size(&http_get(&hub_fork.base, "/log/checkpoint")),
        accepted + 2
    );
    // The same key, now reached where the copy serves.
    repoint(&a, &key, &hub_fork.base);
    let e = fails(on(&a).args(["peers", "check"]));
    assert!(e.contains("FORKED") && e.contains("b.example/log"), "{e}");
    assert!(
        e.contains("accepted checkpoint:") && e.contains("shown checkpoint:"),
        "{e}"
    );
    assert!(e.contains(&format!("\n{}\n", accepted + 1)), "{e}");
    assert!(e.contains(&format!("\n{}\n", accepted + 2)), "{e}");
    // Still forked on the next check, without reading the peer again.
    let e = fails(on(&a).args(["peers", "check"]));
    assert!(e.contains("caught before"), "{e}");

    let hub_a = Server::start(&a);
    let api: serde_json::Value =
        serde_json::from_slice(&http_get(&hub_a.base, "/api/v1/peers")).unwrap();
    let peer = api["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["log_key"] == key.as_str())
        .unwrap()
        .clone();
    assert_eq!(peer["state"], "forked");
    let id = peer["id"].as_str().unwrap();
    // The record page shows it forked, with the evidence.
    let page = String::from_utf8(http_get(&hub_a.base, "/record")).unwrap();
    assert!(
        page.contains("Peer hubs") && page.contains(&format!("/api/v1/peers/{id}/evidence")),
        "{page}"
    );
    let ev: serde_json::Value = serde_json::from_slice(&http_get(
        &hub_a.base,
        &format!("/api/v1/peers/{id}/evidence"),
    ))
    .unwrap();
    let evidence = ForkEvidence {
        key: ev["log_key"].as_str().unwrap().to_owned(),
        url: ev["url"].as_str().unwrap().to_owned(),
        accepted: ev["accepted"].as_str().unwrap().to_owned(),
        shown: ev["shown"].as_str().unwrap().to_owned(),
        proof: serde_json::from_value(ev["proof"].clone()).unwrap(),
        reason: ev["reason"].as_str().unwrap().to_owned(),
    };
    let shows = evidence.verify().unwrap();
    assert!(shows.contains("consistency proof"), "{shows}");
    // The evidence is the body of an operator-signed entry in A's public log.
    let entry: serde_json::Value = serde_json::from_slice(&http_get(
        &hub_a.base,
        &format!("/log/entries/{}", ev["entry"]),
    ))
    .unwrap();
    assert_eq!(entry["body"]["shown"], ev["shown"], "{entry}");
    assert_eq!(entry["body"]["accepted"], ev["accepted"], "{entry}");
    // Registering the key again after removal is refused.
    ok(on(&a).args(["peers", "remove", "--peer", id]));
    let e = fails(on(&a).args(["peers", "add", "--url", &hub_fork.base, "--log-key", &key]));
    assert!(e.contains("forked"), "{e}");
}
