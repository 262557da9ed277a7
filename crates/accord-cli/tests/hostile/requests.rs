//! Evidence-request ids: what a filer may choose, what the public log shows of a request's
//! steps, and what filing under a taken id tells a state that may not read the request.
//!
//! A hostile state tries to pick an id that says something (or that it can guess another
//! request by), to read where a TLP:RED request stands from its steps' entry ids in the public
//! log, and to learn whether a guessed id names a request by filing under it.

use std::path::{Path, PathBuf};

use accord_law::request::is_random_uuid;
use accord_store::log::random_uuid;
use accord_tlp::Tlp;
use serde_json::{Value, json};

use crate::common::{Server, accord, checkpoint_size, enrol, http_get, ok};

/// A hub where FR, DE and US may sign, with their keys and tokens.
struct Hub {
    dir: tempfile::TempDir,
    server: Server,
    keys: Vec<(String, PathBuf, String)>,
}

fn hub() -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let keys = ["FR", "DE", "US"]
        .into_iter()
        .map(|p| {
            let (key, token) = enrol(dir.path(), &data, p);
            (p.to_owned(), key, token)
        })
        .collect();
    let server = Server::start(&data);
    Hub { dir, server, keys }
}

impl Hub {
    fn party(&self, party: &str) -> &(String, PathBuf, String) {
        self.keys.iter().find(|(p, _, _)| p == party).unwrap()
    }

    /// `party` signs `body` as a `kind` entry with id `entry_id`, marked `tlp`, and posts it to
    /// `path`: the status and the answer.
    fn post(
        &self,
        party: &str,
        path: &str,
        kind: &str,
        entry_id: &str,
        tlp: Tlp,
        body: &Value,
    ) -> (u16, Value) {
        let (_, key, token) = self.party(party);
        let text = std::fs::read_to_string(key).unwrap();
        let signer = accord_tlog::note::Signer::from_key_string(text.trim()).unwrap();
        let s = accord_store::write::sign_submission(
            kind,
            entry_id,
            party,
            tlp,
            body,
            signer.signing_key(),
        )
        .unwrap();
        let r = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.server.base))
            .bearer_auth(token)
            .json(&s)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    /// `party` files request `body` (TLP:RED unless it says otherwise) under a fresh entry id.
    fn file(&self, party: &str, body: &Value) -> (u16, Value) {
        let tlp = body
            .get("tlp")
            .map_or(Tlp::Red, |t| serde_json::from_value(t.clone()).unwrap());
        self.post(
            party,
            "/api/v1/requests",
            "request",
            &random_uuid().unwrap(),
            tlp,
            body,
        )
    }

    /// `accord submit KIND FILE` as `party`: its standard output.
    fn submit(&self, party: &str, kind: &str, file: &Path) -> String {
        let (_, key, token) = self.party(party);
        ok(accord()
            .args(["submit", kind])
            .arg(file)
            .arg("--key")
            .arg(key)
            .args(["--hub", &self.server.base, "--token", token]))
    }

    fn write(&self, name: &str, v: &Value) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, v.to_string()).unwrap();
        p
    }

    fn log_size(&self) -> u64 {
        checkpoint_size(&http_get(&self.server.base, "/log/checkpoint"))
    }

    /// Entry `i` of the public log, as anyone reads it.
    fn entry(&self, i: u64) -> Value {
        serde_json::from_slice(&http_get(&self.server.base, &format!("/log/entries/{i}"))).unwrap()
    }
}

/// `from` asks `to` to preserve content data under the Budapest Convention (Art. 29).
fn request(id: &str, from: &str, to: &str) -> Value {
    json!({
        "id": id, "requesting_state": from, "requested_state": to, "data": "content",
        "pathway": {"instrument": "budapest", "article": "Art. 29"},
        "summary": "Preserve the mailbox behind the phishing campaign."
    })
}

