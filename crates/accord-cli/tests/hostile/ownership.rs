//! Ownership and time: only an object's producer adds versions or deletes it; client times
//! are bounded and the hub's receipt time is what deadlines and ordering use.

use std::collections::HashMap;

use accord_stix::marking::TlpMarking;
use accord_tlog::note::Signer;
use accord_tlp::Tlp;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::common::{Server, enrol, ok, on};

const TAXII: &str = "application/taxii+json;version=2.1";
/// FR and DE write, IT reads; anonymous readers see its TLP:CLEAR objects.
const SHARED: &str = "7a1e0c55-0f1b-4c3e-9d2a-000000000001";
/// DE's own collection: FR is not a member.
const DE_ONLY: &str = "7a1e0c55-0f1b-4c3e-9d2a-000000000002";

struct Hub {
    dir: tempfile::TempDir,
    server: Server,
    tokens: HashMap<&'static str, String>,
}

fn hub() -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let mut tokens = HashMap::new();
    for p in ["FR", "DE"] {
        let (_, token) = enrol(dir.path(), &data, p);
        tokens.insert(p, token);
    }
    tokens.insert(
        "IT",
        ok(on(&data).args(["tokens", "issue", "--party", "IT"]))
            .trim()
            .to_owned(),
    );
    for (id, title, members, open) in [
        (SHARED, "Shared", &["FR:rw", "DE:rw", "IT:r"][..], true),
        (DE_ONLY, "DE only", &["DE:rw"][..], false),
    ] {
        let mut c = on(&data);
        c.args(["collections", "add", "--id", id, "--title", title]);
        for m in members {
            c.args(["--member", m]);
        }
        c.args(["--default-tlp", "amber"]);
        if open {
            c.arg("--anonymous-read");
        }
        ok(&mut c);
    }
    let server = Server::start(&data);
    Hub {
        dir,
        server,
        tokens,
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

impl Hub {
    fn objects_url(&self, collection: &str) -> String {
        format!(
            "{}/taxii2/api/collections/{collection}/objects/",
            self.server.base
        )
    }

    /// Posts an envelope as `who`; the TAXII status.
    fn post(&self, who: &str, collection: &str, objects: &[Value]) -> Value {
        let r = client()
            .post(self.objects_url(collection))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .bearer_auth(&self.tokens[who])
            .body(json!({ "objects": objects }).to_string())
            .send()
            .unwrap();
        assert_eq!(r.status(), 202);
        r.json().unwrap()
    }

    /// Every version of `id` in `collection` that `who` (`None`: anonymous) may read.
    fn versions(&self, who: Option<&str>, collection: &str, id: &str) -> Vec<Value> {
        let mut r = client()
            .get(format!(
                "{}{id}/?match[version]=all",
                self.objects_url(collection)
            ))
            .header("Accept", TAXII);
        if let Some(p) = who {
            r = r.bearer_auth(&self.tokens[p]);
        }
        let r = r.send().unwrap();
        if r.status() == 404 {
            return Vec::new();
        }
        assert_eq!(r.status(), 200);
        let page: Value = r.json().unwrap();
        page["objects"].as_array().cloned().unwrap_or_default()
    }

    fn signing_key(&self, party: &str) -> ed25519_dalek::SigningKey {
        let text = std::fs::read_to_string(self.dir.path().join(format!("{party}.key"))).unwrap();
        Signer::from_key_string(text.trim())
            .unwrap()
            .signing_key()
            .clone()
    }

    /// Signs `body` as `party`, dated `at`, and posts it to `path`; the status and body.
    /// Incidents are TLP:CLEAR (the hub's public record), requests TLP:RED.
    fn submit(
        &self,
        party: &str,
        path: &str,
        kind: &str,
        id: &str,
        body: &Value,
        at: Timestamp,
    ) -> (u16, Value) {
        let tlp = if kind == "incident" {
            Tlp::Clear
        } else {
            Tlp::Red
        };
        let s = accord_store::write::sign_submission_at(
            kind,
            id,
            party,
            tlp,
            body,
            &self.signing_key(party),
            at,
        )
        .unwrap();
        let r = client()
            .post(format!("{}{path}", self.server.base))
            .bearer_auth(&self.tokens[party])
            .json(&s)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }
}

fn stamp(t: Timestamp) -> String {
    format!("{t:.3}")
}

/// An indicator `id` of `domain`, version `modified`, under `marking`.
fn indicator(id: &str, domain: &str, modified: &str, marking: TlpMarking) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2026-01-01T00:00:00.000Z", "modified": modified,
        "name": format!("{domain} C2"),
        "pattern": format!("[domain-name:value = '{domain}']"), "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [marking.id()]
    })
}

