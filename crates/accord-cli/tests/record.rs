//! The verifiable record end to end with the real binary: `log verify` over HTTP and offline,
//! tampering caught and named, `log prove`, and a witness that refuses a fork.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, accord, enrol, fails, fork_hub, ok, on, sql};

#[test]
fn verify_over_http_and_offline_and_prove() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    ok(on(&data).arg("principles"));
    let server = Server::start(&data);
    let key = ok(on(&data).args(["log", "verify", "--json"]));
    let report: serde_json::Value = serde_json::from_str(&key).unwrap();
    let size = report["size"].as_u64().unwrap();
    assert!(size > 100, "{report}");
    assert_eq!(report["bodies_checked"].as_u64().unwrap(), size);

    let pinned = std::fs::read_to_string(data.join("operator.key")).unwrap();
    assert!(pinned.starts_with("PRIVATE+KEY+"));
    let vkey = reqwest::blocking::get(format!("{}/log/key", server.base))
        .unwrap()
        .text()
        .unwrap();
    let out = ok(accord().args(["log", "verify", "--hub", &server.base, "--key", vkey.trim()]));
    assert!(out.contains(&format!("{size} entries")), "{out}");

    // Save the checkpoint, write more, and prove the log still extends it.
    let saved = dir.path().join("saved-checkpoint");
    std::fs::write(
        &saved,
        reqwest::blocking::get(format!("{}/log/checkpoint", server.base))
            .unwrap()
            .bytes()
            .unwrap(),
    )
    .unwrap();
    enrol(dir.path(), &data, "FR");
    let out = ok(accord()
        .args(["log", "verify", "--hub", &server.base, "--since"])
        .arg(&saved));
    assert!(
        out.contains(&format!(
            "consistent with the saved checkpoint of size {size}"
        )),
        "{out}"
    );

    let out = ok(accord().args([
        "log",
        "prove",
        "--index",
        "7",
        "--hub",
        &server.base,
        "--key",
        vkey.trim(),
    ]));
    assert!(out.contains("entry 7") && out.contains("verified"), "{out}");

    // Pinning another key fails the verification.
    let other = dir.path().join("other.key");
    ok(accord()
        .args(["keygen", "--party", "accord.localhost/log", "--out"])
        .arg(&other));
    let err = fails(
        accord()
            .args(["log", "verify", "--hub", &server.base, "--key"])
            .arg(dir.path().join("other.key.pub")),
    );
    assert!(err.contains("checkpoint does not verify"), "{err}");
}

#[test]
fn tampering_on_disk_is_caught_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    ok(on(&data).arg("principles"));
    ok(on(&data).args(["log", "verify"]));

    // An edited entry: its leaf no longer matches what the tree committed to.
    sql(
        &data,
        r#"UPDATE log_entries SET entry = CAST(replace(CAST(entry AS TEXT), '"submitter":"hub-operator"', '"submitter":"hub-operatoR"') AS BLOB) WHERE idx = 40"#,
        r#"UPDATE log_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '"submitter":"hub-operator"', '"submitter":"hub-operatoR"'), 'UTF8') WHERE idx = 40"#,
    );
    let err = fails(on(&data).args(["log", "verify"]));
    assert!(err.contains("entry 40"), "{err}");
    // Another entry's valid bytes in its place: still not what the tree committed to.
    let copy = "UPDATE log_entries SET entry = (SELECT entry FROM log_entries WHERE idx = 41) WHERE idx = 40";
    sql(&data, copy, copy);
    let err = fails(on(&data).args(["log", "verify"]));
    assert!(err.contains("entry 40"), "{err}");

    // A fresh hub, and an edited stored node: the tile that serves it is named.
    let data2 = dir.path().join("hub2");
    ok(on(&data2).arg("principles"));
    sql(
        &data2,
        "UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 3",
        "UPDATE log_nodes SET hash = decode(repeat('00', 32), 'hex') WHERE level = 0 AND idx = 3",
    );
    let err = fails(on(&data2).args(["log", "verify"]));
    assert!(err.contains("tile/0/000"), "{err}");

    // A fresh hub, and an edited body: the entry's hash no longer matches it.
    let data3 = dir.path().join("hub3");
    ok(on(&data3).arg("principles"));
    sql(
        &data3,
        "UPDATE log_entries SET body = CAST('{}' AS BLOB) WHERE idx = 12",
        "UPDATE log_entries SET body = convert_to('{}', 'UTF8') WHERE idx = 12",
    );
    let err = fails(on(&data3).args(["log", "verify"]));
    assert!(err.contains("entry 12") && err.contains("body"), "{err}");
}

