//! Markings fail closed: every STIX 2.1 marking form is parsed, and what the hub cannot
//! enforce is refused; incidents and requests keep the TLP their envelope states.
//!
//! A hostile writer tries to get an object read under a looser level than its markings say
//! (a granular TLP:RED the hub ignores, an upper-case identifier it does not recognise, a
//! party-made "TLP:RED", a redefined TLP id, `object_marking_refs` of the wrong shape), and to
//! publish through the public record what its envelope marks TLP:RED (an incident, a request
//! step).

use std::path::Path;

use accord_stix::marking::{TLP_2_EXTENSION_ID, TlpMarking};
use accord_tlp::Tlp;
use serde_json::{Value, json};

use crate::common::{Server, enrol, ok, on};

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "3c1e5a0b-7d2f-4e8a-9c6b-1f2e3d4c5b6a";
const RED2: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// A hub with an open collection (default TLP:CLEAR, anonymous readers allowed) that FR writes
/// and IT reads, FR and DE enrolled to sign, and IT's token.
struct Hub {
    dir: tempfile::TempDir,
    server: Server,
    fr_key: std::path::PathBuf,
    fr: String,
    it: String,
}

fn hub() -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (fr_key, fr) = enrol(dir.path(), &data, "FR");
    enrol(dir.path(), &data, "DE");
    ok(on(&data).args([
        "collections",
        "add",
        "--id",
        COLLECTION,
        "--title",
        "Open community",
        "--member",
        "FR:rw",
        "--member",
        "IT:r",
        "--default-tlp",
        "clear",
        "--anonymous-read",
    ]));
    let it = ok(on(&data).args(["tokens", "issue", "--party", "IT"]))
        .trim()
        .to_owned();
    let server = Server::start(&data);
    Hub {
        dir,
        server,
        fr_key,
        fr,
        it,
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

fn indicator(n: u32, extra: Value) -> Value {
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--0b7e4c1a-2d3f-4a5b-8c6d-{n:012}"),
        "created": "2026-03-01T00:00:00.000Z",
        "modified": "2026-03-01T00:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '203.0.113.{n}']"),
        "pattern_type": "stix",
        "valid_from": "2026-03-01T00:00:00Z"
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        o[k] = v.clone();
    }
    o
}

impl Hub {
    fn objects_url(&self) -> String {
        format!(
            "{}/taxii2/api/collections/{COLLECTION}/objects/",
            self.server.base
        )
    }

    /// FR posts `objects`; the TAXII status resource.
    fn post(&self, objects: &[Value]) -> Value {
        let r = client()
            .post(self.objects_url())
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .bearer_auth(&self.fr)
            .body(json!({ "objects": objects }).to_string())
            .send()
            .unwrap();
        assert_eq!(r.status(), 202);
        r.json().unwrap()
    }