fn failure_messages(status: &Value) -> Vec<String> {
    status["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn patterns(objects: &[Value]) -> Vec<&str> {
    objects
        .iter()
        .map(|o| o["pattern"].as_str().unwrap())
        .collect()
}

/// The finding: DE, a writer of the collection, posted FR's ids with a later `modified` (ids
/// are public in the log) and its version became the one everyone read: a RED indicator
/// swapped for DE's pattern, an AMBER one downgraded to CLEAR and served to anyone.
#[test]
fn a_writer_cannot_replace_another_partys_objects() {
    let hub = hub();
    let red_id = "indicator--7a1e0c55-0000-4000-8000-000000000001";
    let amber_id = "indicator--7a1e0c55-0000-4000-8000-000000000002";
    let first = "2026-02-01T00:00:00.000Z";
    let status = hub.post(
        "FR",
        SHARED,
        &[
            indicator(red_id, "fr-red.example", first, TlpMarking::Red2),
            indicator(amber_id, "fr-amber.example", first, TlpMarking::Amber2),
        ],
    );
    assert_eq!(status["success_count"], json!(2), "{status}");

    let later = stamp(Timestamp::now() - SignedDuration::from_secs(60));
    let swap = [
        indicator(red_id, "de-swapped.example", &later, TlpMarking::Red2),
        indicator(amber_id, "fr-amber.example", &later, TlpMarking::Clear),
    ];
    let status = hub.post("DE", SHARED, &swap);
    assert_eq!(status["success_count"], json!(0), "{status}");
    let messages = failure_messages(&status);
    assert_eq!(messages.len(), 2, "{status}");
    // The same answer for the RED object DE may not read as for the AMBER one it may: the
    // refusal confirms nothing about what DE cannot see.
    assert_eq!(
        messages[0].replace(red_id, "ID"),
        messages[1].replace(amber_id, "ID"),
        "{status}"
    );
    assert!(messages[0].contains("not yours to version"), "{status}");
    assert!(!messages[0].contains("FR"), "names the owner: {status}");

    // Nor in a collection of its own: an id is FR's on the whole hub.
    let status = hub.post("DE", DE_ONLY, &swap);
    assert_eq!(status["success_count"], json!(0), "{status}");
    assert_eq!(failure_messages(&status), messages, "{status}");

    // Everyone still reads FR's versions only.
    let red = hub.versions(Some("FR"), SHARED, red_id);
    assert_eq!(patterns(&red), ["[domain-name:value = 'fr-red.example']"]);
    let amber = hub.versions(Some("IT"), SHARED, amber_id);
    assert_eq!(amber.len(), 1, "{amber:?}");
    assert_eq!(amber[0]["modified"], json!(first));
    assert!(hub.versions(None, SHARED, amber_id).is_empty());
    assert!(hub.versions(Some("DE"), DE_ONLY, amber_id).is_empty());

    // DE cannot delete FR's object either; FR can.
    let delete = |who: &str| {
        client()
            .delete(format!("{}{amber_id}/", hub.objects_url(SHARED)))
            .header("Accept", TAXII)
            .bearer_auth(&hub.tokens[who])
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(delete("DE"), 403);
    assert_eq!(hub.versions(Some("IT"), SHARED, amber_id).len(), 1);
    assert_eq!(delete("FR"), 200);
    assert!(hub.versions(Some("IT"), SHARED, amber_id).is_empty());
    // A deleted id stays FR's.
    let status = hub.post("DE", SHARED, &swap[1..]);
    assert_eq!(status["success_count"], json!(0), "{status}");
}

/// Two parties posting the same new id at once: the append decides, one wins.
#[test]
fn two_parties_racing_on_one_new_id_get_one_winner() {
    let hub = hub();
    let ids: Vec<String> = (0..8)
        .map(|n| format!("indicator--7a1e0c55-0000-4000-8000-0000000001{n:02}"))
        .collect();
    let envelope = |party: &str| -> Vec<Value> {
        ids.iter()
            .map(|id| {
                indicator(
                    id,
                    &format!("{}.example", party.to_lowercase()),
                    "2026-02-01T00:00:00.000Z",
                    TlpMarking::Green2,
                )
            })
            .collect()
    };
    let (fr, de) = std::thread::scope(|s| {
        let fr = s.spawn(|| hub.post("FR", SHARED, &envelope("FR")));
        let de = s.spawn(|| hub.post("DE", SHARED, &envelope("DE")));
        (fr.join().unwrap(), de.join().unwrap())
    });
    let won = |status: &Value| -> Vec<String> {
        status["successes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for id in &ids {
        let winners: Vec<&str> = [("FR", &fr), ("DE", &de)]
            .into_iter()
            .filter(|(_, s)| won(s).contains(id))
            .map(|(p, _)| p)
            .collect();
        assert_eq!(winners.len(), 1, "{id}: {fr} {de}");
        let stored = hub.versions(Some("IT"), SHARED, id);
        assert_eq!(
            patterns(&stored),
            [format!(
                "[domain-name:value = '{}.example']",
                winners[0].to_lowercase()
            )],
            "{id}"
        );
    }
}

/// A version dated far ahead stayed the latest for good; a version from 1970 was accepted.
#[test]
fn object_times_in_the_future_or_before_stix_are_refused() {
    let hub = hub();
    let id = "indicator--7a1e0c55-0000-4000-8000-000000000201";
    let ahead = stamp(Timestamp::now() + SignedDuration::from_hours(24));
    let mut old = indicator(
        id,
        "old.example",
        "1970-01-01T00:00:00.000Z",
        TlpMarking::Green2,
    );
    old["created"] = json!("1970-01-01T00:00:00.000Z");
    let status = hub.post(
        "FR",
        SHARED,
        &[
            indicator(id, "future.example", &ahead, TlpMarking::Green2),
            old,
        ],
    );
    assert_eq!(status["success_count"], json!(0), "{status}");
    let messages = failure_messages(&status);
    assert!(
        messages[0].contains("`modified`") && messages[0].contains("future"),
        "{status}"
    );
    assert!(messages[1].contains("`created`"), "{status}");
    // Within the skew, the object is recorded.
    let soon = stamp(Timestamp::now() + SignedDuration::from_secs(60));
    let status = hub.post(
        "FR",
        SHARED,
        &[indicator(id, "now.example", &soon, TlpMarking::Green2)],
    );
    assert_eq!(status["success_count"], json!(1), "{status}");
}

/// The same id and `modified` with another body reported success and was dropped.
#[test]
fn a_different_object_under_a_recorded_version_is_refused() {
    let hub = hub();
    let id = "indicator--7a1e0c55-0000-4000-8000-000000000301";
    let v = "2026-02-01T00:00:00.000Z";
    let original = indicator(id, "original.example", v, TlpMarking::Green2);
    assert_eq!(
        hub.post("FR", SHARED, std::slice::from_ref(&original))["success_count"],
        json!(1)
    );
    // A retry of the same object stays a success.
    let status = hub.post("FR", SHARED, std::slice::from_ref(&original));
    assert_eq!(status["success_count"], json!(1), "{status}");
    // Another body under the same version is a failure naming the conflict.
    let changed = indicator(id, "changed.example", v, TlpMarking::Green2);
    let status = hub.post("FR", SHARED, &[changed]);
    assert_eq!(status["failure_count"], json!(1), "{status}");
    let messages = failure_messages(&status);
    assert!(
        messages[0].contains(id) && messages[0].contains("different content"),
        "{status}"
    );
    let stored = hub.versions(Some("IT"), SHARED, id);
    assert_eq!(
        patterns(&stored),
        ["[domain-name:value = 'original.example']"]
    );
}

/// Sighting `count` wrapped when tallied.
#[test]
fn a_sighting_count_beyond_the_spec_range_is_refused() {
    let hub = hub();
    let indicator_id = "indicator--7a1e0c55-0000-4000-8000-000000000401";
    let sighting = |n: u32, count: Value| {
        json!({
            "type": "sighting", "spec_version": "2.1",
            "id": format!("sighting--7a1e0c55-0000-4000-8000-0000000004{n:02}"),
            "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
            "sighting_of_ref": indicator_id, "count": count,
            "object_marking_refs": [TlpMarking::Green2.id()]
        })
    };
    let seen = indicator(
        indicator_id,
        "seen.example",
        "2026-02-01T00:00:00.000Z",
        TlpMarking::Green2,
    );
    assert_eq!(hub.post("FR", SHARED, &[seen])["success_count"], json!(1));
    let status = hub.post(
        "DE",
        SHARED,
        &[
            sighting(1, json!(u64::MAX)),
            sighting(2, json!(1_000_000_000u64)),
            sighting(3, json!(999_999_999u64)),
        ],
    );
    assert_eq!(status["success_count"], json!(1), "{status}");
    for m in failure_messages(&status) {
        assert!(m.contains("count"), "{status}");
    }
    let r = client()
        .get(format!(
            "{}/api/v1/collections/{SHARED}/objects/{indicator_id}/sightings",
            hub.server.base
        ))
        .bearer_auth(&hub.tokens["FR"])
        .send()
        .unwrap();
    let tally: Value = r.json().unwrap();
    assert_eq!(tally["count"], json!(999_999_999u64), "{tally}");
}

/// A TLP:RED object's recipients list naming a party the hub does not know was accepted.
#[test]
fn unknown_tlp_recipients_are_refused() {
    let hub = hub();
    let mut o = indicator(
        "indicator--7a1e0c55-0000-4000-8000-000000000501",
        "named.example",
        "2026-02-01T00:00:00.000Z",
        TlpMarking::Red2,
    );
    o[accord_stix::tlp::RECIPIENTS_PROPERTY] = json!(["DE", "NO-SUCH-PARTY"]);
    let status = hub.post("FR", SHARED, &[o.clone()]);
    assert_eq!(status["success_count"], json!(0), "{status}");
    let m = &failure_messages(&status)[0];
    assert!(
        m.contains(accord_stix::tlp::RECIPIENTS_PROPERTY) && m.contains("NO-SUCH-PARTY"),
        "{status}"
    );
    o[accord_stix::tlp::RECIPIENTS_PROPERTY] = json!(["DE"]);
    assert_eq!(hub.post("FR", SHARED, &[o])["success_count"], json!(1));
}

/// FR asks DE for subscriber data by a European Production Order: 10 days to answer.
fn fr_de(id: &str) -> Value {
    json!({
        "id": id, "requesting_state": "FR", "requested_state": "DE", "data": "subscriber",
        "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"},
        "summary": "Subscriber behind 203.0.113.7."
    })
}

fn assert_refuses_time(reply: &(u16, Value)) {
    assert_eq!(reply.0, 422, "{}", reply.1);
    let errors = reply.1["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "entry.envelope.submitted_at"),
        "{}",
        reply.1
    );
}

/// A request filed "60 days ago" and sent the next day was overdue for DE at once.
#[test]
fn a_backdated_request_is_refused_and_deadlines_run_from_receipt() {
    let hub = hub();
    let now = Timestamp::now();
    let ago = |days: i64| now - SignedDuration::from_hours(24 * days);
    let rid = || accord_store::log::random_uuid().unwrap();
    let filed = hub.submit(
        "FR",
        "/api/v1/requests",
        "request",
        &rid(),
        &fr_de(&rid()),
        ago(60),
    );
    assert_refuses_time(&filed);
    let ahead = hub.submit(
        "FR",
        "/api/v1/requests",
        "request",
        &rid(),
        &fr_de(&rid()),
        now + SignedDuration::from_hours(2),
    );
    assert_refuses_time(&ahead);

    // Filed and sent within the day, each stated an hour before the hub received it: the ten
    // days run from the hub's receipt of `sent`, not from the stated time.
    let id = rid();
    let filed = hub.submit(
        "FR",
        "/api/v1/requests",
        "request",
        &rid(),
        &fr_de(&id),
        now - SignedDuration::from_hours(3),
    );
    assert_eq!(filed.0, 201, "{}", filed.1);
    let stated = now - SignedDuration::from_hours(1);
    let before = Timestamp::now();
    let sent = hub.submit(
        "FR",
        &format!("/api/v1/requests/{id}/transitions"),
        "request-transition",
        &rid(),
        &json!({"request": id, "to": "sent"}),
        stated,
    );
    let after = Timestamp::now();
    assert_eq!(sent.0, 200, "{}", sent.1);
    let step = &sent.1["history"][1];
    assert_eq!(step["at"], json!(stated.to_string()), "{}", sent.1);
    let received: Timestamp = step["received_at"].as_str().unwrap().parse().unwrap();
    assert!(before <= received && received <= after, "{}", sent.1);
    let due: Timestamp = sent.1["due"][0]["due"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        due,
        received + SignedDuration::from_hours(240),
        "{}",
        sent.1
    );
}

/// Incidents accepted `submitted_at` of 1970.
#[test]
fn an_incident_dated_1970_or_in_the_future_is_refused() {
    let hub = hub();
    let incident = |id: &str| {
        json!({
            "id": id, "title": "Dated by the client", "summary": "Its envelope's date is checked.",
            "dates": {"disclosed": {"date": "2026-05-04", "source": {"as_of": "2026-11", "verification": "unverified"}}},
            "victims": [{"name": "A hospital", "country": "BE", "sector": "health",
                         "target_class": {"class": "civilian", "note": "a hospital", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
        })
    };
    for (id, at) in [
        ("dated-1970", "1970-01-01T00:00:00Z".parse().unwrap()),
        (
            "dated-ahead",
            Timestamp::now() + SignedDuration::from_hours(24),
        ),
    ] {
        let reply = hub.submit("FR", "/api/v1/incidents", "incident", id, &incident(id), at);
        assert_refuses_time(&reply);
    }
    let reply = hub.submit(
        "FR",
        "/api/v1/incidents",
        "incident",
        "dated-now",
        &incident("dated-now"),
        Timestamp::now(),
    );
    assert_eq!(reply.0, 201, "{}", reply.1);
}
