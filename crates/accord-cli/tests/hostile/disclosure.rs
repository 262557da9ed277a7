//! What the public log and conflict answers reveal of records a reader may not read.

use serde_json::{Value, json};

use crate::common::{Server, enrol, ok, on};

const TAXII: &str = "application/taxii+json;version=2.1";
/// A collection open to anonymous readers: FR writes, DE reads.
const OPEN: &str = "open-exchange";
/// A closed collection: FR writes, DE reads; NL is in neither.
const CLOSED: &str = "fr-de-covert-channel";
const CLOSED_TITLE: &str = "FR-DE joint operation Nightjar";

/// A hub with both collections, and tokens for FR, DE and NL (a party in no community).
struct Hub {
    dir: tempfile::TempDir,
    server: Server,
    fr: String,
    de: String,
    nl: String,
}

fn hub() -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let collection = |id: &str, title: &str, open: bool| {
        let mut c = on(&data);
        c.args([
            "collections",
            "add",
            "--id",
            id,
            "--title",
            title,
            "--member",
            "FR:rw",
            "--member",
            "DE:r",
            "--default-tlp",
            "amber",
        ]);
        if open {
            c.arg("--anonymous-read");
        }
        ok(&mut c);
    };
    collection(OPEN, "Open exchange", true);
    collection(CLOSED, CLOSED_TITLE, false);
    let token = |party: &str| {
        ok(on(&data).args(["tokens", "issue", "--party", party]))
            .trim()
            .to_owned()
    };
    let (fr, de, nl) = (token("FR"), token("DE"), token("NL"));
    let server = Server::start(&data);
    Hub {
        dir,
        server,
        fr,
        de,
        nl,
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

impl Hub {
    fn get(&self, token: Option<&str>, path: &str) -> (u16, String) {
        let mut r = client().get(format!("{}{path}", self.server.base)).header(
            "Accept",
            "application/json, application/taxii+json;version=2.1",
        );
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let r = r.send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    fn post_objects(&self, token: &str, collection: &str, objects: &[Value]) -> Value {
        let r = client()
            .post(format!(
                "{}/taxii2/api/collections/{collection}/objects/",
                self.server.base
            ))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .bearer_auth(token)
            .body(json!({ "objects": objects }).to_string())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap();
        assert_eq!(status, 202, "{body}");
        body
    }

    /// Every entry of the public log as `/log/entries/N` serves it to an anonymous reader.
    fn public_log(&self) -> Vec<String> {
        let note = crate::common::http_get(&self.server.base, "/log/checkpoint");
        let size = crate::common::checkpoint_size(&note);
        (0..size)
            .map(|i| {
                let (status, text) = self.get(None, &format!("/log/entries/{i}"));
                assert_eq!(status, 200, "{text}");
                text
            })
            .collect()
    }

    /// Every body `/log/bodies/N` publishes.
    fn public_bodies(&self) -> String {
        let note = crate::common::http_get(&self.server.base, "/log/checkpoint");
        let size = crate::common::checkpoint_size(&note);
        (0..size.div_ceil(256))
            .map(|b| self.get(None, &format!("/log/bodies/{b}")).1)
            .collect()
    }
}

fn indicator(n: u32, marking: &str, value: &str) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '{value}']"),
        "pattern_type": "stix",
        "valid_from": "2026-01-02T00:00:00Z",
        "object_marking_refs": [marking],
    })
}

/// TLP 2.0 marking-definition ids (STIX 2.1 §7.2.1.4 and the TLP 2.0 extension).
const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

