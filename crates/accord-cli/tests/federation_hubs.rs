//! Three hubs that share one accord's record without trusting each other (issue 14's "done
//! when"): A, B and C, each `accord serve` in its own process and data directory, B on
//! PostgreSQL whenever `ACCORD_TEST_POSTGRES_URL` names a server (so the SQLite pass of the
//! suite federates across backends), each registered as a peer of the other two.
//!
//! What the design does, shown here: a hub mirrors a peer's own log and never re-signs or
//! re-serves what it mirrored (B's log holds B's entries only), so C takes A's records from A
//! and B's from B, each provable back to its origin log: the entry's signature under the key
//! the origin's party registered, its leaf hash, and its inclusion under the origin's signed
//! checkpoint, checked against the origin itself. An indicator in A's shared collection reaches
//! the collections of B and C that mirror it (issue 14 part 5), with its producer and
//! marking, and is checked the same way against A's log. An evidence request filed on A by FR
//! to DE, sent and acknowledged there, reaches B, which reads A as DE with its peer token: on B
//! DE (the same key registered on both hubs) sees it with every step provable back to A's log,
//! NL (no side) does not, C (no token for A) holds nothing of it, and B's next sync re-imports
//! none of it. Then A is forked (its data directory copied
//! under the same log key, the copy moving on with other entries and served at A's address):
//! B and C catch it, record both signed checkpoints as evidence, import nothing more from it
//! and `accord peers check` exits non-zero. Last, B is taken down and brought back: C keeps
//! what it verified meanwhile and then resumes from the verified size, mirroring only what is
//! new.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, accord, enrol, fails, ok, on};

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use accord_store::peers::ForkEvidence;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::entry::{SignedEntry, canonical_json};
use accord_tlog::merkle::{Hash, InclusionProof, leaf_hash};
use accord_tlog::note::{Signer, Verifier};
use serde_json::Value;

/// A hub of the test: its data directory, origin and the address it serves at.
struct Hub {
    data: PathBuf,
    origin: &'static str,
    listen: String,
}

impl Hub {
    /// Creates the hub's data directory with its own origin (on PostgreSQL when `postgres`
    /// and a server is named) and picks a free loopback address for it.
    fn create(dir: &Path, name: &str, origin: &'static str, postgres: bool) -> Hub {
        let data = dir.join(name);
        if postgres {
            common::on_postgres_if_available(&data);
        }
        ok(on(&data)
            .env("ACCORD_ORIGIN", origin)
            .args(["peers", "list"]));
        // A free port, released for the hub to bind: peers know a hub by one URL across its
        // restarts.
        let listen = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string();
        Hub {
            data,
            origin,
            listen,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.listen)
    }

    fn serve(&self) -> Server {
        Server::start_at(&self.data, &self.listen)
    }

    /// The verifier key of the hub's log.
    fn log_key(&self) -> String {
        log_key(&self.data)
    }

    /// The id `accord peers` gives this hub on another.
    fn peer_id(&self) -> String {
        accord_store::peers::peer_id(&self.log_key())
    }
}

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

