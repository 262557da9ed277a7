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

/// Found in review: with an indicator file, `--post-sightings` (and `--spool`) were accepted
/// and nothing was posted, since file indicators belong to no collection of the hub.
#[test]
fn post_sightings_with_an_indicator_file_is_refused_not_ignored() {
    let out = Command::cargo_bin("accord")
        .unwrap()
        .arg("match")
        .arg("--indicators")
        .arg(testdata("indicators.json"))
        .args(["--hub", "http://127.0.0.1:9", "--token", "t"])
        .arg("--observations")
        .arg(testdata("eve.json"))
        .args(["--post-sightings", "--tlp", "green"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("--post-sightings") && stderr.contains("--indicators"),
        "{stderr}"
    );
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

/// An NDJSON indicator file in `dir` with one indicator per pattern.
fn indicator_file(dir: &tempfile::TempDir, patterns: &[&str]) -> PathBuf {
    let path = dir.path().join("indicators.ndjson");
    let mut text = String::new();
    for (n, p) in patterns.iter().enumerate() {
        let object = serde_json::json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "name": format!("pattern {n}"), "pattern": p, "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        });
        text.push_str(&object.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn run_paths(
    indicators: &std::path::Path,
    observations: &std::path::Path,
    extra: &[&str],
) -> (i32, String, String) {
    let out = Command::cargo_bin("accord")
        .unwrap()
        .arg("match")
        .arg("--indicators")
        .arg(indicators)
        .arg("--observations")
        .arg(observations)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The DNS lookup (10:15:02) and the flow to port 4444 (from 10:19:00) are four
/// minutes apart: a FOLLOWEDBY without WITHIN combines them inside the default hour,
/// not inside `--window 1m`, and the summary says what the window let go.
#[test]
fn a_pattern_without_within_combines_only_inside_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let indicators = indicator_file(
        &dir,
        &[
            "[domain-name:value = 'update-check.example'] FOLLOWEDBY [network-traffic:dst_port = 4444]",
        ],
    );
    let eve = testdata("eve.json");
    let (code, stdout, stderr) = run_paths(&indicators, &eve, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(matched_names(&stdout), ["pattern 0"], "{stderr}");
    assert!(
        stderr.contains("1 combining indicator(s), window 1h"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run_paths(&indicators, &eve, &["--window", "1m"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("1 observation(s) left their window unmatched"),
        "{stderr}"
    );
    let (code, _, stderr) = run_paths(&indicators, &eve, &["--window", "soon"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a duration"), "{stderr}");
}

#[test]
fn the_state_limit_is_reported_never_silently_exceeded() {
    let dir = tempfile::tempdir().unwrap();
    let indicators = indicator_file(
        &dir,
        &[
            "[domain-name:value = 'update-check.example'] FOLLOWEDBY [network-traffic:dst_port = 4444]",
        ],
    );
    let (code, stdout, stderr) =
        run_paths(&indicators, &testdata("eve.json"), &["--max-state", "0"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("2 dropped at --max-state 0"), "{stderr}");
    assert!(
        stderr.contains("warning: the state limit dropped 2 kept observation(s)"),
        "{stderr}"
    );
}

/// A file of many reading blocks (1 MiB each) gives every sighting, in file order, the
/// same with one thread as with several.
#[test]
fn a_file_of_many_blocks_gives_every_sighting_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let indicators = indicator_file(&dir, &["[domain-name:value = 'update-check.example']"]);
    let line = std::fs::read_to_string(testdata("eve.json"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let filler = r#"{"timestamp":"2026-11-29T10:15:03.000000+0000","event_type":"stats","stats":{"uptime":120}}"#;
    let mut text = String::new();
    let copies = 3000;
    for n in 0..copies {
        // Each copy differs (a distinct flow_id), so each has its own observation id.
        text.push_str(&line.replacen(
            "\"flow_id\":1190468719405377",
            &format!("\"flow_id\":{n}"),
            1,
        ));
        text.push('\n');
        for _ in 0..10 {
            text.push_str(filler);
            text.push('\n');
        }
    }
    assert!(text.len() > 3 << 20, "{}", text.len());
    let eve = dir.path().join("big-eve.json");
    std::fs::write(&eve, &text).unwrap();
    let (code, stdout, stderr) = run_paths(&indicators, &eve, &["--threads", "3", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let sighting: Value = serde_json::from_str(stdout.trim()).unwrap();
    let refs = sighting["observed_data_refs"].as_array().unwrap();
    assert_eq!(refs.len(), copies, "{stderr}");
    assert!(
        stderr.contains(&format!("from {} record(s)", copies * 11)),
        "{stderr}"
    );
    let (_, single, _) = run_paths(&indicators, &eve, &["--threads", "1", "--json"]);
    let single: Value = serde_json::from_str(single.trim()).unwrap();
    // The same sighting (its id derives from the indicator and the observations).
    assert_eq!(single["id"], sighting["id"]);
    assert_eq!(single["observed_data_refs"], sighting["observed_data_refs"]);
}