fn ids(listing: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(listing).unwrap();
    let list = v
        .as_array()
        .cloned()
        .or_else(|| v["collections"].as_array().cloned())
        .unwrap_or_default();
    list.iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_closed_collection_is_invisible_to_a_non_member() {
    let h = hub();
    // Members see it everywhere.
    for token in [&h.fr, &h.de] {
        assert!(ids(&h.get(Some(token), "/api/v1/collections").1).contains(&CLOSED.to_owned()));
        assert!(
            ids(&h.get(Some(token), "/taxii2/api/collections/").1).contains(&CLOSED.to_owned())
        );
        assert_eq!(
            h.get(Some(token), &format!("/api/v1/collections/{CLOSED}"))
                .0,
            200
        );
    }
    // A party outside the community sees the open collection and nothing of the closed one:
    // every answer about it is the answer about a collection that does not exist.
    let nl = Some(h.nl.as_str());
    for listing in [
        h.get(nl, "/api/v1/collections").1,
        h.get(nl, "/taxii2/api/collections/").1,
        h.get(nl, "/collections").1,
    ] {
        assert!(listing.contains(OPEN), "{listing}");
        assert!(
            !listing.contains(CLOSED) && !listing.contains(CLOSED_TITLE),
            "{listing}"
        );
    }
    let missing = "no-such-collection";
    for (closed, absent) in [
        (
            format!("/api/v1/collections/{CLOSED}"),
            format!("/api/v1/collections/{missing}"),
        ),
        (
            format!("/api/v1/collections/{CLOSED}/objects"),
            format!("/api/v1/collections/{missing}/objects"),
        ),
        (
            format!("/taxii2/api/collections/{CLOSED}/"),
            format!("/taxii2/api/collections/{missing}/"),
        ),
        (
            format!("/taxii2/api/collections/{CLOSED}/objects/"),
            format!("/taxii2/api/collections/{missing}/objects/"),
        ),
        (
            format!("/collections/{CLOSED}"),
            format!("/collections/{missing}"),
        ),
    ] {
        let (a, a_text) = h.get(nl, &closed);
        let (b, b_text) = h.get(nl, &absent);
        assert_eq!((a, b), (404, 404), "{closed}: {a_text}");
        assert_eq!(a_text.replace(CLOSED, missing), b_text, "{closed}");
        assert!(!a_text.contains(CLOSED_TITLE), "{a_text}");
    }
    // Nor does the public log name it, its title or its members.
    for entry in h.public_log() {
        assert!(
            !entry.contains(CLOSED) && !entry.contains(CLOSED_TITLE),
            "{entry}"
        );
    }
    assert!(!h.public_bodies().contains(CLOSED_TITLE));
}

#[test]
fn red_and_amber_entries_name_no_object_collection_or_version_in_the_public_log() {
    let h = hub();
    let clear = indicator(1, CLEAR, "198.51.100.1");
    let amber = indicator(2, AMBER, "198.51.100.2");
    let red = indicator(3, RED, "198.51.100.3");
    let closed_clear = indicator(4, CLEAR, "198.51.100.4");
    let out = h.post_objects(&h.fr, OPEN, &[clear.clone(), amber.clone(), red.clone()]);
    assert_eq!(out["success_count"], 3, "{out}");
    let out = h.post_objects(&h.fr, CLOSED, std::slice::from_ref(&closed_clear));
    assert_eq!(out["success_count"], 1, "{out}");
    let log = h.public_log();
    let stix: Vec<Value> = log
        .iter()
        .map(|e| serde_json::from_str::<Value>(e).unwrap())
        .filter(|e| e["entry"]["envelope"]["kind"] == "stix")
        .collect();
    assert_eq!(stix.len(), 4);
    let id = |o: &Value| o["id"].as_str().unwrap().to_owned();
    // The one version anonymous readers may read is named, and its body published.
    let named: Vec<&Value> = stix
        .iter()
        .filter(|e| {
            e["entry"]["envelope"]["id"]
                .as_str()
                .unwrap()
                .contains(&id(&clear))
        })
        .collect();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0]["body"]["id"], clear["id"]);
    // The others name no object, no collection, no version.
    for hidden in [&amber, &red, &closed_clear] {
        for e in &log {
            assert!(!e.contains(&id(hidden)), "{e}");
        }
    }
    for e in stix.iter().filter(|e| e["body"].is_null()) {
        // `opaque-` and a keyed hash: nothing of the collection, object or version.
        let entry_id = e["entry"]["envelope"]["id"].as_str().unwrap();
        let digest = entry_id.strip_prefix("opaque-").unwrap_or_default();
        assert!(
            digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
            "{entry_id}"
        );
    }
    // The readers who may read them still do.
    let (_, objects) = h.get(
        Some(&h.de),
        &format!("/taxii2/api/collections/{CLOSED}/objects/"),
    );
    assert!(objects.contains(&id(&closed_clear)), "{objects}");
    let (_, objects) = h.get(
        Some(&h.fr),
        &format!("/taxii2/api/collections/{OPEN}/objects/"),
    );
    assert!(objects.contains(&id(&red)), "{objects}");
    // Replaying a withheld version still lands once: its opaque id is as unique as the plain.
    let out = h.post_objects(&h.fr, OPEN, std::slice::from_ref(&red));
    assert_eq!(out["success_count"], 1, "{out}");
    assert_eq!(h.public_log().len(), log.len());
    // The log still verifies, with the bodies it releases.
    ok(crate::common::accord().args(["log", "verify", "--hub", &h.server.base]));
    let _ = &h.dir;
}

#[test]
fn a_deletion_shows_no_more_than_the_version_it_removes() {
    let h = hub();
    let red = indicator(5, RED, "203.0.113.5");
    let out = h.post_objects(&h.fr, OPEN, std::slice::from_ref(&red));
    assert_eq!(out["success_count"], 1, "{out}");
    let object = red["id"].as_str().unwrap();
    let r = client()
        .delete(format!(
            "{}/taxii2/api/collections/{OPEN}/objects/{object}/",
            h.server.base
        ))
        .header("Accept", TAXII)
        .bearer_auth(&h.fr)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    let log = h.public_log();
    let deletion: Value = serde_json::from_str(
        log.iter()
            .find(|e| e.contains("\"stix-deletion\""))
            .expect("a deletion entry"),
    )
    .unwrap();
    assert!(deletion["body"].is_null(), "{deletion}");
    assert_eq!(deletion["entry"]["envelope"]["tlp"], "red");
    for e in &log {
        assert!(!e.contains(object), "{e}");
    }
    ok(crate::common::accord().args(["log", "verify", "--hub", &h.server.base]));
}