/// Request ids were free text chosen by the filer.
#[test]
fn a_request_id_chosen_by_the_filer_is_refused_unless_a_random_uuid() {
    let h = hub();
    let fresh = random_uuid().unwrap();
    let before = h.log_size();
    for chosen in [
        "fr-de-2026-0042".to_owned(),
        "de".to_owned(),
        fresh.to_uppercase(),
        format!("{{{fresh}}}"),
        format!("urn:uuid:{fresh}"),
        fresh.replace('-', ""),
        // Version 1 (time-based, it names a clock and a host) and the nil UUID.
        "c232ab00-9414-11ec-b3c8-9f6bdeced846".to_owned(),
        "00000000-0000-0000-0000-000000000000".to_owned(),
    ] {
        let (status, problem) = h.file("FR", &request(&chosen, "FR", "DE"));
        assert_eq!(status, 422, "{chosen}: {problem}");
        assert_eq!(
            problem["errors"][0]["path"], "body.id",
            "{chosen}: {problem}"
        );
        assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "{problem}");
    }
    // The filing's own entry id is a fresh random UUID too, never the request's id.
    for entry_id in [fresh.clone(), "fr-de-2026-0042".to_owned()] {
        let (status, problem) = h.post(
            "FR",
            "/api/v1/requests",
            "request",
            &entry_id,
            Tlp::Red,
            &request(&fresh, "FR", "DE"),
        );
        assert_eq!(status, 422, "{entry_id}: {problem}");
        assert_eq!(
            problem["errors"][0]["path"], "entry.envelope.id",
            "{problem}"
        );
    }
    assert_eq!(h.log_size(), before, "a refused filing wrote an entry");
    let (status, filed) = h.file("FR", &request(&fresh, "FR", "DE"));
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["id"], json!(fresh));
}

/// Transition entry ids (`{request}/{status}`) showed a request's status in the public log.
#[test]
fn a_transition_entry_id_does_not_reveal_the_request_or_its_status() {
    let h = hub();
    // Filed and moved with the CLI, which draws every id.
    let mut body = request("", "FR", "DE");
    body.as_object_mut().unwrap().remove("id");
    let filed = h.write("request.json", &body);
    let out = h.submit("FR", "request", &filed);
    let id = out.split(' ').nth(1).unwrap().to_owned();
    assert!(is_random_uuid(&id), "{out}");
    let first = h.log_size() - 1;
    let steps = [("FR", "sent"), ("DE", "acknowledged"), ("DE", "preserved")];
    for (party, to) in steps {
        let file = h.write(&format!("{to}.json"), &json!({"request": id, "to": to}));
        h.submit(party, "request-transition", &file);
    }
    let size = h.log_size();
    assert_eq!(size, first + 4);

    // What anyone reads of the four entries: kinds, signers, times; ids that say nothing.
    let mut seen = Vec::new();
    for i in first..size {
        let e = h.entry(i);
        let envelope = &e["entry"]["envelope"];
        let entry_id = envelope["id"].as_str().unwrap();
        assert!(is_random_uuid(entry_id), "{e}");
        assert!(entry_id != id, "entry {i} is named after the request: {e}");
        let text = e.to_string();
        assert!(!text.contains(&id), "entry {i} names the request: {text}");
        for status in ["sent", "acknowledged", "preserved"] {
            assert!(!entry_id.contains(status), "entry {i} names {status}");
        }
        assert!(e["body"].is_null(), "{e}");
        seen.push(entry_id.to_owned());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "entry ids repeat: {seen:?}");

    // A step named the old way, or after its request, is refused and writes nothing.
    let path = format!("/api/v1/requests/{id}/transitions");
    let step = json!({"request": id, "to": "produced"});
    for entry_id in [format!("{id}/produced"), id.clone(), "produced".to_owned()] {
        let (status, problem) = h.post(
            "DE",
            &path,
            "request-transition",
            &entry_id,
            Tlp::Red,
            &step,
        );
        assert_eq!(status, 422, "{entry_id}: {problem}");
        assert_eq!(
            problem["errors"][0]["path"], "entry.envelope.id",
            "{problem}"
        );
    }
    assert_eq!(h.log_size(), size);
}

/// "request … already exists" confirmed a guessed id of a request the caller cannot see.
#[test]
fn a_taken_request_id_is_not_confirmed_to_a_third_state() {
    let h = hub();
    let secret = random_uuid().unwrap();
    let (status, filed) = h.file("FR", &request(&secret, "FR", "DE"));
    assert_eq!(status, 201, "{filed}");
    let before = h.log_size();

    // US files its own request under FR's TLP:RED id, and under an id that is no UUID: the
    // two answers are the same, byte for byte, and neither writes anything.
    let taken = h.file("US", &request(&secret, "US", "DE"));
    let malformed = h.file("US", &request("us-de-1", "US", "DE"));
    assert_eq!(taken.0, 422, "{}", taken.1);
    assert_eq!(taken, malformed);
    assert_eq!(taken.1["errors"][0]["path"], "body.id");
    assert!(
        !taken.1.to_string().contains("exist"),
        "the answer speaks of existence: {}",
        taken.1
    );
    assert_eq!(h.log_size(), before);

    // DE, the other party of the request, may see it: it is told of the conflict.
    let (status, conflict) = h.file("DE", &request(&secret, "DE", "FR"));
    assert_eq!(status, 409, "{conflict}");
    // So is anyone who may read the request: a TLP:GREEN one is the community's.
    let shared = random_uuid().unwrap();
    let mut green = request(&shared, "FR", "DE");
    green["tlp"] = json!("green");
    assert_eq!(h.file("FR", &green).0, 201);
    let (status, conflict) = h.file("US", &request(&shared, "US", "DE"));
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(h.log_size(), before + 1);

    // With an id of its own, the same filing by US is recorded.
    let (status, own) = h.file("US", &request(&random_uuid().unwrap(), "US", "DE"));
    assert_eq!(status, 201, "{own}");
}

