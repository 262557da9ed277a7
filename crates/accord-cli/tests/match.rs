//! `accord match` end to end: the real binary on STIX, Suricata and Zeek
//! inputs; what reaches stdout and stderr, exit codes, and errors that name
//! `file:line`.

// Tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testdata/match")
        .join(name)
}

/// Runs `accord match` on two test files; returns (exit code, stdout, stderr).
fn run_match(indicators: &str, observations: &str, extra: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("accord")
        .unwrap()
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .arg("match")
        .arg("--indicators")
        .arg(testdata(indicators))
        .arg("--observations")
        .arg(testdata(observations))
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn matched_names(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            let start = l.find('(').unwrap() + 1;
            let end = l.find("):").unwrap();
            l[start..end].to_string()
        })
        .collect()
}

#[test]
fn suricata_eve_sightings_one_line_each() {
    let (code, stdout, stderr) = run_match("indicators.json", "eve.json", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        matched_names(&stdout),
        [
            "Loader SHA-256",
            "C2 domains",
            "C2 range",
            "Webshell URL",
            "Phishing certificate",
            "Lookup then beacon",
            "Webshell paths",
            "Loader MD5 or name",
            "Login phishing host",
        ]
    );
    // The DNS lookup and the flow to port 4444 are two records: the
    // FOLLOWEDBY sighting names both.
    let beacon = stdout
        .lines()
        .find(|l| l.contains("Lookup then beacon"))
        .unwrap();
    assert_eq!(beacon.matches("observed-data--").count(), 2);
    assert!(stderr.contains("9 sighting(s)"), "{stderr}");
    assert!(
        stderr.contains("2 record(s) of event types without a mapping ignored"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pattern_type `yara` is not `stix`"),
        "{stderr}"
    );
}

#[test]
fn zeek_logs_sightings() {
    let (code, stdout, stderr) = run_match("indicators.json", "zeek.log", &["--threads", "3"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        matched_names(&stdout),
        [
            "C2 domains",
            "C2 range",
            "Webshell paths",
            "IPv6 C2",
            "Loader MD5 or name"
        ]
    );
}

/// The same Zeek logs in the default TSV format (one header per log, so the layout changes
/// four times mid-file) give the sightings of their JSON form.
#[test]
fn zeek_tsv_logs_give_the_sightings_of_the_same_logs_in_json() {
    let (code, json, stderr) = run_match("indicators.json", "zeek.log", &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, tsv, stderr) = run_match("indicators.json", "zeek-tsv.log", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(matched_names(&tsv), matched_names(&json));
    assert!(stderr.contains("from 6 record(s)"), "{stderr}");
}

#[test]
fn json_output_is_only_valid_stix_sightings() {
    let (code, stdout, stderr) = run_match("indicators.json", "eve.json", &["--json"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 9);
    for line in lines {
        let object = accord_stix::object::StixObject::from_json(line).unwrap();
        object.validate().unwrap();
        assert_eq!(object.object_type, "sighting");
        let refs = object
            .get("observed_data_refs")
            .and_then(Value::as_array)
            .unwrap();
        assert!(!refs.is_empty());
    }
    // Sighting ids are derived from what was seen, so reruns agree.
    let (_, again, _) = run_match("indicators.json", "eve.json", &["--json"]);
    let ids = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(ids(&stdout), ids(&again));
}

#[test]
fn single_thread_gives_the_same_sightings() {
    let (_, one, _) = run_match("indicators.json", "eve.json", &["--threads", "1"]);
    let (_, two, _) = run_match("indicators.json", "eve.json", &["--threads", "2"]);
    assert_eq!(one, two);
}

#[test]
fn no_sightings_is_empty_stdout_and_success() {
    let (code, stdout, stderr) = run_match("bad-pattern.ndjson", "eve.json", &["--skip-invalid"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("0 sighting(s)"), "{stderr}");
    assert!(
        stderr.contains("skipped 1 invalid indicator record(s)"),
        "{stderr}"
    );
    assert!(stderr.contains("bad-pattern.ndjson:2:"), "{stderr}");
}

#[test]
fn an_invalid_pattern_fails_naming_file_and_line() {
    let (code, stdout, stderr) = run_match("bad-pattern.ndjson", "eve.json", &[]);
    assert_ne!(code, 0);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(
            "bad-pattern.ndjson:2: indicator indicator--00000000-0000-4000-8000-000000000002"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("line 1, column 22"), "{stderr}");
}

#[test]
fn an_invalid_observation_fails_naming_file_and_line() {
    let (code, stdout, stderr) = run_match("indicators.json", "bad-eve.json", &[]);
    assert_ne!(code, 0);
    assert_eq!(stdout, "");
    assert!(stderr.contains("bad-eve.json:4: invalid JSON"), "{stderr}");
}

#[test]
fn skip_invalid_counts_and_reports_skipped_lines() {
    let (code, stdout, stderr) = run_match("indicators.json", "bad-eve.json", &["--skip-invalid"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("skipped 2 invalid observation record(s)"),
        "{stderr}"
    );
    assert!(stderr.contains("bad-eve.json:4: invalid JSON"), "{stderr}");
    assert!(
        stderr.contains(
            "bad-eve.json:5: Suricata flow event: field `src_ip`: `not-an-ip` is not an IP address"
        ),
        "{stderr}"
    );
    // The good records around the bad ones are still matched.
    assert_eq!(
        matched_names(&stdout),
        [
            "C2 domains",
            "C2 range",
            "Webshell URL",
            "Lookup then beacon",
            "Webshell paths"
        ]
    );
}

#[test]
fn stix_observations_from_a_bundle_file() {
    let (code, stdout, stderr) = run_match("indicators.json", "observations.json", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        matched_names(&stdout),
        ["C2 domains", "Webshell URL", "Webshell paths"]
    );
}

#[test]
fn strict_mode_reports_the_first_bad_line_in_the_file() {
    // Line 2 has a bad address, line 4 is broken JSON: line 2 is reported.
    let (code, stdout, stderr) =
        run_match("indicators.json", "bad-order.json", &["--threads", "2"]);
    assert_ne!(code, 0);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("bad-order.json:2: Suricata flow event"),
        "{stderr}"
    );
    assert!(!stderr.contains("bad-order.json:4"), "{stderr}");
}

#[test]
fn a_bad_where_sighted_reference_fails_before_any_matching() {
    for (reference, why) in [
        ("identity--not-a-uuid", "is not a UUID"),
        (
            "indicator--0c7e1f4e-0000-4000-8000-0000000000de",
            "not an identity",
        ),
    ] {
        // Checked before the hub is asked for anything (nothing listens on port 9).
        let out = Command::cargo_bin("accord")
            .unwrap()
            .args(["match", "--hub", "http://127.0.0.1:9", "--token", "t"])
            .arg("--observations")
            .arg(testdata("eve.json"))
            .args(["--post-sightings", "--tlp", "green"])
            .args(["--where-sighted", reference])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("--where-sighted {reference:?}")),
            "{stderr}"
        );
        assert!(stderr.contains(why), "{stderr}");
        assert!(!stderr.contains("cannot reach"), "{stderr}");
    }
}