/// Every digest an entry's envelope carries (`body_sha256`, `body_salted_sha256`).
fn digests(entry: &Value) -> Vec<String> {
    let env = &entry["entry"]["envelope"];
    ["body_sha256", "body_salted_sha256"]
        .iter()
        .filter_map(|k| env[k].as_str().map(str::to_owned))
        .collect()
}

/// The SHA-256 an attacker computes for a guess of a body: of its RFC 8785 form.
fn guess_digest(body: &Value) -> String {
    accord_tlog::entry::body_sha256(&accord_tlog::entry::canonical_json(body).unwrap())
}

#[test]
fn a_red_indicator_is_not_recovered_by_hashing_guesses_of_it() {
    let h = hub();
    let red = indicator(6, RED, "192.0.2.77");
    let clear = indicator(7, CLEAR, "192.0.2.78");
    let out = h.post_objects(&h.fr, OPEN, &[red.clone(), clear.clone()]);
    assert_eq!(out["success_count"], 2, "{out}");
    let entries: Vec<Value> = h
        .public_log()
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let stix: Vec<&Value> = entries
        .iter()
        .filter(|e| e["entry"]["envelope"]["kind"] == "stix")
        .collect();
    // An attacker who guesses the withheld body exactly (here: knows it) still has nothing to
    // test the guess against: the commitment is salted, and the salt is withheld with it.
    let withheld = stix.iter().find(|e| e["body"].is_null()).unwrap();
    assert!(
        !digests(withheld).contains(&guess_digest(&red)),
        "{withheld}"
    );
    assert!(withheld["entry"]["envelope"]["body_sha256"].is_null());
    assert!(withheld["body_salt"].is_null(), "{withheld}");
    // A released body comes with its salt, and the salted hash checks.
    let public = stix.iter().find(|e| !e["body"].is_null()).unwrap();
    let salt = hex::decode(public["body_salt"].as_str().unwrap()).unwrap();
    let salt: [u8; 32] = salt.try_into().unwrap();
    let body = accord_tlog::entry::canonical_json(&public["body"]).unwrap();
    assert_eq!(
        public["entry"]["envelope"]["body_salted_sha256"],
        accord_tlog::entry::body_salted_sha256(&salt, &body)
    );
    // `/log/bodies` releases the same salt with the body, and none for the withheld one.
    let listed = |index: &Value| {
        let bundle = index.as_u64().unwrap() / 256;
        let bodies: Value =
            serde_json::from_str(&h.get(None, &format!("/log/bodies/{bundle}")).1).unwrap();
        bodies
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["index"] == *index)
            .unwrap()
            .clone()
    };
    assert_eq!(listed(&public["index"])["salt"], public["body_salt"]);
    assert!(listed(&withheld["index"])["salt"].is_null());
    assert!(listed(&withheld["index"])["body"].is_null());
    // No entry of the log, the hub's own included, commits by a plain hash any more.
    for e in &entries {
        assert!(e["entry"]["envelope"]["body_sha256"].is_null(), "{e}");
    }
    ok(crate::common::accord().args(["log", "verify", "--hub", &h.server.base]));
}

#[test]
fn a_party_signed_red_request_commits_with_a_salt_the_client_drew() {
    let h = hub();
    let data = h.dir.path().join("hub");
    let (fr_key, _) = enrol(h.dir.path(), &data, "FR");
    let request = json!({
        "id": accord_store::log::random_uuid().unwrap(), "requesting_state": "FR",
        "requested_state": "DE", "data": "subscriber", "summary": "Subscriber behind 192.0.2.10.",
        "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"}
    });
    let file = h.dir.path().join("request.json");
    std::fs::write(&file, request.to_string()).unwrap();
    ok(crate::common::accord()
        .args(["submit", "request"])
        .arg(&file)
        .arg("--key")
        .arg(&fr_key)
        .args(["--hub", &h.server.base, "--token", &h.fr]));
    let entries: Vec<Value> = h
        .public_log()
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let filed = entries
        .iter()
        .find(|e| e["entry"]["envelope"]["kind"] == "request")
        .expect("the request's entry");
    assert!(
        filed["body"].is_null() && filed["body_salt"].is_null(),
        "{filed}"
    );
    // The hub stores the body as the client sent it: the attacker's exact guess of it.
    let mut guess = request.clone();
    guess["tlp"] = json!("red");
    for candidate in [&request, &guess] {
        assert!(
            !digests(filed).contains(&guess_digest(candidate)),
            "{filed}"
        );
    }
    assert!(filed["entry"]["envelope"]["body_salted_sha256"].is_string());
    ok(crate::common::accord().args(["log", "verify", "--hub", &h.server.base]));
}
