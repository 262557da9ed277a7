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

/// Bug (found with `--refresh`, issue 17): `accord match` and `accord export` used an indicator
/// whose latest version says `revoked: true` (withdrawn by its producer, STIX 2.1 §3.6) as if
/// it were current: its matches were reported and its values written to sensor rules. A
/// revoked indicator is left out, and the count is said on stderr.
#[test]
fn a_revoked_indicator_is_neither_matched_nor_exported() {
    let dir = tempfile::tempdir().unwrap();
    let indicator = |n: u32, domain: &str, revoked: bool| {
        serde_json::json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--7e1f0a2b-0000-4000-8000-{n:012}"),
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-03-01T00:00:00.000Z",
            "pattern": format!("[domain-name:value = '{domain}']"), "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z", "revoked": revoked,
        })
        .to_string()
    };
    let file = dir.path().join("indicators.ndjson");
    std::fs::write(
        &file,
        [
            indicator(1, "withdrawn.example", true),
            indicator(2, "current.example", false),
        ]
        .join("\n"),
    )
    .unwrap();
    let dns = |name: &str, n: u32| {
        format!(
            r#"{{"timestamp":"2026-11-29T10:00:0{n}.000000+0000","flow_id":{n},"event_type":"dns","src_ip":"192.0.2.10","src_port":5353,"dest_ip":"198.51.100.53","dest_port":53,"proto":"UDP","dns":{{"type":"query","id":{n},"rrname":"{name}","rrtype":"A"}}}}"#
        )
    };
    let eve = dir.path().join("eve.json");
    std::fs::write(
        &eve,
        [dns("withdrawn.example", 1), dns("current.example", 2)].join("\n"),
    )
    .unwrap();
    let out = common::accord()
        .arg("match")
        .arg("--indicators")
        .arg(&file)
        .arg("--observations")
        .arg(&eve)
        .output()
        .unwrap();
    assert!(out.status.success());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!stdout.contains("-000000000001"), "{stdout}");
    assert!(stdout.contains("-000000000002"), "{stdout}");
    assert!(
        stderr.contains("1 revoked indicator(s) left out"),
        "{stderr}"
    );
    let out = common::accord()
        .args(["export", "blocklist", "--type", "domain", "--indicators"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("current.example"), "{stdout}");
    assert!(!stdout.contains("withdrawn.example"), "{stdout}");
}
