//! Resources and lifecycle: slow clients, byte-bounded state, token revocation, health.
//! And HTTP hygiene: every error in problem details, no identity-dependent answer cacheable
//! by a shared cache, one identification for reads and writes.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Server, ok, on};

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";

fn address(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// A hub on `data` with `env` (the serve flags' variables) set.
fn start(data: &Path, env: &[(&str, &str)]) -> Server {
    let mut command = on(data);
    for (k, v) in env {
        command.env(k, v);
    }
    Server::start_with(command)
}

fn token(data: &Path, party: &str) -> String {
    ok(on(data).args(["tokens", "issue", "--party", party]))
        .trim()
        .to_owned()
}

/// Sends `first`, then `trickle` one byte every 500 ms, reading whatever comes back; returns
/// what the server answered and how long until it closed the connection, or `None` if it
/// still held the connection open after `patience`.
fn trickle(
    server: &Server,
    first: &[u8],
    trickle: &[u8],
    patience: Duration,
) -> Option<(String, Duration)> {
    let mut stream = TcpStream::connect(address(server)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let start = Instant::now();
    stream.write_all(first).unwrap();
    let mut answer = Vec::new();
    let mut bytes = trickle.iter().cycle();
    while start.elapsed() < patience {
        let mut buf = [0u8; 4096];
        match stream.read(&mut buf) {
            Ok(0) => return Some((String::from_utf8_lossy(&answer).into(), start.elapsed())),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            // A reset is the server closing too.
            Err(_) => return Some((String::from_utf8_lossy(&answer).into(), start.elapsed())),
        }
        if let Some(b) = bytes.next()
            && stream.write_all(&[*b]).is_err()
        {
            // The server closed its end; read what it said before it did.
            let _ = stream.read_to_end(&mut answer);
            return Some((String::from_utf8_lossy(&answer).into(), start.elapsed()));
        }
    }
    None
}

#[test]
fn a_client_trickling_its_headers_is_cut_off_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &[("ACCORD_HEADER_READ_TIMEOUT", "2s")]);
    let (_, after) = trickle(
        &server,
        b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: ",
        b"abcdefghijklmnopqrstuvwxyz",
        Duration::from_secs(20),
    )
    .expect("the hub held a connection whose headers never ended for 20 s");
    assert!(
        after < Duration::from_secs(6),
        "cut off only after {after:?}"
    );

    // A connection that sends nothing at all is closed the same way.
    let (_, after) = trickle(&server, b"", b"", Duration::from_secs(20))
        .expect("the hub held a silent connection for 20 s");
    assert!(
        after < Duration::from_secs(6),
        "cut off only after {after:?}"
    );
}

#[test]
fn a_client_trickling_its_body_is_answered_408_and_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let token = token(data, "FR");
    let server = start(data, &[("ACCORD_BODY_READ_TIMEOUT", "2s")]);
    for (path, media) in [
        ("/api/v1/incidents", "application/json"),
        ("/api/v1/requests", "application/json"),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: {media}\r\nContent-Length: 4000\r\n\r\n{{\"title\": \""
        );
        let (answer, after) = trickle(
            &server,
            head.as_bytes(),
            b"slowly ",
            Duration::from_secs(20),
        )
        .unwrap_or_else(|| panic!("{path}: the hub waited 20 s for a trickled body"));
        assert!(after < Duration::from_secs(6), "{path}: after {after:?}");
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "{path}: answered {answer:?}"
        );
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("application/problem+json"),
            "{answer}"
        );
    }
    // Under /taxii2/, the answer is a TAXII error resource.
    let head = format!(
        "POST /taxii2/api/collections/{COLLECTION}/objects/ HTTP/1.1\r\nHost: hub\r\n\
         Authorization: Bearer {token}\r\nAccept: {TAXII}\r\nContent-Type: {TAXII}\r\n\
         Content-Length: 4000\r\n\r\n{{\"objects\": ["
    );
    let (answer, after) = trickle(&server, head.as_bytes(), b" ", Duration::from_secs(20))
        .expect("the hub waited 20 s for a trickled TAXII envelope");
    assert!(after < Duration::from_secs(6), "after {after:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("application/taxii+json"), "{answer}");
    assert!(answer.contains("\"http_status\":\"408\""), "{answer}");
}

