//! C2SP tlog-witness between two real hubs: hub B witnesses hub A's log
//! (`--witness-log`, `--witness-key`); hub A asks B to cosign each new checkpoint
//! (`--witness-url`) and serves B's cosignature, which `accord log verify --witness …
//! --min-witnesses 1` then requires; a later checkpoint is cosigned through a consistency
//! proof from the one before.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, accord, enrol, fails, ok, on};

use std::time::{Duration, Instant};

use accord_tlog::note::Signer;

fn checkpoint(base: &str) -> String {
    reqwest::blocking::get(format!("{base}/log/checkpoint"))
        .unwrap()
        .text()
        .unwrap()
}

/// Waits (bounded) until hub `base` serves a checkpoint of at least `size` carrying `name`'s
/// line; returns it.
fn wait_cosigned(base: &str, name: &str, size: u64) -> String {
    let start = Instant::now();
    loop {
        let note = checkpoint(base);
        let at: u64 = note.lines().nth(1).unwrap().parse().unwrap();
        if at >= size && note.contains(&format!("\n\u{2014} {name} ")) {
            return note;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no cosignature of {name} at size {size} after 60 s:\n{note}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_hub_witnesses_another_and_the_log_serves_its_cosignatures() {
    let dir = tempfile::tempdir().unwrap();
    let log_data = dir.path().join("log-hub");
    let witness_data = dir.path().join("witness-hub");
    let party = dir.path().join("witness.json");
    std::fs::write(
        &party,
        r#"{"id": "witness-b", "name": "Witness B", "kind": "organisation"}"#,
    )
    .unwrap();
    ok(on(&log_data).args(["parties", "add"]).arg(&party));
    let (wkey, _) = enrol(dir.path(), &log_data, "witness-b");
    let signer = Signer::from_key_string(std::fs::read_to_string(&wkey).unwrap().trim()).unwrap();
    let cosigner = signer.cosigner_verifier().to_key_string();
    ok(on(&log_data).args([
        "witnesses",
        "add",
        "--party",
        "witness-b",
        "--key",
        &cosigner,
    ]));
    let log_key = Signer::from_key_string(
        std::fs::read_to_string(log_data.join("operator.key"))
            .unwrap()
            .trim(),
    )
    .unwrap()
    .verifier()
    .to_key_string();

    let mut witness_cmd = on(&witness_data);
    witness_cmd
        .env("ACCORD_WITNESS_LOGS", &log_key)
        .env("ACCORD_WITNESS_KEY", &wkey);
    let witness = Server::start_with(witness_cmd);
    let mut log_cmd = on(&log_data);
    log_cmd.env("ACCORD_WITNESS_URLS", &witness.base);
    let log = Server::start_with(log_cmd);

    let first = wait_cosigned(&log.base, signer.name(), 1);
    let size: u64 = first.lines().nth(1).unwrap().parse().unwrap();
    let verify = |min: &str| {
        let mut c = accord();
        c.args([
            "log",
            "verify",
            "--hub",
            &log.base,
            "--key",
            &log_key,
            "--witness",
            &cosigner,
            "--min-witnesses",
            min,
        ]);
        c
    };
    ok(&mut verify("1"));

    // The log grows: the next checkpoint is cosigned from the last (a consistency proof).
    enrol(dir.path(), &log_data, "FR");
    wait_cosigned(&log.base, signer.name(), size + 1);
    ok(&mut verify("1"));

    // A witness the verifier was not told about does not count.
    let other = Signer::from_seed("other.example/w", &[5; 32])
        .unwrap()
        .cosigner_verifier()
        .to_key_string();
    let mut c = accord();
    c.args([
        "log",
        "verify",
        "--hub",
        &log.base,
        "--witness",
        &other,
        "--min-witnesses",
        "1",
    ]);
    let err = fails(&mut c);
    assert!(err.contains("0 valid cosignature"), "{err}");
}
