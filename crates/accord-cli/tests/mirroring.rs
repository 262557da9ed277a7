//! Mirroring a peer hub with proof (issue 14 part 2), between real `accord serve` processes:
//! hub B registers hub A as a peer and `accord peers sync` pulls A's incidents and amendments,
//! each verified (signature against A's key history, body, inclusion, consistency) and shown
//! with its provenance; a sync resumes from the verified size without importing anything
//! twice, also after A was stopped (B keeps what it verified) and restarted; and a body altered
//! in transit is refused, naming its entry, with nothing stored.
//!
//! A small HTTP relay in the test stands between B and A: it gives A a stable URL across
//! restarts, answers 502 while A is down, and can alter one body of `/log/bodies/…`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, accord, enrol, fails, ok, on};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{Hash, InclusionProof};
use accord_tlog::note::{Signer, Verifier};
use serde_json::Value;

/// What the relay forwards to and alters.
#[derive(Default)]
struct Relay {
    /// A's base URL; `None` while A is down.
    upstream: Option<String>,
    /// The entry whose body is altered in `/log/bodies/…` answers.
    tamper: Option<u64>,
}

/// Starts the relay on a free loopback port; returns its base URL.
fn relay(state: Arc<Mutex<Relay>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let state = Arc::clone(&state);
            std::thread::spawn(move || serve_one(stream, &state));
        }
    });
    base
}