#[test]
fn connections_beyond_the_limit_wait_until_one_ends() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(
        dir.path(),
        &[
            ("ACCORD_MAX_CONNECTIONS", "2"),
            ("ACCORD_HEADER_READ_TIMEOUT", "60s"),
        ],
    );
    let addr = address(&server);
    let first = TcpStream::connect(&addr).unwrap();
    let _second = TcpStream::connect(&addr).unwrap();
    // Let the hub take both before the third arrives.
    std::thread::sleep(Duration::from_millis(300));
    let mut third = TcpStream::connect(&addr).unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut buf = [0u8; 64];
    match third.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!(
            "a third connection was served past a limit of 2: {other:?} {:?}",
            String::from_utf8_lossy(&buf)
        ),
    }
    // One ends: the waiting connection is served.
    drop(first);
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    third.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

#[test]
fn serve_refuses_a_timeout_that_is_not_a_positive_duration() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0s", "soon", "-5s"] {
        let mut child = on(dir.path())
            .env("ACCORD_HEADER_READ_TIMEOUT", bad)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let running = child.try_wait().unwrap().is_none();
        if running {
            child.kill().unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(!running && !out.status.success(), "{bad} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("header-read-timeout"), "{bad}: {err}");
    }
}

/// A collection FR may write to.
fn collection(data: &Path) {
    ok(on(data).args([
        "collections",
        "add",
        "--id",
        COLLECTION,
        "--title",
        "Resources",
        "--member",
        "FR:rw",
        "--member",
        "DE:r",
        "--default-tlp",
        "green",
    ]));
}

fn taxii_post(server: &Server, token: &str, envelope: &Value) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .post(format!(
            "{}/taxii2/api/collections/{COLLECTION}/objects/",
            server.base
        ))
        .bearer_auth(token)
        .header("accept", TAXII)
        .header("content-type", TAXII)
        .body(envelope.to_string())
        .send()
        .unwrap()
}

fn taxii_get(server: &Server, token: &str, path: &str) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .header("accept", TAXII)
        .send()
        .unwrap()
}

#[test]
fn a_hostile_envelopes_status_is_kept_within_a_byte_bound() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    collection(data);
    let token = token(data, "FR");
    let server = Server::start(data);
    // About 1 MiB of objects that are each refused, each echoing a long id in the status.
    let long_id = format!("indicator--{}", "f".repeat(900));
    let objects: Vec<Value> = (0..1000)
        .map(|_| json!({"type": "indicator", "id": long_id}))
        .collect();
    let resp = taxii_post(&server, &token, &json!({ "objects": objects }));
    assert_eq!(resp.status(), 202);
    let posted: Value = resp.json().unwrap();
    assert_eq!(posted["failure_count"], 1000);
    let id = posted["id"].as_str().unwrap();
    let kept = taxii_get(&server, &token, &format!("/taxii2/api/status/{id}/"));
    assert_eq!(kept.status(), 200);
    let text = kept.text().unwrap();
    assert!(
        text.len() <= 256 * 1024,
        "the hub keeps {} bytes for one status",
        text.len()
    );
    // The spec's required members are all there, with the counts the POST answered.
    let kept: Value = serde_json::from_str(&text).unwrap();
    for member in [
        "id",
        "status",
        "total_count",
        "success_count",
        "failure_count",
        "pending_count",
    ] {
        assert_eq!(kept[member], posted[member], "{member}");
    }
}

/// Makes every insert of a STIX object fail inside the database with a message naming
/// internals, as a broken or full database would.
fn break_object_inserts(data: &Path) {
    crate::common::sql(
        data,
        "CREATE TRIGGER hostile_boom BEFORE INSERT ON stix_objects \
         BEGIN SELECT RAISE(ABORT, 'internal detail: relation stix_objects on /var/lib/secret'); END",
        "CREATE FUNCTION hostile_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         RAISE EXCEPTION 'internal detail: relation stix_objects on /var/lib/secret'; END $$; \
         CREATE TRIGGER hostile_boom BEFORE INSERT ON stix_objects \
         FOR EACH ROW EXECUTE FUNCTION hostile_boom()",
    );
}