fn incident_file(dir: &Path, id: &str, country: &str) -> PathBuf {
    let path = dir.join(format!("{id}.json"));
    let body = serde_json::json!({
        "id": id,
        "title": "Federation test incident",
        "summary": "Recorded on one hub, mirrored by the others.",
        "dates": {"disclosed": {"date": "2026-05-04", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A water utility", "country": country, "sector": "water",
                     "target_class": {"class": "civilian", "note": "a water utility", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
    });
    std::fs::write(&path, body.to_string()).unwrap();
    path
}

/// The log index in a `submit`/`amend` answer ("… as log entry N …").
fn log_index(out: &str) -> u64 {
    out.split("as log entry ")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no log index in {out:?}"))
}

/// A party of a hub: its key file and token there.
struct Writer {
    key: PathBuf,
    token: String,
}

impl Writer {
    fn submit(&self, dir: &Path, base: &str, id: &str, country: &str) -> u64 {
        log_index(&ok(accord()
            .args(["submit", "incident"])
            .arg(incident_file(dir, id, country))
            .arg("--key")
            .arg(&self.key)
            .args(["--hub", base, "--token", &self.token])))
    }

    fn amend(&self, base: &str, id: &str, title: &str) -> u64 {
        log_index(&ok(accord()
            .args(["incidents", "amend", id])
            .arg("--key")
            .arg(&self.key)
            .args(["--hub", base, "--token", &self.token])
            .args(["--set", &format!("title={title}")])
            .args(["--reason", "The utility's own notice gives its name."])))
    }
}

/// `accord peers sync --json` on `data`, which must succeed: each peer's outcome by origin.
fn sync(data: &Path) -> std::collections::HashMap<String, Value> {
    outcomes(&ok(on(data).args(["peers", "sync", "--json"])))
}

/// `accord peers sync --peer PEER --json` on `data`, which must succeed: its outcome.
fn sync_one(data: &Path, peer: &str) -> Value {
    let out = ok(on(data).args(["peers", "sync", "--peer", peer, "--json"]));
    outcomes(&out).remove(peer).unwrap()
}

fn outcomes(out: &str) -> std::collections::HashMap<String, Value> {
    let all: Vec<Value> = serde_json::from_str(out).unwrap();
    all.into_iter()
        .map(|p| (p["origin"].as_str().unwrap().to_owned(), p["sync"].clone()))
        .collect()
}

fn get_json(base: &str, path: &str) -> Value {
    let resp = reqwest::blocking::get(format!("{base}{path}")).unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().unwrap()
}

/// The records mirrored on the hub at `base` from `origin` with entry id `id`.
fn mirrored(base: &str, origin: &str, id: &str) -> Vec<Value> {
    get_json(base, &format!("/api/v1/mirrored?origin={origin}&id={id}"))
        .as_array()
        .unwrap()
        .clone()
}

/// Checks through the API of the hub at `base` that its mirrored record `rec` is provable back
/// to its origin log, served at `origin_base` under `origin_key`: the signed entry's signature
/// under `signer_key` (the key its party registered there), its leaf hash, the origin's signed
/// checkpoint, and the entry's inclusion in that checkpoint's tree as the origin proves it.
fn check_proof(base: &str, rec: &Value, origin_base: &str, origin_key: &str, signer_key: &str) {
    let index = rec["index"].as_u64().unwrap();
    let origin = rec["origin"].as_str().unwrap();
    assert_eq!(
        rec["provenance"],
        format!("from hub {origin}, entry {index}").as_str()
    );
    let proof = get_json(base, rec["proof"].as_str().unwrap());
    assert_eq!(proof["origin_key"], origin_key);
    // The entry as the origin's leaf: canonical JSON, signed by the party's registered key.
    let bytes = canonical_json(&proof["entry"]).unwrap();
    let entry = SignedEntry::from_bytes(&bytes).unwrap();
    let key = Verifier::from_key_string(signer_key).unwrap();
    entry.verify(key.public_key()).unwrap();
    assert_eq!(entry.envelope.id, rec["entry_id"].as_str().unwrap());
    let leaf = leaf_hash(&bytes);
    assert_eq!(proof["leaf_hash"], leaf.to_base64().as_str());
    assert_eq!(
        Hash::from_base64(proof["leaf_hash"].as_str().unwrap()).unwrap(),
        leaf
    );
    // The origin's checkpoint, under the origin's key only.
    let verifier = Verifier::from_key_string(origin_key).unwrap();
    let (cp, _) = Checkpoint::open(
        proof["checkpoint"].as_str().unwrap().as_bytes(),
        origin,
        &[verifier],
    )
    .unwrap();
    assert_eq!(cp.size, rec["checkpoint_size"].as_u64().unwrap());
    assert!(index < cp.size);
    // Inclusion, as the origin itself proves it, at the link the mirror gives.
    let link = proof["inclusion_proof"].as_str().unwrap();
    let path = link
        .strip_prefix(origin_base)
        .unwrap_or_else(|| panic!("the proof link {link} is not on the origin {origin_base}"));
    let inclusion: InclusionProof = serde_json::from_value(get_json(origin_base, path)).unwrap();
    inclusion.verify(&leaf, &cp.root).unwrap();
}

/// A's shared collection, and the collection of B and C that mirrors it.
const SHARED: &str = "0d6b2a4e-8c1f-4b7a-9e3d-5f2a1c0b9e81";
const FROM_A: &str = "7e4c1b9a-2d3f-4a5e-8b6c-9d0e1f2a3b4c";
const TAXII: &str = "application/taxii+json;version=2.1";
const INDICATOR: &str = "indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

fn indicator() -> Value {
    serde_json::json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": INDICATOR,
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '192.0.2.14']",
        "pattern_type": "stix",
        "valid_from": "2026-02-01T00:00:00Z",
        "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]
    })
}