#[test]
fn witness_cosigns_then_refuses_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    ok(on(&data).arg("principles"));
    let party = dir.path().join("witness.json");
    std::fs::write(
        &party,
        r#"{"id": "witness-one-party", "name": "Witness One", "kind": "organisation"}"#,
    )
    .unwrap();
    ok(on(&data).args(["parties", "add"]).arg(&party));
    let (wkey, token) = enrol(dir.path(), &data, "witness-one-party");
    ok(on(&data)
        .args(["witnesses", "add", "--name", "witness-one-party", "--key"])
        .arg(dir.path().join("witness-one-party.key.pub")));
    let state = dir.path().join("witness.state");
    let vkey_file = dir.path().join("log.vkey");

    // A fork: a copy of the hub taken now, then both copies diverge.
    let fork = dir.path().join("fork");
    fork_hub(&data, &fork);

    let server = Server::start(&data);
    std::fs::write(
        &vkey_file,
        reqwest::blocking::get(format!("{}/log/key", server.base))
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    let witness = |base: &str| {
        let mut c = accord();
        c.args(["witness", "--hub", base, "--key"])
            .arg(&wkey)
            .arg("--state")
            .arg(&state)
            .arg("--log-key")
            .arg(&vkey_file)
            .args(["--token", &token]);
        c
    };
    let out = ok(&mut witness(&server.base));
    assert!(out.contains("cosigned"), "{out}");
    let cp = reqwest::blocking::get(format!("{}/log/checkpoint", server.base))
        .unwrap()
        .text()
        .unwrap();
    assert!(cp.contains("— witness-one-party "), "{cp}");
    // The log grows; the witness follows.
    enrol(dir.path(), &data, "FR");
    ok(&mut witness(&server.base));
    // Its lines are C2SP cosignature/v1 (accepted from a witness configured with its plain
    // note key, as before): they count under its cosigner key, not its note key.
    let signer =
        accord_tlog::note::Signer::from_key_string(std::fs::read_to_string(&wkey).unwrap().trim())
            .unwrap();
    let verify = |key: String| {
        let mut c = accord();
        c.args([
            "log",
            "verify",
            "--hub",
            &server.base,
            "--min-witnesses",
            "1",
        ])
        .args(["--witness", &key]);
        c
    };
    ok(&mut verify(signer.cosigner_verifier().to_key_string()));
    fails(&mut verify(signer.verifier().to_key_string()));
    drop(server);

    // The fork writes something else and grows past the witness's last checkpoint.
    enrol(dir.path(), &fork, "DE");
    enrol(dir.path(), &fork, "IT");
    let forked = Server::start(&fork);
    let err = fails(&mut witness(&forked.base));
    assert!(err.contains("FORK"), "{err}");
    assert!(
        err.contains("last checkpoint this witness cosigned")
            && err.contains("checkpoint the hub serves now"),
        "{err}"
    );
    let served = reqwest::blocking::get(format!("{}/log/checkpoint", forked.base))
        .unwrap()
        .text()
        .unwrap();
    assert!(!served.contains("witness-one-party"), "cosigned a fork");
}

/// `log verify --witness VKEY --min-witnesses N`: passes with N valid C2SP cosignature/v1
/// cosignatures from the given keys, fails naming the missing witnesses otherwise.
#[test]
fn log_verify_requires_min_witnesses_cosignatures() {
    use accord_tlog::note::Signer;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let party = dir.path().join("witness.json");
    std::fs::write(
        &party,
        r#"{"id": "witness-v1", "name": "Witness V1", "kind": "organisation"}"#,
    )
    .unwrap();
    ok(on(&data).args(["parties", "add"]).arg(&party));
    let (wkey, token) = enrol(dir.path(), &data, "witness-v1");
    let signer = Signer::from_key_string(std::fs::read_to_string(&wkey).unwrap().trim()).unwrap();
    let cosigner = signer.cosigner_verifier().to_key_string();
    ok(on(&data).args([
        "witnesses",
        "add",
        "--party",
        "witness-v1",
        "--key",
        &cosigner,
    ]));
    // A second witness that never cosigns.
    let absent = Signer::from_seed("absent.example/w", &[77; 32]).unwrap();
    let absent_key = absent.cosigner_verifier().to_key_string();
    let server = Server::start(&data);
    let note = reqwest::blocking::get(format!("{}/log/checkpoint", server.base))
        .unwrap()
        .text()
        .unwrap();
    let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
    let text = &note[..note.rfind("\n\n").unwrap() + 1];
    let line = signer.cosign(text, 1_800_000_000).unwrap().to_line();
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/log/cosignatures", server.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"size": size, "signature": line}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let verify = |keys: &[&str], min: &str| {
        let mut c = accord();
        c.args([
            "log",
            "verify",
            "--hub",
            &server.base,
            "--min-witnesses",
            min,
        ]);
        for k in keys {
            c.args(["--witness", k]);
        }
        c
    };
    let out = ok(&mut verify(&[&cosigner, &absent_key], "1"));
    assert!(out.contains("witness-v1"), "{out}");
    let err = fails(&mut verify(&[&cosigner, &absent_key], "2"));
    assert!(
        err.contains("1 valid cosignature") && err.contains("absent.example/w"),
        "{err}"
    );
    // The witness's plain note key does not count: the line is a cosignature/v1.
    let err = fails(&mut verify(&[&signer.verifier().to_key_string()], "1"));
    assert!(err.contains("0 valid cosignature"), "{err}");
    // More than the keys given is refused up front.
    let err = fails(&mut verify(&[&cosigner], "2"));
    assert!(err.contains("distinct --witness keys"), "{err}");
}