#[test]
fn a_taxii_status_never_carries_internal_database_error_text() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    collection(data);
    let token = token(data, "FR");
    // The custodial key is registered by the first envelope: land one before breaking inserts.
    let server = Server::start(data);
    let indicator = |n: u32| {
        json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": format!("indicator--5e1c7f3a-0b2d-4c8e-9f6a-{n:012}"),
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '198.51.100.7']",
            "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        })
    };
    let first = taxii_post(&server, &token, &json!({"objects": [indicator(1)]}));
    let first: Value = first.json().unwrap();
    assert_eq!(first["success_count"], 1, "{first}");
    break_object_inserts(data);
    let resp = taxii_post(&server, &token, &json!({"objects": [indicator(2)]}));
    assert_eq!(resp.status(), 202);
    let status: Value = resp.json().unwrap();
    assert_eq!(status["failure_count"], 1, "{status}");
    let kept = taxii_get(
        &server,
        &token,
        &format!("/taxii2/api/status/{}/", status["id"].as_str().unwrap()),
    )
    .text()
    .unwrap();
    for text in [status.to_string(), kept] {
        for leak in ["internal detail", "stix_objects", "/var/lib", "trigger"] {
            assert!(!text.contains(leak), "the status shows {leak:?}: {text}");
        }
        assert!(text.contains("not recorded"), "{text}");
    }
}

/// Every error the hub answers, however early it is refused, is problem details (TAXII errors
/// under `/taxii2/`).
#[test]
fn every_error_is_problem_details_never_text_or_empty() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let token = token(data, "FR");
    let server = Server::start(data);
    let client = reqwest::blocking::Client::new();
    let long = "a".repeat(10_000);
    let cases: Vec<(&str, reqwest::Method, String, u16)> = vec![
        // Invalid percent-encoding in a path and in a query.
        (
            "path %FF",
            reqwest::Method::GET,
            "/api/v1/incidents/%FF%FE".into(),
            400,
        ),
        (
            "query %FF",
            reqwest::Method::GET,
            "/api/v1/incidents?country=%FF".into(),
            400,
        ),
        (
            "log entry -1",
            reqwest::Method::GET,
            "/log/entries/-1".into(),
            400,
        ),
        (
            "log bundle x",
            reqwest::Method::GET,
            "/log/bodies/x".into(),
            400,
        ),
        (
            "URI too long",
            reqwest::Method::GET,
            format!("/api/v1/incidents?q={long}"),
            414,
        ),
        (
            "no route",
            reqwest::Method::GET,
            "/api/v1/no/such/path".into(),
            404,
        ),
        (
            "wrong method",
            reqwest::Method::DELETE,
            "/healthz".into(),
            405,
        ),
        (
            "wrong method",
            reqwest::Method::PUT,
            "/api/v1/incidents".into(),
            405,
        ),
    ];
    for (what, method, path, status) in cases {
        let resp = client
            .request(method.clone(), format!("{}{path}", server.base))
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{what}: {method} {path}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(ct, "application/problem+json", "{what}");
        let allow = resp.headers().get("allow").cloned();
        let body: Value = resp.json().unwrap();
        assert_eq!(body["status"], status, "{what}: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}: {body}"
        );
        if status == 405 {
            assert!(allow.is_some(), "{what}: 405 without Allow");
        }
    }
    // A body over the limit, on an endpoint that takes JSON.
    let resp = client
        .post(format!("{}/log/cosignatures", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    // The same early refusals under /taxii2/ are TAXII error resources.
    for (method, path, status) in [
        (reqwest::Method::GET, "/taxii2/api/nothing/".to_owned(), 404),
        (reqwest::Method::PUT, "/taxii2/api/".to_owned(), 405),
        (
            reqwest::Method::GET,
            format!("/taxii2/api/collections/%FF/objects/?limit={long}"),
            414,
        ),
        // Invalid percent-encoding in a TAXII query is refused, not repaired and run.
        (
            reqwest::Method::GET,
            "/taxii2/api/collections/any/objects/?match[id]=%zz".to_owned(),
            400,
        ),
        (
            reqwest::Method::GET,
            "/taxii2/api/collections/any/manifest/?match[type]=indicator%FF".to_owned(),
            400,
        ),
    ] {
        let resp = client
            .request(method.clone(), format!("{}{path}", server.base))
            .header("accept", TAXII)
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{method} {path}");
        assert_eq!(resp.headers()["content-type"], TAXII, "{method} {path}");
        let body: Value = resp.json().unwrap();
        assert_eq!(body["http_status"], status.to_string(), "{body}");
    }
}

#[test]
fn identity_dependent_answers_are_private_no_store_and_vary_by_authorization() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    collection(data);
    let token = token(data, "FR");
    let server = Server::start(data);
    let client = reqwest::blocking::Client::new();
    let paths = [
        "/taxii2/".to_owned(),
        "/taxii2/api/collections/".to_owned(),
        format!("/taxii2/api/collections/{COLLECTION}/objects/"),
        "/api/v1/collections".to_owned(),
        format!("/api/v1/collections/{COLLECTION}/objects"),
        "/api/v1/requests".to_owned(),
        "/collections".to_owned(),
        "/requests".to_owned(),
    ];
    for path in &paths {
        for auth in [true, false] {
            let mut req = client
                .get(format!("{}{path}", server.base))
                .header("accept", format!("{TAXII}, application/json, text/html"));
            if auth {
                req = req.bearer_auth(&token);
            }
            let resp = req.send().unwrap();
            let h = resp.headers();
            assert_eq!(
                h.get("cache-control").map(|v| v.to_str().unwrap()),
                Some("private, no-store"),
                "{path} (authenticated: {auth}): {}",
                resp.status()
            );
            assert!(
                h.get_all("vary").iter().any(|v| v
                    .to_str()
                    .unwrap()
                    .to_ascii_lowercase()
                    .contains("authorization")),
                "{path} (authenticated: {auth}) lacks Vary: Authorization"
            );
        }
    }
    // Any answer to a request with credentials is private too.
    let resp = client
        .get(format!("{}/api/v1/parties", server.base))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
}

