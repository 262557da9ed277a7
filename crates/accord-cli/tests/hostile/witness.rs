//! Witness cosignatures: only configured witnesses, one each, never under the log's origin,
//! bounded below the signed-note limit.
//!
//! Found: any party with a registered key could post cosignatures under any name, the log's
//! origin included; about 100 of them pushed the checkpoint note past the signed-note limit,
//! and every write, `accord log verify` and `accord serve`'s start then failed for good.

use std::path::Path;

use accord_tlog::note::{NoteSignature, Signer, Verifier};

use crate::common::{GoReference, Server, accord, enrol, http_get, ok, on, sql};

/// The hub's log verifier (origin and key ID).
fn log_verifier(base: &str) -> Verifier {
    let text = String::from_utf8(http_get(base, "/log/key")).unwrap();
    Verifier::from_key_string(text.trim()).unwrap()
}

/// The latest checkpoint note and its size.
fn checkpoint(base: &str) -> (String, u64) {
    let note = String::from_utf8(http_get(base, "/log/checkpoint")).unwrap();
    let size = note.lines().nth(1).unwrap().parse().unwrap();
    (note, size)
}

/// The checkpoint's text (what a cosignature signs).
fn text_of(note: &str) -> String {
    note[..note.rfind("\n\n").unwrap() + 1].to_owned()
}

/// Posts a cosignature line for the checkpoint of `size` with `token`; the HTTP status and
/// the problem's body.
fn post(base: &str, token: &str, size: u64, line: &str) -> (u16, String) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{base}/log/cosignatures"))
        .bearer_auth(token)
        .json(&serde_json::json!({"size": size, "signature": line}))
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// The party's key from `accord keygen`, to sign cosignature lines under any name with it.
fn party_key(path: &Path) -> ed25519_dalek::SigningKey {
    let text = std::fs::read_to_string(path).unwrap();
    Signer::from_key_string(text.trim())
        .unwrap()
        .signing_key()
        .clone()
}

#[test]
fn a_cosignature_under_the_log_origin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (fr_key, fr) = enrol(dir.path(), &data, "FR");
    let hub = Server::start(&data);
    let log = log_verifier(&hub.base);
    let (before, size) = checkpoint(&hub.base);
    // FR's own key, under the log's origin (a key ID of its own), and under the origin with
    // the operator's key ID.
    let under_origin = Signer::new(log.name(), party_key(&fr_key)).unwrap();
    let line = under_origin.sign(&text_of(&before)).unwrap().to_line();
    let (status, body) = post(&hub.base, &fr, size, &line);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("origin"), "{body}");
    let mut forged = under_origin.sign(&text_of(&before)).unwrap();
    forged.key_id = log.key_id();
    let (status, body) = post(&hub.base, &fr, size, &forged.to_line());
    assert_eq!(status, 403, "{body}");
    assert_eq!(checkpoint(&hub.base).0, before, "nothing attached");
}

#[test]
fn a_party_that_is_not_a_configured_witness_cannot_cosign() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (fr_key, fr) = enrol(dir.path(), &data, "FR");
    let hub = Server::start(&data);
    let (before, size) = checkpoint(&hub.base);
    // FR's registered key, under FR's own name: a party's key is not a witness's.
    let fr_signer = Signer::new("FR", party_key(&fr_key)).unwrap();
    let line = fr_signer.sign(&text_of(&before)).unwrap().to_line();
    let (status, body) = post(&hub.base, &fr, size, &line);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("not a witness of this hub"), "{body}");
    assert_eq!(checkpoint(&hub.base).0, before);
}

#[test]
fn a_hundred_and_twenty_cosignatures_cannot_stop_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (fr_key, fr) = enrol(dir.path(), &data, "FR");
    let hub = Server::start(&data);
    let (before, size) = checkpoint(&hub.base);
    let key = party_key(&fr_key);
    let text = text_of(&before);
    for i in 0..120 {
        let line = Signer::new(&format!("junk{i}.example"), key.clone())
            .unwrap()
            .sign(&text)
            .unwrap()
            .to_line();
        let (status, body) = post(&hub.base, &fr, size, &line);
        assert_eq!(status, 403, "cosignature {i}: {body}");
    }
    assert_eq!(checkpoint(&hub.base).0, before);
    // Writes, verification and a restart all still work.
    enrol(dir.path(), &data, "DE");
    assert!(checkpoint(&hub.base).1 > size);
    ok(accord().args(["log", "verify", "--hub", &hub.base]));
    hub.stop();
    let hub = Server::start(&data);
    ok(accord().args(["log", "verify", "--hub", &hub.base]));
}

