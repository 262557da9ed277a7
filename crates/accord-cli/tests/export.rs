//! `accord export` golden tests: each format's output for the shared test
//! indicators is compared with a reviewed snapshot
//! (`tests/snapshots/export__*.snap`; `cargo insta review` after a change),
//! and the summary on stderr names every indicator left out and why.

// Tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use assert_cmd::Command;

fn indicators() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/match/indicators.json")
}

/// Runs `accord export ARGS --indicators …`; returns (code, stdout, stderr).
fn export(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("accord")
        .unwrap()
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .arg("export")
        .args(args)
        .arg("--indicators")
        .arg(indicators())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn suricata_rules() {
    let (code, stdout, stderr) = export(&["suricata"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("suricata_rules", stdout);
    insta::assert_snapshot!("suricata_rules_summary", stderr);
}

#[test]
fn suricata_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = export(&["suricata", "--format", "datasets", "--out", out]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "accord-domains.lst",
            "accord-md5.lst",
            "accord-sha256.lst",
            "accord.rules"
        ]
    );
    let mut all = String::new();
    for f in &files {
        all.push_str(&format!("==> {f} <==\n"));
        all.push_str(&std::fs::read_to_string(dir.path().join(f)).unwrap());
    }
    insta::assert_snapshot!("suricata_datasets", all);
}

#[test]
fn suricata_datasets_need_an_output_directory() {
    let (code, stdout, stderr) = export(&["suricata", "--format", "datasets"]);
    assert_ne!(code, 0);
    assert_eq!(stdout, "");
    assert!(stderr.contains("give a directory with --out"), "{stderr}");
}

#[test]
fn zeek_intel() {
    let (code, stdout, stderr) = export(&["zeek"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n"));
    for line in stdout.lines().skip(1) {
        assert_eq!(line.split('\t').count(), 4, "{line:?}");
    }
    insta::assert_snapshot!("zeek_intel", stdout);
    insta::assert_snapshot!("zeek_intel_summary", stderr);
}

#[test]
fn blocklists() {
    for kind in ["domain", "ipv4", "ipv6", "url", "sha256"] {
        let (code, stdout, stderr) = export(&["blocklist", "--type", kind]);
        assert_eq!(code, 0, "{stderr}");
        insta::assert_snapshot!(format!("blocklist_{kind}"), stdout);
    }
}