fn serve_one(mut stream: TcpStream, state: &Mutex<Relay>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The rest of the head; GETs carry no body.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let (upstream, tamper) = {
        let s = state.lock().unwrap();
        (s.upstream.clone(), s.tamper)
    };
    let (status, body) = match upstream.and_then(|u| {
        reqwest::blocking::get(format!("{u}{path}"))
            .ok()
            .map(|r| (r.status().as_u16(), r.bytes().unwrap_or_default().to_vec()))
    }) {
        None => (502, b"the peer is down".to_vec()),
        Some((200, body)) if path.starts_with("/log/bodies/") && tamper.is_some() => {
            let mut list: Vec<Value> = serde_json::from_slice(&body).unwrap();
            for b in &mut list {
                if b["index"].as_u64() == tamper
                    && let Some(text) = b["body"].as_str()
                {
                    b["body"] = Value::from(text.replace("Mirror test", "Forged"));
                }
            }
            (200, serde_json::to_vec(&list).unwrap())
        }
        Some(answer) => answer,
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
    let _ = stream.read(&mut [0; 1]);
}

fn incident_file(dir: &Path, id: &str) -> PathBuf {
    let path = dir.join(format!("{id}.json"));
    let body = serde_json::json!({
        "id": id,
        "title": "Mirror test incident",
        "summary": "Recorded on the peer.",
        "dates": {"disclosed": {"date": "2026-05-04", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A water utility", "country": "BE", "sector": "water",
                     "target_class": {"class": "civilian", "note": "a water utility", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
    });
    std::fs::write(&path, body.to_string()).unwrap();
    path
}

/// Submits incident `id` to the hub at `base` as FR; returns its log index.
fn submit(dir: &Path, base: &str, key: &Path, token: &str, id: &str) -> u64 {
    let out = ok(accord()
        .args(["submit", "incident"])
        .arg(incident_file(dir, id))
        .arg("--key")
        .arg(key)
        .args(["--hub", base, "--token", token]));
    out.split("as log entry ")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no log index in {out:?}"))
}

/// Creates the peer hub in `data` with its own origin (the other hub has the default one),
/// lets FR write to it and returns FR's key file and token.
fn create_peer(dir: &Path, data: &Path) -> (PathBuf, String) {
    ok(on(data)
        .env("ACCORD_ORIGIN", "a.example/log")
        .args(["peers", "list"]));
    enrol(dir, data, "FR")
}

/// The verifier key of the hub in `data`'s log.
fn log_key(data: &Path) -> String {
    Signer::from_key_string(
        std::fs::read_to_string(data.join("operator.key"))
            .unwrap()
            .trim(),
    )
    .unwrap()
    .verifier()
    .to_key_string()
}

/// `accord peers sync --json` on `data`: the one peer's outcome.
fn sync(data: &Path) -> Value {
    let out = ok(on(data).args(["peers", "sync", "--json"]));
    let all: Value = serde_json::from_str(&out).unwrap();
    all[0]["sync"].clone()
}

fn get_json(base: &str, path: &str) -> Value {
    let resp = reqwest::blocking::get(format!("{base}{path}")).unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().unwrap()
}

#[test]
fn a_hub_mirrors_a_peer_with_proof_and_resumes_without_reimport_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let a_data = dir.path().join("hub-a");
    let b_data = dir.path().join("hub-b");
    let (key, token) = create_peer(dir.path(), &a_data);
    let a = Server::start(&a_data);
    let first = submit(dir.path(), &a.base, &key, &token, "mirror-test-1");
    let state = Arc::new(Mutex::new(Relay {
        upstream: Some(a.base.clone()),
        tamper: None,
    }));
    let url = relay(Arc::clone(&state));
    let a_key = log_key(&a_data);
    let origin = Verifier::from_key_string(&a_key).unwrap().name().to_owned();
    ok(on(&b_data).args(["peers", "add", "--url", &url, "--log-key", &a_key]));

    let one = sync(&b_data);
    assert_eq!(one["outcome"], "mirrored", "{one}");
    assert_eq!(one["from"], 0);
    let size = one["to"].as_u64().unwrap();
    assert!(size > first);
    // A's bundled incidents and amendments came too, signed by A's operator.
    let records = one["records"].as_u64().unwrap();
    assert!(records > 1, "{one}");

    // A second incident, then A goes down: B keeps everything it verified.
    let second = submit(dir.path(), &a.base, &key, &token, "mirror-test-2");
    a.stop();
    state.lock().unwrap().upstream = None;
    let offline = sync(&b_data);
    assert_eq!(offline["outcome"], "offline", "{offline}");
    assert_eq!(offline["size"], size);

    // A comes back (another port, the same URL through the relay): the sync goes on from the
    // verified size and brings only what is new.
    let a = Server::start(&a_data);
    state.lock().unwrap().upstream = Some(a.base.clone());
    let resumed = sync(&b_data);
    assert_eq!(resumed["outcome"], "mirrored", "{resumed}");
    assert_eq!(resumed["from"], size);
    assert_eq!(resumed["records"], 1, "{resumed}");
    assert_eq!(sync(&b_data)["outcome"], "up-to-date");

    // B shows each mirrored record with its provenance and proof.
    let b = Server::start(&b_data);
    for (id, index) in [("mirror-test-1", first), ("mirror-test-2", second)] {
        let list = get_json(&b.base, &format!("/api/v1/mirrored?kind=incident&id={id}"));
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{id} mirrored once: {list:?}");
        let rec = &list[0];
        assert_eq!(rec["origin"], origin.as_str());
        assert_eq!(rec["index"], index);
        assert_eq!(rec["submitter"], "FR");
        assert_eq!(rec["body"]["title"], "Mirror test incident");
        assert_eq!(
            rec["provenance"],
            format!("from hub {origin}, entry {index}").as_str()
        );
        // The proof: A's signed checkpoint the entry was verified under, and the entry's
        // inclusion in it, checked against A's own log.
        let proof = get_json(&b.base, rec["proof"].as_str().unwrap());
        let verifier = Verifier::from_key_string(&a_key).unwrap();
        let (cp, _) = Checkpoint::open(
            proof["checkpoint"].as_str().unwrap().as_bytes(),
            &origin,
            &[verifier],
        )
        .unwrap();
        assert_eq!(cp.size, rec["checkpoint_size"].as_u64().unwrap());
        let leaf = Hash::from_base64(proof["leaf_hash"].as_str().unwrap()).unwrap();
        // The link names A at its registered URL (the relay), not this hub, whose own log
        // would give another tree's proof.
        let link = proof["inclusion_proof"].as_str().unwrap();
        let path = link
            .strip_prefix(url.as_str())
            .unwrap_or_else(|| panic!("the proof link {link} is not on the origin at {url}"));
        let inclusion: InclusionProof = serde_json::from_value(get_json(&a.base, path)).unwrap();
        inclusion.verify(&leaf, &cp.root).unwrap();
    }
    // The record page shows how far each peer was mirrored, linking its records.
    let page = String::from_utf8(common::http_get(&b.base, "/record")).unwrap();
    let verified = format!("{} entries verified", resumed["to"]);
    assert!(page.contains(&verified), "{page}");
    assert!(
        page.contains("/api/v1/mirrored?origin=a.example/log"),
        "{page}"
    );
    // Local and mirrored records stay apart: A's incidents are not B's own.
    let local =
        reqwest::blocking::get(format!("{}/api/v1/incidents/mirror-test-1", b.base)).unwrap();
    assert_eq!(local.status(), 404);
}

#[test]
fn a_body_altered_in_transit_is_refused_naming_its_entry_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let a_data = dir.path().join("hub-a");
    let b_data = dir.path().join("hub-b");
    let (key, token) = create_peer(dir.path(), &a_data);
    let a = Server::start(&a_data);
    let index = submit(dir.path(), &a.base, &key, &token, "mirror-tampered");
    let state = Arc::new(Mutex::new(Relay {
        upstream: Some(a.base.clone()),
        tamper: Some(index),
    }));
    let url = relay(Arc::clone(&state));
    ok(on(&b_data).args([
        "peers",
        "add",
        "--url",
        &url,
        "--log-key",
        &log_key(&a_data),
    ]));

    let err = fails(on(&b_data).args(["peers", "sync"]));
    assert!(
        err.contains(&format!("entry {index}")) && err.contains("does not match"),
        "{err}"
    );
    // Nothing of the refused pull was kept: once the relay stops altering, the sync starts
    // from nothing and brings the true body.
    state.lock().unwrap().tamper = None;
    let clean = sync(&b_data);
    assert_eq!(clean["outcome"], "mirrored", "{clean}");
    assert_eq!(clean["from"], 0);
    let b = Server::start(&b_data);
    let list = get_json(&b.base, "/api/v1/mirrored?id=mirror-tampered");
    assert_eq!(list[0]["body"]["title"], "Mirror test incident");
}

#[test]
fn serve_mirrors_its_peers_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let a_data = dir.path().join("hub-a");
    let b_data = dir.path().join("hub-b");
    let (key, token) = create_peer(dir.path(), &a_data);
    let a = Server::start(&a_data);
    ok(on(&b_data).args([
        "peers",
        "add",
        "--url",
        &a.base,
        "--log-key",
        &log_key(&a_data),
    ]));
    let mut serve_b = on(&b_data);
    serve_b.env("ACCORD_SYNC_INTERVAL", "1s");
    let b = Server::start_with(serve_b);
    let index = submit(dir.path(), &a.base, &key, &token, "mirror-background");
    let start = std::time::Instant::now();
    loop {
        let list = get_json(&b.base, "/api/v1/mirrored?id=mirror-background");
        if let Some(rec) = list.as_array().unwrap().first() {
            assert_eq!(rec["index"], index);
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(90),
            "not mirrored in the background after 90 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

#[test]
fn a_forked_peer_is_recorded_and_nothing_more_is_mirrored_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let a_data = dir.path().join("hub-a");
    let fork_data = dir.path().join("hub-a-fork");
    let b_data = dir.path().join("hub-b");
    let (key, token) = create_peer(dir.path(), &a_data);
    let a = Server::start(&a_data);
    submit(dir.path(), &a.base, &key, &token, "fork-x1");
    let state = Arc::new(Mutex::new(Relay {
        upstream: Some(a.base.clone()),
        tamper: None,
    }));
    let url = relay(Arc::clone(&state));
    ok(on(&b_data).args([
        "peers",
        "add",
        "--url",
        &url,
        "--log-key",
        &log_key(&a_data),
    ]));
    assert_eq!(sync(&b_data)["outcome"], "mirrored");

    // A copy of A as it is now; then A moves on by one entry and B mirrors it.
    a.stop();
    common::fork_hub(&a_data, &fork_data);
    let a = Server::start(&a_data);
    state.lock().unwrap().upstream = Some(a.base.clone());
    submit(dir.path(), &a.base, &key, &token, "fork-y1");
    let before = sync(&b_data);
    assert_eq!(before["outcome"], "mirrored", "{before}");
    a.stop();

    // The copy, under A's key and URL, shows another tree that does not extend it.
    let fork = Server::start(&fork_data);
    state.lock().unwrap().upstream = Some(fork.base.clone());
    submit(dir.path(), &fork.base, &key, &token, "fork-z1");
    submit(dir.path(), &fork.base, &key, &token, "fork-z2");
    let err = fails(on(&b_data).args(["peers", "sync"]));
    assert!(err.contains("FORKED") && err.contains("forked"), "{err}");
    // Caught once, skipped after: still refused, nothing of the fork mirrored.
    let again = ok(on(&b_data).args(["peers", "list"]));
    assert!(again.contains("forked"), "{again}");
    let b = Server::start(&b_data);
    for (id, n) in [
        ("fork-x1", 1),
        ("fork-y1", 1),
        ("fork-z1", 0),
        ("fork-z2", 0),
    ] {
        let list = get_json(&b.base, &format!("/api/v1/mirrored?id={id}"));
        assert_eq!(list.as_array().unwrap().len(), n, "{id}: {list}");
    }
}