/// What a write endpoint and a read endpoint answer for the same `Authorization` value.
fn write_and_read(server: &Server, authorization: &str) -> (u16, u16) {
    let client = reqwest::blocking::Client::new();
    // The write: a request with credentials but a body that is not a submission, so a caller
    // who gets past authentication is refused for its body (422/400), never recorded.
    let write = client
        .post(format!("{}/api/v1/requests", server.base))
        .header("authorization", authorization)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .unwrap()
        .status()
        .as_u16();
    let read = client
        .get(format!("{}/taxii2/api/collections/", server.base))
        .header("authorization", authorization)
        .header("accept", TAXII)
        .send()
        .unwrap()
        .status()
        .as_u16();
    (write, read)
}

#[test]
fn write_endpoints_accept_and_refuse_exactly_the_credentials_reads_do() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let token = token(data, "FR");
    let server = Server::start(data);
    let basic = |s: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
    };
    // Forms both accept: the write gets past authentication to its body check.
    for good in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER {token}"),
        format!("Bearer   {token}"),
        basic(&format!("FR:{token}")),
        format!("basic {}", &basic(&format!("FR:{token}"))[6..]),
    ] {
        let (write, read) = write_and_read(&server, &good);
        assert_eq!(read, 200, "read refused {good:?}");
        assert!(
            write != 401,
            "write refused {good:?} that the read accepted"
        );
    }
    // Forms both refuse.
    for bad in [
        format!("Bearer {token}x"),
        format!("Bearer{token}"),
        format!("Bearer {token} extra"),
        format!("Token {token}"),
        basic(&format!("DE:{token}")),
        basic(&format!("fr:{token}")),
        basic(&format!(":{token}")),
        basic("FR:"),
        basic(&token),
        "Basic !!!".to_owned(),
        "Bearer ".to_owned(),
    ] {
        let (write, read) = write_and_read(&server, &bad);
        assert_eq!((write, read), (401, 401), "{bad:?}");
    }
}