    /// The ids of the objects `token`'s party (anonymous without one) reads.
    fn ids(&self, token: Option<&str>) -> Vec<String> {
        let mut r = client().get(self.objects_url()).header("Accept", TAXII);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let r = r.send().unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().unwrap();
        v["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Who reads object `id`: (FR, IT, anonymous).
    fn readers(&self, id: &str) -> (bool, bool, bool) {
        let has = |ids: Vec<String>| ids.iter().any(|i| i == id);
        (
            has(self.ids(Some(&self.fr))),
            has(self.ids(Some(&self.it))),
            has(self.ids(None)),
        )
    }
}

/// The single failure of a status, which must have no success.
fn refusal(status: &Value) -> String {
    assert_eq!(status["success_count"], 0, "{status}");
    assert_eq!(status["failure_count"], 1, "{status}");
    status["failures"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_granular_red_marking_on_the_pattern_of_a_clear_object_holds_it_red() {
    let h = hub();
    let o = indicator(
        1,
        json!({
            "object_marking_refs": [TlpMarking::Clear.id()],
            "granular_markings": [{"marking_ref": RED2, "selectors": ["pattern"]}]
        }),
    );
    let status = h.post(std::slice::from_ref(&o));
    assert_eq!(status["success_count"], 1, "{status}");
    let id = o["id"].as_str().unwrap();
    // The producer reads it; a community member and an anonymous reader do not.
    assert_eq!(h.readers(id), (true, false, false));
}

#[test]
fn a_marking_ref_with_an_upper_case_uuid_is_the_marking_it_names() {
    let h = hub();
    let upper = format!(
        "marking-definition--{}",
        RED2.trim_start_matches("marking-definition--")
            .to_ascii_uppercase()
    );
    // With a conflicting TLP:CLEAR beside it: the strictest governs.
    let o = indicator(
        2,
        json!({"object_marking_refs": [TlpMarking::Clear.id(), upper]}),
    );
    let status = h.post(std::slice::from_ref(&o));
    assert_eq!(status["success_count"], 1, "{status}");
    assert_eq!(h.readers(o["id"].as_str().unwrap()), (true, false, false));
}

#[test]
fn a_party_made_tlp_red_definition_is_refused_and_so_is_an_object_marked_with_it() {
    let h = hub();
    let fake = "marking-definition--9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d";
    let definition = json!({
        "type": "marking-definition", "spec_version": "2.1", "id": fake,
        "created": "2026-03-01T00:00:00.000Z", "name": "TLP:RED",
        "definition_type": "statement", "definition": {"statement": "TLP:RED"}
    });
    let message = refusal(&h.post(&[definition]));
    assert!(
        message.contains("`name`") && message.contains(RED2),
        "{message}"
    );
    let o = indicator(3, json!({"object_marking_refs": [fake]}));
    let message = refusal(&h.post(std::slice::from_ref(&o)));
    assert!(message.contains("`object_marking_refs[0]`"), "{message}");
    // Granular, too.
    let o = indicator(
        4,
        json!({"granular_markings": [{"marking_ref": fake, "selectors": ["pattern"]}]}),
    );
    let message = refusal(&h.post(std::slice::from_ref(&o)));
    assert!(
        message.contains("`granular_markings[0].marking_ref`"),
        "{message}"
    );
    assert!(h.ids(None).is_empty() && h.ids(Some(&h.fr)).is_empty());
}

#[test]
fn object_marking_refs_given_as_a_string_is_refused_naming_the_property() {
    let h = hub();
    let o = indicator(5, json!({"object_marking_refs": RED2}));
    let message = refusal(&h.post(std::slice::from_ref(&o)));
    assert!(
        message.contains("`object_marking_refs`") && message.contains("list"),
        "{message}"
    );
    assert!(h.ids(None).is_empty() && h.ids(Some(&h.fr)).is_empty());
}

#[test]
fn a_party_cannot_redefine_a_tlp_definition_id() {
    let h = hub();
    let mut redefined = TlpMarking::Red2.definition().to_value();
    redefined["extensions"][TLP_2_EXTENSION_ID]["tlp_2_0"] = json!("clear");
    redefined["name"] = json!("TLP:CLEAR");
    let message = refusal(&h.post(&[Value::Object(redefined)]));
    assert!(message.contains("cannot be redefined"), "{message}");
    // The definition as published is an ordinary object.
    let published = Value::Object(TlpMarking::Red2.definition().to_value());
    let status = h.post(&[published]);
    assert_eq!(status["success_count"], 1, "{status}");
}

/// `party`'s signed submission of `body` as a `kind` entry `id` marked `tlp`, with the key in
/// `key` (an `accord keygen` file).
fn signed(kind: &str, id: &str, party: &str, tlp: Tlp, body: &Value, key: &Path) -> Value {
    let text = std::fs::read_to_string(key).unwrap();
    let signer = accord_tlog::note::Signer::from_key_string(text.trim()).unwrap();
    let s = accord_store::write::sign_submission(kind, id, party, tlp, body, signer.signing_key())
        .unwrap();
    serde_json::to_value(s).unwrap()
}

fn post_json(base: &str, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let r = client()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(body)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

#[test]
fn a_tlp_red_incident_is_refused_and_nothing_of_it_is_published() {
    let h = hub();
    let base = &h.server.base;
    let id = "red-incident-2026";
    let incident = json!({
        "id": id,
        "title": "Intrusion at a ministry",
        "summary": "Details the submitter marks TLP:RED.",
        "dates": {"disclosed": {"date": "2026-05-04", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A ministry", "country": "FR", "sector": "government",
                     "target_class": {"class": "government-non-military", "note": "a ministry", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
    });
    for tlp in [Tlp::Red, Tlp::Amber, Tlp::Green] {
        let submission = signed("incident", id, "FR", tlp, &incident, &h.fr_key);
        let (status, problem) = post_json(base, "/api/v1/incidents", &h.fr, &submission);
        assert_eq!(status, 422, "{tlp:?}: {problem}");
        assert_eq!(
            problem["errors"][0]["path"], "entry.envelope.tlp",
            "{problem}"
        );
        // The bulk endpoint checks each item the same way.
        let (status, outcome) =
            post_json(base, "/api/v1/incidents/batch", &h.fr, &json!([submission]));
        assert_eq!(status, 200, "{outcome}");
        assert_eq!(outcome["refused"], 1, "{outcome}");
        assert_eq!(outcome["results"][0]["status"], 422, "{outcome}");
        assert!(
            outcome.to_string().contains("entry.envelope.tlp"),
            "{outcome}"
        );
    }
    // Not in the REST API, its list, its page or the log.
    for path in [
        format!("/api/v1/incidents/{id}"),
        format!("/incidents/{id}"),
    ] {
        let r = client().get(format!("{base}{path}")).send().unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let list = client()
        .get(format!("{base}/api/v1/incidents?limit=500"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!list.contains(id));
    // The same incident as TLP:CLEAR is the public record.
    let submission = signed("incident", id, "FR", Tlp::Clear, &incident, &h.fr_key);
    let (status, record) = post_json(base, "/api/v1/incidents", &h.fr, &submission);
    assert_eq!(status, 201, "{record}");
}

#[test]
fn a_request_step_marked_otherwise_than_its_request_is_refused_not_published() {
    let h = hub();
    let base = &h.server.base;
    let id = accord_store::log::random_uuid().unwrap();
    let request = json!({
        "id": id, "requesting_state": "FR", "requested_state": "DE",
        "data": "subscriber", "summary": "Subscriber behind an IP address.", "tlp": "clear",
        "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"}
    });
    let submission = signed(
        "request",
        &accord_store::log::random_uuid().unwrap(),
        "FR",
        Tlp::Clear,
        &request,
        &h.fr_key,
    );
    let (status, answer) = post_json(base, "/api/v1/requests", &h.fr, &submission);
    assert_eq!(status, 201, "{answer}");
    // FR sends it with a note it marks TLP:RED: the public request would show the note.
    let secret = "the suspect's handle is darkfox";
    let step = json!({"request": id, "to": "sent", "note": secret});
    let path = &format!("/api/v1/requests/{id}/transitions");
    let submission = signed(
        "request-transition",
        &accord_store::log::random_uuid().unwrap(),
        "FR",
        Tlp::Red,
        &step,
        &h.fr_key,
    );
    let (status, problem) = post_json(base, path, &h.fr, &submission);
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        problem["errors"][0]["path"], "entry.envelope.tlp",
        "{problem}"
    );
    let page = client()
        .get(format!("{base}/requests"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains(&id) && !page.contains(secret));
    let shown = client()
        .get(format!("{base}/api/v1/requests/{id}"))
        .bearer_auth(&h.it)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!shown.contains(secret), "{shown}");
    // Marked as its request is, the step is recorded (and public, as the request is).
    let submission = signed(
        "request-transition",
        &accord_store::log::random_uuid().unwrap(),
        "FR",
        Tlp::Clear,
        &step,
        &h.fr_key,
    );
    let (status, answer) = post_json(base, path, &h.fr, &submission);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "sent");
    let _ = &h.dir;
}