/// `GET /api/v1/requests/provenance` (what a peer hub reading as a party mirrors) serves the
/// entries of the requests the caller is a side of, each provable against the log, and
/// nothing of anyone else's: a third state, even of a TLP:GREEN request it may read here, gets
/// no step of it, no body and no salt; no token, a size beyond the log or a cursor it was not
/// given are refused.
#[test]
fn a_third_state_gets_no_step_of_a_request_from_its_provenance() {
    use accord_tlog::checkpoint::Checkpoint;
    use accord_tlog::entry::SignedEntry;
    use accord_tlog::merkle::{Hash, leaf_hash, verify_inclusion};
    use accord_tlog::note::Verifier;

    let h = hub();
    let red = random_uuid().unwrap();
    let (status, _) = h.file("FR", &request(&red, "FR", "DE"));
    assert_eq!(status, 201);
    let green = random_uuid().unwrap();
    let mut body = request(&green, "FR", "DE");
    body["tlp"] = json!("green");
    let (status, _) = h.file("FR", &body);
    assert_eq!(status, 201);
    let size = h.log_size();
    let get = |party: Option<&str>, query: &str| {
        let mut r = reqwest::blocking::Client::new().get(format!(
            "{}/api/v1/requests/provenance{query}",
            h.server.base
        ));
        if let Some(p) = party {
            r = r.bearer_auth(&h.party(p).2);
        }
        let r = r.send().unwrap();
        (
            r.status().as_u16(),
            r.json::<Value>().unwrap_or(Value::Null),
        )
    };
    // The third state may read the green request here, but is no side of either.
    let (status, page) = get(Some("US"), &format!("?size={size}"));
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"], json!([]), "{page}");
    // DE, a side, gets both filings, each committing to its body and included in the tree.
    let (status, page) = get(Some("DE"), &format!("?size={size}"));
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    let key = String::from_utf8(http_get(&h.server.base, "/log/key")).unwrap();
    let verifier = Verifier::from_key_string(key.trim()).unwrap();
    let note = http_get(&h.server.base, "/log/checkpoint");
    let origin = String::from_utf8_lossy(&note)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let (cp, _) = Checkpoint::open(&note, &origin, &[verifier]).unwrap();
    assert_eq!(cp.size, size);
    let mut ids = Vec::new();
    for item in items {
        let entry = hex::decode(item["entry"].as_str().unwrap()).unwrap();
        let body = hex::decode(item["body"].as_str().unwrap()).unwrap();
        let salt = hex::decode(item["salt"].as_str().unwrap()).unwrap();
        let signed = SignedEntry::from_bytes(&entry).unwrap();
        assert_eq!(signed.envelope.kind, "request");
        assert!(signed.envelope.commits_to(&body, Some(&salt)));
        let proof: Vec<Hash> = serde_json::from_value(item["inclusion"].clone()).unwrap();
        let index = item["log_index"].as_u64().unwrap();
        verify_inclusion(&leaf_hash(&entry), index, size, &proof, &cp.root).unwrap();
        let filed: Value = serde_json::from_slice(&body).unwrap();
        ids.push(filed["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids, [red.clone(), green.clone()]);
    // Paged by the last index: the second page holds the second filing only.
    let (_, first) = get(Some("DE"), &format!("?size={size}&limit=1"));
    let next = first["next"].as_str().unwrap().to_owned();
    let (_, second) = get(Some("DE"), &format!("?size={size}&limit=1&cursor={next}"));
    assert_eq!(second["items"][0], items[1], "{second}");
    // Below the second filing's index, only the first is in the tree asked.
    let second_index = items[1]["log_index"].as_u64().unwrap();
    let (_, smaller) = get(Some("DE"), &format!("?size={second_index}"));
    assert_eq!(smaller["items"].as_array().unwrap().len(), 1, "{smaller}");
    // Refused: no token, a size beyond the log (or none), a cursor this hub did not give.
    assert_eq!(get(None, &format!("?size={size}")).0, 401);
    for query in [
        format!("?size={}", size + 1),
        "?size=0".to_owned(),
        String::new(),
        format!("?size={size}&cursor=zz"),
        format!("?size={size}&limit=0"),
    ] {
        let (status, answer) = get(Some("DE"), &query);
        assert_eq!(status, 400, "{query}: {answer}");
    }
}