/// Checks that the hub at `base` mirrored A's indicator into [`FROM_A`] with its provenance,
/// and that it is provable back to A's log at `origin_base`: the entry at the index it names
/// is included under A's checkpoint of the size it names (signed by `origin_key`), is a STIX
/// entry signed for FR and commits to the object's canonical bytes.
fn check_mirrored_indicator(base: &str, origin_base: &str, origin_key: &str, origin: &str) {
    let page = get_json(base, &format!("/api/v1/collections/{FROM_A}/mirrored"));
    let items = &page["items"];
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["object"]["id"] == INDICATOR)
        .unwrap_or_else(|| panic!("{base}: the indicator is not mirrored: {items}"));
    assert_eq!(item["origin"], origin);
    // This hub registered no key of A's FR: the producer is A's party, not its own FR.
    assert_eq!(item["producer"], format!("FR@{origin}"));
    assert_eq!(item["tlp"], "clear");
    let (index, size) = (
        item["log_index"].as_u64().unwrap(),
        item["checkpoint_size"].as_u64().unwrap(),
    );
    let viewed = get_json(origin_base, &format!("/log/entries/{index}"));
    let bytes = canonical_json(&viewed["entry"]).unwrap();
    let entry = SignedEntry::from_bytes(&bytes).unwrap();
    entry.verify_self_signed().unwrap();
    assert_eq!(entry.envelope.kind, "stix");
    assert_eq!(entry.envelope.submitter, "FR");
    // The body it commits to is the object mirrored.
    let salt: [u8; 32] = hex::decode(viewed["body_salt"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let object = canonical_json(&item["object"]).unwrap();
    assert_eq!(
        entry.envelope.body_salted_sha256.as_deref(),
        Some(accord_tlog::entry::body_salted_sha256(&salt, &object).as_str())
    );
    // Included under A's signed checkpoint of that size (A has not grown since the sync).
    let note = common::http_get(origin_base, "/log/checkpoint");
    let verifier = Verifier::from_key_string(origin_key).unwrap();
    let (cp, _) = Checkpoint::open(&note, origin, &[verifier]).unwrap();
    assert_eq!(cp.size, size);
    let inclusion: InclusionProof = serde_json::from_value(get_json(
        origin_base,
        &format!("/log/proof/inclusion?index={index}&size={size}"),
    ))
    .unwrap();
    inclusion.verify(&leaf_hash(&bytes), &cp.root).unwrap();
}

/// Mirrored rows on the hub in `data` from `origin` (read below the API).
fn mirrored_rows(data: &Path, origin: &str) -> u64 {
    let q = format!("SELECT count(*) FROM mirrored_entries WHERE origin = '{origin}'");
    common::sql(data, &q, &q)[0].parse().unwrap()
}

/// `file` submitted as `kind` (`request` or `request-transition`) to the hub at `base` with
/// `key` and `token`: the request id and the log index the CLI answers with ("request ID is
/// STATUS (log entry N …").
fn submit_request(kind: &str, file: &Path, key: &Path, base: &str, token: &str) -> (String, u64) {
    let out = ok(accord()
        .args(["submit", kind])
        .arg(file)
        .arg("--key")
        .arg(key)
        .args(["--hub", base, "--token", token]));
    let id = out
        .strip_prefix("request ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no request id in {out:?}"))
        .to_owned();
    let index = out
        .split("(log entry ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no log index in {out:?}"));
    (id, index)
}

/// The mirrored requests the hub at `base` serves to the holder of `token`.
fn mirrored_requests(base: &str, token: &str) -> Vec<Value> {
    let resp = reqwest::blocking::Client::new()
        .get(format!("{base}/api/v1/requests/mirrored"))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let page: Value = resp.json().unwrap();
    page["items"].as_array().unwrap().clone()
}

/// Checks that step `step` of a mirrored request is provable back to its origin log, served
/// at `origin_base` under `origin_key`: the signed entry verifies under `signer_key` (the key
/// its party registered there), its leaf hash is the one given, the checkpoint given is the
/// origin's signed one of the size given, and the origin proves the entry's inclusion in it.
fn check_step(step: &Value, origin: &str, origin_base: &str, origin_key: &str, signer_key: &str) {
    let index = step["log_index"].as_u64().unwrap();
    let size = step["checkpoint_size"].as_u64().unwrap();
    assert_eq!(
        step["provenance"],
        format!("from hub {origin}, entry {index}, checkpoint {size}").as_str()
    );
    let bytes = canonical_json(&step["entry"]).unwrap();
    let entry = SignedEntry::from_bytes(&bytes).unwrap();
    entry
        .verify(Verifier::from_key_string(signer_key).unwrap().public_key())
        .unwrap();
    let leaf = leaf_hash(&bytes);
    assert_eq!(step["leaf_hash"], leaf.to_base64().as_str());
    let verifier = Verifier::from_key_string(origin_key).unwrap();
    let (cp, _) = Checkpoint::open(
        step["checkpoint"].as_str().unwrap().as_bytes(),
        origin,
        &[verifier],
    )
    .unwrap();
    assert_eq!(cp.size, size);
    assert!(index < cp.size);
    let inclusion: InclusionProof = serde_json::from_value(get_json(
        origin_base,
        step["inclusion_proof"].as_str().unwrap(),
    ))
    .unwrap();
    inclusion.verify(&leaf, &cp.root).unwrap();
}

/// Rows of `table` on the hub in `data` (read below the API).
fn rows(data: &Path, table: &str) -> u64 {
    let q = format!("SELECT count(*) FROM {table}");
    common::sql(data, &q, &q)[0].parse().unwrap()
}

