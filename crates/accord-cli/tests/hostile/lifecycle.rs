//! Lifecycle: API tokens can be revoked and expire; health endpoints tell the truth.
//!
//! Found: `revoked_at` existed on tokens but nothing set it, so a leaked token worked for
//! ever; `/healthz` said ok while every write failed.

use std::path::Path;

use crate::common::{Server, enrol, fails, ok, on, sql};

const TAXII: &str = "application/taxii+json;version=2.1";

/// Issues a token for `party`; the secret and its id (from stderr).
fn issue(data: &Path, party: &str, extra: &[&str]) -> (String, String) {
    let out = on(data)
        .args(["tokens", "issue", "--party", party])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    let id = stderr
        .split_whitespace()
        .nth(1)
        .expect("`token ID for …` on stderr")
        .to_owned();
    (String::from_utf8(out.stdout).unwrap().trim().to_owned(), id)
}

/// Every authenticated path's status with `token`, and the REST problem's detail: REST
/// (`GET /api/v1/requests`), TAXII (`GET /taxii2/api/collections/`) and the log
/// (`POST /log/cosignatures`).
fn paths(base: &str, token: &str) -> (Vec<u16>, String) {
    let client = reqwest::blocking::Client::new();
    let rest = client
        .get(format!("{base}/api/v1/requests"))
        .bearer_auth(token)
        .send()
        .unwrap();
    let rest_status = rest.status().as_u16();
    let detail = rest.text().unwrap();
    let taxii = client
        .get(format!("{base}/taxii2/api/collections/"))
        .header("Accept", TAXII)
        .bearer_auth(token)
        .send()
        .unwrap()
        .status()
        .as_u16();
    let basic = client
        .get(format!("{base}/taxii2/api/collections/"))
        .header("Accept", TAXII)
        .basic_auth("FR", Some(token))
        .send()
        .unwrap()
        .status()
        .as_u16();
    let log = client
        .post(format!("{base}/log/cosignatures"))
        .bearer_auth(token)
        .json(&serde_json::json!({"size": 1, "signature": "x"}))
        .send()
        .unwrap()
        .status()
        .as_u16();
    (vec![rest_status, taxii, basic, log], detail)
}

#[test]
fn a_revoked_token_is_refused_at_once_by_a_running_hub() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    enrol(dir.path(), &data, "FR");
    let (a, a_id) = issue(&data, "FR", &[]);
    let (b, _) = issue(&data, "FR", &["--expires-in", "30d"]);
    let hub = Server::start(&data);
    let (statuses, _) = paths(&hub.base, &a);
    assert_eq!(statuses[..3], [200, 200, 200], "before revocation");
    assert_ne!(statuses[3], 401);

    let out = ok(on(&data).args(["tokens", "revoke", "--id", &a_id]));
    assert!(out.contains(&a_id), "{out}");
    let (statuses, detail) = paths(&hub.base, &a);
    assert_eq!(statuses, [401, 401, 401, 401], "after revocation");
    assert!(detail.contains("revoked"), "{detail}");
    assert!(detail.contains("\"status\":401"), "a problem: {detail}");
    // The party's other token still works, until the party's tokens are all revoked.
    assert_eq!(paths(&hub.base, &b).0[..3], [200, 200, 200]);
    let list = ok(on(&data).args(["tokens", "list", "--party", "FR", "--json"]));
    assert!(!list.contains(&a) && !list.contains(&b), "no secret listed");
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == a_id.as_str() && !t["revoked_at"].is_null())
    );
    ok(on(&data).args(["tokens", "revoke", "--party", "FR"]));
    assert_eq!(paths(&hub.base, &b).0, [401, 401, 401, 401]);
    // A revoked token cannot be revoked again, and a short or unknown id is refused.
    fails(on(&data).args(["tokens", "revoke", "--id", &a_id]));
    fails(on(&data).args(["tokens", "revoke", "--id", "abc"]));
}