#[test]
fn a_configured_witness_keeps_one_cosignature_per_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let party = dir.path().join("witness.json");
    std::fs::write(
        &party,
        r#"{"id": "witness-a", "name": "Witness A", "kind": "organisation"}"#,
    )
    .unwrap();
    ok(on(&data).args(["parties", "add"]).arg(&party));
    let (wkey, wtoken) = enrol(dir.path(), &data, "witness-a");
    let (_, fr) = enrol(dir.path(), &data, "FR");
    let out = ok(on(&data)
        .args(["witnesses", "add", "--key"])
        .arg(dir.path().join("witness-a.key.pub")));
    assert!(out.contains("witness witness-a"), "{out}");
    let listed = ok(on(&data).args(["witnesses", "list", "--json"]));
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed[0]["party"], "witness-a");
    let hub = Server::start(&data);
    let (note, size) = checkpoint(&hub.base);
    let witness = Signer::new("witness-a", party_key(&wkey)).unwrap();
    let line = witness.sign(&text_of(&note)).unwrap().to_line();
    // The witness's line posted with another party's token is refused.
    let (status, body) = post(&hub.base, &fr, size, &line);
    assert_eq!(status, 403, "{body}");
    for _ in 0..3 {
        let (status, body) = post(&hub.base, &wtoken, size, &line);
        assert_eq!(status, 204, "{body}");
    }
    let (cosigned, _) = checkpoint(&hub.base);
    assert_eq!(cosigned.matches("\n\u{2014} ").count(), 2, "{cosigned}");
    let report = ok(accord().args([
        "log",
        "verify",
        "--hub",
        &hub.base,
        "--witness-key",
        &witness.verifier().to_key_string(),
    ]));
    assert!(report.contains("witness-a"), "{report}");
    // Removed: its next cosignature is refused.
    ok(on(&data).args(["witnesses", "remove", "--name", "witness-a"]));
    let (note, size) = checkpoint(&hub.base);
    let line = witness.sign(&text_of(&note)).unwrap().to_line();
    let (status, body) = post(&hub.base, &wtoken, size, &line);
    assert_eq!(status, 403, "{body}");
    // The operator's origin is never a witness name.
    let origin = log_verifier(&hub.base);
    let err = crate::common::fails(
        on(&data).args([
            "witnesses",
            "add",
            "--key",
            &Signer::new(origin.name(), party_key(&wkey))
                .unwrap()
                .verifier()
                .to_key_string(),
            "--party",
            "witness-a",
        ]),
    );
    assert!(err.contains("origin"), "{err}");
}

/// A line as the old code stored it: any name, any key ID, a signature that verifies nothing.
fn junk(name: &str, key_id: u32) -> String {
    NoteSignature {
        name: name.to_owned(),
        key_id,
        signature: vec![7; 64],
    }
    .to_line()
}

#[test]
fn a_hub_polluted_before_the_fix_recovers_on_upgrade_without_losing_an_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    enrol(dir.path(), &data, "FR");
    enrol(dir.path(), &data, "DE");
    let hub = Server::start(&data);
    let log = log_verifier(&hub.base);
    let older = http_get(&hub.base, "/log/checkpoint");
    let (_, size) = checkpoint(&hub.base);
    hub.stop();

    // What the old code let parties attach: 150 lines under any names and a line under the
    // origin with the operator's key ID on the latest checkpoint; on the one before it, the
    // operator's own line replaced by such a line (a colliding key ID replaced it).
    let mut lines = junk(log.name(), log.key_id());
    for i in 0..150 {
        lines.push_str(&junk(&format!("junk{i}.example"), i));
    }
    let latest = format!(
        "UPDATE checkpoints SET note = note || '{lines}' WHERE size = (SELECT MAX(size) FROM checkpoints)"
    );
    sql(&data, &latest, &latest);
    let bad_op = junk(log.name(), log.key_id());
    sql(
        &data,
        &format!(
            "UPDATE checkpoints SET note = substr(note, 1, instr(note, char(10) || char(10)) + 1) || '{bad_op}{lines}' \
             WHERE size = (SELECT MAX(size) FROM checkpoints WHERE size < {size})"
        ),
        &format!(
            "UPDATE checkpoints SET note = left(note, strpos(note, E'\\n\\n') + 1) || '{bad_op}{lines}' \
             WHERE size = (SELECT MAX(size) FROM checkpoints WHERE size < {size})"
        ),
    );

    // The new code opens it, serves a clean checkpoint, writes, and verifies.
    let hub = Server::start(&data);
    let (note, same) = checkpoint(&hub.base);
    assert_eq!(same, size, "no entry lost");
    assert_eq!(note.matches("\n\u{2014} ").count(), 1, "{note}");
    enrol(dir.path(), &data, "IT");
    let (_, grown) = checkpoint(&hub.base);
    assert!(grown > size);
    let report = ok(accord()
        .args(["log", "verify", "--hub", &hub.base, "--since"])
        .arg({
            let saved = dir.path().join("older.checkpoint");
            std::fs::write(&saved, &older).unwrap();
            saved
        }));
    assert!(report.contains(&format!("{grown} entries")), "{report}");
    let stored = sql(
        &data,
        "SELECT COUNT(*) FROM checkpoints WHERE note LIKE '%junk%' OR note LIKE '%BwcHBwcH%'",
        "SELECT COUNT(*) FROM checkpoints WHERE note LIKE '%junk%' OR note LIKE '%BwcHBwcH%'",
    );
    assert_eq!(stored, vec!["0".to_owned()], "every polluted note rebuilt");
    if let Some(go) = GoReference::build() {
        assert_eq!(go.check(&hub.base, &older), grown);
    }
    hub.stop();
    ok(on(&data).args(["log", "verify"]));
}