#[test]
fn three_hubs_share_their_records_with_proof_catch_a_fork_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = Hub::create(d, "hub-a", "a.example/log", false);
    let b = Hub::create(d, "hub-b", "b.example/log", true);
    let c = Hub::create(d, "hub-c", "c.example/log", false);
    let (fr_key, fr_token) = enrol(d, &a.data, "FR");
    let (de_key, de_token) = enrol(d, &b.data, "DE");
    let (fr, de) = (
        Writer {
            key: fr_key.clone(),
            token: fr_token,
        },
        Writer {
            key: de_key.clone(),
            token: de_token,
        },
    );
    let fr_pub = std::fs::read_to_string(d.join("FR.key.pub")).unwrap();
    let de_pub = std::fs::read_to_string(d.join("DE.key.pub")).unwrap();
    // Peers both ways: each hub follows the other two.
    for (hub, others) in [(&a, [&b, &c]), (&b, [&a, &c]), (&c, [&a, &b])] {
        for other in others {
            ok(on(&hub.data).args([
                "peers",
                "add",
                "--url",
                &other.url(),
                "--log-key",
                &other.log_key(),
            ]));
        }
    }
    // A's shared collection, which B and C mirror (issue 14 part 5), read anonymously: its
    // indicators are TLP:CLEAR.
    ok(on(&a.data).args([
        "collections",
        "add",
        "--id",
        SHARED,
        "--title",
        "Shared indicators",
        "--member",
        "FR:rw",
        "--default-tlp",
        "clear",
        "--anonymous-read",
    ]));
    for hub in [&b, &c] {
        ok(on(&hub.data).args([
            "collections",
            "add",
            "--id",
            FROM_A,
            "--title",
            "A's shared indicators",
            "--default-tlp",
            "clear",
            "--anonymous-read",
            "--mirror-peer",
            a.origin,
            "--mirror-collection",
            SHARED,
        ]));
    }
    // DE's key (enrolled on B) is registered on A too, and B reads A as DE with DE's token
    // there; NL is B's party too, no side of the request below. C keeps no token for A.
    ok(on(&a.data)
        .args(["keys", "add", "--party", "DE", "--public-key"])
        .arg(d.join("DE.key.pub")));
    let de_on_a = ok(on(&a.data).args(["tokens", "issue", "--party", "DE"]))
        .trim()
        .to_owned();
    let mut keep = on(&b.data)
        .args(["peers", "token", "--peer", a.origin])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        keep.stdin
            .take()
            .unwrap()
            .write_all(de_on_a.as_bytes())
            .unwrap();
    }
    let kept = keep.wait_with_output().unwrap();
    assert!(kept.status.success(), "{kept:?}");
    let (_, nl_token) = enrol(d, &b.data, "NL");
    let (sa, sb, sc) = (a.serve(), b.serve(), c.serve());

    // An evidence request on A: FR files it to DE, sends it, DE acknowledges it.
    let write = |name: &str, v: Value| {
        let p = d.join(name);
        std::fs::write(&p, v.to_string()).unwrap();
        p
    };
    let filing = write(
        "request.json",
        serde_json::json!({
            "requesting_state": "FR", "requested_state": "DE",
            "data": "subscriber", "summary": "Subscriber behind an IP address seen on A.",
            "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"}
        }),
    );
    let (request, filed) = submit_request("request", &filing, &fr_key, &sa.base, &fr.token);
    let sent = write(
        "sent.json",
        serde_json::json!({"request": request, "to": "sent"}),
    );
    let (_, sent) = submit_request("request-transition", &sent, &fr_key, &sa.base, &fr.token);
    let acknowledged = write(
        "acknowledged.json",
        serde_json::json!({"request": request, "to": "acknowledged"}),
    );
    let (_, acknowledged) = submit_request(
        "request-transition",
        &acknowledged,
        &de_key,
        &sa.base,
        &de_on_a,
    );

    // An incident on A, amended by its recorder; one on B.
    let a_inc = fr.submit(d, &sa.base, "fed-a-1", "BE");
    let a_amend = fr.amend(&sa.base, "fed-a-1", "Federation test incident (Namur)");
    let b_inc = de.submit(d, &sb.base, "fed-b-1", "NL");
    let posted = reqwest::blocking::Client::new()
        .post(format!(
            "{}/taxii2/api/collections/{SHARED}/objects/",
            sa.base
        ))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .bearer_auth(&fr.token)
        .body(serde_json::json!({ "objects": [indicator()] }).to_string())
        .send()
        .unwrap();
    assert_eq!(posted.status(), 202);
    let posted: Value = posted.json().unwrap();
    assert_eq!(posted["success_count"], 1, "{posted}");

    // Each hub pulls from the other two.
    for hub in [&a, &b, &c] {
        let synced = sync(&hub.data);
        assert_eq!(synced.len(), 2, "{synced:?}");
        for (origin, s) in &synced {
            assert_eq!(
                s["outcome"], "mirrored",
                "{} from {origin}: {s}",
                hub.origin
            );
            assert_eq!(s["from"], 0);
        }
    }

    // A's records reached B and C, B's reached A and C, each provable back to its origin log.
    for (base, name) in [(&sb.base, "B"), (&sc.base, "C")] {
        let inc = mirrored(base, a.origin, "fed-a-1");
        assert_eq!(inc.len(), 1, "{name}: {inc:?}");
        assert_eq!(inc[0]["index"], a_inc);
        assert_eq!(inc[0]["submitter"], "FR");
        check_proof(base, &inc[0], &a.url(), &a.log_key(), fr_pub.trim());
        let amendments = get_json(
            base,
            &format!("/api/v1/mirrored?origin={}&kind=amendment", a.origin),
        );
        let amendment = amendments
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["index"] == a_amend)
            .unwrap_or_else(|| panic!("{name}: the amendment is not mirrored: {amendments}"));
        assert!(
            amendment["entry_id"]
                .as_str()
                .unwrap()
                .starts_with("incident/fed-a-1@")
        );
        assert_eq!(
            amendment["body"]["new"]["title"],
            "Federation test incident (Namur)"
        );
        check_proof(base, amendment, &a.url(), &a.log_key(), fr_pub.trim());
    }
    for (base, name) in [(&sa.base, "A"), (&sc.base, "C")] {
        let inc = mirrored(base, b.origin, "fed-b-1");
        assert_eq!(inc.len(), 1, "{name}: {inc:?}");
        assert_eq!(inc[0]["index"], b_inc);
        check_proof(base, &inc[0], &b.url(), &b.log_key(), de_pub.trim());
    }
    // A's indicator reached B and C, each provable back to A's log.
    for base in [&sb.base, &sc.base] {
        check_mirrored_indicator(base, &sa.base, &a.log_key(), a.origin);
    }
    // A's request reached B, read as DE: DE on B sees it with its three steps, each provable
    // back to A's log; NL on B, no side, sees nothing; C, with no token for A, holds nothing.
    let seen = mirrored_requests(&sb.base, &de.token);
    assert_eq!(seen.len(), 1, "{seen:?}");
    let m = &seen[0];
    assert_eq!(m["request"]["id"], request.as_str());
    assert_eq!(m["request"]["status"], "acknowledged");
    assert_eq!(m["origin"], a.origin);
    assert_eq!(m["log_index"], filed);
    let steps = m["steps"].as_array().unwrap();
    let indexes: Vec<u64> = steps
        .iter()
        .map(|s| s["log_index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [filed, sent, acknowledged]);
    for (step, signer) in steps.iter().zip([&fr_pub, &fr_pub, &de_pub]) {
        check_step(step, a.origin, &sa.base, &a.log_key(), signer.trim());
    }
    assert!(mirrored_requests(&sb.base, &nl_token).is_empty());
    // The command line lists them the same way, with where each comes from.
    let list = |from: &str, token: &str| {
        ok(accord()
            .args(["requests", "list", "--from", from])
            .args(["--hub", &sb.base, "--token", token]))
    };
    for from in ["mirrored", a.origin] {
        let out = list(from, &de.token);
        assert!(out.contains(&request), "{out}");
        assert!(
            out.contains(&format!(
                "from hub {}, entry {filed}, checkpoint ",
                a.origin
            )),
            "{out}"
        );
    }
    assert!(list("mirrored", &nl_token).contains("no mirrored requests"));
    let anonymous =
        reqwest::blocking::get(format!("{}/api/v1/requests/mirrored", sb.base)).unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(rows(&c.data, "mirrored_requests"), 0);
    // B's next sync reads them again and re-imports none.
    assert_eq!(rows(&b.data, "mirrored_requests"), 3);
    let again: Vec<Value> = serde_json::from_str(&ok(
        on(&b.data).args(["peers", "sync", "--peer", a.origin, "--json"])
    ))
    .unwrap();
    assert_eq!(again[0]["requests"]["verified"], 3, "{again:?}");
    assert_eq!(again[0]["requests"]["new"], 0, "{again:?}");
    assert_eq!(rows(&b.data, "mirrored_requests"), 3);

    // B does not re-serve what it mirrored: C holds A's incident once, from A's log.
    assert!(mirrored(&sc.base, b.origin, "fed-a-1").is_empty());
    let b_log_size = common::checkpoint_size(&common::http_get(&sb.base, "/log/checkpoint"));
    assert_eq!(
        sync(&c.data)[b.origin]["outcome"],
        "up-to-date",
        "mirroring did not grow B's log"
    );
    assert_eq!(
        common::checkpoint_size(&common::http_get(&sb.base, "/log/checkpoint")),
        b_log_size
    );

    // A forks: a copy of its data directory under the same log key. A itself moves on first,
    // and B and C accept that.
    sa.stop();
    let fork_data = d.join("hub-a-fork");
    common::fork_hub(&a.data, &fork_data);
    let sa = a.serve();
    fr.submit(d, &sa.base, "fed-a-2", "BE");
    for hub in [&b, &c] {
        assert_eq!(sync(&hub.data)[a.origin]["outcome"], "mirrored");
    }
    let a_rows = mirrored_rows(&c.data, a.origin);
    sa.stop();
    // The copy, at A's address, signs another tree that does not extend what B and C saw.
    let fork = Server::start_at(&fork_data, &a.listen);
    fr.submit(d, &fork.base, "fed-fork-1", "BE");
    fr.submit(d, &fork.base, "fed-fork-2", "BE");
    let err = fails(on(&b.data).args(["peers", "sync"]));
    assert!(err.contains("FORKED"), "{err}");
    for hub in [&b, &c] {
        let err = fails(on(&hub.data).args(["peers", "check"]));
        assert!(
            err.contains("FORKED") || err.contains("caught before"),
            "{}: {err}",
            hub.origin
        );
    }
    // The evidence B recorded: both signed checkpoints, each under A's key, that do not
    // extend one another; anyone can re-check it.
    let ev = get_json(&sb.base, &format!("/api/v1/peers/{}/evidence", a.peer_id()));
    let verifier = Verifier::from_key_string(&a.log_key()).unwrap();
    let open = |note: &Value| {
        Checkpoint::open(
            note.as_str().unwrap().as_bytes(),
            a.origin,
            std::slice::from_ref(&verifier),
        )
        .unwrap()
        .0
    };
    let (accepted, shown) = (open(&ev["accepted"]), open(&ev["shown"]));
    assert!(shown.size > accepted.size, "{ev}");
    let evidence = ForkEvidence {
        key: ev["log_key"].as_str().unwrap().to_owned(),
        url: ev["url"].as_str().unwrap().to_owned(),
        accepted: ev["accepted"].as_str().unwrap().to_owned(),
        shown: ev["shown"].as_str().unwrap().to_owned(),
        proof: serde_json::from_value(ev["proof"].clone()).unwrap(),
        reason: ev["reason"].as_str().unwrap().to_owned(),
    };
    assert!(evidence.verify().is_ok(), "{ev}");
    let peers = get_json(&sc.base, "/api/v1/peers");
    let on_c = peers["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["origin"] == a.origin)
        .unwrap();
    assert_eq!(on_c["state"], "forked", "{peers}");
    // Caught once, skipped after: nothing of the fork is mirrored, on B or C.
    let again = fails(on(&c.data).args(["peers", "sync", "--peer", a.origin]));
    assert!(again.contains("forked"), "{again}");
    assert_eq!(mirrored_rows(&c.data, a.origin), a_rows);
    for base in [&sb.base, &sc.base] {
        for id in ["fed-fork-1", "fed-fork-2"] {
            assert!(mirrored(base, a.origin, id).is_empty(), "{id} mirrored");
        }
        assert_eq!(mirrored(base, a.origin, "fed-a-2").len(), 1);
    }
    drop(fork);

    // B goes down: C keeps everything it verified of B.
    let b_rows = mirrored_rows(&c.data, b.origin);
    let q = format!("SELECT size FROM mirror_logs WHERE origin = '{}'", b.origin);
    let b_size: u64 = common::sql(&c.data, &q, &q)[0].parse().unwrap();
    sb.stop();
    let offline = sync_one(&c.data, b.origin);
    assert_eq!(offline["outcome"], "offline", "{offline}");
    assert_eq!(mirrored_rows(&c.data, b.origin), b_rows);
    assert_eq!(mirrored(&sc.base, b.origin, "fed-b-1").len(), 1);
    // B comes back at its address with one more incident: C goes on from the verified size
    // and mirrors that one only.
    let sb = b.serve();
    let b_new = de.submit(d, &sb.base, "fed-b-2", "NL");
    let r = &sync_one(&c.data, b.origin);
    assert_eq!(r["outcome"], "mirrored", "{r}");
    assert_eq!(r["from"], b_size, "{r}");
    assert_eq!(r["to"], b_new + 1, "{r}");
    assert_eq!(r["records"], 1, "{r}");
    assert_eq!(mirrored_rows(&c.data, b.origin), b_rows + 1);
    let inc = mirrored(&sc.base, b.origin, "fed-b-2");
    check_proof(&sc.base, &inc[0], &b.url(), &b.log_key(), de_pub.trim());
}

/// Incidents `BE` suffered as the scorecard of the hub at `base` counts them over `scope`.
fn be_as_victim(base: &str, scope: &str) -> u64 {
    get_json(
        base,
        &format!("/api/v1/scorecards/parties/BE?scope={scope}"),
    )["as_victim"]["total"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_mirrored_incident_is_listed_by_origin_and_counts_only_in_the_scopes_that_include_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = Hub::create(d, "hub-a", "a.example/log", false);
    let b = Hub::create(d, "hub-b", "b.example/log", false);
    let (key, token) = enrol(d, &a.data, "FR");
    let fr = Writer { key, token };
    ok(on(&b.data).args(["peers", "add", "--url", &a.url(), "--log-key", &a.log_key()]));
    let (sa, sb) = (a.serve(), b.serve());
    let local = be_as_victim(&sb.base, "local");
    assert_eq!(be_as_victim(&sb.base, "mirrored"), 0);
    assert_eq!(be_as_victim(&sb.base, "all"), local);

    let index = fr.submit(d, &sa.base, "fed-scope-1", "BE");
    let amended = fr.amend(&sa.base, "fed-scope-1", "Federation test incident (Liège)");
    assert_eq!(sync(&b.data)[a.origin]["outcome"], "mirrored");

    // Only the scopes that include mirrored records move; every hub ships the bundled
    // dataset, so "all" counts A's copies of it once and gains the one new incident.
    assert_eq!(be_as_victim(&sb.base, "local"), local);
    assert_eq!(be_as_victim(&sb.base, "all"), local + 1);
    assert_eq!(
        be_as_victim(&sb.base, "mirrored"),
        be_as_victim(&sa.base, "local")
    );
    assert_eq!(
        get_json(&sb.base, "/api/v1/scorecards/parties/BE"),
        get_json(&sb.base, "/api/v1/scorecards/parties/BE?scope=local"),
        "local is the default"
    );

    // Listed by origin: mirrored (every peer), the peer by id or origin; never as local.
    for origin in ["mirrored", &a.peer_id(), a.origin] {
        let page = get_json(
            &sb.base,
            &format!("/api/v1/incidents?origin={origin}&year=2026&country=BE"),
        );
        let items = page["items"].as_array().unwrap();
        let item = items
            .iter()
            .find(|i| i["incident"]["id"] == "fed-scope-1")
            .unwrap_or_else(|| panic!("origin={origin}: {page}"));
        assert_eq!(
            item["incident"]["title"],
            "Federation test incident (Liège)"
        );
        assert_eq!(item["log_index"], index);
        let from = &item["mirrored"];
        assert_eq!(from["origin"], a.origin);
        assert_eq!(from["index"], index);
        assert_eq!(from["amendments"], serde_json::json!([amended]));
        assert_eq!(
            from["provenance"],
            format!("from hub {}, entry {index}", a.origin).as_str()
        );
        let proof = get_json(&sb.base, from["proof"].as_str().unwrap());
        assert_eq!(proof["record"]["entry_id"], "fed-scope-1");
    }
    let local_list = get_json(&sb.base, "/api/v1/incidents?country=BE&limit=500");
    assert!(
        local_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["incident"]["id"] != "fed-scope-1" && i.get("mirrored").is_none()),
        "{local_list}"
    );
    // Pages of mirrored incidents follow their cursor, each record once.
    let mut seen = Vec::new();
    let mut next = Some(String::new());
    while let Some(cursor) = next {
        let page = get_json(
            &sb.base,
            &format!("/api/v1/incidents?origin=mirrored&country=BE&limit=2&cursor={cursor}"),
        );
        for i in page["items"].as_array().unwrap() {
            seen.push(i["incident"]["id"].as_str().unwrap().to_owned());
        }
        next = page["next"].as_str().map(str::to_owned);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "{seen:?}");
    let whole = get_json(
        &sb.base,
        "/api/v1/incidents?origin=mirrored&country=BE&limit=500",
    );
    assert_eq!(seen.len(), whole["items"].as_array().unwrap().len());
    assert!(seen.iter().any(|id| id == "fed-scope-1"), "{seen:?}");
    for (path, field) in [
        ("/api/v1/incidents?origin=nowhere.example/log", "origin"),
        ("/api/v1/scorecards/principles?scope=everything", "scope"),
        ("/api/v1/scorecards/blocs?colour=red", "colour"),
    ] {
        let resp = reqwest::blocking::get(format!("{}{path}", sb.base)).unwrap();
        assert_eq!(resp.status(), 400, "{path}");
        assert!(resp.text().unwrap().contains(field), "{path}");
    }

    // The command line lists them the same way, each with where it comes from.
    let out = ok(on(&b.data).args(["incidents", "list", "--from", "mirrored", "--country", "BE"]));
    assert!(
        out.contains(&format!("from hub {}, entry {index}", a.origin)),
        "{out}"
    );
    let json: Value = serde_json::from_str(&ok(on(&b.data).args([
        "incidents",
        "list",
        "--from",
        a.origin,
        "--json",
    ])))
    .unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|i| i["incident"]["id"] == "fed-scope-1" && i["mirrored"]["index"] == index)
    );
    let err = fails(on(&b.data).args(["incidents", "list", "--from", "nowhere"]));
    assert!(err.contains("--from"), "{err}");

    // The dashboard's select: the home page and a party's page computed over the scope asked.
    let home = String::from_utf8(common::http_get(&sb.base, "/?scope=all")).unwrap();
    assert!(home.contains("<option value=\"all\" selected>"), "{home}");
    let party =
        String::from_utf8(common::http_get(&sb.base, "/parties/BE?scope=mirrored")).unwrap();
    assert!(
        party.contains("<option value=\"mirrored\" selected>"),
        "{party}"
    );
    let resp = reqwest::blocking::get(format!("{}/?scope=everything", sb.base)).unwrap();
    assert_eq!(resp.status(), 400);
    // The dashboard's incident list, by origin: each mirrored row says where it comes from.
    let list = String::from_utf8(common::http_get(
        &sb.base,
        &format!("/incidents?origin={}&country=BE&limit=500", a.peer_id()),
    ))
    .unwrap();
    assert!(
        list.contains(&format!("from hub {}, entry {index}, <a href=\"/api/v1/mirrored/proof?origin={}&#38;index={index}\">proof</a>", a.origin, a.origin)),
        "{list}"
    );
    let own = String::from_utf8(common::http_get(
        &sb.base,
        "/incidents?country=BE&limit=500",
    ))
    .unwrap();
    assert!(!own.contains("Liège") && !own.contains("from hub"), "{own}");
}

