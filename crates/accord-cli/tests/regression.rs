//! Tests that pin bugs fixed in the `accord` command line, one per bug, each named after what
//! it guards and saying what went wrong. A new fix adds its test here (see HACKING.md); attacks
//! a party could make on a running hub go to the hostile-client suite (`hostile/`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{Server, fails, ok, on};

/// Bug (d7cec07): `accord log verify` on a data directory without its operator key created a
/// new key, then reported the log as forged. Verifying a store offline never makes a key: it
/// stops and says how to give one.
#[test]
fn offline_verify_without_the_operator_key_asks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    ok(on(&data).arg("principles"));
    let server = Server::start(&data);
    let vkey = reqwest::blocking::get(format!("{}/log/key", server.base))
        .unwrap()
        .text()
        .unwrap();
    server.stop();
    let kept = dir.path().join("operator.key.kept");
    std::fs::rename(data.join("operator.key"), &kept).unwrap();
    let err = fails(on(&data).args(["log", "verify"]));
    assert!(err.contains("no operator key at"), "{err}");
    assert!(err.contains("--key"), "{err}");
    assert!(!data.join("operator.key").exists(), "a key was created");
    let out = ok(on(&data).args(["log", "verify", "--key", vkey.trim()]));
    assert!(out.contains("verifies"), "{out}");
}

/// Bug (7b546a8, c91a2e2): `accord log verify | head -1` (and `log prove`) panicked with status
/// 101 writing the rest of its report once the reader had closed the pipe. A verified log or a
/// proven entry exits 0 whoever stops reading.
#[test]
fn log_commands_survive_a_reader_that_stops_early() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("hub");
    ok(on(&data).arg("principles"));
    let hub = Server::start(&data);
    for (args, json) in [
        (vec!["log", "verify"], false),
        (vec!["log", "verify"], true),
        (
            vec!["log", "prove", "--index", "3", "--hub", hub.base.as_str()],
            false,
        ),
        (
            vec!["log", "prove", "--index", "3", "--hub", hub.base.as_str()],
            true,
        ),
    ] {
        let mut cmd = on(&data);
        cmd.args(&args);
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} json={json}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
