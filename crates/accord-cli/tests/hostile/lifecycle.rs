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