/// The federated read of evidence requests, every marking × reader: FR files on A a request
/// to DE under each TLP marking, and one to US; B reads A as DE (its peer token is DE's
/// token there) and registers the keys A holds for FR and DE. B mirrors exactly the five
/// requests DE is a side of (not FR's request to US, which A never serves to DE), and serves
/// each, whatever its marking, to FR and DE only: US and NL, parties of B but no side, and
/// TLP:CLEAR or GREEN notwithstanding, read none.
#[test]
fn requests_of_every_marking_reach_only_their_sides_on_a_mirroring_hub() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = Hub::create(d, "hub-a", "a.example/log", false);
    let b = Hub::create(d, "hub-b", "b.example/log", false);
    let (fr_key, fr_token) = enrol(d, &a.data, "FR");
    let (_, de_on_a) = enrol(d, &a.data, "DE");
    ok(on(&b.data).args(["peers", "add", "--url", &a.url(), "--log-key", &a.log_key()]));
    let mut tokens = std::collections::HashMap::new();
    for party in ["FR", "DE"] {
        ok(on(&b.data)
            .args(["keys", "add", "--party", party, "--public-key"])
            .arg(d.join(format!("{party}.key.pub"))));
    }
    for party in ["FR", "DE", "US", "NL"] {
        let token = ok(on(&b.data).args(["tokens", "issue", "--party", party]));
        tokens.insert(party, token.trim().to_owned());
    }
    let sa = a.serve();
    let sb = b.serve();
    let markings = ["clear", "green", "amber", "amber+strict", "red"];
    let mut filed = Vec::new();
    for (n, (tlp, to)) in markings
        .iter()
        .map(|m| (*m, "DE"))
        .chain(std::iter::once(("red", "US")))
        .enumerate()
    {
        let file = d.join(format!("request-{n}.json"));
        std::fs::write(
            &file,
            serde_json::json!({
                "requesting_state": "FR", "requested_state": to, "data": "content", "tlp": tlp,
                "pathway": {"instrument": "budapest", "article": "Art. 29"},
                "summary": "Preserve the mailbox behind the phishing campaign."
            })
            .to_string(),
        )
        .unwrap();
        let (id, _) = submit_request("request", &file, &fr_key, &sa.base, &fr_token);
        filed.push((id, tlp, to));
    }
    let peer = a.peer_id();
    let synced: Vec<Value> = serde_json::from_str(&ok(on(&b.data)
        .env(accord_store::peers::token_env(&peer), &de_on_a)
        .args(["peers", "sync", "--json"])))
    .unwrap();
    assert_eq!(synced[0]["requests"]["verified"], 5, "{synced:?}");
    assert_eq!(synced[0]["requests"]["new"], 5, "{synced:?}");
    let mut checked = 0;
    for reader in ["FR", "DE", "US", "NL"] {
        let seen: Vec<String> = mirrored_requests(&sb.base, &tokens[reader])
            .iter()
            .map(|m| m["request"]["id"].as_str().unwrap().to_owned())
            .collect();
        for (id, tlp, to) in &filed {
            let want = *to == "DE" && (reader == "FR" || reader == "DE");
            assert_eq!(
                seen.contains(id),
                want,
                "{reader} reading FR's {tlp} request to {to} on B"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * filed.len());

    // C reads A as DE too, but its own DE holds another key than A's DE, and it registers no
    // key of FR: neither side of the requests is a party of C, so C refuses the read (a hub
    // that is no side of a request must not hold it) and stores nothing. Once it registers
    // the key A holds for FR, it keeps them, and serves them to FR only: its DE is not A's.
    let c = Hub::create(d, "hub-c", "c.example/log", false);
    let elsewhere = tempfile::tempdir().unwrap();
    let (_, de_on_c) = enrol(elsewhere.path(), &c.data, "DE");
    ok(on(&c.data).args(["peers", "add", "--url", &a.url(), "--log-key", &a.log_key()]));
    let sync_c = || {
        let mut cmd = on(&c.data);
        cmd.env(accord_store::peers::token_env(&peer), &de_on_a)
            .args(["peers", "sync", "--json"]);
        cmd
    };
    let err = fails(&mut sync_c());
    assert!(
        err.contains("peer a.example/log requests") && err.contains("a side of neither"),
        "{err}"
    );
    assert_eq!(rows(&c.data, "mirrored_requests"), 0);
    ok(on(&c.data)
        .args(["keys", "add", "--party", "FR", "--public-key"])
        .arg(d.join("FR.key.pub")));
    let fr_on_c = ok(on(&c.data).args(["tokens", "issue", "--party", "FR"]))
        .trim()
        .to_owned();
    let synced: Vec<Value> = serde_json::from_str(&ok(&mut sync_c())).unwrap();
    assert_eq!(synced[0]["requests"]["new"], 5, "{synced:?}");
    let sc = c.serve();
    assert_eq!(mirrored_requests(&sc.base, &fr_on_c).len(), 5);
    assert!(mirrored_requests(&sc.base, &de_on_c).is_empty());
}