#[test]
fn an_expired_token_is_refused_and_lifetimes_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    enrol(dir.path(), &data, "FR");
    // Beyond the longest lifetime, or already past: refused.
    let err = fails(on(&data).args(["tokens", "issue", "--party", "FR", "--expires-in", "400d"]));
    assert!(err.contains("366 days"), "{err}");
    let err = fails(on(&data).args([
        "tokens",
        "issue",
        "--party",
        "FR",
        "--expires",
        "2020-01-01",
    ]));
    assert!(err.contains("not in the future"), "{err}");
    assert!(
        fails(on(&data).args([
            "tokens",
            "issue",
            "--party",
            "FR",
            "--expires",
            "2099-01-01"
        ]))
        .contains("366 days")
    );
    let (token, id) = issue(&data, "FR", &["--expires-in", "1d"]);
    let hub = Server::start(&data);
    assert_eq!(paths(&hub.base, &token).0[..3], [200, 200, 200]);
    // Its expiry passes (moved back in the database, as time would).
    sql(
        &data,
        &format!("UPDATE tokens SET expires_at = 1 WHERE token_sha256 LIKE '{id}%'"),
        &format!("UPDATE tokens SET expires_at = to_timestamp(1) WHERE token_sha256 LIKE '{id}%'"),
    );
    let (statuses, detail) = paths(&hub.base, &token);
    assert_eq!(statuses, [401, 401, 401, 401]);
    assert!(detail.contains("expired"), "{detail}");
}

/// A TLP:CLEAR incident FR may submit.
fn incident(dir: &Path, id: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{id}.json"));
    std::fs::write(
        &path,
        serde_json::json!({
            "id": id, "title": "Test", "summary": "A test incident.",
            "dates": {"start": {"date": "2026", "source": {"as_of": "2026-11", "verification": "unverified"}}},
            "victims": [{"name": "A port", "country": "NL", "sector": "transport",
                         "target_class": {"class": "civilian", "note": "a port", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
        })
        .to_string(),
    )
    .unwrap();
    path
}

fn get(base: &str, path: &str) -> (u16, String) {
    let r = reqwest::blocking::get(format!("{base}{path}")).unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

#[test]
fn a_hub_whose_writes_fail_says_so_on_healthz_and_readyz() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (key, token) = enrol(dir.path(), &data, "FR");
    let hub = Server::start(&data);
    let submit = |id: &str| {
        let mut c = crate::common::accord();
        c.args(["submit", "incident"])
            .arg(incident(dir.path(), id))
            .arg("--key")
            .arg(&key)
            .args(["--hub", &hub.base, "--token", &token]);
        c
    };
    ok(&mut submit("health-first-2026"));
    let (status, body) = get(&hub.base, "/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("last_success"), "{body}");
    assert_eq!(get(&hub.base, "/readyz").0, 200);

    // The stored head stops being this node's operator's (a node with another key, or a
    // database changed behind the hub): every append now fails.
    let key_text = String::from_utf8(crate::common::http_get(&hub.base, "/log/key")).unwrap();
    let log = accord_tlog::note::Verifier::from_key_string(key_text.trim()).unwrap();
    let bad = accord_tlog::note::NoteSignature {
        name: log.name().to_owned(),
        key_id: log.key_id(),
        signature: vec![7; 64],
    }
    .to_line();
    sql(
        &data,
        &format!(
            "UPDATE checkpoints SET note = substr(note, 1, instr(note, char(10) || char(10)) + 1) || '{bad}' \
             WHERE size = (SELECT MAX(size) FROM checkpoints)"
        ),
        &format!(
            "UPDATE checkpoints SET note = left(note, strpos(note, E'\\n\\n') + 1) || '{bad}' \
             WHERE size = (SELECT MAX(size) FROM checkpoints)"
        ),
    );
    let (status, body) = get(&hub.base, "/readyz");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("operator key"), "{body}");
    assert!(body.contains("\"status\":503"), "a problem: {body}");
    fails(&mut submit("health-second-2026"));
    let (status, body) = get(&hub.base, "/healthz");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("the last append failed"), "{body}");
}
